"""Council news: the source list, relevance, and crawls of the three replica site shapes."""

from __future__ import annotations

import pytest
import yaml

from common.authorities import Register
from common.store import DocumentStore
from crawler.sources import DEFAULT_COUNCILS_FILE, SourceListError, load_sources, website_url
from indexer.attribution import is_about_ofsted
from replica.site import Site

from .conftest import crawl


def test_every_register_authority_is_crawled_without_a_hand_written_entry():
    register = Register.load()
    sources = load_sources(DEFAULT_COUNCILS_FILE)
    assert len(register) == 153 and len(sources) == 153
    assert {s.authority.name for s in sources} == {a.name for a in register}
    shipped = yaml.safe_load(DEFAULT_COUNCILS_FILE.read_text(encoding="utf-8"))["councils"]
    assert len(shipped) < 10  # overrides only: the register gives every other council's site
    for source in sources:
        assert source.website.startswith("https://") and source.hosts
        if not source.overridden:
            assert source.website == website_url(source.authority.website)
            assert not (source.sitemaps or source.listing or source.news_hosts)
    leeds = next(s for s in sources if s.authority.name == "Leeds")
    assert leeds.website == "https://www.leeds.gov.uk"
    knowsley = next(s for s in sources if s.authority.name == "Knowsley")
    assert knowsley.news_hosts == ("https://www.knowsleynews.co.uk",) and knowsley.website.endswith(
        "knowsley.gov.uk"
    )


def test_overrides_replace_the_website_add_hosts_and_can_limit_the_crawl(tmp_path):
    path = tmp_path / "councils.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "councils": [
                    {"authority": "Leeds City Council", "website": "http://127.0.0.1:9/", "exclude": ["/x/"]},
                    {"authority": "Wigan", "skip": True},
                    {
                        "authority": "Derbyshire",
                        "listing": {"url": "https://d.example/news", "links": "li a"},
                    },
                ]
            }
        ),
        encoding="utf-8",
    )
    sources = {s.authority.name: s for s in load_sources(path)}
    assert len(sources) == 152 and "Wigan" not in sources
    assert sources["Leeds"].website == "http://127.0.0.1:9" and sources["Leeds"].exclude == ("/x/",)
    assert sources["Derbyshire"].listing.links == "li a" and sources["Derbyshire"].listing.next is None
    data = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump({**data, "only_listed": True}), encoding="utf-8")
    assert sorted(s.authority.name for s in load_sources(path)) == ["Derbyshire", "Leeds"]


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"authority": "Atlantis"}, "not in the authority register"),
        ({"authority": "Leeds", "listing": {"links": "a"}}, "'listing' needs 'url'"),
        ({"authority": "Leeds", "website": "ftp://a.example"}, "not an http"),
        ({"authority": "Leeds", "news_hosts": "https://n.example"}, "'news_hosts' must be a list"),
        ({"authority": "Leeds", "sitemap": ["https://a.example/s.xml"]}, "unknown key"),
        ({"website": "https://a.example"}, "needs 'authority'"),
    ],
)
def test_bad_override_entries_are_explained(tmp_path, entry, message):
    path = tmp_path / "councils.yaml"
    path.write_text(yaml.safe_dump({"councils": [entry]}), encoding="utf-8")
    with pytest.raises(SourceListError, match=message):
        load_sources(path)
    path.write_text("councils: [unclosed", encoding="utf-8")
    with pytest.raises(SourceListError, match="cannot read"):
        load_sources(path)


def test_relevance_needs_ofsted_and_an_inspection_or_visit():
    assert is_about_ofsted("Inspectors praise support for care leavers", "Ofsted's letter said ...")
    assert is_about_ofsted(None, "Following a focused visit by Ofsted in June, ...")
    assert not is_about_ofsted("Fostering information evening", "Could you foster? Our fostering team ...")
    assert not is_about_ofsted("Ofsted registration for childminders", "Childminders must register.")


def test_crawl_finds_every_release_of_the_demo_sites_and_links_it(site_copy, make_replica, tmp_path):
    replica = make_replica(site_copy)
    site = Site.load(site_copy)
    config = replica.write_councils_config(tmp_path / "councils.yaml")
    env = {"OFSTED_FINDINGS_COUNCILS_FILE": str(config)}
    data = tmp_path / "data"
    first = crawl(replica, data, "ofsted", "councils", extra_env=env)
    releases = site.releases()
    assert first["failed"] == 0, first
    assert first["links"] == len(releases)
    with DocumentStore(data) as store:
        stored = {r.source: r for r in store.documents(kind="council")}
        expected = {replica.page_url(c, p): (c, p) for c, p in releases}
        assert set(stored) == set(expected)  # no filler page kept
        for source, (council, page) in expected.items():
            record = stored[source]
            assert (record.authority, record.published) == (council.authority, page.published)
            assert record.document_type == "Council response" and record.title
            assert record.extra["quotes"], source
            [link] = store.links(record.document_id)
            letter = store.get(link["to_document"])
            assert letter.source == f"{replica.files_url}/v1/file/{page.responds_to}"
            assert link["relation"] == "responds_to" and 0.4 <= link["confidence"] <= 1
    second = crawl(replica, data, "councils", extra_env=env)
    assert second["documents_new"] == 0 and second["documents_unchanged"] == len(releases), second


def test_a_bad_overrides_file_stops_the_crawl_with_a_clear_error(tmp_path):
    import os
    import subprocess
    import sys

    bad = tmp_path / "councils.yaml"
    bad.write_text(yaml.safe_dump({"councils": [{"authority": "Atlantis"}]}), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFSTED_FINDINGS_")}
    env.update(OFSTED_FINDINGS_COUNCILS_FILE=str(bad), OFSTED_FINDINGS_CRAWL_ENV="local")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ofsted_findings",
            "crawl",
            "--source",
            "councils",
            "--data-dir",
            str(tmp_path / "d"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "'Atlantis' is not in the authority register" in done.stderr


def test_what_the_crawl_asks_for_before_reading_a_page():
    from crawler.discovery import is_excluded, is_news_url, may_be_a_response

    assert may_be_a_response("https://c.gov.uk/news/ofsted-praises-our-care-leavers")
    assert may_be_a_response("https://c.gov.uk/news/article/12345")  # no words: read it
    assert not may_be_a_response("https://c.gov.uk/news/bin-collections-change")
    assert not may_be_a_response("https://c.gov.uk/news/x", "Ofsted rates Park Primary School good")
    assert not may_be_a_response("https://c.gov.uk/news/x", "Local area SEND inspection outcome")
    assert may_be_a_response("https://c.gov.uk/news/x", "HMI focussed visit letter published")
    assert is_news_url("https://c.gov.uk/council/press-releases/2024/a") and not is_news_url(
        "https://c.gov.uk/bins"
    )
    assert is_excluded("https://c.gov.uk/jobs/social-worker") and is_excluded("https://c.gov.uk/news/a.pdf")
    assert is_excluded("https://c.gov.uk/news/a", ("/news/",)) and not is_excluded("https://c.gov.uk/news/a")
