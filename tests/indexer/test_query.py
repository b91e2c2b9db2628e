"""The query language users type: parsing never fails, synonyms expand once for both engines."""

import pytest

from indexer.query import MAX_QUERY_CHARS, SynonymTable, parse
from indexer.themes import Taxonomy


def texts(clause):
    return [t.text() for t in clause.alternatives]


def test_words_phrases_or_exclusion_prefix():
    q = parse('"staying put" hotel | hostel -"B&B" advis*')
    assert [texts(c) for c in q.positive] == [["staying put"], ["hotel", "hostel"], ["advis*"]]
    assert [texts(c) for c in q.negative] == [["b b"]]
    assert q.notices == []


def test_curly_quotes_and_unbalanced_quotes():
    assert texts(parse("“staying close”").clauses[0]) == ["staying close"]
    q = parse('"staying put" "unbalanced')
    assert texts(q.clauses[0]) == ["staying put"] and texts(q.clauses[1]) == ["unbalanced"]
    assert any("quotation mark" in n for n in q.notices)


@pytest.mark.parametrize("raw", ["NEAR(a b)", "a^2 title:x", "***", "!!!", "((", "-", "|", "OR OR", ""])
def test_operators_and_punctuation_never_raise(raw):
    q = parse(raw)
    for clause in q.clauses:
        for term in clause.alternatives:
            assert all(w.isalnum() or "'" in w for w in term.words)


def test_long_queries_are_cut_with_a_notice():
    q = parse("care " * 2000)
    assert len(q.clauses) <= 32 and any(str(MAX_QUERY_CHARS) in n for n in q.notices)


def test_only_exclusions_is_explained():
    q = parse("-hotel")
    assert not q.positive and q.negative and q.notices


def test_taxonomy_synonyms_expand_plain_words_into_phrases():
    table = SynonymTable.from_taxonomy(Taxonomy.load())
    q = parse("taster flats", table)
    [clause] = q.clauses
    assert "trainer flat" in texts(clause) and "taster flats" in texts(clause)
    q = parse("adviser", table)
    assert "advisor" in texts(q.clauses[0])
    # Exclusions are not expanded: "-advisor" excludes only what was typed.
    assert texts(parse("-advisor", table).clauses[0]) == ["advisor"]
