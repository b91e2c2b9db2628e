"""Engines for the contract suite: every test runs once per engine, on the same paragraphs.

The Elasticsearch engine talks to the real node of ``es_url`` (tests/support/
elasticsearch.py); each engine gets an alias of its own, deleted afterwards.
"""

from __future__ import annotations

import uuid

import pytest

from indexer.engines.elasticsearch import ElasticsearchEngine
from indexer.engines.sqlite import SqliteEngine
from indexer.model import Paragraph
from indexer.query import SynonymTable
from indexer.search import Searcher
from indexer.themes import Taxonomy

ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("elasticsearch", id="elasticsearch", marks=pytest.mark.elasticsearch),
]


def _p(doc: str, n: int, text: str, section: str, themes=(), stance="neutral", **meta) -> Paragraph:
    return Paragraph(
        document_id=doc,
        paragraph_number=n,
        text=text,
        section=section,
        themes=list(themes),
        stance=stance,
        **{**DOCS[doc], **meta},
    )


DOCS = {
    "d1": dict(
        document_title="Focused visit to Northshire",
        authority="Northshire",
        ons_code="E10000001",
        region="North West",
        published="2025-03-10",
        kind="ofsted",
        document_type="Children's services focused visit",
        source="https://example.test/d1",
    ),
    "d2": dict(
        document_title="Focused visit to Southborough",
        authority="Southborough",
        ons_code="E10000002",
        region="South East",
        published="2024-11-02",
        kind="ofsted",
        document_type="Children's services focused visit",
        source="https://example.test/d2",
    ),
    "d3": dict(
        document_title="Eastmouth's response",
        authority="Eastmouth",
        ons_code="E10000003",
        region="East of England",
        published="2023-06-20",
        kind="council",
        document_type="Council response",
        source="https://example.test/d3",
    ),
    "d4": dict(
        document_title="Northshire notes",
        authority="Northshire",
        ons_code="E10000001",
        region="North West",
        published=None,
        kind="file",
        document_type="Notes",
        source="/files/notes.txt",
    ),
}

PARAGRAPHS = [
    _p(
        "d1",
        1,
        "Most young people are staying put with their former foster carers after 18, and "
        "managers track these arrangements well.",
        "Staying put",
        ["staying-put"],
        "strength",
    ),
    _p(
        "d1",
        2,
        "Some care leavers were placed in a hotel for several weeks, which is unsuitable.",
        "Accommodation",
        ["unsuitable-accommodation"],
        "improvement",
    ),
    _p(
        "d1",
        3,
        "Trainer flats help young people practise cooking and budgeting before they move on.",
        "Accommodation",
        ["taster-flats"],
        "strength",
    ),
    _p(
        "d1",
        4,
        "Personal advisers know their young people well and visit them regularly.",
        "Personal advisers",
        ["personal-advisers"],
        "strength",
    ),
    _p(
        "d2",
        1,
        "Taster flats are not yet available, so young people have little chance to practise living alone.",
        "Leaving care",
        ["taster-flats"],
        "improvement",
    ),
    _p(
        "d2",
        2,
        "Advisor caseloads are high; young people put staying with carers at risk when moves are rushed.",
        "Leaving care",
        [],
        "improvement",
    ),
    _p(
        "d2",
        3,
        "Health passports are given to every care leaver, with a <script>alert('x')</script> "
        "summary & history.",
        "Health",
        ["health-histories"],
        "strength",
    ),
    _p(
        "d3",
        1,
        "We will open a practice flat in the spring so that care leavers can learn independent "
        "living skills.",
        "Our response",
        ["taster-flats"],
    ),
    _p(
        "d3",
        2,
        "No young person will be placed in a hotel or bed and breakfast from April.",
        "Our response",
        ["unsuitable-accommodation"],
    ),
    _p("d3", 3, "Café staff said the leader’s plans were naïve about programme funding.", ""),
    _p(
        "d4",
        1,
        "The 16-year-old was supported by the personal adviser to stay in touch.",
        "Notes",
        ["personal-advisers", "staying-close"],
    ),
    _p(
        "d4",
        2,
        "Staying close is being piloted with two children's homes.",
        "Staying close",
        ["staying-close"],
    ),
]
ALL_IDS = {p.paragraph_id for p in PARAGRAPHS}


@pytest.fixture(scope="session")
def synonyms() -> SynonymTable:
    return SynonymTable.from_taxonomy(Taxonomy.load())


class EngineFactory:
    """Makes fresh, empty engines of one kind and cleans up after them."""

    def __init__(self, kind: str, request, tmp_path_factory):
        self.kind = kind
        self._request = request
        self._tmp = tmp_path_factory
        self._made = []

    def __call__(self, **options):
        if self.kind == "sqlite":
            engine = SqliteEngine(self._tmp.mktemp("sqlite") / "index.sqlite3")
        else:
            url = self._request.getfixturevalue("es_url")
            engine = ElasticsearchEngine(url, f"contract-{uuid.uuid4().hex[:12]}", **options)
        self._made.append(engine)
        return engine

    def cleanup(self):
        for engine in self._made:
            if isinstance(engine, ElasticsearchEngine):
                for name in engine.indices():
                    engine.es.options(ignore_status=404).indices.delete(index=name)
            engine.close()


@pytest.fixture(params=ENGINES)
def make_engine(request, tmp_path_factory):
    factory = EngineFactory(request.param, request, tmp_path_factory)
    yield factory
    factory.cleanup()


@pytest.fixture
def engine(make_engine):
    """A fresh engine holding PARAGRAPHS (for tests that change the index)."""
    e = make_engine()
    e.rebuild(PARAGRAPHS)
    return e


@pytest.fixture(scope="module", params=ENGINES)
def loaded(request, tmp_path_factory):
    """One engine per kind holding PARAGRAPHS, shared by the read-only tests of a module."""
    factory = EngineFactory(request.param, request, tmp_path_factory)
    e = factory(scan_page_size=3) if request.param == "elasticsearch" else factory()
    e.rebuild(PARAGRAPHS)
    yield e
    factory.cleanup()


@pytest.fixture
def searcher(loaded, synonyms) -> Searcher:
    return Searcher(loaded, synonyms)
