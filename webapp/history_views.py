"""Pages, JSON and downloads of issue 19's histories: what changed between two of an authority's
documents, and the researcher's view of the themes most often raised as areas for improvement.

- ``/authorities/<slug>/compare?from=<id>&to=<id>`` and ``/api/v1/authorities/<slug>/compare``;
- ``/themes/improvements`` (page with a chart and a table), ``/themes/improvements.csv|.xlsx|.ndjson``
  and ``/api/v1/themes/improvements``, all taking the search filters (``neighbours_of`` too) and
  ``from``/``to``.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, jsonify, render_template, request

from indexer.exports import MIMETYPES, ndjson_table, table_csv, table_xlsx
from webapp.charts import count_chart
from webapp.history import authority_history, theme_trends
from webapp.params import BadSearchParameters, parse_search_args
from webapp.services import services

bp = Blueprint("history", __name__)

CHARTED = 15  # themes in the researcher's chart; the table and downloads hold them all
# The researcher's view as a table, one row per theme, region and year (exports' column style).
TREND_COLUMNS = ("theme", "theme_label", "region", "year", "documents", "paragraphs")


def _authority(slug: str):
    match = next((a for a in services().register if a.slug == slug), None)
    if match is None:
        abort(404)
    return match


def _chosen(history):
    """The two documents asked for (``from``, ``to``): by default the newest and the one before."""
    documents = history.ofsted_documents
    before = request.args.get("from", "").strip()
    after = request.args.get("to", "").strip()
    if not before and not after and len(documents) >= 2:
        before, after = documents[-2].document_id, documents[-1].document_id
    if not before or not after:
        valid = ", ".join(r.document_id for r in documents) or "none: fewer than two documents"
        raise BadSearchParameters([f"from and to must both name one of the authority's documents: {valid}"])
    return history.compare(before, after)


@bp.get("/authorities/<slug>/compare")
def compare_page(slug: str):
    history = authority_history(_authority(slug))
    before, after, changes = _chosen(history)
    return render_template(
        "authority_compare.html",
        authority=history.authority,
        history=history,
        before=before,
        after=after,
        changes=changes,
    )


@bp.get("/api/v1/authorities/<slug>/compare")
def compare_json(slug: str):
    history = authority_history(_authority(slug))
    before, after, changes = _chosen(history)
    return jsonify(
        {
            "authority": history.authority.name,
            "from": {"document_id": before.document_id, "published": before.published},
            "to": {"document_id": after.document_id, "published": after.published},
            "themes": [c.as_dict() for c in changes],
        }
    )


def _trends(strict: bool):
    params = parse_search_args(request.args, strict=strict)
    return params, theme_trends(params)


@bp.get("/themes/improvements")
def trends_page():
    params, trends = _trends(strict=False)
    labels = services().taxonomy.labels()
    years = sorted({y for t in trends for y in t["by_year"]})
    regions = sorted({r for t in trends for r in t["by_region"]})
    chart = count_chart(
        "Documents raising each theme as an area for improvement",
        [(labels.get(t["theme"], t["theme"]), t["documents"]) for t in trends[:CHARTED]],
    )
    return render_template(
        "theme_trends.html",
        params=params,
        trends=trends,
        years=years,
        regions=regions,
        chart=chart,
        neighbour_choices=[a.name for a in services().register],
    )


@bp.get("/api/v1/themes/improvements")
def trends_json():
    params, trends = _trends(strict=True)
    return jsonify(
        {
            "from": params.date_from,
            "to": params.date_to,
            "themes": [
                {key: t[key] for key in ("theme", "documents", "paragraphs", "by_region", "by_year")}
                for t in trends
            ],
        }
    )


def trend_rows(trends: list[dict]) -> list[tuple]:
    labels = services().taxonomy.labels()
    return [
        (
            t["theme"],
            labels.get(t["theme"], t["theme"]),
            c["region"],
            c["year"],
            c["documents"],
            c["paragraphs"],
        )
        for t in trends
        for c in t["cells"]
    ]


@bp.get("/themes/improvements.<any(csv, ndjson, xlsx):fmt>")
def trends_export(fmt: str):
    params, trends = _trends(strict=False)
    rows = trend_rows(trends)
    if fmt == "csv":
        body = table_csv(TREND_COLUMNS, rows)
    elif fmt == "ndjson":
        body = ndjson_table(TREND_COLUMNS, rows)
    else:
        body = table_xlsx(TREND_COLUMNS, rows, "Improvement themes")
    span = f"{params.date_from or 'start'}-to-{params.date_to or 'now'}"
    name = f"improvement-themes-{span}-{date.today().isoformat()}.{fmt}"
    response = Response(body, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
