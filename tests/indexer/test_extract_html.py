"""Council pages: main text without the page's chrome, quotes with their speakers, links to Ofsted."""

from __future__ import annotations

import pytest

from indexer.extract import ExtractionError, extract_document
from indexer.html import attribute_quotes
from tests.indexer.support import make_record

PAGE = """<!DOCTYPE html>
<html lang="en"><head><title>Inspectors praise support for care leavers | Leeds City Council</title>
<meta name="date" content="2024-03-08"></head>
<body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/bins">Bins and recycling</a></nav></header>
<main><article>
<h1>Inspectors praise support for care leavers</h1>
<p>Ofsted inspectors who visited Leeds City Council's leaving care service in February have praised the
strong relationships between young people and their personal advisers.</p>
<p>The inspectors found that care leavers can try living on their own in a taster flat before they move
into a tenancy, and that most live in suitable accommodation.</p>
<h2>What the council said</h2>
<p>Councillor Helen Hayden, executive member for children and families, said: "We are proud of our
care leavers and of the team that supports them.</p>
<p>"We know there is more to do on pathway plans, and we will do it."</p>
<p>"The hub has changed how young people see us," said Julie Longworth, director of children and families.</p>
<p>Read the <a href="https://files.ofsted.gov.uk/v1/file/50240001">Ofsted letter</a>.</p>
<script>document.write("<p>tracking</p>")</script>
</article></main>
<footer><p>Cookies</p><p>Accessibility statement</p><p>© Leeds City Council</p></footer>
</body></html>"""


def test_council_page_paragraphs_quotes_and_links():
    record = make_record("https://news.leeds.gov.uk/care-leavers", kind="council", authority="Leeds")
    doc = extract_document(record, PAGE.encode("utf-8"))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0].startswith("Ofsted inspectors who visited Leeds City Council's leaving care service")
    assert not any(
        w in t for t in texts for w in ("Bins and recycling", "Cookies", "tracking", "Accessibility")
    )
    assert not any(t == "What the council said" for t in texts)  # a heading, not a paragraph
    assert doc.paragraphs[2].section == "What the council said"
    meta = doc.metadata
    assert (meta["authority"], meta["ons_code"], meta["document_type"]) == (
        "Leeds",
        "E08000035",
        "Council response",
    )
    assert meta["published"] == "2024-03-08"
    assert meta["ofsted_links"] == ["https://files.ofsted.gov.uk/v1/file/50240001"]
    assert meta["quotes"] == [
        {
            "speaker": "Councillor Helen Hayden",
            "role": "executive member for children and families",
            "quote": "We are proud of our care leavers and of the team that supports them. "
            "We know there is more to do on pathway plans, and we will do it.",
        },
        {
            "speaker": "Julie Longworth",
            "role": "director of children and families",
            "quote": "The hub has changed how young people see us",
        },
    ]
    taster = next(p for p in doc.paragraphs if "taster flat" in p.text)
    assert "taster-flats" in taster.themes and taster.kind == "council"


def test_quote_shapes():
    quotes = attribute_quotes(
        [
            "“Care leavers are at the heart of everything we do,” Cllr Ann Lee said.",
            "Cllr Bob Hart said: “This is a fantastic result.”",
            "The report was published on Tuesday.",
            "He said: “We will keep going.”",
        ]
    )
    assert [(q["speaker"], q["role"]) for q in quotes] == [
        ("Cllr Ann Lee", None),
        ("Cllr Bob Hart", None),
        ("Cllr Bob Hart", None),
    ]
    assert quotes[1]["quote"] == "This is a fantastic result."


def test_page_without_main_text_is_an_error():
    with pytest.raises(ExtractionError, match="no main text"):
        extract_document(
            make_record("https://example.gov.uk/x", kind="council"),
            b"<html><body><nav><a href='/'>Home</a></nav></body></html>",
        )


def test_a_page_labelled_as_a_sample_says_so_in_its_title_and_the_label_is_no_paragraph():
    labelled = PAGE.replace(
        "<h1>Inspectors praise support for care leavers</h1>",
        "<h1>Inspectors praise support for care leavers</h1>\n<p><em>Sample document "
        "written for ofsted-findings – not a real council publication.</em></p>",
    )
    record = make_record("https://news.leeds.gov.uk/care-leavers", kind="council", authority="Leeds")
    doc = extract_document(record, labelled.encode("utf-8"))
    assert doc.metadata["sample"] is True
    assert all(p.document_title.startswith("Sample: ") for p in doc.paragraphs)
    assert not any("ofsted-findings" in p.text for p in doc.paragraphs)
    assert "sample" not in extract_document(record, PAGE.encode("utf-8")).metadata
