"""Extraction of the real Ofsted PDFs in ../shared/corpus/ofsted-pdf."""

from __future__ import annotations

import re

import pytest

from common.authorities import Register
from indexer.extract import extract_document
from tests.indexer.support import SAMPLE_FOOTER, extract_file, letter_pdf, make_record

# Furniture that must never reach a paragraph.
LEAKS = re.compile(
    r"Piccadilly Gate|Store Street|M1 2WD|0300 123 1231|Textphone|enquiries@ofsted|www\.gov\.uk/ofsted|"
    r"^\d+$|Page \d+ of \d+|Sample document written for ofsted-findings"
)

# Letters whose facts were read by hand (research notes ofsted-site.md §4.1 and the PDFs).
KNOWN_LETTERS = [
    (
        "fv-2024-11-28-wigan.pdf",
        "Wigan",
        "2024-11-28",
        "2024-10-29",
        "2024-10-30",
        ["Sophie Wales", "Teresa Godfrey"],
    ),
    (
        "fv-2019-12-18-brent.pdf",
        "Brent",
        "2019-12-18",
        "2019-11-13",
        "2019-11-14",
        ["Tara Geere", "Máire Atherton"],
    ),
    (
        "fv-2018-05-09-gateshead.pdf",
        "Gateshead",
        "2018-05-09",
        "2018-03-20",
        "2018-03-20",
        ["Jan Edwards", "Ian Young"],
    ),
    (
        "fv-2018-10-05-devon.pdf",
        "Devon",
        "2018-10-05",
        "2018-09-12",
        "2018-09-13",
        ["Emmy Tomsett", "Diane Partridge"],
    ),
    (
        "fv-2024-03-06-knowsley.pdf",
        "Knowsley",
        "2024-03-06",
        "2024-01-31",
        "2024-02-01",
        ["Rebekah Tucker", "Russel Breyer"],
    ),
    (
        "fv-2026-01-12-slough.pdf",
        "Slough",
        "2026-01-12",
        "2025-11-19",
        "2025-11-20",
        ["Christine Kennet", "David Cohen", "Penny Ademuyiwa"],
    ),
    (
        "fv-2022-11-23-islington.pdf",
        "Islington",
        "2022-11-28",
        "2022-10-19",
        "2022-10-20",
        ["Brenda McLaughlin", "Naintara Khosla"],
    ),
    (
        "fv-2025-08-29-cambridgeshire.pdf",
        "Cambridgeshire",
        None,
        "2025-07-29",
        "2025-07-30",
        ["Sophie Wales", "Margaret Burke"],
    ),
    (
        "fv-2018-06-08-camden.pdf",
        "Camden",
        "2018-06-08",
        "2018-05-15",
        "2018-05-16",
        ["Andy Whippey", "Anne Waterman"],
    ),
    (
        "fv-2018-02-22-coventry.pdf",
        "Coventry",
        "2018-02-22",
        "2018-01-30",
        "2018-01-31",
        ["Alison Smale", "Peter McEntee"],
    ),
]


@pytest.mark.parametrize("name,authority,letter,start,end,inspectors", KNOWN_LETTERS)
def test_letter_metadata_matches_the_letter(pdf_dir, name, authority, letter, start, end, inspectors):
    meta = extract_file(pdf_dir / name).metadata
    assert meta["authority"] == authority
    assert meta["document_type"] == "Children's services focused visit"
    assert meta["letter_date"] == letter
    assert (meta["visit_start"], meta["visit_end"]) == (start, end)
    assert meta["inspectors"] == inspectors
    assert meta["published"] == letter  # an ingested file: the letter's own date


def test_wigan_paragraphs_read_as_a_careful_reader_would(pdf_dir):
    doc = extract_file(pdf_dir / "fv-2024-11-28-wigan.pdf")
    paragraphs = doc.paragraphs
    assert [p.paragraph_number for p in paragraphs] == list(range(1, len(paragraphs) + 1))
    assert paragraphs[0].text.startswith("This letter summarises the findings of the focused visit to Wigan")
    assert doc.metadata["scope"] == "arrangements for care leavers aged 18 to 25"
    # A paragraph that runs from page 1 onto page 2 is one paragraph.
    crossing = next(p for p in paragraphs if p.text.startswith("Leaders have welcomed external scrutiny"))
    assert crossing.text.endswith(
        "case recording across the care leaving service to ensure reflection, "
        "case direction and decision-making."
    )
    assert crossing.section == "Headline findings"
    # The three bullets of "What needs to improve", each its own item.
    improve = [
        p for p in paragraphs if p.section == "What needs to improve in this area of social work practice?"
    ]
    assert [p.text for p in improve] == [
        "Management oversight and quality of supervision.",
        "Consistency and quality of recording.",
        "Proactive visiting and support for some care leavers.",
    ]
    assert all(p.is_bullet and p.stance == "improvement" for p in improve)
    # Headings are not paragraphs.
    assert not any(p.text in ("Headline findings", "Main findings") for p in paragraphs)
    hub = next(p for p in paragraphs if "care leaver hub provides a sanctuary" in p.text)
    assert "co-designed building" in hub.text and "people describe the benefits" in hub.text
    assert "drop-in-hubs" in hub.themes and hub.section == "Main findings"
    for p in paragraphs:
        assert p.authority == "Wigan" and p.ons_code == "E08000010" and p.region == "North West"
        assert p.document_type == "Children's services focused visit"
        assert (
            p.visit_start == "2024-10-29" and p.kind == "ofsted"
        )  # an ingested letter is still Ofsted's words
        assert p.stance in ("strength", "improvement", "neutral")


def test_a_sample_of_the_corpus_is_clean_and_named_right(pdf_dir, manifest):
    """Every eighth letter of the 266: the authority matches the manifest, the
    visit and inspectors are found, and no furniture leaks into paragraphs."""
    register = Register.load()
    for row in manifest[::8]:
        doc = extract_file(pdf_dir / row["file"])
        assert doc.metadata["authority"] == register.find(row["authority"]).name, row["file"]
        assert doc.metadata["visit_start"] and doc.metadata["inspectors"], row["file"]
        assert len(doc.paragraphs) >= 8, row["file"]
        for p in doc.paragraphs:
            assert not LEAKS.search(p.text), (row["file"], p.text)
            assert p.text == p.text.strip() and "  " not in p.text
            assert not p.text.startswith(("Dear ", "Yours sincerely")), (row["file"], p.text)
            # A paragraph split at a page break would start mid-sentence.
            assert p.is_bullet or not p.text[:1].islower(), (row["file"], p.text)


def test_crawl_metadata_wins_for_the_publication_date_and_disagreement_is_logged(pdf_dir, caplog):
    path = pdf_dir / "fv-2022-11-23-islington.pdf"
    record = make_record(
        "https://files.ofsted.gov.uk/v1/file/50200000",
        kind="ofsted",
        authority="Islington",
        published="2022-11-23",
        document_type="Children's services focused visit",
    )
    with caplog.at_level("WARNING"):
        doc = extract_document(record, path.read_bytes())
    assert doc.metadata["published"] == "2022-11-23"
    assert doc.metadata["letter_date"] == "2022-11-28"
    assert all(p.published == "2022-11-23" and p.kind == "ofsted" for p in doc.paragraphs)
    assert any("2022-11-28" in r.getMessage() and "2022-11-23" in r.getMessage() for r in caplog.records)


def test_running_footer_page_numbers_and_letterhead_of_a_made_pdf_are_stripped():
    long_text = (
        "Personal advisers know their young people well and keep in touch with them often, "
        "including those who live out of the area, and they help them to stay close to their "
        "former carers when that is what they want. "
    ) * 3
    data = letter_pdf(
        [
            [
                "Ofsted",
                "Piccadilly Gate",
                "1 March 2024",
                "Dear Ms Smith",
                "## Focused visit to Leeds children’s services",
                "This letter summarises the findings of the focused visit to Leeds children’s services on "
                "1 to 2 February 2024. His Majesty’s Inspectors for this visit were Ann Lee and Bob Hart.",
                "## Main findings",
                long_text,
                long_text,
                long_text,
                long_text,
                "Care leavers can use a taster flat before they take on a tenancy of their own, and the",
            ],
            [
                "council pays their council tax until they are 25.",
                "◼ Staying put is promoted and most young people stay with their carers after 18.",
                "Yours sincerely",
                "Ann Lee",
            ],
        ]
    )
    doc = extract_document(make_record("made.pdf"), data)
    texts = [p.text for p in doc.paragraphs]
    assert not any(SAMPLE_FOOTER in t or re.fullmatch(r"\d+", t) for t in texts)
    assert doc.metadata["authority"] == "Leeds"
    assert (doc.metadata["visit_start"], doc.metadata["visit_end"]) == ("2024-02-01", "2024-02-02")
    assert doc.metadata["inspectors"] == ["Ann Lee", "Bob Hart"]
    joined = next(t for t in texts if t.startswith("Care leavers can use a taster flat"))
    assert joined.endswith("the council pays their council tax until they are 25.")
    staying = next(p for p in doc.paragraphs if p.text.startswith("Staying put"))
    assert staying.is_bullet and staying.section == "Main findings" and "staying-put" in staying.themes
    assert not any("Yours sincerely" in t or t == "Ann Lee" for t in texts)
