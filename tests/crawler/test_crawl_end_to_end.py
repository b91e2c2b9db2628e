"""Whole crawls of the replica on ephemeral 127.0.0.1 ports into a tmp store."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from common.config import Settings
from common.store import DocumentStore
from crawler.publications import KEPT_TYPES
from replica.server import Faults
from replica.site import Site

from .conftest import crawl


def test_full_crawl_stores_every_publication_once_then_nothing_new(site_copy, make_replica, tmp_path):
    replica = make_replica(site_copy)
    site = Site.load(site_copy)
    data = tmp_path / "data"

    first = crawl(replica, data)
    publications = site.publications()
    # Every request names the project and its contact URL, robots.txt included.
    assert list(replica.user_agents) == [Settings().user_agent]
    assert replica.requests[("ofsted", "/robots.txt")] == replica.requests[("files", "/robots.txt")] == 1
    assert first["documents_new"] == len(publications) and first["failed"] == 0, first
    assert first["pages"] == 2 + 153
    with DocumentStore(data) as store:
        records = list(store.documents(kind="ofsted"))
        assert len(records) == len(publications)
        by_source = {r.source: r for r in records}
        assert len(by_source) == len(records)
        for pub in publications:
            record = by_source[f"{replica.files_url}/v1/file/{pub.file_id}"]
            provider = next(p for p in site.providers if pub in p.publications)
            assert record.sha256 == pub.sha256 and record.status == "ok"
            assert (record.authority, record.urn, record.published, record.event_date) == (
                provider.name,
                provider.urn,
                pub.published,
                pub.event_date,
            )
            assert record.document_type in KEPT_TYPES and record.ons_code and record.region
            assert record.etag and record.last_modified and record.content_type == "application/pdf"
            assert record.extra["ofsted_name"] == provider.ofsted_name
        run = store.runs()[0]
        assert run["outcome"] == "finished" and run["stats"]["documents_new"] == len(publications)

    second = crawl(replica, data)
    assert second["documents_unchanged"] == len(publications), second
    assert second["documents_new"] == second["documents_changed"] == 0
    assert replica.statuses[304] == len(publications)
    pdf_bytes = sum(p.size for p in publications)
    assert second["bytes"] < first["bytes"] - pdf_bytes + 0.02 * pdf_bytes

    # One PDF changes on the site: exactly that document gets a new version.
    pub = publications[0]
    path = site_copy / pub.path
    path.write_bytes(path.read_bytes().replace(b"%%EOF", b"% revised\n%%EOF"))
    third = crawl(replica, data)
    assert (third["documents_changed"], third["documents_new"]) == (1, 0), third
    with DocumentStore(data) as store:
        versions = {r.source: r.version for r in store.documents(kind="ofsted")}
        changed = f"{replica.files_url}/v1/file/{pub.file_id}"
        assert versions.pop(changed) == 2 and set(versions.values()) == {1}
        assert store.get_by_source(changed).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_faults_are_retried_skipped_with_a_reason_or_stored(sample_site, make_replica, tmp_path):
    faults = Faults(
        files={
            "59100001": "500-once",
            "59100002": "429-once",
            "59100003": "text-html",
            "59100004": "zero-byte",
            "59100005": "html-as-pdf",
            "59100006": "truncated",
            "59100007": "redirect",
            "59100008": "404",
            "59100009": "encrypted",
            "59100010": "slow",
        },
        pages={"/provider/44/80566": "500-once"},  # Sunderland's page fails once
        duplicate_links={"80444"},
        robots_disallow=["/v1/file/59100011"],
        slow_seconds=0.5,
    )
    replica = make_replica(sample_site, faults)
    started = time.monotonic()
    result = crawl(replica, tmp_path / "data")
    assert time.monotonic() - started < 60
    files = replica.files_url + "/v1/file/"
    with DocumentStore(tmp_path / "data") as store:
        stored = {r.source for r in store.documents(kind="ofsted", status="ok")}
        failed = {r.source: r.error for r in store.documents(kind="ofsted", status="failed")}
    assert {
        files + i for i in ("59100001", "59100002", "59100007", "59100009", "59100010", "59100012")
    } <= stored
    assert failed == {
        files + "59100003": "served as text/html, not application/pdf",
        files + "59100004": "empty response (0 bytes) instead of a PDF",
        files + "59100005": failed[files + "59100005"],
        files + "59100006": failed[files + "59100006"],
        files + "59100008": "HTTP 404",
        files + "59100011": "forbidden by robots.txt",
    }
    assert failed[files + "59100006"].startswith("truncated PDF")
    assert failed[files + "59100005"].startswith("not a PDF: content starts with '<!DOCTYPE html>")
    assert replica.requests[("files", "/v1/file/59100011")] == 0
    assert replica.requests[("files", "/v1/file/59100002")] == 2  # 429, then success after Retry-After
    first_try, retry = replica.arrivals[("files", "/v1/file/59100002")]
    assert retry - first_try >= 0.95, "Retry-After: 1 was not honoured"
    assert replica.requests[("files", "/v1/file/59100012")] == 1  # duplicate link fetched once
    assert replica.requests[("ofsted", "/provider/44/80566")] == 2  # 500, then retried
    assert result["failed"] == 6 and result["pages_failed"] == 0 and len(result["errors"]) == 6
    assert result["documents_new"] == 6


def test_killed_crawl_resumes_without_refetching_what_it_stored(site_copy, make_replica, tmp_path):
    site = Site.load(site_copy)
    slow = {p.file_id for p in site.publications()[:4]}
    replica = make_replica(site_copy, Faults(files={i: "slow" for i in slow}, slow_seconds=30))
    data = tmp_path / "data"
    env = {
        **os.environ,
        "OFSTED_FINDINGS_DATA_DIR": str(data),
        "OFSTED_FINDINGS_OFSTED_URL": replica.ofsted_url,
        "OFSTED_FINDINGS_FILES_URL": replica.files_url,
        "OFSTED_FINDINGS_CRAWL_ENV": "local",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=Path(__file__).parents[2],
    )
    expected = len(site.publications()) - len(slow)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if (data / "catalogue.sqlite3").exists():
                with DocumentStore(data) as store:
                    if store.counts()["stored"] >= expected:
                        break
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    with DocumentStore(data) as store:
        assert store.counts()["stored"] == expected
        assert store.runs()[0]["finished_at"] is None
    replica.faults.files.clear()
    result = crawl(replica, data)
    assert result["documents_resumed"] == expected and result["documents_new"] == len(slow), result
    for pub in site.publications():
        fetched = replica.requests[("files", f"/v1/file/{pub.file_id}")]
        assert fetched == (2 if pub.file_id in slow else 1), pub.file_id
    with DocumentStore(data) as store:
        records = list(store.documents(kind="ofsted"))
        assert len(records) == len(site.publications()) and all(r.version == 1 for r in records)
        assert {r.sha256 for r in records} == {p.sha256 for p in site.publications()}


def test_the_cli_crawl_with_failed_pages_exits_1_and_lists_them(sample_site, make_replica, tmp_path):
    replica = make_replica(
        sample_site, Faults(files={"59100008": "404"}, pages={"/provider/44/80566": "500"})
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ofsted_findings",
            "crawl",
            "-q",
            "--env",
            "local",
            "--data-dir",
            str(tmp_path / "data"),
            "--ofsted-url",
            replica.ofsted_url,
            "--files-url",
            replica.files_url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 1, done.stderr  # README: 1 = collected, but some pages failed
    out = done.stdout
    assert "everything else was collected" in out and "next crawl asks for each of them again" in out
    assert f"{replica.files_url}/v1/file/59100008: HTTP 404 (not retried" in out
    assert f"{replica.ofsted_url}/provider/44/80566: HTTP 500 (retried 3 times)" in out
