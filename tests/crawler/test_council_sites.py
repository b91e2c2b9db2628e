"""The councils crawl against the replica of 24 council sites (replica/councils.py): every CMS
shape discovered, robots.txt obeyed, hostile sites failing alone and reported by `status`, and a
re-crawl of the unchanged sites costing almost nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from common.config import Settings
from common.store import DocumentStore
from indexer.attribution import is_about_ofsted
from indexer.html import read_html
from replica.councils import SHAPES, build_council_sites
from replica.server import ReplicaServer
from replica.site import Site

from .conftest import crawl

ROOT = Path(__file__).parents[2]
HOSTILE = {"server-error", "timeout", "redirect-loop", "huge"}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """Two crawls of the unchanged replica; the server's counts after each."""
    tmp = tmp_path_factory.mktemp("council-sites")
    site = Site.load(build_council_sites(tmp / "site"))
    with ReplicaServer(tmp / "site") as replica:
        env = {"OFSTED_FINDINGS_COUNCILS_FILE": str(replica.write_councils_config(tmp / "councils.yaml"))}
        first = crawl(replica, tmp / "data", "councils", extra_env=env, timeout=240)
        after_first = {
            "bytes": dict(replica.bytes_by_host),
            "statuses": dict(replica.statuses),
            "requests": dict(replica.requests),
        }
        second = crawl(replica, tmp / "data", "councils", extra_env=env, timeout=240)
        yield {
            "site": site,
            "replica": replica,
            "data": tmp / "data",
            "first": first,
            "second": second,
            "after_first": after_first,
        }


def _stored(data: Path) -> dict:
    with DocumentStore(data) as store:
        return {r.source: r for r in store.documents(kind="council")}


def _status(data: Path) -> tuple[dict, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFSTED_FINDINGS_")}
    args = [sys.executable, "-m", "ofsted_findings", "status", "--data-dir", str(data)]
    as_json = subprocess.run([*args, "--format", "json"], env=env, capture_output=True, text=True, cwd=ROOT)
    text = subprocess.run(args, env=env, capture_output=True, text=True, cwd=ROOT)
    assert as_json.returncode == 0 and text.returncode == 0, as_json.stderr + text.stderr
    return json.loads(as_json.stdout), text.stdout


def test_the_replica_has_at_least_20_sites_in_every_shape(crawled):
    site = crawled["site"]
    assert len(site.councils) >= 20
    assert {c.shape for c in site.councils} == set(SHAPES)


def test_every_shape_is_discovered_and_the_page_decides_what_is_kept(crawled):
    site, replica, data = crawled["site"], crawled["replica"], crawled["data"]
    stored = _stored(data)
    kept_by_wording = set()
    for council in site.councils:
        if council.shape in HOSTILE | {"robots-forbids-news"}:
            continue
        for page in council.pages:
            if page.kind != "response":
                continue
            url = replica.page_url(council, page)
            path = url.split("/", 3)[3]
            # Discovered and fetched, whatever the shape (sitemap index, gzip, default sitemap,
            # listing, paginated listing, separate news host, a site that moved).
            hosts = (council.slug, f"{council.slug}:news", f"{council.slug}:new")
            assert sum(replica.requests[(host, "/" + path)] for host in hosts) >= 1, (council.shape, url)
            page_text = (crawled["replica"].site_dir / page.path).read_text(encoding="utf-8")
            html = read_html(page_text)
            about = is_about_ofsted(html.title, "\n".join(b.text for b in html.blocks))
            # The crawler keeps exactly the pages indexer.attribution says are about Ofsted.
            assert (url in stored) == about, (url, about)
            if about:
                kept_by_wording.add(url)
                record = stored[url]
                assert record.authority == council.authority and record.document_type == "Council response"
    assert len(kept_by_wording) >= 15
    # Releases that name Ofsted with an inspection or visit, however worded, are kept.
    for wording in ("OFSTED VISIT TO DUDLEY", "Findings of Ofsted focused visit to Medway"):
        assert any(r.title and wording in r.title for r in stored.values()), wording


def test_dates_the_site_gives_are_passed_on_never_guessed(crawled):
    site, replica, stored = crawled["site"], crawled["replica"], _stored(crawled["data"])
    listing_shapes = {"listing", "paginated", "boilerplate"}
    sitemap_shapes = {"sitemap-index", "sitemap-gzip", "sitemap", "news-host", "moved"}
    seen = set()
    for council in site.councils:
        for page in council.pages:
            record = stored.get(replica.page_url(council, page))
            if record is None:
                continue
            if council.shape in listing_shapes:
                assert record.extra.get("listed_date") == page.published
            if council.shape in sitemap_shapes:
                assert record.extra.get("sitemap_lastmod") == page.published
            # Only the page's own article:published_time becomes the published date.
            has_meta = 'property="article:published_time"' in (replica.site_dir / page.path).read_text()
            assert record.published == (page.published if has_meta else None)
            seen.add(council.shape)
    assert seen >= {"listing", "paginated", "sitemap-index", "sitemap-gzip", "news-host", "moved"}


def test_pages_that_only_look_like_responses_are_not_kept(crawled):
    site, replica, stored = crawled["site"], crawled["replica"], _stored(crawled["data"])
    for council in site.councils:
        for page in council.pages:
            if page.kind in ("school", "send", "jobs", "agenda", "filler"):
                assert replica.page_url(council, page) not in stored
            if page.kind in ("jobs", "agenda"):  # never even requested
                assert not any(p == page.url_path for (_, p) in replica.requests), page.url_path


def test_robots_txt_forbidding_news_is_obeyed(crawled):
    replica = crawled["replica"]
    portsmouth = [(path, n) for (role, path), n in replica.requests.items() if role == "portsmouth"]
    assert any(path == "/sitemap.xml" for path, _ in portsmouth)  # the sitemap robots.txt names is read
    assert not [path for path, _ in portsmouth if path.startswith("/news/")]
    report, _ = _status(crawled["data"])
    [row] = [r for r in report["council_sites"] if r["authority"] == "Portsmouth"]
    assert row["failures"] and all("forbidden by robots.txt" in f for f in row["failures"])


def test_hostile_sites_fail_alone_and_status_says_what_failed(crawled):
    site, first = crawled["site"], crawled["first"]
    report, text = _status(crawled["data"])
    rows = {r["authority"]: r for r in report["council_sites"]}
    assert len(rows) == len(site.councils)
    expected = {
        "server-error": "HTTP 500",
        "timeout": "timed out",
        "redirect-loop": "max redirections",
        "huge": "larger than the download size limit",
    }
    for council in site.councils:
        row = rows[council.authority]
        if council.shape in HOSTILE:
            assert row["last_read"] is None and row["pages"] == 0
            assert any(expected[council.shape] in f for f in row["failures"]), (council.shape, row)
            assert f"{council.authority} (" in text and expected[council.shape] in text
        elif council.shape != "robots-forbids-news":
            assert row["failures"] == [] and row["last_read"] and row["pages"] >= 2, row
    assert first["outcome"] == "finished" and first["failed"] >= len(HOSTILE)
    assert "Council sites: 24 crawled, 19 without failures, 5 with failures." in text


def test_a_recrawl_of_the_unchanged_sites_fetches_under_2_percent_of_the_bytes(crawled):
    replica, before = crawled["replica"], crawled["after_first"]
    site, second = crawled["site"], crawled["second"]
    first_bytes = dict(before["bytes"])
    second_bytes = {h: n - first_bytes.get(h, 0) for h, n in replica.bytes_by_host.items()}
    huge = next(c.slug for c in site.councils if c.shape == "huge")
    # The huge home page is refused on its headers both times, but the server has pushed it into
    # the socket by then: counted apart, and no dearer the second time.
    assert second_bytes[huge] <= first_bytes[huge]
    first_total = sum(n for h, n in first_bytes.items() if h != huge)
    second_total = sum(n for h, n in second_bytes.items() if h != huge)
    assert first_total > 50_000
    assert second_total <= 0.02 * first_total, (second_total, first_total)
    # Conditional requests did it: every page read again came back 304.
    not_modified = replica.statuses[304] - before["statuses"].get(304, 0)
    assert not_modified >= second["pages"] - 5 and not_modified > 50
    assert second["documents_new"] == second["documents_changed"] == 0
    assert second["documents_unchanged"] == crawled["first"]["documents_new"] > 0


def test_every_request_identifies_the_crawler(crawled):
    assert set(crawled["replica"].user_agents) == {Settings().user_agent}
