"""What only the Elasticsearch engine has: the index lifecycle behind its alias, its
analyzers on a real node, and its failure modes. The shared behaviour is in test_contract.py."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timezone

import pytest
from markupsafe import Markup

from indexer.engines.base import (
    EngineError,
    EngineUnavailable,
    IndexWriteError,
    SearchRequest,
)
from indexer.engines.elasticsearch import (
    DERIVED_FIELDS,
    SCHEMA_VERSION,
    BulkLoadError,
    ElasticsearchEngine,
    FastJsonSerializer,
    index_mappings,
    index_settings,
    to_document,
)
from indexer.engines.elasticsearch.query import search_body
from indexer.model import Paragraph
from indexer.query import parse

from .conftest import PARAGRAPHS

pytestmark = pytest.mark.elasticsearch


@pytest.fixture
def es_engine(es_url):
    engine = ElasticsearchEngine(es_url, f"lifecycle-{uuid.uuid4().hex[:12]}")
    yield engine
    for name in engine.indices():
        engine.es.options(ignore_status=404).indices.delete(index=name)
    engine.es.options(ignore_status=404).indices.delete(index=engine.alias)
    engine.close()


def _found(engine, q=""):
    return {h["paragraph_id"] for h in engine.search(SearchRequest(q=q, limit=100), parse(q)).hits}


def test_each_rebuild_is_a_new_timestamped_index_behind_the_alias(es_engine):
    es_engine.rebuild(PARAGRAPHS[:2])
    first = es_engine.live_index()
    assert re.fullmatch(re.escape(es_engine.alias) + r"-\d{8}t\d{12}z-[0-9a-f]{8}", first)
    es_engine.rebuild(PARAGRAPHS[:3])
    second = es_engine.live_index()
    assert second != first and es_engine.indices() == [first, second]
    es_engine.rebuild(PARAGRAPHS[:4])
    # One old index is kept for a rollback; older ones go.
    assert es_engine.indices() == [second, es_engine.live_index()]
    assert len(_found(es_engine)) == 4


def test_rollback_points_the_alias_at_the_previous_index(es_engine):
    es_engine.rebuild(PARAGRAPHS[:2])
    es_engine.rebuild(PARAGRAPHS)
    assert len(_found(es_engine)) == 12
    es_engine.rollback()
    assert _found(es_engine) == {"d1-1", "d1-2"}
    with pytest.raises(EngineUnavailable, match="no earlier index"):
        es_engine.rollback()


def test_loading_settings_are_restored_after_a_rebuild(es_engine):
    es_engine.rebuild(PARAGRAPHS)
    live = es_engine.live_index()
    settings = es_engine.es.indices.get_settings(index=live)[live]["settings"]["index"]
    assert settings["refresh_interval"] == "1s"
    assert settings["auto_expand_replicas"] == "0-all"
    assert settings["number_of_shards"] == "1"
    mapping = es_engine.es.indices.get_mapping(index=live)[live]["mappings"]
    assert mapping["_meta"]["schema_version"] == SCHEMA_VERSION == 3
    assert mapping["properties"]["published"]["type"] == "date"


def test_refused_paragraphs_stop_the_switch_and_say_why(es_engine):
    es_engine.rebuild(PARAGRAPHS)
    live = es_engine.live_index()
    bad = Paragraph(document_id="bad", paragraph_number="not a number", text="x")  # type: ignore[arg-type]
    with pytest.raises(BulkLoadError, match="refused 1 of 13 paragraphs"):
        es_engine.rebuild([*PARAGRAPHS, bad])
    assert es_engine.live_index() == live and es_engine.indices() == [live]
    assert len(_found(es_engine)) == 12


def test_a_rebuild_cleans_up_what_an_interrupted_one_left(es_engine):
    es_engine.rebuild(PARAGRAPHS[:1])
    # A rebuild killed half-way (process or node gone) leaves an index nobody points at.
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dt%H%M%S%fz")
    orphan = f"{es_engine.alias}-{stamp}-deadbeef"
    es_engine.es.indices.create(index=orphan, settings=index_settings(), mappings=index_mappings())
    assert orphan in es_engine.indices()
    es_engine.rebuild(PARAGRAPHS)
    assert orphan not in es_engine.indices() and len(es_engine.indices()) == 2


def test_other_aliases_indices_are_never_touched(es_engine):
    neighbour = ElasticsearchEngine(es_engine.url, es_engine.alias + "-neighbour")
    try:
        neighbour.rebuild(PARAGRAPHS[:1])
        es_engine.rebuild(PARAGRAPHS[:2])
        es_engine.rebuild(PARAGRAPHS[:3])
        es_engine.rebuild(PARAGRAPHS[:4])
        assert _found(neighbour) == {"d1-1"}
        assert not set(neighbour.indices()) & set(es_engine.indices())
    finally:
        for name in neighbour.indices():
            neighbour.es.indices.delete(index=name)


def test_a_plain_index_under_the_alias_name_is_a_clear_error(es_engine):
    es_engine.es.indices.create(index=es_engine.alias)
    with pytest.raises(EngineUnavailable, match="plain index, not an alias"):
        es_engine.rebuild(PARAGRAPHS)
    assert es_engine.indices() == []


def test_incremental_updates_write_into_the_live_index(es_engine):
    es_engine.replace_documents(["d1"], PARAGRAPHS[:4])  # before any rebuild: creates the index
    live = es_engine.live_index()
    assert live and _found(es_engine) == {"d1-1", "d1-2", "d1-3", "d1-4"}
    es_engine.replace_documents(["d1"], PARAGRAPHS[:2])
    assert es_engine.live_index() == live and _found(es_engine) == {"d1-1", "d1-2"}


def test_stats_name_the_indices(es_engine):
    assert es_engine.stats()["paragraphs"] == 0
    es_engine.rebuild(PARAGRAPHS)
    stats = es_engine.stats()
    assert (stats["paragraphs"], stats["documents"], stats["index"]) == (12, 4, es_engine.live_index())


@pytest.mark.parametrize("name", ["", "UPPER", "-dash", "a b", "a/b", "..", "a*"])
def test_unusable_index_names_are_refused(name):
    with pytest.raises(ValueError, match="index name"):
        ElasticsearchEngine("http://127.0.0.1:9", name)


def test_the_node_indexes_the_engines_stems_split_on_spaces(es_engine):
    """The node stems nothing itself: it indexes indexer.analysis's stems as they come, so
    it matches exactly what the SQLite engine matches."""
    es_engine.rebuild(PARAGRAPHS[:1])
    doc = to_document(PARAGRAPHS[0])
    tokens = es_engine.es.indices.analyze(index=es_engine.alias, field="stems", text=doc["stems"])["tokens"]
    assert [t["token"] for t in tokens] == doc["stems"].split()
    assert doc["stems"].startswith("most young peopl are stay put with their former foster carer")


def test_derived_fields_are_searched_but_never_stored(es_engine):
    es_engine.rebuild(PARAGRAPHS[:1])
    raw = es_engine.es.get(index=es_engine.alias, id=PARAGRAPHS[0].paragraph_id)["_source"]
    assert not set(DERIVED_FIELDS) & set(raw) and raw["text"] == PARAGRAPHS[0].text
    assert "highlight" not in search_body(SearchRequest(q="staying"), parse("staying"))


def test_a_stopped_node_is_unavailable_not_a_crash():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    engine = ElasticsearchEngine(f"http://127.0.0.1:{port}", "anything", request_timeout=2)
    for call in (
        engine.check,
        engine.stats,
        engine.document_ids,
        lambda: engine.rebuild(PARAGRAPHS),
        lambda: list(engine.scan(SearchRequest(), parse(""))),
        lambda: engine.replace_documents(["d1"], PARAGRAPHS[:1]),
    ):
        with pytest.raises(EngineUnavailable, match=f"127.0.0.1:{port}"):
            call()


# -- schema versions -----------------------------------------------------------------------


def _old_index_behind_the_alias(engine, mappings: dict) -> str:
    """An index as an older version of the code built it, with the alias pointing at it."""
    name = f"{engine.alias}-20240101t000000000000z-0000a1d0"
    engine.es.indices.create(index=name, settings=index_settings(), mappings=mappings)
    engine.es.indices.put_alias(index=name, name=engine.alias)
    return name


def _v1_mappings() -> dict:
    """Schema version 1: the mapping before the judgement field."""
    mappings = json.loads(json.dumps(index_mappings()))
    mappings["_meta"]["schema_version"] = 1
    del mappings["properties"]["judgement"]
    return mappings


def test_new_indices_record_the_schema_version(es_engine):
    es_engine.replace_documents(["d1"], PARAGRAPHS[:1])  # the index an incremental update creates
    live = es_engine.live_index()
    assert es_engine.live_schema_version(live) == SCHEMA_VERSION
    assert es_engine.stats()["index_schema_version"] == SCHEMA_VERSION


def test_incremental_updates_refuse_an_index_of_an_older_schema(es_engine):
    old = _old_index_behind_the_alias(es_engine, _v1_mappings())
    doc = to_document(PARAGRAPHS[0])
    del doc["judgement"]
    es_engine.es.index(index=old, id=PARAGRAPHS[0].paragraph_id, document=doc, refresh=True)
    # Searches on the old (compatible) index keep working...
    assert _found(es_engine) == {"d1-1"}
    # ...but writing today's paragraphs into it would be refused field by field: a clear
    # error that says what to do instead, and nothing written.
    with pytest.raises(
        IndexWriteError,
        match=r"schema version 1.*writes schema version 3.*"
        r"full `ofsted-findings index`",
    ) as caught:
        es_engine.replace_documents(["d1"], PARAGRAPHS[:4])
    assert isinstance(caught.value, EngineError) and old in str(caught.value)
    assert _found(es_engine) == {"d1-1"} and es_engine.live_index() == old
    # A full rebuild makes a new index of today's schema; incremental updates work again.
    es_engine.rebuild(PARAGRAPHS[:2])
    assert es_engine.live_schema_version(es_engine.live_index()) == SCHEMA_VERSION
    es_engine.replace_documents(["d1"], PARAGRAPHS[:4])
    assert _found(es_engine) == {"d1-1", "d1-2", "d1-3", "d1-4"}


def test_an_index_without_a_recorded_version_is_refused_too(es_engine):
    mappings = json.loads(json.dumps(index_mappings()))
    del mappings["_meta"]
    _old_index_behind_the_alias(es_engine, mappings)
    with pytest.raises(IndexWriteError, match="no recorded schema version"):
        es_engine.replace_documents(["d1"], PARAGRAPHS[:1])


def test_an_index_of_a_newer_schema_is_refused(es_engine):
    mappings = json.loads(json.dumps(index_mappings()))
    mappings["_meta"]["schema_version"] = SCHEMA_VERSION + 1
    _old_index_behind_the_alias(es_engine, mappings)
    with pytest.raises(IndexWriteError, match=f"schema version {SCHEMA_VERSION + 1}"):
        es_engine.replace_documents(["d1"], PARAGRAPHS[:1])


def test_indices_labelled_1_with_version_2_fields_count_as_version_2(es_engine):
    # mappings.v2.json said 1 in its _meta until the version check came: such indices
    # have the judgement field; they are version 2, and today's paragraphs (version 3,
    # stems from indexer.analysis) need a rebuild.
    mappings = json.loads(json.dumps(index_mappings()))
    mappings["_meta"]["schema_version"] = 1
    old = _old_index_behind_the_alias(es_engine, mappings)
    assert es_engine.live_schema_version(old) == 2
    with pytest.raises(IndexWriteError, match="schema version 2.*writes schema version 3"):
        es_engine.replace_documents(["d1"], PARAGRAPHS[:2])


def test_refused_paragraphs_are_an_index_write_error(es_engine):
    assert issubclass(BulkLoadError, IndexWriteError)


# -- snippets ------------------------------------------------------------------------------


def test_exported_hits_are_not_highlighted(es_engine):
    es_engine.rebuild(PARAGRAPHS)
    hits = {h["paragraph_id"]: h for h in es_engine.scan(SearchRequest(q="passports"), parse("passports"))}
    snippet = hits["d2-3"]["snippet"]
    assert "<mark>" not in snippet and "passports" in snippet
    assert "&lt;script&gt;" in snippet and "<script" not in snippet


def _snippets(engine, q, **kwargs):
    return {
        h["paragraph_id"]: str(h["snippet"])
        for h in engine.search(SearchRequest(q=q, limit=100, **kwargs), parse(q)).hits
    }


def test_stemmed_and_prefix_matches_are_marked(es_engine):
    es_engine.rebuild(PARAGRAPHS)
    assert "<mark>Personal advisers</mark>" in _snippets(es_engine, '"personal advisers"')["d1-4"]
    assert "<mark>personal adviser</mark>" in _snippets(es_engine, '"personal advisers"')["d4-1"]
    assert "<mark>passports</mark>" in _snippets(es_engine, "passport")["d2-3"]
    prefixed = _snippets(es_engine, "advis*")
    assert "<mark>advisers</mark>" in prefixed["d1-4"] and "<mark>Advisor</mark>" in prefixed["d2-2"]


def test_without_snippets_the_same_hits_come_unmarked(es_engine):
    es_engine.rebuild(PARAGRAPHS)
    q = "passports | hotel"
    marked = es_engine.search(SearchRequest(q=q, limit=100), parse(q))
    plain = es_engine.search(SearchRequest(q=q, limit=100, snippets=False), parse(q))
    assert [h["paragraph_id"] for h in plain.hits] == [h["paragraph_id"] for h in marked.hits]
    assert [h["score"] for h in plain.hits] == [h["score"] for h in marked.hits]
    assert plain.total == marked.total and plain.facets == marked.facets
    assert any("<mark>" in h["snippet"] for h in marked.hits)
    for hit in plain.hits:
        assert "<mark>" not in hit["snippet"] and isinstance(hit["snippet"], Markup)
    snippet = {h["paragraph_id"]: h["snippet"] for h in plain.hits}["d2-3"]
    assert "&lt;script&gt;" in snippet and "<script" not in snippet


def test_the_client_reads_and_writes_json_as_the_standard_library_does():
    """orjson where it can; the standard library's bytes where orjson refuses (a lone
    surrogate, an integer beyond 64 bits), so no document is sent or read differently."""
    from elasticsearch.serializer import JsonSerializer

    fast, standard = FastJsonSerializer(), JsonSerializer()
    for value in (
        {"text": "café leader’s 🏠 <mark>", "n": 3, "x": 2.5, "list": [None, True]},
        {"text": "lone \ud800 surrogate"},
        {"big": 2**70},
        {"date": datetime(2024, 5, 1).date()},
    ):
        assert fast.dumps(value) == standard.dumps(value)
        assert fast.loads(standard.dumps(value)) == standard.loads(standard.dumps(value))
    assert fast.loads(b'{"a": "\\ud800"}') == {"a": "\ud800"}
