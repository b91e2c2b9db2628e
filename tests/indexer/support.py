"""Helpers for the extraction tests: records, extraction of a file, PDFs made on the spot."""
from __future__ import annotations

import io
from pathlib import Path

from indexer.extract import ExtractedDocument, extract_document
from ofsted_findings.store import DocumentRecord, document_id_for

SAMPLE_FOOTER = "Sample document written for ofsted-findings – not a real Ofsted publication"


def make_record(source: str, kind: str = "file", **fields) -> DocumentRecord:
    return DocumentRecord(document_id=document_id_for(source), source=source, kind=kind, **fields)


def extract_file(path: Path, kind: str = "file", **fields) -> ExtractedDocument:
    return extract_document(make_record(str(path), kind=kind, **fields), path.read_bytes())


def letter_pdf(pages: list[list[str]], footer: str | None = SAMPLE_FOOTER, encrypt: str | None = None,
               font_size: int = 11) -> bytes:
    """A letter-shaped PDF: each page a list of paragraphs ("## " marks a bold
    heading, "◼ " a bullet), with a running footer and page numbers."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    regular, bold = _fonts(pdfmetrics, TTFont)
    buffer = io.BytesIO()
    kwargs = {}
    if encrypt:
        from reportlab.lib import pdfencrypt
        kwargs["encrypt"] = pdfencrypt.StandardEncryption(encrypt, ownerPassword=encrypt + "-owner")
    pdf = canvas.Canvas(buffer, pagesize=A4, **kwargs)
    width, height = A4
    for number, paragraphs in enumerate(pages, start=1):
        y = height - 90
        for paragraph in paragraphs:
            font = bold if paragraph.startswith("## ") else regular
            text = paragraph[3:] if paragraph.startswith("## ") else paragraph
            for line in _wrap(text, pdfmetrics, font, font_size, width - 144):
                pdf.setFont(font, font_size)
                pdf.drawString(72, y, line)
                y -= font_size * 1.3
            y -= font_size * 1.1
        if footer:
            pdf.setFont(regular, 8)
            pdf.drawString(72, 40, footer)
        pdf.setFont(regular, font_size)
        pdf.drawString(width - 90, 40, str(number))
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _fonts(pdfmetrics, TTFont) -> tuple[str, str]:
    # DejaVu has the ◼ bullet and curly quotes; Helvetica does not.
    candidates = [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
                  Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")]
    if all(p.exists() for p in candidates):
        if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("DejaVu", str(candidates[0])))
            pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(candidates[1])))
        return "DejaVu", "DejaVu-Bold"
    return "Helvetica", "Helvetica-Bold"


def _wrap(text: str, pdfmetrics, font: str, size: int, width: float) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and pdfmetrics.stringWidth(trial, font, size) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines
