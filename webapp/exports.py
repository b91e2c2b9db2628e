"""Download the whole result set of a search (not just one page) as CSV,
NDJSON or XLSX. Rows are streamed from the engine's scan, so memory stays
flat however many paragraphs match."""
from __future__ import annotations

import json
import os
import tempfile
from typing import Iterable, Iterator

import orjson
from flask import Blueprint, Response, request, stream_with_context

from ofsted_findings.export_format import COLUMNS, CSV_HEADER, STORED_FIELDS, THEMES, batches, export_rows
from webapp.params import parse_search_args
from webapp.services import services

bp = Blueprint("exports", __name__)

XLSX_CHUNK = 64 * 1024


def ndjson_chunks(rows: Iterable[tuple]) -> Iterator[bytes]:
    for batch in batches(rows):
        yield b"".join([_json_line(row) for row in batch])


def _json_line(row: tuple) -> bytes:
    record = dict(zip(COLUMNS, row))
    record["themes"] = row[THEMES].split("; ") if row[THEMES] else []
    try:
        return orjson.dumps(record) + b"\n"
    except orjson.JSONEncodeError:  # a lone surrogate, say, which orjson refuses: json escapes it
        return json.dumps(record).encode() + b"\n"


def xlsx_chunks(rows: Iterable[dict]) -> Iterator[bytes]:
    """xlsxwriter's constant_memory mode writes each row to disk as it goes;
    the finished file is then streamed and removed."""
    import xlsxwriter

    fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="ofsted-findings-export-")
    os.close(fd)
    try:
        workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False,
                                              "strings_to_urls": False, "strings_to_numbers": False})
        sheet = workbook.add_worksheet("Paragraphs")
        bold = workbook.add_format({"bold": True})
        sheet.write_row(0, 0, COLUMNS, bold)
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row):
                if isinstance(value, int):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, value)
        workbook.close()
        with open(path, "rb") as fh:
            while chunk := fh.read(XLSX_CHUNK):
                yield chunk
    finally:
        os.unlink(path)


MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = tuple(MIMETYPES)


def export_chunks(searcher, search_request, fmt: str, base_url: str) -> Iterator[str | bytes]:
    """The export of every hit of a search, chunk by chunk. CSV comes from the engine
    itself, which may keep each paragraph's line ready-quoted (ofsted_findings.export_format)."""
    if fmt == "csv":
        yield CSV_HEADER
        yield from searcher.scan_csv(search_request, base_url)
        return
    rows = export_rows(searcher.scan_values(search_request, STORED_FIELDS), base_url)
    yield from (ndjson_chunks if fmt == "ndjson" else xlsx_chunks)(rows)


@bp.get("/search.<any(csv, ndjson, xlsx):fmt>")
def export(fmt: str):
    params = parse_search_args(request.args)
    searcher, settings = services().searcher, services().settings
    search_request = params.request(facets=False, snippets=False)  # exports show none
    # Fail before streaming starts, while a proper error page can still be sent.
    searcher.engine.check()
    body = export_chunks(searcher, search_request, fmt, settings.base_url)
    response = Response(stream_with_context(body), mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="ofsted-findings.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response
