"""The HTML pages. Every page's state is in its URL, so any view can be shared."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request, url_for

from indexer.engines.base import MAX_OFFSET, EngineUnavailable
from indexer.history import judgement_areas
from indexer.quality import load_figures
from webapp import searching
from webapp.attribution import counted_filters, include_responses, restrict
from webapp.charts import judgement_charts, theme_charts
from webapp.findings import authority_themes
from webapp.history import authority_history
from webapp.marking import MAX_QUERY_FOR_MARKS, query_terms
from webapp.params import parse_search_args
from webapp.responses import claims
from webapp.services import StoreUnavailable, services

bp = Blueprint("pages", __name__)

EXAMPLE_SEARCHES = [
    "staying put",
    "taster flats",
    "health passports",
    '"personal adviser"',
    "staying close",
    "council tax exemption",
    "care leaver offer",
]


@bp.get("/")
def home():
    store = services().store
    return render_template(
        "home.html",
        examples=EXAMPLE_SEARCHES,
        counts=store.counts(),
        themes=services().taxonomy.themes,
        authorities=_authorities_with_documents(),
    )


def _authorities_with_documents() -> list:
    names = {r.authority for r in services().store.documents(status="ok") if r.authority}
    return [a for a in services().register if a.name in names]


@bp.get("/search")
def search():
    params = parse_search_args(request.args)
    if params.view == "authorities":
        response, groups = searching.group_by_authority(params)
        pages = _page_count(len(response.facets.get("authority", [])), searching.GROUPS_PER_PAGE)
    else:
        response, groups = searching.search(params), None
        pages = _page_count(min(response.total, MAX_OFFSET + params.per_page), params.per_page)
    return render_template("search.html", params=params, response=response, groups=groups, result_pages=pages)


def _page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


@bp.get("/compare")
def compare():
    include = include_responses(request.args)
    params = restrict(parse_search_args(request.args), include)
    response, comparison = searching.compare(params)
    judgements = latest_judgements(comparison.authorities)
    areas = list(dict.fromkeys(area for grades in judgements.values() for area in grades))
    return render_template(
        "compare.html",
        params=params,
        response=response,
        comparison=comparison,
        charts=theme_charts(comparison),
        judgements=judgements,
        judgement_areas=areas,
        include_responses=include,
        neighbour_choices=[a.name for a in services().register],
    )


def latest_judgements(authorities: list[str]) -> dict[str, dict]:
    """Each authority's most recently published judgements, from the catalogue."""
    wanted, latest = set(authorities), {}
    for record in services().store.documents(status="ok"):  # ordered by published
        grades = record.metadata.get("judgements")
        if record.authority in wanted and isinstance(grades, dict) and grades:
            latest[record.authority] = grades
    return {a: latest[a] for a in authorities if a in latest}


@bp.get("/documents/<document_id>")
def document(document_id: str):
    store = services().store
    record = store.get(document_id)
    paragraphs = services().searcher.engine.document_paragraphs(document_id)
    if record is None and not paragraphs:
        abort(404)
    linked = []
    for link in store.links(document_id):
        other_id = link["to_document"] if link["from_document"] == document_id else link["from_document"]
        other = store.get(other_id)
        if other is not None:
            linked.append(
                {
                    "link": link,
                    "record": other,
                    "paragraphs": services().searcher.engine.document_paragraphs(other_id),
                }
            )
    first = paragraphs[0] if paragraphs else {}
    # Arriving from a search (?q=...), its words are marked in the text.
    query = request.args.get("q", "")[:MAX_QUERY_FOR_MARKS].strip()
    marked_terms = query_terms(query, services().searcher.synonyms) if query else []
    return render_template(
        "document.html",
        record=record,
        paragraphs=paragraphs,
        linked=linked,
        claims=claims(store, document_id),
        document_id=document_id,
        first=first,
        query=query,
        marked_terms=marked_terms,
    )


@bp.get("/authorities")
def authorities():
    with_documents = {a.name for a in _authorities_with_documents()}
    return render_template(
        "authorities.html", authorities=list(services().register), with_documents=with_documents
    )


SHOWN_DOCUMENTS = 12


@bp.get("/authorities/<slug>")
def authority(slug: str):
    match = next((a for a in services().register if a.slug == slug), None)
    if match is None:
        abort(404)
    include = include_responses(request.args)
    history = authority_history(match)  # issue 19: judgements, improvements, since the last
    return render_template(
        "authority.html",
        authority=match,
        records=history.records,
        # Ofsted's words only: counted from the history's findings; with councils' too, searched.
        themes=authority_themes(match.name, include) if include else history.theme_counts(),
        history=history,
        # One address per document (its paragraphs' links add #p<n>): url_for once, not per link.
        document_urls={
            r.document_id: url_for("pages.document", document_id=r.document_id) for r in history.records
        },
        judgement_charts=judgement_charts(history.judgements),
        judgement_areas=judgement_areas(history.judgements),
        # A theme raised in dozens of documents lists its newest; a search holds them all.
        shown_documents=SHOWN_DOCUMENTS,
        since_last=history.since_last(),
        include_responses=include,
        counted=counted_filters(include),
    )


@bp.get("/status")
def status():
    store = services().store
    try:
        engine_stats, engine_error = services().searcher.engine.stats(), None
    except EngineUnavailable as exc:
        engine_stats, engine_error = {}, str(exc)
    return render_template(
        "status.html",
        counts=store.counts(),
        engine=engine_stats,
        engine_error=engine_error,
        runs=store.runs(),
        failures=store.failures(),
    )


@bp.get("/help")
def help_page():
    return render_template("help.html", figures=load_figures())


@bp.get("/healthz")
def healthz():
    response = jsonify({"status": "ok"})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/readyz")
def readyz():
    checks, ready = {}, True
    try:
        services().searcher.engine.check()
        checks["engine"] = "ok"
    except EngineUnavailable as exc:
        checks["engine"], ready = f"unavailable: {exc}", False
    try:
        services().store.counts()
        checks["store"] = "ok"
    except (StoreUnavailable, Exception) as exc:  # sqlite3 errors included
        checks["store"], ready = f"unavailable: {exc}", False
    response = jsonify({"status": "ok" if ready else "unavailable", "checks": checks})
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
