"""The JSON API under /api/v1: the same searches as the pages, as data."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from indexer.engines.base import FACETS
from indexer.search import public_hit
from webapp import openapi
from webapp.attribution import include_responses, restrict
from webapp.findings import authority_themes
from webapp.history import authority_history
from webapp.params import parse_search_args
from webapp.responses import claims
from webapp.searching import compare, search
from webapp.services import services

bp = Blueprint("api", __name__)


def facets_json(facets: dict) -> dict:
    return {
        name: [{"value": value, "count": count} for value, count in facets.get(name, [])]
        for name in FACETS
        if name in facets
    }


@bp.get("/search")
def search_json():
    params = parse_search_args(request.args, strict=True)
    response = search(params)
    settings = services().settings
    return jsonify(
        {
            "total": response.total,
            "results": [public_hit(hit, settings) for hit in response.hits],
            "facets": facets_json(response.facets),
            "notices": response.notices,
            "suggestion": response.suggestion,
            "offset": params.offset,
            "limit": params.per_page,
            "page": params.page,
        }
    )


@bp.get("/documents/<document_id>")
def document_json(document_id: str):
    record = services().store.get(document_id)
    paragraphs = services().searcher.engine.document_paragraphs(document_id)
    if record is None and not paragraphs:
        abort(404)
    settings = services().settings
    return jsonify(
        {
            "document": document_summary(record) if record else {"document_id": document_id},
            "paragraphs": [
                {**p, "url": settings.permalink(document_id, p.get("paragraph_number"))} for p in paragraphs
            ],
            "links": services().store.links(document_id),
            # A council response held against the letter it answers (webapp/responses.py).
            **claims(services().store, document_id),
        }
    )


def document_summary(record) -> dict:
    changed = services().store.content_changed_at(record.document_id).get(record.document_id)
    return {
        "document_id": record.document_id,
        "title": record.title,
        "kind": record.kind,
        "document_type": record.document_type,
        "authority": record.authority,
        "ons_code": record.ons_code,
        "region": record.region,
        "urn": record.urn,
        "published": record.published,
        "source": record.source,
        "status": record.status,
        # Which content this is: a republished correction gets a new version and hash.
        "sha256": record.sha256,
        "version": record.version,
        "content_changed_at": changed,
        "last_checked_at": record.checked_at,
        "index_status": record.index_status,
        "paragraphs": record.paragraphs,
        "metadata": record.metadata,
        "url": services().settings.permalink(record.document_id),
    }


@bp.get("/authorities")
def authorities_json():
    return jsonify(
        {
            "authorities": [
                {
                    "name": a.name,
                    "ons_code": a.ons_code,
                    "region": a.region,
                    "urn": a.urn,
                    "la_type": a.la_type,
                    "slug": a.slug,
                }
                for a in services().register
            ]
        }
    )


@bp.get("/compare")
def compare_json():
    """What /compare shows: per authority and theme, strengths and areas for improvement,
    in Ofsted's documents only unless include_responses=1."""
    include = include_responses(request.args, strict=True)
    params = restrict(parse_search_args(request.args, strict=True), include)
    response, comparison = compare(params)
    return jsonify(
        {
            "total": response.total,
            "include_responses": include,
            "authorities": [
                {"authority": a, "paragraphs": comparison.totals.get(a, 0)} for a in comparison.authorities
            ],
            "themes": comparison.themes,
            "counts": comparison.rows(),
            "notices": response.notices,
        }
    )


@bp.get("/authorities/<slug>")
def authority_json(slug: str):
    """What an authority's page shows: its themes by stance (Ofsted's documents only unless
    include_responses=1) and its documents."""
    include = include_responses(request.args, strict=True)
    match = next((a for a in services().register if a.slug == slug), None)
    if match is None:
        abort(404)
    history = authority_history(match)
    return jsonify(
        {
            "authority": {
                "name": match.name,
                "ons_code": match.ons_code,
                "region": match.region,
                "urn": match.urn,
                "la_type": match.la_type,
                "slug": match.slug,
            },
            "include_responses": include,
            "themes": [
                {"theme": theme, "strength": counts["strength"], "improvement": counts["improvement"]}
                for theme, counts in (
                    authority_themes(match.name, include) if include else history.theme_counts()
                ).items()
            ],
            "documents": [document_summary(r) for r in history.records],
            # Issue 19: its statistical neighbours, judgements over time (every framework) and
            # Ofsted's areas for improvement by theme over time.
            "neighbours": history.neighbours,
            "judgements": history.judgements,
            "improvements": history.improvements,
        }
    )


@bp.get("/themes")
def themes_json():
    return jsonify(
        {
            "themes": [
                {"id": t.id, "label": t.label, "description": t.description, "terms": t.terms}
                for t in services().taxonomy.themes
            ]
        }
    )


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(openapi.document(services().settings))
