"""The query language users type: parsing never fails, synonyms expand once for both engines."""

import pytest

from indexer.query import MAX_QUERY_CHARS, SYNONYM_WEIGHT, SynonymTable, parse
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
    # Each word keeps a clause of its own, which the whole expression or a synonym also satisfies.
    assert [c.typed.text() for c in q.clauses] == ["taster", "flats"]
    for clause in q.clauses:
        assert "trainer flat" in texts(clause) and "taster flats" in texts(clause)
    q = parse("adviser", table)
    assert "advisor" in texts(q.clauses[0])
    # Exclusions are not expanded: "-advisor" excludes only what was typed.
    assert texts(parse("-advisor", table).clauses[0]) == ["advisor"]


def test_an_expression_weighs_as_one_word_and_its_words_need_not_be_adjacent():
    table = SynonymTable.from_taxonomy(Taxonomy.load())
    q = parse("council tax exemption caseloads", table)
    assert [c.typed.text() for c in q.optional] == ["council", "tax", "exemption", "caseloads"]
    # Three of four words: "exempt from paying council tax" holds council, tax and exempt.
    assert q.minimum_should_match == 3
    # The expression's three words together weigh what one typed word does.
    words = {c.typed.text(): c.typed.weight for c in q.optional}
    assert words["caseloads"] == 1.0
    assert abs(words["council"] + words["tax"] + words["exemption"] - 1.0) < 1e-9
    # Its synonym stands for the whole expression in each of the three clauses, weighing
    # (as any synonym) SYNONYM_WEIGHT of it.
    synonym = next(t for t in q.optional[0].alternatives if t.synonym_of)
    assert synonym.text() == "exempt from council tax" and synonym.synonym_of == "council tax exemption"
    assert all(synonym in c.alternatives for c in q.optional[:3])
    assert abs(3 * synonym.weight - SYNONYM_WEIGHT) < 1e-9


def test_a_word_written_apart_stays_one_word():
    table = SynonymTable.from_taxonomy(Taxonomy.load())
    # "well being" is a spelling of "wellbeing": one clause, never "well" or "being" alone.
    q = parse("emotional well being", table)
    assert [c.typed.text() for c in q.clauses] == ["emotional", "well being"]
    assert "wellbeing" in texts(q.clauses[1])
