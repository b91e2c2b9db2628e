"""Both engines side by side: the same paragraphs give the same result sets and facet counts.

Scores and snippet windows are left out on purpose (see test_contract.py).
"""
from __future__ import annotations

import pytest

from indexer.engines.base import SearchRequest
from indexer.search import Searcher

from .conftest import PARAGRAPHS, EngineFactory

QUERIES = ["young people", "care leavers", "flat | lodgings", "-young", "plan*", '"care leaver"',
           "staying", "health", "skills", "taster flats", "advisers", "homes", "weeks", "personal adviser",
           '"young people" -flats', "summary history", "leaving care", "B&B", "wellbeing", ""]


@pytest.mark.elasticsearch
def test_the_engines_return_the_same_sets_and_facets(request, tmp_path_factory, synonyms):
    sqlite_factory = EngineFactory("sqlite", request, tmp_path_factory)
    es_factory = EngineFactory("elasticsearch", request, tmp_path_factory)
    try:
        sqlite, es = sqlite_factory(), es_factory()
        sqlite.rebuild(PARAGRAPHS)
        es.rebuild(PARAGRAPHS)
        for q in QUERIES:
            for filters in ({}, {"authority": ["Northshire"], "kind": ["ofsted", "file"]}):
                req = SearchRequest(q=q, limit=100, filters=filters)
                a = Searcher(sqlite, synonyms).search(req)
                b = Searcher(es, synonyms).search(req)
                assert {h["paragraph_id"] for h in a.hits} == {h["paragraph_id"] for h in b.hits}, q
                assert a.total == b.total, q
                assert a.facets == b.facets, q
    finally:
        sqlite_factory.cleanup()
        es_factory.cleanup()
