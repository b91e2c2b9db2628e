"""Read a PDF into positioned text lines with pypdfium2.

pypdfium2 was chosen by measurement on the 266 real letters (see
benchmarks/extraction.py): its text page gives lines in reading order with
their boxes, font size and weight for a few calls per line, well over 300
pages/s on one core. Geometry is what lets the paragraph builder tell a
letterhead, a page number or a heading from body text without guessing from
words alone.
"""

from __future__ import annotations

import ctypes
import logging

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from indexer.paragraphs import Line

log = logging.getLogger(__name__)

MAX_PAGES = 300  # an Ofsted report runs to ~20 pages; far more is not a letter
MIN_CHARS_PER_PAGE = 20  # below this on average the PDF is scanned images


class PdfError(Exception):
    def __init__(self, reason: str, status: str = "failed"):
        super().__init__(reason)
        self.reason = reason
        self.status = status


def read_lines(data: bytes, max_pages: int = MAX_PAGES) -> tuple[list[Line], int]:
    """All text lines of the PDF in reading order, and the page count."""
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise PdfError("the PDF is encrypted (password protected)") from exc
        raise PdfError(f"the PDF cannot be opened ({message})") from exc
    try:
        pages = len(pdf)
        if pages == 0:
            raise PdfError("the PDF has no pages")
        if pages > max_pages:
            raise PdfError(f"the PDF has {pages} pages, more than the limit of {max_pages}")
        lines: list[Line] = []
        chars = 0
        for number in range(pages):
            page_lines, page_chars = _page_lines(pdf, number)
            lines.extend(page_lines)
            chars += page_chars
        if chars < MIN_CHARS_PER_PAGE * pages:
            raise PdfError(
                f"the PDF has no text layer ({chars} characters on {pages} pages)", status="needs_ocr"
            )
        return lines, pages
    finally:
        pdf.close()


def _page_lines(pdf: pdfium.PdfDocument, number: int) -> tuple[list[Line], int]:
    try:
        page = pdf[number]
        textpage = page.get_textpage()
    except pdfium.PdfiumError as exc:
        raise PdfError(f"page {number + 1} cannot be read ({exc})") from exc
    try:
        height = page.get_height()
        text = textpage.get_text_range()
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
        lines = []
        position = 0
        for raw in text.split("\r\n"):
            start = position
            position += len(raw) + 2
            stripped = raw.strip()
            if not stripped:
                continue
            first = start + len(raw) - len(raw.lstrip())
            last = start + len(raw.rstrip()) - 1
            # Baselines (character origins), not glyph boxes: an apostrophe's
            # box sits high and would fake a paragraph gap.
            pdfium_c.FPDFText_GetCharOrigin(textpage, first, origin_x, origin_y)
            x0, y0 = origin_x.value, origin_y.value
            pdfium_c.FPDFText_GetCharOrigin(textpage, last, origin_x, origin_y)
            y_last = origin_y.value
            pdfium_c.FPDFText_GetCharBox(textpage, last, left, right, bottom, top)
            # Font of the first word, not of a bullet glyph set in a symbol font.
            word = start + next((i for i, ch in enumerate(raw) if ch.isalnum()), len(raw) - len(raw.lstrip()))
            lines.append(
                Line(
                    text=_clean(stripped),
                    page=number,
                    x0=x0,
                    x1=right.value,
                    y=y0,
                    y_last=y_last,
                    top=top.value,
                    size=round(pdfium_c.FPDFText_GetFontSize(textpage, word), 1),
                    bold=pdfium_c.FPDFText_GetFontWeight(textpage, word) >= 600,
                    page_height=height,
                )
            )
        return lines, len(text)
    finally:
        textpage.close()
        page.close()


def _clean(text: str) -> str:
    # pdfium reports Word's non-breaking hyphen as U+FFFE and the Wingdings
    # square bullet as a private-use character.
    return text.replace("\ufffe", "-").replace("\uf06e", "◼").replace("\uf0a7", "◼").replace("\uf0b7", "•")
