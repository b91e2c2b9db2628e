"""Similar practice in other councils: the same contract on both engines (indexer/similar.py,
sqlite/similar.py, elasticsearch/similar.py). The paragraphs are sample text written for these
tests, about real authorities so that the register's statistical neighbours apply
(Gateshead's include Sunderland and Durham; Devon and Kent are not among them)."""

from __future__ import annotations

import pytest

from indexer.model import Paragraph
from indexer.similar import PER_AUTHORITY, UnknownAuthority, UnknownParagraph, learn_from

from .conftest import ENGINES, EngineFactory


def _p(doc, n, authority, text, stance="neutral", kind="ofsted", themes=("staying-put",)) -> Paragraph:
    return Paragraph(
        document_id=doc,
        paragraph_number=n,
        text=text,
        section="Care leavers",
        document_title=f"Sample: focused visit to {authority}",
        document_type="Children's services focused visit" if kind == "ofsted" else "Council response",
        kind=kind,
        authority=authority,
        published=f"2024-0{n % 9 + 1}-01",
        source=f"https://example.test/{doc}",
        themes=list(themes),
        stance=stance,
    )


SOURCE = "gates-2"
STAYING_PUT = "Staying put arrangements with former foster carers {} beyond their eighteenth birthday."
PARAGRAPHS = [
    _p("gates", 1, "Gateshead", STAYING_PUT.format("are promoted so that care leavers stay"), "strength"),
    _p(
        "gates",
        2,
        "Gateshead",
        "Too few care leavers are offered staying put arrangements with their former foster carers "
        "beyond their eighteenth birthday, and foster carers are not told about staying put early.",
        "improvement",
    ),
    _p(
        "sund",
        1,
        "Sunderland",
        STAYING_PUT.format("are well promoted, and many care leavers stay"),
        "strength",
    ),
    _p(
        "sund",
        2,
        "Sunderland",
        "Return home interviews are offered to children who go missing, and most are completed.",
        "strength",
        themes=(),
    ),
    _p(
        "devon", 1, "Devon", STAYING_PUT.format("are actively promoted for care leavers who stay"), "strength"
    ),
    _p("devon", 2, "Devon", STAYING_PUT.format("help care leavers to stay with foster carers"), "strength"),
    _p(
        "devon", 3, "Devon", STAYING_PUT.format("are used for most care leavers who wish to stay"), "strength"
    ),
    # Devon's second letter repeats its first finding word for word: shown once at most.
    _p(
        "devon-b",
        1,
        "Devon",
        STAYING_PUT.format("are actively promoted for care leavers who stay"),
        "strength",
    ),
    _p(
        "kent",
        1,
        "Kent",
        "Staying put arrangements with former foster carers are not reviewed, so some care leavers "
        "do not know whether they can stay beyond their eighteenth birthday.",
        "improvement",
    ),
    _p(
        "durham",
        1,
        "Durham",
        "The designated officer responds to allegations against staff.",
        "strength",
        themes=(),
    ),
    # A council's own words about itself are never shown as Ofsted's finding.
    _p(
        "resp",
        1,
        "Darlington",
        STAYING_PUT.format("are something we promote: care leavers stay"),
        kind="council",
    ),
    *[
        _p(
            f"other{i}",
            1,
            "Leeds",
            f"Inspectors sampled {i} children's records in the assessment teams.",
            themes=(),
        )
        for i in range(8)
    ],
]


@pytest.fixture(scope="module", params=ENGINES)
def loaded(request, tmp_path_factory):
    factory = EngineFactory(request.param, request, tmp_path_factory)
    engine = factory()
    engine.rebuild(PARAGRAPHS)
    yield engine
    factory.cleanup()


def ids(hits) -> list[str]:
    return [h["paragraph_id"] for h in hits]


def test_similar_paragraphs_are_other_councils_ofsted_words_about_the_same_practice(loaded):
    hits = loaded.similar("gates", 2, limit=10)
    found = ids(hits)
    assert set(found) <= {"sund-1", "devon-1", "devon-2", "devon-3", "devon-b-1", "kent-1"}
    assert "kent-1" in found and "sund-1" in found
    assert all(h["authority"] != "Gateshead" and h["kind"] == "ofsted" for h in hits)
    assert "resp-1" not in found  # a council's press release
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    assert all(h["stance"] in ("strength", "improvement") and h["text"] for h in hits)


def test_at_most_two_per_authority_and_no_text_twice(loaded):
    hits = loaded.similar("gates", 2, limit=10)
    devon = [h for h in hits if h["authority"] == "Devon"]
    assert len(devon) == PER_AUTHORITY
    texts = [h["text"] for h in hits]
    assert len(texts) == len(set(texts))


def test_limit_and_stance_filter(loaded):
    assert len(loaded.similar("gates", 2, limit=1)) == 1
    strengths = loaded.similar("gates", 2, limit=10, stance="strength")
    assert strengths and all(h["stance"] == "strength" for h in strengths)
    assert "kent-1" not in ids(strengths)
    assert ids(loaded.similar("gates", 2, limit=10, stance="improvement")) == ["kent-1"]


def test_neighbours_of_keeps_the_authority_and_its_statistical_neighbours(loaded):
    near = loaded.similar("gates", 2, limit=10, neighbours_of="Gateshead")
    assert ids(near) == ["sund-1"]  # Sunderland is Gateshead's neighbour; Devon and Kent are not
    # Any form the register knows; an authority's own paragraphs still never count.
    assert ids(loaded.similar("kent", 1, limit=10, neighbours_of="devon county council"))[:2]
    assert {h["authority"] for h in loaded.similar("kent", 1, limit=10, neighbours_of="Devon")} == {"Devon"}


def test_bad_requests_are_clear_errors(loaded):
    with pytest.raises(UnknownParagraph):
        loaded.similar("gates", 99)
    with pytest.raises(UnknownParagraph):
        loaded.similar("no-such-document", 1)
    with pytest.raises(UnknownAuthority):
        loaded.similar("gates", 2, neighbours_of="Atlantis")
    with pytest.raises(ValueError, match="stance must be one of strength, improvement, neutral"):
        loaded.similar("gates", 2, stance="praise")


def test_a_paragraph_with_no_distinctive_words_finds_nothing_unrelated(loaded):
    # The designated officer is Durham's alone: nothing else describes it.
    assert ids(loaded.similar("durham", 1, limit=10)) == []


def test_learn_from_puts_neighbours_strengths_first(loaded):
    hits, neighbours = learn_from(loaded, "gates", 2, limit=5)
    assert "Sunderland" in neighbours and "Devon" not in neighbours
    assert hits[0]["paragraph_id"] == "sund-1"
    assert all(h["stance"] == "strength" for h in hits)
    assert {h["authority"] for h in hits[1:]} == {"Devon"}


def test_paragraph_lookup(loaded):
    assert loaded.paragraph("gates", 2)["stance"] == "improvement"
    assert loaded.paragraph("gates", 3) is None
    assert loaded.paragraph("devon", 1)["document_id"] == "devon"
    # "devon-b" paragraph 1 has the id "devon-b-1"; neither it nor an id too long for a node is "devon" 1.
    assert loaded.paragraph("devon-b", 1)["document_id"] == "devon-b"
    assert loaded.paragraph("x" * 600, 1) is None
    with pytest.raises(UnknownParagraph):
        loaded.similar("x" * 600, 1)
