"""Download the whole result set of a search (not just one page) as CSV,
NDJSON or XLSX. Rows are streamed from the engine's scan, so memory stays
flat however many paragraphs match."""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import date, datetime, timezone
from typing import Iterable, Iterator

import orjson
from flask import Blueprint, Response, jsonify, request, stream_with_context

from ofsted_findings.export_format import (
    COLUMNS,
    CSV_HEADER,
    DATE_COLUMNS,
    FIELDS,
    STORED_FIELDS,
    THEMES,
    batches,
    csv_line,
    export_rows,
)
from webapp.params import parse_search_args
from webapp.responses import RELATION as RESPONDS_TO
from webapp.responses import with_responds_to
from webapp.services import services

bp = Blueprint("exports", __name__)

XLSX_CHUNK = 64 * 1024


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


# Column widths in characters: room for a date, a code or a short title; long text wraps.
XLSX_WIDTHS = {
    "document_id": 18,
    "document_title": 40,
    "authority": 22,
    "ons_code": 11,
    "region": 18,
    "document_type": 30,
    "published": 12,
    "visit_start": 12,
    "visit_end": 12,
    "judgement": 18,
    "judgements": 40,
    "responds_to": 18,
    "section": 28,
    "paragraph_number": 10,
    "themes": 30,
    "stance": 12,
    "text": 80,
    "source": 40,
    "permalink": 40,
    "citation": 60,
}


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
        for c, name in enumerate(COLUMNS):
            sheet.set_column(c, c, XLSX_WIDTHS.get(name, 16), wrap if name == "text" else None)
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


def export_about(params, searcher, store=None) -> dict:
    """What an export holds and from which data: its second sheet in XLSX."""
    filters = "; ".join(f"{facet}: {', '.join(values)}" for facet, values in params.filters.items())
    if params.date_from or params.date_to:
        filters = "; ".join(
            filter(None, [filters, f"published {params.date_from or '…'} to {params.date_to or '…'}"])
        )
    return {
        "query": params.q,
        "filters": filters,
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


def export_filename(params, fmt: str, today: date | None = None) -> str:
    """A name that says what the file holds: the search, its filters and the day,
    e.g. staying-put-2026-12-02.csv (all-paragraphs-… with neither)."""
    words = [params.q] + [v for values in params.filters.values() for v in values]
    if params.date_from or params.date_to:
        words.append(f"from {params.date_from or 'start'} to {params.date_to or 'now'}")
    slug = re.sub(r"[^a-z0-9]+", "-", " ".join(words).lower()).strip("-")[:80].strip("-")
    return f"{slug or 'all-paragraphs'}-{(today or date.today()).isoformat()}.{fmt}"


MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = tuple(MIMETYPES)


def export_chunks(
    searcher, search_request, fmt: str, base_url: str, about: dict | None = None, links: dict | None = None
) -> Iterator[str | bytes]:
    """The export of every hit of a search, chunk by chunk. CSV comes from the engine
    itself, which may keep each paragraph's line ready-quoted (ofsted_findings.export_format).
    ``about`` (export_about) goes into the XLSX's second sheet. ``links`` (response document id
    -> the letter it answers, from the store) fills the ``responds_to`` column."""
    if fmt == "csv" and not links:
        yield CSV_HEADER
        yield from searcher.scan_csv(search_request, base_url)
        return
    rows = export_rows(searcher.scan_values(search_request, STORED_FIELDS), base_url)
    if links:
        rows = with_responds_to(rows, links)
    if fmt == "csv":  # the ready-quoted lines lack the links: rows written line by line
        yield CSV_HEADER
        for batch in batches(rows):
            yield "".join([csv_line(row) + "\r\n" for row in batch])
        return
    if fmt == "ndjson":
        yield from ndjson_chunks(rows)
    else:
        yield from xlsx_chunks(rows, about)


@bp.get("/search.<any(csv, ndjson, xlsx):fmt>")
def export(fmt: str):
    params = parse_search_args(request.args)
    searcher, settings = services().searcher, services().settings
    search_request = params.request(facets=False, snippets=False)  # exports show none
    # Fail before streaming starts, while a proper error page can still be sent.
    searcher.engine.check()
    store = _store_or_none()
    about = export_about(params, searcher, store) if fmt == "xlsx" else None
    body = export_chunks(searcher, search_request, fmt, settings.base_url, about, response_links(store))
    response = Response(stream_with_context(body), mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{export_filename(params, fmt)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def response_links(store) -> dict[str, str]:
    """Response document id -> the letter it answers (empty when the store cannot say)."""
    try:
        return store.linked_from(RESPONDS_TO) if store is not None else {}
    except Exception:  # an unreadable store must not stop an export from the index
        return {}


def _store_or_none():
    try:
        return services().store
    except Exception:  # an unreadable store must not stop an export from the index
        return None


@bp.get("/api/v1/exports/fields")
def export_fields():
    """The data dictionary of every export format (the XLSX carries it too)."""
    return jsonify(
        {
            "fields": [
                {"name": name, "type": kind, "description": description} for name, kind, description in FIELDS
            ]
        }
    )
