"""The sample documents and the PDFs built from them."""

from __future__ import annotations

import time
from collections import Counter

import pypdfium2 as pdfium
import pytest

from common.authorities import Register
from replica.build import build_sample_site
from replica.documents import SAMPLE_NOTICE, SampleFormatError, load_samples, parse_sample
from replica.site import Site


def pdf_pages(path) -> list[str]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


def test_samples_cover_enough_authorities_and_topics():
    docs = load_samples()
    register = Register.load()
    letters = [d for d in docs if d.document_type == "focused_visit"]
    assert len(letters) >= 8
    assert all(register.find(d.authority) is not None for d in docs)
    assert len({d.authority for d in letters}) >= 6
    assert any(d.document_type == "inspection" for d in docs)

    def mentions(phrase):
        return {
            d.authority
            for d in docs
            if any(phrase in (b.text + " ".join(map(str, b.items))).lower() for b in d.blocks)
        }

    assert len(mentions("staying put")) >= 4
    for phrase in (
        "taster flat",
        "health passport",
        "15½",
        "pre-tenancy training",
        "unsuitable accommodation",
        "council tax",
    ):
        assert mentions(phrase), phrase


def test_letters_have_the_shape_of_real_focused_visit_letters():
    for doc in load_samples():
        if doc.document_type != "focused_visit":
            continue
        kinds = [b.kind for b in doc.blocks]
        headings = [b.text for b in doc.blocks if b.kind == "heading"]
        assert headings[:3] == [
            "Headline findings",
            "What needs to improve in this area of social work practice?",
            "Main findings",
        ], doc.path
        assert doc.subject.startswith("Focused visit to ") and doc.subject.endswith("children’s services")
        text = " ".join(b.text for b in doc.blocks)
        assert "Majesty’s Inspectors for this visit were" in text
        assert "Inspectors looked at the local authority’s arrangements for care leavers" in text
        assert "Yours sincerely" in text
        assert "bullets" in kinds
        assert "'" not in text, f"{doc.path}: use curly apostrophes"


def test_bad_front_matter_is_reported_with_the_file_name(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("---\nauthority: Leeds\n---\nText\n", encoding="utf-8")
    with pytest.raises(SampleFormatError, match="bad.txt: front matter lacks"):
        parse_sample(bad)
    bad.write_text("no front matter\n", encoding="utf-8")
    with pytest.raises(SampleFormatError, match="must start with"):
        parse_sample(bad)


def test_build_is_fast_and_deterministic(tmp_path):
    started = time.monotonic()
    first = build_sample_site(tmp_path / "a")
    assert time.monotonic() - started < 5
    second = build_sample_site(tmp_path / "b")
    files_a = sorted(p.name for p in (first / "files").iterdir())
    assert files_a == sorted(p.name for p in (second / "files").iterdir())
    for name in files_a:
        assert (first / "files" / name).read_bytes() == (second / "files" / name).read_bytes()
    assert (first / "site.json").read_text() == (second / "site.json").read_text()


def test_every_pdf_is_multi_page_and_labelled_as_sample_data(sample_site):
    site = Site.load(sample_site)
    pubs = site.publications()
    assert len(pubs) == len(load_samples())
    for pub in pubs:
        path = sample_site / pub.path
        pdf = pdfium.PdfDocument(str(path))
        meta = pdf.get_metadata_dict()
        pdf.close()
        assert "Sample" in meta["Title"] and meta["Subject"] == SAMPLE_NOTICE
        assert pub.title.startswith("Sample: ")  # as listed, so as catalogued and cited
        pages = pdf_pages(path)
        if pub.document_type in ("focused_visit", "inspection"):
            assert len(pages) >= 2, pub.file_id
        for number, text in enumerate(pages, 1):
            lines = [line.strip() for line in text.splitlines()]
            assert lines[0] == SAMPLE_NOTICE, f"{pub.file_id} page {number}: no sample label on top"
            assert lines[-1] == SAMPLE_NOTICE, f"{pub.file_id} page {number}: footer is not last"
            assert lines[-2].split()[-1] == str(number), f"{pub.file_id} page {number}: no page number"


def test_pdf_text_keeps_bullets_and_curly_apostrophes(sample_site):
    text = "\n".join(pdf_pages(sample_site / "files" / "59100001.pdf"))
    assert "Focused visit to Leeds children’s services" in text
    assert "◼" in text or "■" in text
    assert "Piccadilly Gate" in text and "M1 2WD" in text


def test_site_lists_every_authority_with_newest_publication_first(sample_site):
    site = Site.load(sample_site)
    assert len(site.providers) == 153
    counts = Counter(len(p.publications) for p in site.providers)
    assert counts[0] < 153
    for provider in site.providers:
        dates = [pub.published for pub in provider.publications]
        assert dates == sorted(dates, reverse=True)
    releases = site.releases()
    assert len(releases) >= 2
    assert {page.responds_to for _, page in releases} <= {pub.file_id for pub in site.publications()}
    assert {council.shape for council in site.councils} == {"sitemap", "listing", "boilerplate"}
