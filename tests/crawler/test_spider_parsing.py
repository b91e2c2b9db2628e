"""The Ofsted spider on saved pages (fixtures in the real markup), offline."""

from __future__ import annotations

from pathlib import Path

import pytest
import scrapy
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.publications import (
    FOCUSED_VISIT,
    INSPECTION,
    JTAI,
    MONITORING,
    classify,
    parse_long_date,
    parse_nonvisual,
)
from crawler.spiders.ofsted import OfstedSpider

FIXTURES = Path(__file__).with_name("fixtures")
ROOT = "https://reports.ofsted.gov.uk"


def response_for(name: str, url: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=(FIXTURES / name).read_bytes(), encoding="utf-8", request=Request(url))


@pytest.fixture(scope="module")
def spider():
    crawler = get_crawler(OfstedSpider)
    crawler.stats.open_spider()
    return OfstedSpider.from_crawler(crawler)


def test_allowed_domains_come_from_the_site_roots():
    spider = OfstedSpider(ofsted_url="http://127.0.0.1:8001/", files_url="http://127.0.0.1:8002")
    assert spider.allowed_domains == ["127.0.0.1"]
    spider = OfstedSpider()
    assert spider.allowed_domains == ["files.ofsted.gov.uk", "ofsted.gov.uk", "reports.ofsted.gov.uk"]
    assert OfstedSpider(rows=500).rows == 100


def test_listing_yields_every_provider_and_the_next_page(spider):
    results = list(spider.parse_listing(response_for("listing-page-1.html", ROOT + "/search?start=0&rows=3")))
    providers = [r for r in results if r.callback == spider.parse_provider]
    assert [r.url for r in providers] == [
        ROOT + "/provider/44/80486",
        ROOT + "/provider/44/80426",
        ROOT + "/provider/44/80477",
    ]
    assert providers[2].cb_kwargs == {"ofsted_name": "Kingston Upon Hull, City of"}
    pages = [r for r in results if r.callback == spider.parse_listing]
    assert len(pages) == 1 and "start=3" in pages[0].url and "level_2_types%5B%5D=12" in pages[0].url


def test_last_listing_page_ends_pagination(spider):
    results = list(
        spider.parse_listing(response_for("listing-last-page.html", ROOT + "/search?start=150&rows=100"))
    )
    assert [r.url for r in results] == [ROOT + "/provider/44/80453"]


def test_provider_page_yields_kept_publications_with_their_facts(spider):
    results = list(spider.parse_provider(response_for("provider-80426.html", ROOT + "/provider/44/80426")))
    documents = {r.url: r.meta["document"] for r in results}
    assert set(documents) == {
        "https://files.ofsted.gov.uk/v1/file/50208812",
        "https://files.ofsted.gov.uk/v1/file/50190111",
        "https://files.ofsted.gov.uk/v1/file/50038886",
        "https://reports.ofsted.gov.uk/v1/file/50011111",
    }
    fv = documents["https://files.ofsted.gov.uk/v1/file/50208812"]
    assert fv == {
        "source": "https://files.ofsted.gov.uk/v1/file/50208812",
        "provider_url": ROOT + "/provider/44/80426",
        "ofsted_name": "Barnsley Metropolitan Borough Council",
        "authority": "Barnsley",
        "urn": "80426",
        "ons_code": "E08000038",
        "region": "Yorkshire and the Humber",
        "document_type": FOCUSED_VISIT,
        "title": "Children's services focused visit",
        "published": "2023-03-01",
        "event_date": "2023-01-25",
    }
    assert documents["https://files.ofsted.gov.uk/v1/file/50190111"]["document_type"] == JTAI
    ilacs = documents["https://files.ofsted.gov.uk/v1/file/50038886"]
    assert (ilacs["document_type"], ilacs["published"], ilacs["event_date"]) == (
        INSPECTION,
        "2018-11-19",
        "2018-10-08",
    )
    monitoring = documents["https://reports.ofsted.gov.uk/v1/file/50011111"]
    assert (monitoring["document_type"], monitoring["published"], monitoring["event_date"]) == (
        MONITORING,
        "2016-08-04",
        None,
    )
    for request in results:
        assert request.meta["conditional"] == request.url
        assert request.meta["handle_httpstatus_list"] == [304]
        assert request.callback == spider.parse_document


@pytest.mark.parametrize(
    "title, expected",
    [
        ("Children's services focused visit", FOCUSED_VISIT),
        ("Children’s services focused visit", FOCUSED_VISIT),
        ("children's services inspection", INSPECTION),
        (
            "Inspection of services for children in need of help and protection, children looked after and care leavers",
            INSPECTION,
        ),
        ("Joint area child protection inspection", JTAI),
        ("Joint targeted area inspection", JTAI),
        ("Monitoring visit", MONITORING),
        ("Area SEND full inspection", None),
        ("Local area SEND inspection", None),
    ],
)
def test_classify(title, expected):
    assert classify(title) == expected


def test_nonvisual_text_and_dates():
    assert parse_nonvisual("Area SEND full inspection, pdf - 15 July 2024") == (
        "Area SEND full inspection",
        "2024-07-15",
    )
    assert parse_nonvisual("children's services inspection,  pdf - 16 august 2013") == (
        "children's services inspection",
        "2013-08-16",
    )
    assert parse_nonvisual("Monitoring visit") == ("Monitoring visit", None)
    assert parse_long_date("1st February 2024") == "2024-02-01"
    assert parse_long_date("31 February 2024") is None
    assert parse_long_date("") is None


def test_document_response_becomes_an_item(spider):
    document = {
        "source": "https://files.ofsted.gov.uk/v1/file/1",
        "provider_url": ROOT + "/provider/44/80426",
        "ofsted_name": "Barnsley",
        "authority": "Barnsley",
        "urn": "80426",
        "ons_code": "E08000038",
        "region": "Yorkshire and the Humber",
        "document_type": FOCUSED_VISIT,
        "title": "t",
        "published": "2023-03-01",
        "event_date": None,
    }
    request = Request(document["source"], meta={"document": document})
    response = scrapy.http.Response(
        document["source"],
        status=200,
        body=b"%PDF-1.4 ...",
        headers={
            "Content-Type": "application/pdf",
            "ETag": '"abc"',
            "Last-Modified": "Wed, 01 Mar 2023 09:00:00 GMT",
        },
        request=request,
    )
    [item] = list(spider.parse_document(response))
    assert item.body == b"%PDF-1.4 ..." and item.etag == '"abc"' and item.status == 200
    assert item.content_type == "application/pdf" and item.authority == "Barnsley"
    not_modified = scrapy.http.Response(document["source"], status=304, request=request)
    [item] = list(spider.parse_document(not_modified))
    assert item.status == 304 and item.body == b""


def test_listing_without_next_link_goes_on_by_its_result_count(spider):
    body = (FIXTURES / "listing-page-1.html").read_text(encoding="utf-8")
    body = body.replace('<li class="next">', '<li class="next-removed">').replace("pagination__next", "gone")
    url = ROOT + "/search?start=0&rows=100"
    response = HtmlResponse(url=url, body=body.encode(), encoding="utf-8", request=Request(url))
    pages = [r for r in spider.parse_listing(response) if r.callback == spider.parse_listing]
    # Only 3 of 153 results were on the page although 100 were asked for: ask from 3 on.
    assert len(pages) == 1 and "start=3" in pages[0].url and "rows=100" in pages[0].url
