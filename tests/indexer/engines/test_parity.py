"""Both engines side by side: the same paragraphs give the same result sets and facet counts.

Scores and snippet windows are left out on purpose (see test_contract.py).
"""

from __future__ import annotations

import pytest

from indexer.engines.base import SearchRequest
from indexer.search import Searcher

from .conftest import PARAGRAPHS, EngineFactory

QUERIES = [
    "young people",
    "care leavers",
    "flat | lodgings",
    "-young",
    "plan*",
    '"care leaver"',
    "staying",
    "health",
    "skills",
    "taster flats",
    "advisers",
    "homes",
    "weeks",
    "personal adviser",
    '"young people" -flats',
    "summary history",
    "leaving care",
    "B&B",
    "wellbeing",
    "",
]


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


# Both engines match the stems of indexer.analysis, so they agree on every query,
# including derivations, possessives and prefixes, where their own stemmers differed.
AGREE_ON = [
    "staying put",
    "care leavers",
    "pathway plans",
    "personal advisers",
    "health passport",
    "education employment training",
    "taster flat",
    "bed and breakfast",
    "leaving care",
    "risk",
    "housing",
    "planning",
    "visits",
    '"pathway plan" -health',
    "housing | lodgings",
    "homeless",
    "managers",
    "independent living",
    "organisational",
    "accommodation",
    "child's",
    "care leavers in custody",
    "semi-independent",
    "decision-making",
    "advis*",
    '"personal adviser"',
    "well-being",
    "care experience protected characteristic",
]


def _letters(shared_dir) -> list:
    """The shared Ofsted letters as paragraphs: wrapped lines joined, three sentences each."""
    import re

    from indexer.model import Paragraph
    from indexer.themes import Taxonomy

    taxonomy, out = Taxonomy.load(), []
    for path in sorted((shared_dir / "corpus" / "ofsted").glob("*.txt")):
        lines = [
            line.strip()
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith(("SOURCE:", "KIND:"))
        ]
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", " ".join(lines))
        for n, i in enumerate(range(0, len(sentences), 3), start=1):
            text = " ".join(sentences[i : i + 3])
            themes = taxonomy.tag(text)
            out.append(
                Paragraph(
                    document_id=path.stem,
                    paragraph_number=n,
                    text=text,
                    themes=list(themes),
                    theme_terms=themes,
                    published=f"20{path.stem[3:5]}-01-01",
                )
            )
    return out


@pytest.mark.elasticsearch
def test_on_real_letters_the_engines_find_the_same_paragraphs(
    request, tmp_path_factory, synonyms, shared_dir
):
    paragraphs = _letters(shared_dir)
    assert len(paragraphs) > 1000
    sqlite_factory = EngineFactory("sqlite", request, tmp_path_factory)
    es_factory = EngineFactory("elasticsearch", request, tmp_path_factory)
    try:
        sqlite, es = sqlite_factory(), es_factory()
        sqlite.rebuild(paragraphs)
        es.rebuild(paragraphs)

        def found(engine, q):
            return {h["paragraph_id"] for h in Searcher(engine, synonyms).scan(SearchRequest(q=q))}

        for q in AGREE_ON:
            assert found(sqlite, q) == found(es, q), q
            assert found(sqlite, q), q
    finally:
        sqlite_factory.cleanup()
        es_factory.cleanup()
