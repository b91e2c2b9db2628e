"""Download the whole result set of a search (not just one page) as CSV, NDJSON or
XLSX: the routes only; the formats and their columns are ``indexer.exports``, which
the CLI's ``export`` uses too."""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, Response, jsonify, request, stream_with_context

from indexer.exports import FIELDS, MIMETYPES, about_export, export_chunks, response_links
from webapp.params import parse_search_args
from webapp.services import services

bp = Blueprint("exports", __name__)


def export_filename(params, fmt: str, today: date | None = None) -> str:
    """A name that says what the file holds: the search, its filters and the day,
    e.g. staying-put-2026-12-02.csv (all-paragraphs-… with neither)."""
    words = [params.q] + [v for values in params.filters.values() for v in values]
    words += [f"{anchor} and neighbours" for anchor in getattr(params, "neighbours_of", None) or ()]
    if params.date_from or params.date_to:
        words.append(f"from {params.date_from or 'start'} to {params.date_to or 'now'}")
    slug = re.sub(r"[^a-z0-9]+", "-", " ".join(words).lower()).strip("-")[:80].strip("-")
    return f"{slug or 'all-paragraphs'}-{(today or date.today()).isoformat()}.{fmt}"


@bp.get("/search.<any(csv, ndjson, xlsx):fmt>")
def export(fmt: str):
    params = parse_search_args(request.args)
    searcher, settings = services().searcher, services().settings
    search_request = params.request(facets=False, snippets=False)  # exports show none
    # Fail before streaming starts, while a proper error page can still be sent.
    searcher.engine.check()
    store = _store_or_none()
    about = None
    if fmt == "xlsx":  # the workbook's second sheet says what it holds
        filters = dict(params.filters)
        if getattr(params, "neighbours_of", None):  # an authority and its statistical neighbours
            filters["neighbours_of"] = list(params.neighbours_of)
        about = about_export(params.q, filters, params.date_from, params.date_to, searcher, store)
    body = export_chunks(searcher, search_request, fmt, settings.base_url, about, response_links(store))
    response = Response(stream_with_context(body), mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{export_filename(params, fmt)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


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
