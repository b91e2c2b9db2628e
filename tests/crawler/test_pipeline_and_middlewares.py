"""The store pipeline's checks and the retry/conditional middlewares, with a real store."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from scrapy.http import Request
from scrapy.utils.test import get_crawler

from crawler import summary
from crawler.items import OfstedDocument
from crawler.middlewares import BackoffRetryMiddleware, ConditionalRequestMiddleware, retry_after_seconds
from crawler.pipelines import StorePipeline, pdf_problem
from crawler.settings import base as base_settings
from crawler.spiders.ofsted import OfstedSpider
from crawler.storage import DATA_DIR_SETTING, store_for

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.parametrize(
    "body, content_type, reason",
    [
        (b"", "application/pdf", "empty response"),
        (PDF, "text/html; charset=utf-8", "served as text/html"),
        (b"<!DOCTYPE html><html>", "application/pdf", "not a PDF"),
        (PDF[:20], "application/pdf", "truncated PDF"),
    ],
)
def test_pdf_problems_are_named(body, content_type, reason):
    assert reason in pdf_problem(body, content_type)


def test_a_real_pdf_has_no_problem():
    assert pdf_problem(PDF, "application/pdf") is None
    assert pdf_problem(PDF, None) is None


def test_retry_after_in_seconds_or_http_date():
    assert retry_after_seconds(b"7") == 7.0
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


@pytest.fixture
def crawler(tmp_path):
    settings = {k: v for k, v in vars(base_settings).items() if k.isupper()}
    crawler = get_crawler(OfstedSpider, {**settings, DATA_DIR_SETTING: str(tmp_path / "data")})
    crawler.stats.open_spider()
    yield crawler
    store_for(crawler).close()


def document(**changes) -> OfstedDocument:
    fields = dict(
        source="http://127.0.0.1:1/v1/file/1",
        provider_url="http://127.0.0.1:2/provider/44/80481",
        ofsted_name="Leeds City Council",
        authority="Leeds",
        urn="80481",
        ons_code="E08000035",
        region="Yorkshire and the Humber",
        document_type="Children's services focused visit",
        title="Children's services focused visit",
        published="2024-03-14",
        event_date="2024-02-06",
        status=200,
        body=PDF,
        content_type="application/pdf",
        etag='"e1"',
        last_modified="Thu, 14 Mar 2024 09:00:00 GMT",
    )
    fields.update(changes)
    return OfstedDocument(**fields)


def test_pipeline_stores_new_then_unchanged_then_changed(crawler):
    pipeline = StorePipeline.from_crawler(crawler)
    store = store_for(crawler)
    pipeline.process_item(document())
    record = store.get_by_source("http://127.0.0.1:1/v1/file/1")
    assert record.authority == "Leeds" and record.etag == '"e1"' and record.version == 1
    assert record.extra == {
        "provider_url": "http://127.0.0.1:2/provider/44/80481",
        "ofsted_name": "Leeds City Council",
    }
    assert store.read_bytes(record) == PDF
    pipeline.process_item(document(status=304, body=b""))
    pipeline.process_item(document(body=PDF.replace(b"1.4", b"1.5"), etag='"e2"'))
    values = summary.snapshot(crawler.stats)
    assert (values["documents_new"], values["documents_unchanged"], values["documents_changed"]) == (1, 1, 1)
    assert store.get_by_source("http://127.0.0.1:1/v1/file/1").version == 2


def test_pipeline_records_bad_documents_and_goes_on(crawler):
    pipeline = StorePipeline.from_crawler(crawler)
    store = store_for(crawler)
    pipeline.process_item(document(source="http://x/v1/file/2", content_type="text/html"))
    pipeline.process_item(document(source="http://x/v1/file/3", error="HTTP 404", body=b""))
    failures = {r.source: r.error for r in store.failures()}
    assert failures == {
        "http://x/v1/file/2": "served as text/html, not application/pdf",
        "http://x/v1/file/3": "HTTP 404",
    }
    values = summary.snapshot(crawler.stats)
    assert values["failed"] == 2 and len(values["errors"]) == 2
    # A good copy already stored survives a later failure to fetch it.
    pipeline.process_item(document())
    pipeline.process_item(document(error="HTTP 500"))
    assert store.get_by_source("http://127.0.0.1:1/v1/file/1").status == "ok"


def test_conditional_headers_come_from_the_store(crawler):
    StorePipeline.from_crawler(crawler).process_item(document())
    middleware = ConditionalRequestMiddleware.from_crawler(crawler)
    known = Request("http://127.0.0.1:1/v1/file/1", meta={"conditional": "http://127.0.0.1:1/v1/file/1"})
    middleware.process_request(known)
    assert known.headers["If-None-Match"] == b'"e1"'
    assert known.headers["If-Modified-Since"] == b"Thu, 14 Mar 2024 09:00:00 GMT"
    unknown = Request("http://127.0.0.1:1/v1/file/9", meta={"conditional": "http://127.0.0.1:1/v1/file/9"})
    middleware.process_request(unknown)
    assert b"If-None-Match" not in unknown.headers
    page = Request("http://127.0.0.1:1/v1/file/1")
    middleware.process_request(page)
    assert b"If-None-Match" not in page.headers


def test_backoff_delay_prefers_retry_after_and_is_capped(crawler):
    from scrapy.http import Response

    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    request = Request("http://x/", meta={"retry_times": 2})
    assert middleware._delay(request) == pytest.approx(8.0)  # 2 * 2**2
    response = Response("http://x/", status=429, headers={"Retry-After": "3"})
    assert middleware._delay(request, response) == 3.0
    response = Response("http://x/", status=429, headers={"Retry-After": "100000"})
    assert middleware._delay(request, response) == middleware.retry_after_max
    assert not middleware._will_retry(Request("http://x/", meta={"retry_times": 3}))
