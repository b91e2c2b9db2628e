"""The web app works the same on both engines: the core journeys again, on
the real Elasticsearch node that `make test` starts."""

from __future__ import annotations

import csv
import io
import uuid

import pytest

from common.config import Settings
from common.store import DocumentStore
from indexer.engines.elasticsearch import ElasticsearchEngine
from indexer.query import SynonymTable
from indexer.search import PUBLIC_FIELDS, Searcher
from indexer.themes import Taxonomy
from tests.webapp import sample
from webapp import create_app


@pytest.fixture(scope="module")
def es_client(es_url, tmp_path_factory):
    settings = Settings.from_env(
        environ={},
        data_dir=tmp_path_factory.mktemp("webapp-es"),
        base_url="http://findings.test",
        engine="elasticsearch",
        es_url=es_url,
    )
    engine = ElasticsearchEngine(es_url, f"webapp-{uuid.uuid4().hex[:12]}")
    store = DocumentStore.open(settings)
    ids = sample.build(store, engine)
    searcher = Searcher(engine, SynonymTable.from_taxonomy(Taxonomy.load()))
    try:
        yield create_app(settings, searcher=searcher, store=store).test_client(), ids
    finally:
        for name in engine.indices():
            engine.es.options(ignore_status=404).indices.delete(index=name)
        engine.close()
        store.close()


def test_search_api_on_elasticsearch(es_client):
    client, _ = es_client
    body = client.get("/api/v1/search?q=staying put").get_json()
    assert set(PUBLIC_FIELDS) <= set(body["results"][0])
    assert {"Wigan", "Leeds", "Kent"} <= {r["authority"] for r in body["results"]}
    assert any("<mark>" in r["snippet"] for r in body["results"])
    both = client.get("/api/v1/search?q=staying put&authority=Wigan&authority=Leeds").get_json()
    assert {r["authority"] for r in both["results"]} == {"Wigan", "Leeds"}
    assert {f["value"] for f in both["facets"]["authority"]} >= {"Wigan", "Leeds", "Kent"}


def test_payloads_stay_escaped_on_elasticsearch(es_client):
    client, _ = es_client
    body = client.get("/api/v1/search?q=staying put&authority=Kent&per_page=100").get_json()
    snippets = " ".join(r["snippet"] for r in body["results"])
    assert "<script" not in snippets and "<img" not in snippets and "<svg" not in snippets
    html = client.get("/search?q=staying+put&authority=Kent").get_data(as_text=True)
    assert "&lt;img src=x onerror" in html and "&lt;svg onload" in html
    assert "<img" not in html and "<svg" not in html


def test_pages_and_exports_on_elasticsearch(es_client):
    client, ids = es_client
    wigan = ids["https://files.example.test/v1/file/1001"]
    for url in (
        "/",
        "/search?q=staying+put",
        "/search?q=staying+put&view=authorities",
        "/compare?q=staying+put",
        f"/documents/{wigan}",
        "/authorities/kent",
        "/status",
        "/search.atom?q=staying+put",
        "/readyz",
    ):
        assert client.get(url).status_code == 200, url
    assert 'id="p3"' in client.get(f"/documents/{wigan}").get_data(as_text=True)
    total = client.get("/api/v1/search?q=staying").get_json()["total"]
    text = client.get("/search.csv?q=staying").get_data(as_text=True)
    assert len(list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))) == total
