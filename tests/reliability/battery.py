"""A generated battery of hostile and broken files, plus good ones to ingest beside them.

Every file is made at test time from code (reportlab, pypdfium2, seeded random bytes),
so the battery needs nothing from outside the repository and is the same on every run.
Each file says what a correct ingest does with it:

- ``FAILED``: refused, recorded with status failed and a reason;
- ``OCR``: a PDF without a text layer, recorded as needs_ocr with a reason;
- ``INDEXED``: readable despite being odd or hostile; its ``marker`` word must be
  searchable, and nothing in ``inert`` (script bodies, handler code) may reach the index;
- ``ANY``: no single right answer (a recoverable truncation, say), but there must be a
  definite outcome: indexed, or refused with a reason.
"""

from __future__ import annotations

import gzip
import io
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

FAILED, OCR, INDEXED = frozenset({"failed"}), frozenset({"needs_ocr"}), frozenset({"indexed"})
ANY = frozenset({"failed", "needs_ocr", "indexed"})
UNREADABLE = frozenset({"failed", "needs_ocr"})

# Active content that must never reach a paragraph: each is unique to a script body,
# an event handler or an attribute, so finding it in the index means markup leaked.
SCRIPT_WORDS = ("pwnscriptbody", "pwnhandler", "pwnjavascripturl", "pwnstyle", "pwnsvg", "pwniframe")


@dataclass(frozen=True)
class BatteryFile:
    name: str
    body: bytes
    category: str
    expect: frozenset
    marker: str | None = None  # a word only this file contains, searchable when indexed
    inert: tuple[str, ...] = ()  # words that must not be indexed (they sit in active markup)


@dataclass(frozen=True)
class GoodFile:
    name: str
    body: bytes
    phrase: str  # words from one of its paragraphs, to find it again
    authority: str | None = None


@dataclass
class Battery:
    bad: list[BatteryFile] = field(default_factory=list)
    good: list[GoodFile] = field(default_factory=list)

    def write(self, folder: Path) -> dict[str, Path]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = {}
        for item in [*self.bad, *self.good]:
            path = folder / item.name
            assert item.name not in paths, f"duplicate battery file name {item.name}"
            path.write_bytes(item.body)
            paths[item.name] = path
        return paths


# -- PDF makers ------------------------------------------------------------------------------
# Names an authority and Ofsted: an HTML file must, to be kept as a council's response.
PARAGRAPH = (
    "Ofsted inspectors found that care leavers in Wigan are supported by personal advisers "
    "who know them well and help them to find suitable accommodation."
)


def text_pdf(lines: list[str], *, pages: int = 1, encrypt=None, invariant: bool = True) -> bytes:
    """A plain, readable PDF with the given lines on each page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=invariant, encrypt=encrypt)
    for _ in range(pages):
        y = 780
        for line in lines:
            pdf.drawString(60, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def image_only_pdf(pages: int, seed: int) -> bytes:
    """Pages of drawn shapes and no characters at all: what a scanned letter looks like."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    rng = random.Random(seed)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    for _ in range(pages):
        for _ in range(60):  # grey strokes where a scanner would have left lines of text
            y = rng.uniform(80, 780)
            pdf.setFillGray(rng.uniform(0.1, 0.6))
            pdf.rect(60, y, rng.uniform(200, 470), 6, stroke=0, fill=1)
        pdf.circle(300, 420, 40)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def blank_pages_pdf(pages: int) -> bytes:
    """Many pages with one word each: an enormous page count in a small file."""
    return text_pdf(["Page"], pages=pages)


def zero_page_pdf() -> bytes:
    import pypdfium2 as pdfium

    buffer = io.BytesIO()
    pdfium.PdfDocument.new().save(buffer)
    return buffer.getvalue()


def pdf_with_javascript(marker: str) -> bytes:
    """A readable letter whose document-open action is JavaScript (never run by us)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    y = 780
    for line in [
        f"Focused visit letter {marker}",
        PARAGRAPH[:90],
        PARAGRAPH[90:],
        "<script>alert('zqprintedscript')</script> appears here as printed text only.",
    ]:
        pdf.drawString(60, y, line)
        y -= 16
    pdf.showPage()
    pdf.save()
    data = buffer.getvalue()
    # Splice an OpenAction into the catalogue; readers that run JavaScript would alert.
    return data.replace(
        b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert\\('x'\\)) >>", 1
    )


# -- HTML makers -----------------------------------------------------------------------------
def html_page(body: str, *, head: str = "", title: str = "Council news") -> bytes:
    return (
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{title}</title>{head}</head>"
        f"<body>{body}</body></html>"
    ).encode()


def article(marker: str, extra: str = "") -> str:
    return (
        f"<main><article><h1>Care leavers news {marker}</h1>"
        f"<p>{PARAGRAPH} The council said the word {marker} marks this article. {extra}</p>"
        f"<p>{PARAGRAPH} Young people told inspectors that they feel listened to.</p>"
        "</article></main>"
    )


# -- the battery -----------------------------------------------------------------------------
def build_battery(good_pdf: bytes | None = None) -> Battery:
    rng = random.Random(20261123)
    battery = Battery()
    add = battery.bad.append
    base = good_pdf or text_pdf(
        [f"Focused visit to Leeds children's services line {i}" for i in range(40)], pages=3
    )

    # zero bytes, under every name the ingester accepts
    for suffix in ("pdf", "html", "htm", "txt"):
        add(BatteryFile(f"zero-byte.{suffix}", b"", "zero-byte", FAILED))

    # truncated PDFs: cut in the header, inside the first objects, and later on. Cuts
    # late in the file can leave whole pages a repairing reader recovers, hence ANY.
    for cut in (5, 9, 64, 200, 600):
        add(BatteryFile(f"truncated-{cut}b.pdf", base[:cut], "truncated", FAILED | OCR))
    for percent in (25, 50, 75, 95):
        add(BatteryFile(f"truncated-{percent}pc.pdf", base[: len(base) * percent // 100], "truncated", ANY))

    # encrypted PDFs: a user password we do not have
    from reportlab.lib.pdfencrypt import StandardEncryption

    for strength in (40, 128):
        add(
            BatteryFile(
                f"encrypted-rc4-{strength}.pdf",
                text_pdf(
                    ["Confidential focused visit letter"],
                    encrypt=StandardEncryption("secret-user", "secret-owner", strength=strength),
                ),
                "encrypted",
                FAILED,
            )
        )
    add(
        BatteryFile(
            "encrypted-password-string.pdf",
            text_pdf(["Confidential focused visit letter"], encrypt="letmein"),
            "encrypted",
            FAILED,
        )
    )
    # an owner password only: anyone may open it, so it is a readable letter
    add(
        BatteryFile(
            "encrypted-owner-only.pdf",
            text_pdf(
                ["Letter zqownerpwmark", PARAGRAPH[:90], PARAGRAPH[90:]],
                encrypt=StandardEncryption("", "owner-only", canPrint=0, canCopy=0),
            ),
            "encrypted",
            INDEXED,
            marker="zqownerpwmark",
        )
    )

    # image-only PDFs: scanned letters with no text layer
    for pages, seed in ((1, 1), (2, 2), (5, 3)):
        add(BatteryFile(f"image-only-{pages}p.pdf", image_only_pdf(pages, seed), "image-only", OCR))
    add(BatteryFile("zero-pages.pdf", zero_page_pdf(), "image-only", FAILED))

    # enormous: past the page limit, and a text file past the size limit
    add(BatteryFile("enormous-301-pages.pdf", blank_pages_pdf(301), "enormous", FAILED))
    add(BatteryFile("enormous-3000-pages.pdf", blank_pages_pdf(3000), "enormous", FAILED))
    line = (PARAGRAPH + "\n").encode()
    add(BatteryFile("enormous-21mb.txt", line * (21 * 1024 * 1024 // len(line) + 1), "enormous", FAILED))

    # mislabelled: not what the name says
    add(
        BatteryFile(
            "login-page.pdf",
            html_page("<form><input name=password></form><p>Please sign in</p>", title="Sign in"),
            "mislabelled",
            FAILED,
        )
    )
    add(BatteryFile("error-page.pdf", html_page("<h1>503 Service Unavailable</h1>"), "mislabelled", FAILED))
    add(BatteryFile("plain-text.pdf", (PARAGRAPH + "\n").encode() * 3, "mislabelled", FAILED))
    add(
        BatteryFile(
            "png-image.pdf",
            b"\x89PNG\r\n\x1a\n" + bytes(rng.getrandbits(8) for _ in range(2048)),
            "mislabelled",
            FAILED,
        )
    )
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w:document>" + PARAGRAPH + "</w:document>")
    add(BatteryFile("word-document.pdf", docx.getvalue(), "mislabelled", FAILED))
    # a real PDF under a text or HTML name: its content decides, so it is read as a PDF
    add(
        BatteryFile(
            "really-a-pdf.txt",
            text_pdf(["Letter zqpdfastxtmark", PARAGRAPH[:90], PARAGRAPH[90:]]),
            "mislabelled",
            INDEXED,
            marker="zqpdfastxtmark",
        )
    )
    add(
        BatteryFile(
            "really-a-pdf.html",
            text_pdf(["Letter zqpdfashtmlmark", PARAGRAPH[:90], PARAGRAPH[90:]]),
            "mislabelled",
            INDEXED,
            marker="zqpdfashtmlmark",
        )
    )

    # binary garbage
    for suffix in ("pdf", "txt", "html", "htm"):
        add(
            BatteryFile(
                f"random-bytes.{suffix}", bytes(rng.getrandbits(8) for _ in range(4096)), "garbage", FAILED
            )
        )
    add(BatteryFile("elf-binary.txt", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8, "garbage", FAILED))
    add(BatteryFile("gzip-data.txt", gzip.compress(PARAGRAPH.encode() * 50, mtime=0), "garbage", FAILED))
    add(
        BatteryFile(
            "pdf-header-then-garbage.pdf",
            b"%PDF-1.7\n" + bytes(rng.getrandbits(8) for _ in range(4096)),
            "garbage",
            FAILED,
        )
    )
    corrupted = bytearray(base)
    for offset in range(len(corrupted) // 4, len(corrupted), 7):  # flip bytes through the body
        corrupted[offset] ^= 0x5A
    add(BatteryFile("pdf-body-corrupted.pdf", bytes(corrupted), "garbage", ANY))

    # invalid or hostile encodings
    add(
        BatteryFile(
            "utf16-odd-length.txt",
            b"\xff\xfe" + "Care leavers".encode("utf-16-le") + b"\x00",
            "encoding",
            FAILED,
        )
    )
    add(
        BatteryFile(
            "utf16-lone-surrogate.txt", b"\xff\xfe" + b"C\x00a\x00\x00\xd8r\x00e\x00", "encoding", FAILED
        )
    )
    add(
        BatteryFile(
            "cp1252-undefined-bytes.txt",
            b"Care leavers \x81\x8d\x8f\x90\x9d support " + "caf\u00e9".encode("latin-1"),
            "encoding",
            FAILED,
        )
    )
    add(
        BatteryFile(
            "control-characters.txt", bytes(rng.choice(range(1, 32)) for _ in range(4000)), "encoding", FAILED
        )
    )
    add(
        BatteryFile(
            "nul-in-text.txt", PARAGRAPH.encode() + b"\x00\x00" + PARAGRAPH.encode(), "encoding", FAILED
        )
    )
    # legacy but valid encodings: a reader must cope, not refuse
    add(
        BatteryFile(
            "windows-1252.txt",
            ("Letter zqcp1252mark \u2013 caf\u00e9 \u201cquoted\u201d\n\n" + PARAGRAPH + "\n").encode(
                "cp1252"
            ),
            "encoding",
            ANY,
            marker="zqcp1252mark",
        )
    )
    add(
        BatteryFile(
            "utf16-bom.txt",
            ("Letter zqutf16mark\n\n" + PARAGRAPH + "\n").encode("utf-16"),
            "encoding",
            ANY,
            marker="zqutf16mark",
        )
    )
    add(
        BatteryFile(
            "overlong-utf8.html",
            html_page(article("zqoverlongmark")).replace(b"The council", b"The \xc0\xaf\xe0\x80\xaf council"),
            "encoding",
            ANY,
            marker="zqoverlongmark",
        )
    )

    # words-free text
    add(BatteryFile("punctuation-only.txt", b"... !!! ??? --- *** ;;; \n" * 20, "text", FAILED))
    add(BatteryFile("whitespace-only.txt", b" \n\t\r\n  \n" * 50, "text", FAILED))
    # ~150 KB on one line. Far longer single paragraphs make SQLite searches slow (see
    # tests/soak/test_long_paragraphs.py), so the fast battery keeps this one moderate.
    add(BatteryFile("one-huge-line.txt", (PARAGRAPH + " ").encode() * 1000, "text", ANY))

    # HTML with scripts, event handlers and other active content
    add(
        BatteryFile(
            "scripts-only.html",
            html_page(
                "<script>document.write('pwnscriptbody')</script>"
                "<script src='https://evil.example/x.js'></script>"
            ),
            "html",
            FAILED,
            inert=("pwnscriptbody",),
        )
    )
    # "Enable JavaScript" in <noscript> is the page's only text: refusing it would be better,
    # but indexing those two words is no danger.
    add(
        BatteryFile(
            "noscript-only.html",
            html_page(
                "<script>document.write('pwnscriptbody')</script><noscript>Enable JavaScript</noscript>"
            ),
            "html",
            ANY,
            inert=("pwnscriptbody",),
        )
    )
    add(
        BatteryFile(
            "script-in-article.html",
            html_page(article("zqscriptmark", "<script>alert('pwnscriptbody')</script>")),
            "html",
            INDEXED,
            marker="zqscriptmark",
            inert=("pwnscriptbody",),
        )
    )
    add(
        BatteryFile(
            "event-handlers.html",
            html_page(
                "<main><article onmouseover=\"alert('pwnhandler')\"><h1 onclick=\"alert('pwnhandler')\">News</h1>"
                f'<p onload="pwnhandler()">{PARAGRAPH} zqhandlermark <img src=x onerror="pwnhandler()"></p>'
                f"<p>{PARAGRAPH}</p></article></main>"
            ),
            "html",
            INDEXED,
            marker="zqhandlermark",
            inert=("pwnhandler",),
        )
    )
    add(
        BatteryFile(
            "javascript-urls.html",
            html_page(
                article("zqjsurlmark", "<a href=\"javascript:alert('pwnjavascripturl')\">read more</a>")
            ),
            "html",
            INDEXED,
            marker="zqjsurlmark",
            inert=("pwnjavascripturl",),
        )
    )
    add(
        BatteryFile(
            "style-and-refresh.html",
            html_page(
                article("zqstylemark"),
                head="<style>body{background:url('javascript:pwnstyle')}</style>"
                '<meta http-equiv=refresh content="0;url=javascript:pwnstyle()">',
            ),
            "html",
            INDEXED,
            marker="zqstylemark",
            inert=("pwnstyle",),
        )
    )
    add(
        BatteryFile(
            "svg-onload.html",
            html_page(article("zqsvgmark", '<svg onload="pwnsvg()"><script>pwnsvg()</script></svg>')),
            "html",
            INDEXED,
            marker="zqsvgmark",
            inert=("pwnsvg",),
        )
    )
    add(
        BatteryFile(
            "iframe-srcdoc.html",
            html_page(article("zqiframemark", '<iframe srcdoc="<script>pwniframe()</script>"></iframe>')),
            "html",
            INDEXED,
            marker="zqiframemark",
            inert=("pwniframe",),
        )
    )
    # markup written as text: it is words on the page, and must come back escaped
    add(
        BatteryFile(
            "escaped-script-text.html",
            html_page(
                article(
                    "zqescapedmark",
                    "&lt;script&gt;alert(document.cookie)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;",
                )
            ),
            "html",
            INDEXED,
            marker="zqescapedmark",
        )
    )
    add(
        BatteryFile(
            "script-in-text-file.txt",
            (
                "Letter zqtxtscriptmark\n\n<script>alert(1)</script> <img src=x onerror=alert(1)> "
                + PARAGRAPH
                + "\n"
            ).encode(),
            "html",
            ANY,
            marker="zqtxtscriptmark",
        )
    )
    add(
        BatteryFile(
            "unclosed-tags.html",
            ("<html><body><main><p>" + PARAGRAPH + " zqunclosedmark" + "<b><i><u>" * 3000).encode(),
            "html",
            ANY,
            marker="zqunclosedmark",
        )
    )
    add(
        BatteryFile(
            "deeply-nested.html",
            html_page("<div>" * 20000 + f"<p>{PARAGRAPH} zqnestedmark</p>" + "</div>" * 20000),
            "html",
            ANY,
            marker="zqnestedmark",
        )
    )
    add(
        BatteryFile(
            "wrong-charset.html",
            html_page(article("zqcharsetmark"), head="<meta charset=utf-16>").replace(b"charset=utf-8", b""),
            "html",
            ANY,
            marker="zqcharsetmark",
        )
    )
    add(
        BatteryFile(
            "billion-entities.html",
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
            b'"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;'
            b'&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><html><body><p>&lol3;</p></body></html>',
            "html",
            ANY,
        )
    )
    add(
        BatteryFile(
            "pdf-with-javascript.pdf",
            pdf_with_javascript("zqpdfjsmark"),
            "pdf",
            INDEXED,
            marker="zqpdfjsmark",
        )
    )
    return battery


def add_good_files(battery: Battery) -> Battery:
    """Good documents: the project's sample letters rendered as real PDFs, one as text, and
    a council news page, each with a phrase from its text to find it by."""
    from replica.documents import load_samples
    from replica.render import render_pdf

    samples = {doc.path.stem: doc for doc in load_samples()}
    for stem in ("fv-2024-leeds", "fv-2022-norfolk", "fv-2023-calderdale", "fv-2021-sunderland"):
        doc = samples[stem]
        battery.good.append(GoodFile(f"good-{stem}.pdf", render_pdf(doc), _phrase(doc), doc.authority))
    doc = samples["fv-2025-devon"]
    text = "\n\n".join(b.text for b in doc.blocks if b.kind in ("subject", "heading", "paragraph"))
    battery.good.append(GoodFile("good-fv-2025-devon.txt", text.encode(), _phrase(doc), doc.authority))
    battery.good.append(
        GoodFile("good-council-news.html", html_page(article("zqgoodnewsmark")), "zqgoodnewsmark", None)
    )
    return battery


def _phrase(doc) -> str:
    """Five words from the middle of the document's longest paragraph."""
    longest = max((b.text for b in doc.blocks if b.kind == "paragraph"), key=len)
    words = [w.strip(".,;:()’'\"") for w in longest.split()]
    middle = len(words) // 2
    return " ".join(words[middle : middle + 5])
