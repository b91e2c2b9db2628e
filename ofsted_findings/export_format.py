"""What an exported paragraph is: its columns, its row and its line of CSV.

Shared by the web app's downloads, the CLI's ``export`` and the SQLite engine. That
engine keeps each paragraph's line of CSV as pre-quoted UTF-8 pieces
(``csv_fragments``), so an export of 100k rows copies bytes rather than quoting
sixteen cells a row in Python. Only the permalink and the citation depend on the
site's base URL; ``splice_csv`` puts it in as the rows go out.
"""
from __future__ import annotations

from itertools import islice
from typing import Iterable, Iterator

from ofsted_findings.config import document_path
from ofsted_findings.formatting import citation_stem

# "kind" says whose words the paragraph is (ofsted | council | file): a researcher must be
# able to tell Ofsted's findings from a council's words about itself in a download too.
COLUMNS = ("authority", "ons_code", "region", "document_type", "kind", "published", "visit_start",
           "visit_end", "section", "paragraph_number", "themes", "stance", "text", "source",
           "permalink", "citation")
SOURCE = COLUMNS.index("source")
# The stored fields a row is made from: COLUMNS up to "source" (of which "themes" is a
# list), then what its permalink and citation need.
STORED_FIELDS = COLUMNS[:SOURCE + 1] + ("document_id", "document_title")
THEMES = COLUMNS.index("themes")
# Spreadsheets run a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = frozenset("=+-@\t\r\n")
CHUNK_ROWS = 1000  # rows per chunk of a streamed export
CSV_HEADER = "\ufeff" + ",".join(f'"{name}"' for name in COLUMNS) + "\r\n"  # BOM: Excel reads UTF-8


def export_rows(values: Iterable[tuple], base_url: str) -> Iterator[tuple]:
    """One tuple per hit from its STORED_FIELDS values, in COLUMNS order: text as
    str ("" for none), the paragraph number as an int. The permalink and citation
    are begun once per document: an export runs to 100k rows."""
    base = base_url.rstrip("/")
    documents: dict[str, tuple[str, str]] = {}  # document id -> its URL, its citation stem
    for (authority, ons_code, region, document_type, kind, published, visit_start, visit_end, section,
         number, themes, stance, text, source, document_id, title) in values:
        stems = documents.get(document_id)
        if stems is None:
            if len(documents) >= 10_000:  # bounded, so that an export's memory stays flat
                documents.clear()
            stems = documents[document_id] = (base + document_path(document_id),
                                              citation_stem(authority, title, published))
        permalink = stems[0] if number is None else f"{stems[0]}#p{number}"
        yield (authority or "", ons_code or "", region or "", document_type or "", kind or "", published or "",
               visit_start or "", visit_end or "", section or "", number, "; ".join(themes or ()),
               stance or "", text or "", source or "", permalink, f"{stems[1]}{number}. {permalink}")


def batches(rows: Iterable, size: int = CHUNK_ROWS) -> Iterator[list]:
    """Lists of ``size`` rows (the last may be shorter): an export goes out a chunk at a time."""
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        yield batch


def neutralise_formula(value):
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def csv_cell(value) -> str:
    """One CSV field (RFC 4180): every value quoted as text (None as empty), quotes
    doubled, formulas neutralised. (The csv module walks each character in turn,
    about 30 MB/s here: too slow for exports of 100k long paragraphs.)"""
    text = "" if value is None else str(value)
    if text[:1] in FORMULA_STARTS:
        text = "'" + text
    return '"' + text.replace('"', '""') + '"'


def csv_line(row: tuple) -> str:
    return ",".join(map(csv_cell, row))


def csv_fragments(paragraph: dict) -> tuple[bytes, bytes, bytes]:
    """The paragraph's line of CSV without the base URL, in three pieces: its cells
    up to "source" and the permalink's opening quote; the permalink's path; the close
    of the permalink and the citation up to its URL. ``splice_csv`` joins them."""
    [row] = export_rows([tuple(paragraph.get(name) for name in STORED_FIELDS)], "")
    path, cited = row[SOURCE + 1], row[SOURCE + 2]  # with no base URL the permalink is the path
    head = ",".join(map(csv_cell, row[:SOURCE + 1])) + ',"'
    citation_start = cited[:len(cited) - len(path)]
    return (head.encode(), _quoted(path).encode(),
            ('","' + _quoted(neutralise_formula(citation_start))).encode())


def splice_csv(fragments: Iterable[tuple[bytes, bytes, bytes]], base_url: str) -> bytes:
    """Lines of CSV (each ending CRLF) from ``csv_fragments`` and the site's base URL:
    the same bytes as ``csv_line`` of each ``export_rows`` row."""
    base = base_url.rstrip("/")
    # The permalink cell starts with the base URL (formula-neutralised if need be, as a
    # cell would be); the citation cell holds it after its text.
    in_cell, in_citation = _quoted(neutralise_formula(base)).encode(), _quoted(base).encode()
    parts = []
    for head, path, citation_start in fragments:
        parts += (head, in_cell, path, citation_start, in_citation, path, b'"\r\n')
    return b"".join(parts)


def _quoted(text: str) -> str:
    return text.replace('"', '""')
