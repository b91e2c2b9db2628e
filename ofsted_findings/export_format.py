"""What an exported paragraph is: its columns, its row and its line of CSV.

Shared by the web app's downloads, the CLI's ``export`` and the SQLite engine. That
engine keeps each paragraph's line of CSV as pre-quoted UTF-8 pieces
(``csv_fragments``), so an export of 100k rows copies bytes rather than quoting
twenty cells a row in Python (changing COLUMNS changes those pieces: bump the SQLite
engine's SCHEMA_VERSION with it). Only the permalink and the citation depend on the
site's base URL; ``splice_csv`` puts it in as the rows go out.
"""

from __future__ import annotations

from itertools import islice
from typing import Iterable, Iterator

from common.config import document_path
from common.formatting import citation_stem

# (name, type, description): the data dictionary of every export (CSV, NDJSON, XLSX), served
# at /api/v1/exports/fields, written into each XLSX and kept in the README.
FIELDS = (
    ("document_id", "text", "The document's identifier in ofsted-findings (its page is /documents/<id>)."),
    ("document_title", "text", "The document's title: the letter's subject line or the report's title."),
    ("authority", "text", "The local authority the document is about (the authority register's name)."),
    ("ons_code", "text", "The authority's ONS code, e.g. E08000035."),
    ("region", "text", "The authority's region of England."),
    (
        "document_type",
        "text",
        "Children's services focused visit, Children's services inspection, "
        "Monitoring visit, Joint targeted area inspection or Council response.",
    ),
    (
        "kind",
        "text",
        "Whose words the paragraph is: ofsted (Ofsted's findings), council (a council's own "
        "words about itself, e.g. a press release) or file (neither).",
    ),
    ("published", "date", "When the document was published (YYYY-MM-DD; a date in XLSX)."),
    ("visit_start", "date", "First day of the inspection or visit, if the document says."),
    ("visit_end", "date", "Last day of the inspection or visit, if the document says."),
    (
        "judgement",
        "text",
        "The grade Ofsted gave the experiences and progress of care leavers in this "
        "inspection (empty for visits and letters, which are not graded).",
    ),
    ("judgements", "text", "Every judgement of the inspection, as 'area: grade', separated by '; '."),
    (
        "responds_to",
        "text",
        "For a council's response, the document_id of the Ofsted document it "
        "answers (empty when it is not linked, and for every other document).",
    ),
    ("section", "text", "The heading the paragraph sits under."),
    ("paragraph_number", "integer", "The paragraph's number in the document (its anchor #p<n>)."),
    (
        "themes",
        "list",
        "The care-leaver themes of the paragraph (ids, see /api/v1/themes); "
        "'; '-separated in CSV and XLSX, a list in NDJSON.",
    ),
    ("stance", "text", "strength, improvement (an area for improvement) or neutral."),
    ("text", "text", "The paragraph's text."),
    ("source", "text", "The original document's URL (or the file path of an ingested file)."),
    ("permalink", "url", "The paragraph on this site."),
    (
        "citation",
        "text",
        "A citation: author (Ofsted, or the council for its response), title, "
        "authority, date, source URL, paragraph number and permalink.",
    ),
)
COLUMNS = tuple(name for name, _, _ in FIELDS)
# The stored fields a row is made from: COLUMNS up to "source" (of which "judgements" is a
# mapping and "themes" a list), then what the citation needs.
SOURCE = COLUMNS.index("source")
STORED_FIELDS = COLUMNS[: SOURCE + 1]
THEMES = COLUMNS.index("themes")
JUDGEMENTS = COLUMNS.index("judgements")
DATE_COLUMNS = tuple(i for i, (_, kind, _) in enumerate(FIELDS) if kind == "date")
# Spreadsheets run a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = frozenset("=+-@\t\r\n")
CHUNK_ROWS = 1000  # rows per chunk of a streamed export
CSV_HEADER = "\ufeff" + ",".join(f'"{name}"' for name in COLUMNS) + "\r\n"  # BOM: Excel reads UTF-8


def judgements_text(judgements) -> str:
    return "; ".join(f"{area}: {grade}" for area, grade in (judgements or {}).items())


def export_rows(values: Iterable[tuple], base_url: str) -> Iterator[tuple]:
    """One tuple per hit from its STORED_FIELDS values, in COLUMNS order: text as
    str ("" for none), the paragraph number as an int. The permalink and citation
    are begun once per document: an export runs to 100k rows."""
    base = base_url.rstrip("/")
    documents: dict[str, tuple[str, str]] = {}  # document id -> its URL, its citation stem
    for (
        document_id,
        title,
        authority,
        ons_code,
        region,
        document_type,
        kind,
        published,
        visit_start,
        visit_end,
        judgement,
        judgements,
        responds_to,
        section,
        number,
        themes,
        stance,
        text,
        source,
    ) in values:
        stems = documents.get(document_id)
        if stems is None:
            if len(documents) >= 10_000:  # bounded, so that an export's memory stays flat
                documents.clear()
            stems = documents[document_id] = (
                base + document_path(document_id),
                citation_stem(authority, title, published, document_type, source),
            )
        permalink = stems[0] if number is None else f"{stems[0]}#p{number}"
        yield (
            document_id or "",
            title or "",
            authority or "",
            ons_code or "",
            region or "",
            document_type or "",
            kind or "",
            published or "",
            visit_start or "",
            visit_end or "",
            judgement or "",
            judgements_text(judgements),
            responds_to or "",
            section or "",
            number,
            "; ".join(themes or ()),
            stance or "",
            text or "",
            source or "",
            permalink,
            f"{stems[1]}{number}. {permalink}",
        )


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
    path, cited = row[-2], row[-1]  # with no base URL the permalink is the path
    head = ",".join(map(csv_cell, row[:-2])) + ',"'
    citation_start = cited[: len(cited) - len(path)]
    return (
        head.encode(),
        _quoted(path).encode(),
        ('","' + _quoted(neutralise_formula(citation_start))).encode(),
    )


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
