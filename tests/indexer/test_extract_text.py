"""Plain-text input: the 39 saved letter and report texts, and text front matter."""

from __future__ import annotations

import pytest

from indexer.extract import extract_document
from indexer.metadata import (
    AREA_CARE,
    AREA_CARE_AND_LEAVERS,
    AREA_HELP,
    AREA_LEADERS,
    AREA_LEAVERS,
    AREA_OVERALL,
)
from tests.indexer.support import extract_file, make_record

G, O, RI, I = "Good", "Outstanding", "Requires improvement to be good", "Inadequate"  # noqa: E741 - the grades as the reports abbreviate them

# Judgement tables read by hand from the reports (every framework era).
JUDGEMENTS = {
    "ilacs-2018-november-barnsley.txt": {
        AREA_LEADERS: G,
        AREA_HELP: G,
        AREA_CARE_AND_LEAVERS: G,
        AREA_OVERALL: G,
    },
    "ilacs-2019-january-essex.txt": {
        AREA_LEADERS: O,
        AREA_HELP: O,
        AREA_CARE_AND_LEAVERS: G,
        AREA_OVERALL: O,
    },
    "ilacs-2020-january-cheshire-east.txt": {
        AREA_LEADERS: RI,
        AREA_HELP: RI,
        AREA_CARE_AND_LEAVERS: RI,
        AREA_OVERALL: RI,
    },
    "ilacs-2022-september-nottingham.txt": {
        AREA_LEADERS: RI,
        AREA_HELP: I,
        AREA_CARE_AND_LEAVERS: RI,
        AREA_OVERALL: I,
    },
    "ilacs-2024-may-cheshire-east.txt": {
        AREA_LEADERS: RI,
        AREA_HELP: RI,
        AREA_CARE: RI,
        AREA_LEAVERS: I,
        AREA_OVERALL: I,
    },
    "ilacs-2024-july-telford-wrekin.txt": {
        AREA_LEADERS: O,
        AREA_HELP: G,
        AREA_CARE: O,
        AREA_LEAVERS: O,
        AREA_OVERALL: O,
    },
    "ilacs-2025-july-wakefield.txt": {
        AREA_LEADERS: G,
        AREA_HELP: G,
        AREA_CARE: O,
        AREA_LEAVERS: RI,
        AREA_OVERALL: G,
    },
    "ilacs-2025-november-wigan.txt": {
        AREA_LEADERS: G,
        AREA_HELP: RI,
        AREA_CARE: O,
        AREA_LEAVERS: O,
        AREA_OVERALL: G,
    },
    # From April 2026: no overall effectiveness.
    "ilacs-2026-july-liverpool.txt": {AREA_LEADERS: G, AREA_HELP: G, AREA_CARE: G, AREA_LEAVERS: RI},
}


@pytest.mark.parametrize("name", sorted(JUDGEMENTS))
def test_ilacs_judgements_in_every_framework_era(text_dir, name):
    doc = extract_file(text_dir / name)
    assert doc.metadata["document_type"] == "Children's services inspection"
    assert doc.metadata["judgements"] == JUDGEMENTS[name]
    assert doc.metadata["visit_start"] and doc.metadata["visit_end"] > doc.metadata["visit_start"]
    assert all(p.judgements == JUDGEMENTS[name] for p in doc.paragraphs)


def test_report_paragraphs_lose_running_footers_and_keep_their_sections(text_dir):
    doc = extract_file(text_dir / "ilacs-2024-may-cheshire-east.txt")
    texts = [p.text for p in doc.paragraphs]
    assert not any("Inspection of Cheshire East local authority" in t for t in texts)
    assert not any("26th February 2024" in t for t in texts)
    assert doc.metadata["inspectors"] == ["Teresa Godfrey"]
    assert (doc.metadata["visit_start"], doc.metadata["visit_end"]) == ("2024-02-26", "2024-03-08")
    # Paragraph 4 of the report runs over the page footer and on.
    crossing = next(t for t in texts if t.startswith("Experienced social workers in the IFD"))
    assert "included in social care decisions about next steps" in crossing
    leavers = [
        p for p in doc.paragraphs if p.section.startswith("The experiences and progress of care leavers")
    ]
    assert leavers and leavers[0].section == "The experiences and progress of care leavers: inadequate"
    assert not any(t[:3].rstrip(".").isdigit() for t in texts)  # "12. " numbers are not text


def test_report_with_numbers_on_their_own_lines(text_dir):
    doc = extract_file(text_dir / "ilacs-2018-november-barnsley.txt")
    assert not any(p.text.strip().rstrip(".").isdigit() for p in doc.paragraphs)
    assert any(
        p.text.startswith("Children and families benefit from a good early help offer")
        for p in doc.paragraphs
    )


# The letters' facts as listed in the research notes (ofsted-site.md §4.1).
LETTERS = [
    (
        "fv-2019-brent.txt",
        "Brent",
        "2019-12-18",
        "2019-11-13",
        "2019-11-14",
        ["Tara Geere", "Máire Atherton"],
    ),
    (
        "fv-2018-devon.txt",
        "Devon",
        "2018-10-05",
        "2018-09-12",
        "2018-09-13",
        ["Emmy Tomsett", "Diane Partridge"],
    ),
    (
        "fv-2018-london-corporation.txt",
        "City of London",
        "2018-11-16",
        "2018-10-24",
        "2018-10-24",
        ["Andy Whippey", "Kate Malleson"],
    ),
    (
        "fv-2022-enfield.txt",
        "Enfield",
        "2022-08-09",
        "2022-07-05",
        "2022-07-06",
        ["Andy Whippey", "Kendra Bell", "Nicki Shaw"],
    ),
    (
        "fv-2024-knowsley.txt",
        "Knowsley",
        "2024-03-06",
        "2024-01-31",
        "2024-02-01",
        ["Rebekah Tucker", "Russel Breyer"],
    ),
    ("fv-2023-york.txt", "York", "2023-09-06", "2023-08-01", "2023-08-02", ["Louise Walker", "Cath Heron"]),
]


@pytest.mark.parametrize("name,authority,letter,start,end,inspectors", LETTERS)
def test_letter_texts(text_dir, name, authority, letter, start, end, inspectors):
    meta = extract_file(text_dir / name).metadata
    assert (
        meta["authority"],
        meta["letter_date"],
        meta["visit_start"],
        meta["visit_end"],
        meta["inspectors"],
    ) == (authority, letter, start, end, inspectors)


def test_markdown_flavoured_text_with_front_matter(shared_dir):
    doc = extract_file(shared_dir / "corpus" / "darlington-2021-ofsted-focused-visit-letter.txt")
    assert doc.metadata["authority"] == "Darlington"
    assert doc.metadata["letter_date"] == "2021-11-30"
    assert doc.metadata["inspectors"] == ["Vicky Metheringham", "Louise Walker"]
    sections = {p.section for p in doc.paragraphs}
    assert {"Headline findings", "Main findings"} <= sections
    assert not any("**" in p.text or p.text.startswith("#") for p in doc.paragraphs)


def test_council_release_text_gets_paragraphs_and_attribution(shared_dir):
    doc = extract_file(shared_dir / "corpus" / "ealing-council-release.txt")
    assert doc.metadata["document_type"] == "Council response"
    assert doc.metadata["authority"] == "Ealing"
    quote = doc.metadata["quotes"][0]
    assert quote["speaker"] == "Councillor Kamaljit Nagpal"
    assert quote["role"] == "council’s cabinet member for a fairer start"
    assert "incredible group of young people" in quote["quote"]


def test_windows_1252_text_is_read():
    text = "Focused visit to Leeds children’s services\nCare leavers’ views shape the local offer.\n"
    doc = extract_document(make_record("letter.txt"), text.encode("cp1252"))
    assert any("Care leavers’ views" in p.text for p in doc.paragraphs)


def test_an_over_long_text_is_cut_into_readable_paragraphs():
    from indexer.extract import MAX_PARAGRAPH_CHARS, _split_long

    sentence = "Care leavers told inspectors that their personal advisers stay in touch. "
    pieces = _split_long(sentence * 2000)
    assert len(pieces) > 1 and all(len(p) <= MAX_PARAGRAPH_CHARS for p in pieces)
    assert all(p.endswith("touch.") for p in pieces)  # cut at sentence ends
    assert " ".join(pieces) == (sentence * 2000).strip()
    unbroken = "x" * (MAX_PARAGRAPH_CHARS * 2 + 10)
    assert "".join(_split_long(unbroken)) == unbroken
    assert _split_long("short") == ["short"]


def test_sentences_about_the_evidence_are_not_findings_but_findings_about_people_met_are():
    from indexer.extract import EVIDENCE_SENTENCE

    assert EVIDENCE_SENTENCE.search("Inspectors met with care leavers and personal advisers.")
    assert EVIDENCE_SENTENCE.search("During the visit, inspectors also spoke to young people.")
    assert not EVIDENCE_SENTENCE.search("Workers inspectors met with describe managers as approachable.")
    assert not EVIDENCE_SENTENCE.search("Young people inspectors spoke to value their personal advisers.")
