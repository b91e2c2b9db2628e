"""Bad files: each gives ExtractionError with a reason a person can act on, never anything else."""

from __future__ import annotations

import io
import pickle
from concurrent.futures import ProcessPoolExecutor

import pytest

from indexer.extract import ExtractionError, extract_document, sniff
from tests.indexer.support import letter_pdf, make_record

PAGE = [
    "Dear Ms Smith",
    "## Focused visit to Leeds children’s services",
    "This letter summarises the findings of the focused visit to Leeds children’s services on "
    "1 to 2 February 2024. His Majesty’s Inspectors for this visit were Ann Lee and Bob Hart.",
    "Care leavers benefit from a strong local offer and personal advisers who know them well.",
]


def _error(data: bytes, source: str = "upload.pdf", **fields) -> ExtractionError:
    with pytest.raises(ExtractionError) as caught:
        extract_document(make_record(source, **fields), data)
    return caught.value


def test_zero_bytes():
    assert "empty" in _error(b"").reason


def test_truncated_pdf():
    data = letter_pdf([PAGE, PAGE])
    error = _error(data[: len(data) // 3])
    assert error.status == "failed" and "PDF" in error.reason


def test_password_protected_pdf():
    error = _error(letter_pdf([PAGE], encrypt="secret"))
    assert error.status == "failed" and "password" in error.reason


def test_image_only_pdf_needs_ocr():
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for _ in range(2):  # a "scan": shapes, no text layer
        pdf.rect(50, 50, 400, 600, fill=1)
        pdf.showPage()
    pdf.save()
    error = _error(buffer.getvalue())
    assert error.status == "needs_ocr" and "no text layer" in error.reason


def test_enormous_pdf_hits_the_page_limit():
    data = letter_pdf([PAGE] * 6)
    with pytest.raises(ExtractionError) as caught:
        extract_document(make_record("big.pdf"), data, max_pages=5)
    assert "6 pages" in caught.value.reason and "limit of 5" in caught.value.reason


def test_html_named_pdf_is_refused_by_content():
    page = b"<!DOCTYPE html><html><body><h1>Sign in</h1><p>Your session has expired.</p></body></html>"
    assert sniff(page) == "html"
    error = _error(page, source="https://files.ofsted.gov.uk/v1/file/50200001.pdf")
    assert "HTML" in error.reason
    error = _error(
        page, source="https://files.ofsted.gov.uk/v1/file/50200001", content_type="application/pdf"
    )
    assert "HTML" in error.reason


def test_a_pdf_with_a_wrong_name_is_still_read_as_a_pdf():
    doc = extract_document(make_record("letter.txt"), letter_pdf([PAGE]))
    assert doc.metadata["authority"] == "Leeds"


def test_invalid_encodings_and_binary():
    assert "UTF-8" in _error(b"Care leavers \x81\x8d\x8f\x90\x9d" * 20, source="notes.txt").reason
    assert "binary" in _error(b"\x00\x01\x02PK\x03\x04" * 50, source="notes.txt").reason
    assert "UTF-16" in _error(b"\xff\xfe\x00\xd8", source="notes.txt").reason


def test_text_without_words():
    assert _error(b"\n\n   \n", source="blank.txt").reason


def test_error_keeps_its_status_across_processes():
    error = pickle.loads(pickle.dumps(ExtractionError("scanned", "needs_ocr")))
    assert (error.reason, error.status, str(error)) == ("scanned", "needs_ocr", "scanned")


def _extract_in_worker(data: bytes):
    try:
        return extract_document(make_record("worker.pdf"), data).metadata["authority"]
    except ExtractionError as exc:
        return exc


def test_extract_document_runs_in_a_process_pool():
    with ProcessPoolExecutor(max_workers=2) as pool:
        good, bad = pool.map(_extract_in_worker, [letter_pdf([PAGE]), b"%PDF-1.4 truncated"])
    assert good == "Leeds"
    assert isinstance(bad, ExtractionError) and bad.status == "failed"
