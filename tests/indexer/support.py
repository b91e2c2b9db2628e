"""Helpers for the extraction tests: records, extraction of a file, PDFs made on the spot."""

from __future__ import annotations

import io
from pathlib import Path

from common.store import DocumentRecord, document_id_for
from indexer.extract import ExtractedDocument, extract_document

SAMPLE_FOOTER = "Sample document written for ofsted-findings – not a real Ofsted publication"


def make_record(source: str, kind: str = "file", **fields) -> DocumentRecord:
    return DocumentRecord(document_id=document_id_for(source), source=source, kind=kind, **fields)


def extract_file(path: Path, kind: str = "file", **fields) -> ExtractedDocument:
    return extract_document(make_record(str(path), kind=kind, **fields), path.read_bytes())


def letter_pdf(
    pages: list[list[str]],
    footer: str | None = SAMPLE_FOOTER,
    encrypt: str | None = None,
    font_size: int = 11,
) -> bytes:
    """A letter-shaped PDF: each page a list of paragraphs ("## " marks a bold
    heading, "◼ " a bullet), with a running footer and page numbers. Fonts are
    the Vera family bundled with reportlab and ZapfDingbats for the square
    bullet, so the PDF is the same on every machine."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    regular, bold = _fonts()
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
            font, left = regular, 72
            if paragraph.startswith("## "):
                font, paragraph = bold, paragraph[3:]
            elif paragraph.startswith("◼ "):
                pdf.setFont("ZapfDingbats", font_size - 3)
                pdf.drawString(72, y, "n")  # ZapfDingbats "n" is the filled square
                paragraph, left = paragraph[2:], 86
            for line in _wrap(paragraph, font, font_size, width - 72 - left):
                pdf.setFont(font, font_size)
                pdf.drawString(left, y, line)
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


def _fonts() -> tuple[str, str]:
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "TestVera" not in pdfmetrics.getRegisteredFontNames():
        fonts = Path(reportlab.__file__).parent / "fonts"
        pdfmetrics.registerFont(TTFont("TestVera", str(fonts / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont("TestVera-Bold", str(fonts / "VeraBd.ttf")))
    return "TestVera", "TestVera-Bold"


def _wrap(text: str, font: str, size: int, width: float) -> list[str]:
    from reportlab.pdfbase import pdfmetrics

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
