"""Council news: the source list, relevance, and crawls of the three replica site shapes."""

from __future__ import annotations

import pytest
import yaml

from common.store import DocumentStore
from crawler.linking import confidence, shingles
from crawler.sources import DEFAULT_COUNCILS_FILE, SourceListError, load_sources
from indexer.attribution import is_about_ofsted
from replica.site import Site

from .conftest import crawl


def test_shipped_source_list_is_valid():
    sources = load_sources(DEFAULT_COUNCILS_FILE)
    names = {s.authority.name for s in sources}
    # The councils whose releases are in ../shared/corpus have entries.
    assert {"Darlington", "Derbyshire", "Ealing", "Hartlepool"} <= names
    for source in sources:
        assert source.sitemaps or source.listing
        assert source.allowed_domains


@pytest.mark.parametrize(
    "entry, message",
    [
        (
            {
                "authority": "Atlantis",
                "website": "https://a.example",
                "sitemaps": ["https://a.example/s.xml"],
            },
            "not in the authority register",
        ),
        ({"authority": "Leeds", "website": "https://a.example"}, "give 'sitemaps' or a 'listing'"),
        (
            {
                "authority": "Leeds",
                "website": "https://a.example",
                "listing": {"url": "https://a.example/news"},
            },
            "'listing' needs 'url' and 'links'",
        ),
        (
            {"authority": "Leeds", "website": "ftp://a.example", "sitemaps": ["https://a.example/s.xml"]},
            "not an http",
        ),
        ({"website": "https://a.example"}, "needs at least 'authority' and 'website'"),
    ],
)
def test_bad_source_entries_are_explained(tmp_path, entry, message):
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


def test_confidence_prefers_timely_releases_that_quote_the_letter():
    text = "Ofsted's focused visit found that staying put is a strength"
    assert confidence(1, 8, text, "Children's services focused visit") > 0.9
    assert confidence(1, 0, text, "Children's services focused visit") >= 0.4
    assert confidence(400, 0, text, "Children's services focused visit") < 0.4
    assert confidence(None, 0, text, None) == 0
    assert len(shingles("one two three four five six")) == 2


def test_crawl_finds_every_release_on_three_site_shapes_and_links_it(site_copy, make_replica, tmp_path):
    replica = make_replica(site_copy)
    site = Site.load(site_copy)
    config = replica.write_councils_config(tmp_path / "councils.yaml")
    env = {"OFSTED_FINDINGS_COUNCILS_FILE": str(config)}
    data = tmp_path / "data"
    first = crawl(replica, data, "ofsted", "councils", extra_env=env)
    releases = site.releases()
    assert first["failed"] == 0, first
    assert first["links"] == len(releases)
    filler = sum(len(c.pages) for c in site.councils) - len(releases)
    assert first["documents_skipped"] == filler
    with DocumentStore(data) as store:
        stored = {r.source: r for r in store.documents(kind="council")}
        expected = {f"{replica.council_url}/{c.slug}/news/{p.slug}": (c, p) for c, p in releases}
        assert set(stored) == set(expected)
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
