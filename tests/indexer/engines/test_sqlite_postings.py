"""The SQLite engine ranks with its own postings (indexer/engines/sqlite/postings.py):
its scores must be FTS5's bm25, and stay so through updates and deletions."""

import random
import sqlite3
from contextlib import closing

import pytest

from indexer.engines.base import SearchRequest
from indexer.engines.sqlite import SqliteEngine
from indexer.engines.sqlite.postings import WEIGHTS
from indexer.model import Paragraph
from indexer.query import parse

WORDS = (
    "care leavers personal adviser advisers advice housing tenancy training flat support "
    "education employment health passport local offer leaders managers visits"
).split()
SECTIONS = ("What needs to improve", "Care leavers", "Leadership", "Housing support")
THEMES = ("staying-put", "taster-flats", "personal-advisers", "health-passports")
# Single words, ORs, prefixes and exclusions: scored exactly as FTS5 does. (Several typed
# words also earn the NEAR bonus, test_typed_words_close_together_score_more.)
QUERIES = [
    "housing",
    "adviser",
    "housing | tenancy",
    "advis*",
    "support -housing",
    "health | passport* | flat",
    "training",
    "leadership",
]


def corpus(seed: int, documents: int = 12, prefix: str = "doc"):
    rng = random.Random(seed)
    for d in range(documents):
        for n in range(1, rng.randint(3, 9)):
            yield Paragraph(
                document_id=f"{prefix}{d}",
                paragraph_number=n,
                text=" ".join(rng.choices(WORDS, k=rng.randint(4, 40))),
                section=rng.choice(SECTIONS),
                themes=rng.sample(THEMES, k=rng.randint(0, 2)),
                published=f"20{18 + d % 8}-0{1 + n % 9}-1{n % 9}",
            )


def engine_scores(engine: SqliteEngine, q: str) -> dict[str, float]:
    return {
        hit["paragraph_id"]: hit["score"] for hit in engine.scan(SearchRequest(q=q, facets=False), parse(q))
    }


def fts5_scores(engine: SqliteEngine, q: str) -> dict[str, float]:
    """FTS5's own bm25, times each paragraph's prior (indexer/prior.py), as the engine ranks."""
    from indexer.engines.sqlite import compile_match

    query = parse(q)
    expression = compile_match(query.positive)
    negative = " OR ".join(f'"{" ".join(t.stems)}"' for c in query.negative for t in c.alternatives)
    if negative:
        expression = f"({expression}) NOT ({negative})"
    weights = ", ".join(str(float(WEIGHTS[c])) for c in ("section", "text", "compounds"))
    with closing(sqlite3.connect(engine.path)) as db:
        return {
            pid: round(score, 4)
            for pid, score in db.execute(
                f"SELECT p.paragraph_id, -bm25(fts, {weights}) * p.prior FROM fts JOIN paragraphs p ON p.rowid = fts.rowid "
                "WHERE fts MATCH ?",
                (expression,),
            )
        }


@pytest.mark.parametrize("q", QUERIES)
def test_scores_are_fts5_bm25(tmp_path, q):
    engine = SqliteEngine(tmp_path / "index.sqlite3")
    engine.rebuild(corpus(1))
    expected = fts5_scores(engine, q)
    assert expected, f"the corpus should match {q!r}"
    assert engine_scores(engine, q) == pytest.approx(expected, abs=2e-4)


def test_the_order_is_by_score_then_newest_first(tmp_path):
    engine = SqliteEngine(tmp_path / "index.sqlite3")
    engine.rebuild(corpus(2))
    hits = list(
        engine.scan(SearchRequest(q="taster | leadership", facets=False), parse("taster | leadership"))
    )
    assert len({h["score"] for h in hits}) > 3 and min(h["score"] for h in hits) > 0
    keys = [(-h["score"], "".join(chr(0x10FFFF - ord(c)) for c in h["published"])) for h in hits]
    assert keys == sorted(keys)


def test_typed_words_close_together_score_more(tmp_path):
    from indexer.engines.base import NEAR_BONUS

    engine = SqliteEngine(tmp_path / "index.sqlite3")
    filler = " ".join(["support"] * 12)
    engine.rebuild(
        [
            Paragraph(document_id="near", paragraph_number=1, text=f"care leavers {filler}"),
            Paragraph(document_id="far", paragraph_number=1, text=f"care {filler} leavers"),
        ]
    )
    scores = engine_scores(engine, "care leavers")
    assert scores["near-1"] == pytest.approx(scores["far-1"] * (1 + NEAR_BONUS), abs=2e-4)


def test_a_phrase_whose_words_only_occur_together_scores_as_in_fts5(tmp_path):
    engine = SqliteEngine(tmp_path / "index.sqlite3")
    rng = random.Random(3)
    engine.rebuild(
        Paragraph(
            document_id=f"d{i}",
            paragraph_number=1,
            text=" ".join(rng.choices(WORDS, k=20) + ["staying put"] * (i % 3)),
        )
        for i in range(30)
    )
    expected = fts5_scores(engine, '"staying put"')
    assert len(expected) == 20
    assert engine_scores(engine, '"staying put"') == pytest.approx(expected, abs=2e-4)


def test_updates_and_deletions_score_as_a_fresh_rebuild(tmp_path):
    updated = SqliteEngine(tmp_path / "updated.sqlite3")
    updated.rebuild(corpus(4))
    replacements = list(corpus(5, documents=3))  # new text for doc0..doc2
    updated.replace_documents(["doc0", "doc1", "doc2"], replacements)
    updated.replace_documents([], corpus(6, documents=2, prefix="new"))
    updated.delete_documents(["doc5", "doc6"])

    final = [p for p in corpus(4) if p.document_id not in {"doc0", "doc1", "doc2", "doc5", "doc6"}]
    fresh = SqliteEngine(tmp_path / "fresh.sqlite3")
    fresh.rebuild(final + replacements + list(corpus(6, documents=2, prefix="new")))
    for q in QUERIES:
        assert engine_scores(updated, q) == pytest.approx(engine_scores(fresh, q), abs=1e-9), q
        assert engine_scores(updated, q) == pytest.approx(fts5_scores(updated, q), abs=2e-4), q


def test_a_deleted_paragraph_is_not_found_through_its_old_postings(tmp_path):
    engine = SqliteEngine(tmp_path / "index.sqlite3")
    engine.rebuild(
        [
            Paragraph(document_id="a", paragraph_number=1, text="a taster flat in Leeds"),
            Paragraph(document_id="b", paragraph_number=1, text="staying put in Wigan"),
        ]
    )
    engine.delete_documents(["a"])
    engine.replace_documents([], [Paragraph(document_id="c", paragraph_number=1, text="housing in Bury")])
    assert engine_scores(engine, "taster") == {}
    assert set(engine_scores(engine, "bury")) == {"c-1"} == set(fts5_scores(engine, "bury"))
    assert engine.search(SearchRequest(q="taster"), parse("taster")).total == 0
