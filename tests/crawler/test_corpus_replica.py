"""The replica built from ../shared/corpus: all 153 authorities, real PDFs, seed releases."""

from __future__ import annotations

import pytest

from common.authorities import Register
from common.store import DocumentStore
from replica.build import build_corpus_site
from replica.site import Site

from .conftest import crawl


@pytest.fixture(scope="module")
def corpus_site(shared_dir, tmp_path_factory):
    return build_corpus_site(shared_dir / "corpus" / "ofsted-pdf", tmp_path_factory.mktemp("corpus-site"))


def test_corpus_site_has_every_authority_with_publications(corpus_site, shared_dir):
    site = Site.load(corpus_site)
    register = Register.load()
    assert {p.urn for p in site.providers} == {a.urn for a in register}
    assert all(p.publications for p in site.providers)
    manifest_rows = (shared_dir / "corpus" / "ofsted-pdf" / "MANIFEST.csv").read_text().count("\n") - 1
    assert len(site.publications()) >= manifest_rows
    # The project is not a copy of the corpus: the site links to it.
    assert (corpus_site / site.publications()[0].path).is_symlink()
    seeds = {page.slug for _, page in site.releases()}
    assert {
        "darlington-2021-council-release",
        "derbyshire-2021-council-release",
        "ealing-council-release",
        "unnamed-council-2022-release",
    } <= seeds


def test_full_crawl_finds_everything_links_every_seed_and_recrawls_cheaply(
    corpus_site, make_replica, tmp_path
):
    replica = make_replica(corpus_site)
    site = Site.load(corpus_site)
    env = {"OFSTED_FINDINGS_COUNCILS_FILE": str(replica.write_councils_config(tmp_path / "councils.yaml"))}
    data = tmp_path / "data"
    first = crawl(replica, data, "ofsted", "councils", extra_env=env, timeout=300)
    releases = site.releases()
    assert first["failed"] == 0, first["errors"][:5]
    assert first["documents_new"] == len(site.publications()) + len(releases)
    assert first["links"] == len(releases)
    with DocumentStore(data) as store:
        letters = list(store.documents(kind="ofsted"))
        assert len({r.source for r in letters}) == len(letters) == len(site.publications())
        assert {r.sha256 for r in letters} == {p.sha256 for p in site.publications()}
        for council, page in releases:
            record = store.get_by_source(replica.page_url(council, page))
            [link] = store.links(record.document_id)
            assert store.get(link["to_document"]).source == f"{replica.files_url}/v1/file/{page.responds_to}"

    second = crawl(replica, data, "ofsted", "councils", extra_env=env, timeout=300)
    assert second["documents_new"] == second["documents_changed"] == 0
    assert second["documents_unchanged"] == first["documents_new"]
    assert second["bytes"] <= 0.02 * first["bytes"], (second["bytes"], first["bytes"])
