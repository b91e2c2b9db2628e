"""Render a sample document to a real, multi-page PDF with reportlab.

The layout imitates Ofsted's letters and reports (letterhead, ◼ bullets,
running footer with page numbers) so that extraction meets the same shapes as
in real PDFs. Output is byte-for-byte deterministic (reportlab's invariant mode).
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    ListFlowable,
    ListItem,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .documents import SAMPLE_NOTICE, SampleDocument

LETTERHEAD = ["Ofsted", "Piccadilly Gate", "Store Street", "Manchester", "M1 2WD"]
CONTACTS = ["T 0300 123 1231", "Textphone 0161 618 8524", "enquiries@ofsted.gov.uk", "www.gov.uk/ofsted"]
BULLET = "\u25fc"

_REPORTLAB_FONTS = Path(reportlab.__file__).parent / "fonts"
# Vera ships with reportlab, so text renders the same on every machine; it has
# no ◼, so the bullet glyph comes from DejaVu when the system has it.
_BULLET_FONT_CANDIDATES = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
]


def _register_fonts() -> str:
    if "Sample" not in pdfmetrics.getRegisteredFontNames():
        for name, file in (
            ("Sample", "Vera.ttf"),
            ("Sample-Bold", "VeraBd.ttf"),
            ("Sample-Italic", "VeraIt.ttf"),
            ("Sample-BoldItalic", "VeraBI.ttf"),
        ):
            pdfmetrics.registerFont(TTFont(name, str(_REPORTLAB_FONTS / file)))
        pdfmetrics.registerFontFamily(
            "Sample",
            normal="Sample",
            bold="Sample-Bold",
            italic="Sample-Italic",
            boldItalic="Sample-BoldItalic",
        )
        for candidate in _BULLET_FONT_CANDIDATES:
            if candidate.is_file():
                pdfmetrics.registerFont(TTFont("SampleBullet", str(candidate)))
                break
    return "SampleBullet" if "SampleBullet" in pdfmetrics.getRegisteredFontNames() else "ZapfDingbats"


def _styles():
    body = ParagraphStyle("body", fontName="Sample", fontSize=10.5, leading=14.5, spaceAfter=7)
    return {
        "body": body,
        "lines": ParagraphStyle("lines", parent=body, spaceAfter=9),
        "subject": ParagraphStyle(
            "subject",
            parent=body,
            fontName="Sample-Bold",
            fontSize=12,
            leading=16,
            spaceBefore=4,
            spaceAfter=9,
            keepWithNext=1,
        ),
        "heading": ParagraphStyle(
            "heading",
            parent=body,
            fontName="Sample-Bold",
            fontSize=12,
            leading=16,
            spaceBefore=8,
            spaceAfter=6,
            keepWithNext=1,
        ),
        "subheading": ParagraphStyle("subheading", parent=body, fontName="Sample-Bold", keepWithNext=1),
        "letterhead": ParagraphStyle(
            "letterhead", parent=body, fontSize=9, leading=11, alignment=2, spaceAfter=0
        ),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9.5, leading=12, spaceAfter=0),
    }


def _text(text: str) -> str:
    return xml_escape(text)


def _flowables(doc: SampleDocument, styles, bullet_font: str) -> list:
    out: list = []
    if doc.is_letter:
        head = "<br/>".join(
            f"<b>{_text(line)}</b>" if i == 0 else _text(line) for i, line in enumerate(LETTERHEAD)
        )
        out += [
            Paragraph(head, styles["letterhead"]),
            Spacer(1, 3 * mm),
            Paragraph("<br/>".join(map(_text, CONTACTS)), styles["letterhead"]),
            Spacer(1, 8 * mm),
        ]
    bullet_char = BULLET if bullet_font != "ZapfDingbats" else "n"
    for block in doc.blocks:
        if block.kind in ("subject", "heading", "subheading", "paragraph"):
            style = styles["body" if block.kind == "paragraph" else block.kind]
            out.append(Paragraph(_text(block.text), style))
        elif block.kind == "lines":
            out.append(Paragraph("<br/>".join(_text(line) for line in block.items), styles["lines"]))
        elif block.kind == "bullets":
            out.append(
                ListFlowable(
                    [ListItem(Paragraph(_text(item), styles["body"]), leftIndent=14) for item in block.items],
                    bulletType="bullet",
                    start=bullet_char,
                    bulletFontName=bullet_font,
                    bulletFontSize=8,
                    leftIndent=14,
                )
            )
        elif block.kind == "table":
            rows = [[Paragraph(_text(c), styles["cell"]) for c in row] for row in block.items]
            table = Table(rows, colWidths=[120 * mm, 45 * mm])
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dddddd")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            out += [table, Spacer(1, 6 * mm)]
        elif block.kind == "pagebreak":
            out.append(PageBreak())
    return out


def _footer_dates(doc: SampleDocument) -> str:
    return doc.meta.get("visit_dates") or ""


def render_pdf(doc: SampleDocument) -> bytes:
    bullet_font = _register_fonts()
    styles = _styles()
    buffer = io.BytesIO()
    notice = SAMPLE_NOTICE
    running = doc.running_title
    dates = _footer_dates(doc)

    def footer(canvas, template):
        canvas.saveState()
        canvas.setFont("Sample", 8)
        y = 14 * mm
        canvas.drawString(20 * mm, y + 8, running)
        if dates:
            canvas.drawString(20 * mm, y, dates)
        canvas.drawRightString(A4[0] - 20 * mm, y, str(template.page))
        canvas.setFont("Sample-Italic", 7.5)
        canvas.drawString(20 * mm, y - 10, notice)
        canvas.restoreState()

    def header(canvas):
        # At the top of every page too, where a reader looks first: a sample must never
        # pass for Ofsted's. Drawn before the content, so extracted text starts with it.
        canvas.saveState()
        canvas.setFillColor(colors.HexColor("#d4351c"))
        canvas.setFont("Sample-Italic", 9)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 10 * mm, notice)
        canvas.restoreState()

    class _FooterLastDoc(SimpleDocTemplate):
        # Drawn after the page's content, as in Ofsted's PDFs, so extracted text
        # ends each page with the running footer.
        def beforePage(self):
            header(self.canv)

        def afterPage(self):
            footer(self.canv, self)

    template = _FooterLastDoc(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=28 * mm,
        invariant=1,
        title=f"Sample data: {doc.subject}",
        subject=notice,
        author="ofsted-findings (sample data)",
        creator="ofsted-findings replica",
        keywords="sample data, not a real Ofsted publication",
    )
    template.build(_flowables(doc, styles, bullet_font))
    return buffer.getvalue()
