"""The relevance harness (indexer/quality/relevance.py): its measures, and its judged
queries, which must each locate one paragraph of the shared corpus."""

from __future__ import annotations

import pytest

from indexer.quality.relevance import Query, load_collection, load_queries, scores


def _query(grades: dict[str, int]) -> Query:
    return Query(id="q", q="q", half="tuning", category="practice", grades=grades)


def test_a_perfect_ranking_scores_one_even_with_few_relevant_paragraphs():
    q = _query({"a-1": 2, "b-1": 1, "c-1": 0})
    document_of = {p: p.split("-")[0] for p in ("a-1", "b-1", "c-1", "d-1")}
    perfect = scores(["a-1", "b-1", "c-1", "d-1"], q, document_of)
    assert perfect == {
        "nDCG@10": 1.0,
        "precision@10": 1.0,
        "recall@50 (paragraphs)": 1.0,
        "recall@50 (documents)": 1.0,
    }
    worse = scores(["b-1", "c-1", "d-1", "a-1"], q, document_of)
    assert 0 < worse["nDCG@10"] < 1 and worse["precision@10"] == 1.0
    assert scores(["c-1", "d-1"], q, document_of)["precision@10"] == 0.0


def test_recall_by_document_counts_documents_once():
    q = _query({"a-1": 2, "a-2": 2, "b-1": 1})
    document_of = {"a-1": "a", "a-2": "a", "b-1": "b", "x-1": "x"}
    found = scores(["a-1", "a-2", "x-1"], q, document_of)
    assert found["recall@50 (paragraphs)"] == pytest.approx(2 / 3)
    assert found["recall@50 (documents)"] == pytest.approx(1 / 2)


def test_every_judgement_locates_one_paragraph(shared_dir):
    queries = load_queries(load_collection(shared_dir))
    assert len(queries) >= 20
    assert not [u for q in queries for u in q.unmatched]
    assert all(q.relevant for q in queries)
    assert len({q.id for q in queries}) == len(queries)


def test_make_quality_scores_both_engines_beside_the_baseline(shared_dir, es_url, capsys):
    from indexer.quality.__main__ import main

    args = [
        "--shared",
        str(shared_dir),
        "--skip-extraction",
        "--skip-similar",
        "--skip-linking",
        "--es-url",
        es_url,
    ]
    assert main(args) == 0  # similar practice and linking have tests of their own lines
    out = capsys.readouterr().out
    for half in ("tuning half", "heldout half  (never tuned on)"):
        block = out.split(half, 1)[1]
        rows = {line.split()[0]: [float(v) for v in line.split()[1:5]] for line in block.splitlines()[2:5]}
        assert set(rows) == {"sqlite", "elasticsearch", "baseline"}
        assert all(0 <= v <= 1 for values in rows.values() for v in values)
    assert "goals (P@10 >= 0.95, R@50 par >= 0.9)" in out
