"""Every export format of a search's whole result set (CSV, NDJSON, XLSX), for the web
app's downloads and the CLI's ``export`` alike.

Engines know nothing of formats: they scan rows of stored fields (``scan_values``);
this module turns each into a row of COLUMNS (permalink and citation made with the
site's base URL) and writes the rows in the format asked for, a chunk at a time, so
memory stays flat however many paragraphs match. Adding a column is one line in
``TABLE``: its name, type, meaning and XLSX width, and how its cell is made when that
is not the stored value itself.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from itertools import islice
from typing import Callable, Iterable, Iterator

import orjson

from common.config import document_path
from common.formatting import citation_stem
from indexer.linking import RELATION


def judgements_text(judgements) -> str:
    return "; ".join(f"{area}: {grade}" for area, grade in (judgements or {}).items())


def _listed(values) -> str:
    return "; ".join(values or ())


def _as_is(value):
    return value


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, date, integer, list or url: its type in the data dictionary
    description: str
    width: int = 16  # characters, in XLSX
    # The cell from the paragraph's stored field of the same name (None: text, "" for
    # none). Not stored: made from the site's base URL (permalink, citation).
    cell: Callable | None = None
    stored: bool = True


# The data dictionary of every export, in column order: served at /api/v1/exports/fields,
# written into each XLSX and kept in the README.
TABLE = (
    Column(
        "document_id",
        "text",
        "The document's identifier in ofsted-findings (its page is /documents/<id>).",
        18,
    ),
    Column(
        "document_title",
        "text",
        "The document's title: the letter's subject line or the report's title.",
        40,
    ),
    Column(
        "authority", "text", "The local authority the document is about (the authority register's name).", 22
    ),
    Column("ons_code", "text", "The authority's ONS code, e.g. E08000035.", 11),
    Column("region", "text", "The authority's region of England.", 18),
    Column(
        "document_type",
        "text",
        "Children's services focused visit, Children's services inspection, "
        "Monitoring visit, Joint targeted area inspection or Council response.",
        30,
    ),
    Column(
        "kind",
        "text",
        "Whose words the paragraph is: ofsted (Ofsted's findings), council (a council's own "
        "words about itself, e.g. a press release) or file (neither).",
    ),
    Column("published", "date", "When the document was published (YYYY-MM-DD; a date in XLSX).", 12),
    Column("visit_start", "date", "First day of the inspection or visit, if the document says.", 12),
    Column("visit_end", "date", "Last day of the inspection or visit, if the document says.", 12),
    Column(
        "judgement",
        "text",
        "The grade Ofsted gave the experiences and progress of care leavers in this "
        "inspection (empty for visits and letters, which are not graded).",
        18,
    ),
    Column(
        "judgements",
        "text",
        "Every judgement of the inspection, as 'area: grade', separated by '; '.",
        40,
        cell=judgements_text,
    ),
    Column(
        "responds_to",
        "text",
        "For a council's response, the document_id of the Ofsted document it "
        "answers (empty when it is not linked, and for every other document).",
        18,
    ),
    Column("section", "text", "The heading the paragraph sits under.", 28),
    Column(
        "paragraph_number",
        "integer",
        "The paragraph's number in the document (its anchor #p<n>).",
        10,
        cell=_as_is,
    ),
    Column(
        "themes",
        "list",
        "The care-leaver themes of the paragraph (ids, see /api/v1/themes); "
        "'; '-separated in CSV and XLSX, a list in NDJSON.",
        30,
        cell=_listed,
    ),
    Column("stance", "text", "strength, improvement (an area for improvement) or neutral.", 12),
    Column("text", "text", "The paragraph's text.", 80),
    Column("source", "text", "The original document's URL (or the file path of an ingested file).", 40),
    Column("permalink", "url", "The paragraph on this site.", 40, stored=False),
    Column(
        "citation",
        "text",
        "A citation: author (Ofsted, or the council for its response), title, "
        "authority, date, source URL, paragraph number and permalink.",
        60,
        stored=False,
    ),
)
FIELDS = tuple((c.name, c.kind, c.description) for c in TABLE)
COLUMNS = tuple(c.name for c in TABLE)
# The stored fields a row is made from (what an engine's scan_values is asked for).
STORED_FIELDS = tuple(c.name for c in TABLE if c.stored)
THEMES = COLUMNS.index("themes")
DATE_COLUMNS = tuple(i for i, c in enumerate(TABLE) if c.kind == "date")
_CELLS = tuple((i, c.cell) for i, c in enumerate(TABLE) if c.stored and c.cell is not None)
_CITED = tuple(
    STORED_FIELDS.index(name)
    for name in ("document_id", "authority", "document_title", "published", "document_type", "source")
)
_NUMBER = STORED_FIELDS.index("paragraph_number")
# Spreadsheets run a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = frozenset("=+-@\t\r\n")
CHUNK_ROWS = 1000  # rows per chunk of a streamed export
CSV_HEADER = "\ufeff" + ",".join(f'"{name}"' for name in COLUMNS) + "\r\n"  # BOM: Excel reads UTF-8
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = tuple(MIMETYPES)
XLSX_CHUNK = 64 * 1024


# -- rows ----------------------------------------------------------------------------------
def export_rows(values: Iterable[tuple], base_url: str) -> Iterator[tuple]:
    """One tuple per hit from its STORED_FIELDS values, in COLUMNS order: text as str
    ("" for none), the paragraph number as an int. The permalink and citation are begun
    once per document: an export runs to 100k rows."""
    base = base_url.rstrip("/")
    documents: dict[str, tuple[str, str]] = {}  # document id -> its URL, its citation stem
    for stored in values:
        row = [value or "" for value in stored]
        for i, cell in _CELLS:
            row[i] = cell(stored[i])
        document_id, authority, title, published, document_type, source = (stored[i] for i in _CITED)
        stems = documents.get(document_id)
        if stems is None:
            if len(documents) >= 10_000:  # bounded, so that an export's memory stays flat
                documents.clear()
            stems = documents[document_id] = (
                base + document_path(document_id),
                citation_stem(authority, title, published, document_type, source),
            )
        number = stored[_NUMBER]
        permalink = stems[0] if number is None else f"{stems[0]}#p{number}"
        row += (permalink, f"{stems[1]}{number}. {permalink}")
        yield tuple(row)


def scan_rows(searcher, search_request, base_url: str) -> Iterator[tuple]:
    """The export rows of every hit of a search, in its order."""
    return export_rows(searcher.scan_values(search_request, STORED_FIELDS), base_url)


def batches(rows: Iterable, size: int = CHUNK_ROWS) -> Iterator[list]:
    """Lists of ``size`` rows (the last may be shorter): an export goes out a chunk at a time."""
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        yield batch


# -- CSV -----------------------------------------------------------------------------------
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


def csv_lines(rows: list[tuple]) -> str:
    """``csv_line`` of each row, each ending CRLF: the same text, with the cell's work
    written out in one expression instead of a call per cell (an export of 100k rows
    makes two million cells)."""
    return "".join(
        [
            '"'
            + '","'.join(
                [
                    ("'" + t if t[:1] in FORMULA_STARTS else t).replace('"', '""')
                    for t in [c if c.__class__ is str else ("" if c is None else str(c)) for c in row]
                ]
            )
            + '"\r\n'
            for row in rows
        ]
    )


def csv_chunks(rows: Iterable[tuple]) -> Iterator[str]:
    yield CSV_HEADER
    for batch in batches(rows):
        yield csv_lines(batch)


# -- NDJSON --------------------------------------------------------------------------------
def ndjson_chunks(rows: Iterable[tuple]) -> Iterator[bytes]:
    for batch in batches(rows):
        yield b"".join([_json_line(row) for row in batch])


def _json_line(row: tuple) -> bytes:
    record = dict(zip(COLUMNS, row))
    record["themes"] = row[THEMES].split("; ") if row[THEMES] else []
    record["responds_to"] = record["responds_to"] or None
    try:
        return orjson.dumps(record) + b"\n"
    except orjson.JSONEncodeError:  # a lone surrogate, say, which orjson refuses: json escapes it
        return json.dumps(record).encode() + b"\n"


# -- XLSX ----------------------------------------------------------------------------------
def xlsx_chunks(rows: Iterable[tuple], about: dict | None = None) -> Iterator[bytes]:
    """xlsxwriter's constant_memory mode writes each row to disk as it goes;
    the finished file is then streamed and removed. The header row is frozen and
    filtered, dates are dates, and a second sheet says what the export is: ``about``
    (query, filters, export time, data version) and the data dictionary."""
    import xlsxwriter

    fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="ofsted-findings-export-")
    os.close(fd)
    try:
        workbook = xlsxwriter.Workbook(
            path,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        sheet = workbook.add_worksheet("Paragraphs")
        bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        day = workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        for c, column in enumerate(TABLE):
            sheet.set_column(c, c, column.width, wrap if column.name == "text" else None)
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, COLUMNS, bold)
        last = 0
        for r, row in enumerate(rows, 1):
            last = r
            for c, value in enumerate(row):
                if isinstance(value, int):
                    sheet.write_number(r, c, value)
                elif c in DATE_COLUMNS and (when := _iso_day(value)):
                    sheet.write_datetime(r, c, when, day)
                else:
                    sheet.write_string(r, c, value)
        sheet.autofilter(0, 0, max(last, 1), len(COLUMNS) - 1)
        _about_sheet(workbook, bold, wrap, about or {})
        workbook.close()
        with open(path, "rb") as fh:
            while chunk := fh.read(XLSX_CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def _iso_day(value: str) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time()) if len(value) == 10 else None
    except ValueError:
        return None


def _about_sheet(workbook, bold, wrap, about: dict) -> None:
    sheet = workbook.add_worksheet("About this export")
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 12)
    sheet.set_column(2, 2, 90, wrap)
    r = 0
    for label in ("query", "filters", "exported_at", "data_version"):
        sheet.write_string(r, 0, label.replace("_", " ").capitalize(), bold)
        sheet.write_string(r, 1, str(about.get(label) or "(none)"))
        r += 1
    r += 1
    sheet.write_row(r, 0, ("column", "type", "meaning"), bold)
    for name, kind, description in FIELDS:
        r += 1
        sheet.write_row(r, 0, (name, kind, description))


# -- an export -----------------------------------------------------------------------------
def about_export(
    q: str, filters: dict, date_from: str | None, date_to: str | None, searcher, store=None
) -> dict:
    """What an export holds and from which data: its XLSX's second sheet."""
    described = "; ".join(f"{facet}: {', '.join(values)}" for facet, values in filters.items())
    if date_from or date_to:
        described = "; ".join(filter(None, [described, f"published {date_from or '…'} to {date_to or '…'}"]))
    return {
        "query": q,
        "filters": described,
        "exported_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "data_version": data_version(searcher, store),
    }


def data_version(searcher, store=None) -> str:
    """Which data an export was made from: the index's size and the store's last check."""
    try:
        stats = searcher.engine.stats()
    except Exception as exc:  # an export already under way has proven the engine; say why not
        return f"unknown ({type(exc).__name__})"
    text = (
        f"{stats.get('engine')} index of {stats.get('paragraphs', '?')} paragraphs from "
        f"{stats.get('documents', '?')} documents"
    )
    try:
        checked = store.counts().get("last_checked") if store is not None else None
    except Exception:  # the store is not needed to export; its date is only a nicety
        checked = None
    if checked:
        text += f"; sources last checked {checked}"
    return text


def export_chunks(
    searcher, search_request, fmt: str, base_url: str, about: dict | None = None, links: dict | None = None
) -> Iterator[str | bytes]:
    """The export of every hit of a search in format ``fmt`` (FORMATS), chunk by chunk;
    ``about`` (about_export) goes into the XLSX's second sheet, and ``links`` (response_links:
    each response's document id -> the letter it answers) fills the ``responds_to`` column."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: choose {', '.join(FORMATS)}")
    rows = scan_rows(searcher, search_request, base_url)
    if links:
        rows = with_responds_to(rows, links)
    if fmt == "csv":
        return csv_chunks(rows)
    if fmt == "ndjson":
        return ndjson_chunks(rows)
    return xlsx_chunks(rows, about)


# -- council responses: the store, not the index, knows which letter each one answers -------
_RESPONDS_TO = COLUMNS.index("responds_to")


def response_links(store) -> dict[str, str]:
    """Response document id -> the letter it answers (empty when the store cannot say)."""
    try:
        return store.linked_from(RELATION) if store is not None else {}
    except Exception:  # an unreadable store must not stop an export from the index
        return {}


def with_responds_to(rows: Iterable[tuple], links: dict[str, str]) -> Iterator[tuple]:
    """Export rows (in COLUMNS order) with each response's ``responds_to`` filled from the store."""
    for row in rows:
        letter = links.get(row[0])
        yield row if letter is None else (*row[:_RESPONDS_TO], letter, *row[_RESPONDS_TO + 1 :])


# -- small tables (the researcher's view of themes): the same formats, whole in memory ---------
def table_csv(columns: tuple[str, ...], rows: list[tuple]) -> bytes:
    """A table as CSV like the paragraph exports: a BOM for Excel, every cell quoted, formulas
    neutralised."""
    lines = [",".join(f'"{name}"' for name in columns)] + [csv_line(row) for row in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def ndjson_table(columns: tuple[str, ...], rows: list[tuple]) -> bytes:
    return b"".join(orjson.dumps(dict(zip(columns, row))) + b"\n" for row in rows)


def table_xlsx(columns: tuple[str, ...], rows: list[tuple], sheet_name: str) -> bytes:
    """A table as XLSX: header frozen and filtered, numbers as numbers."""
    import xlsxwriter

    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = workbook.add_worksheet(sheet_name[:31])
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, columns, bold)
    sheet.freeze_panes(1, 0)
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row):
            if isinstance(value, int):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    sheet.set_column(0, len(columns) - 1, 22)
    sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
    workbook.close()
    return out.getvalue()
