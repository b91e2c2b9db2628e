"""The JSON API under /api/v1: the same searches as the pages, as data."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from indexer.engines.base import FACETS
from indexer.search import public_hit
from webapp import openapi
from webapp.params import parse_search_args
from webapp.searching import search
from webapp.services import services

bp = Blueprint("api", __name__)


def facets_json(facets: dict) -> dict:
    return {name: [{"value": value, "count": count} for value, count in facets.get(name, [])]
            for name in FACETS if name in facets}


@bp.get("/search")
def search_json():
    params = parse_search_args(request.args, strict=True)
    response = search(params)
    settings = services().settings
    return jsonify({
        "total": response.total,
        "results": [public_hit(hit, settings) for hit in response.hits],
        "facets": facets_json(response.facets),
        "notices": response.notices,
        "offset": params.offset,
        "limit": params.per_page,
        "page": params.page,
    })


@bp.get("/documents/<document_id>")
def document_json(document_id: str):
    record = services().store.get(document_id)
    paragraphs = services().searcher.engine.document_paragraphs(document_id)
    if record is None and not paragraphs:
        abort(404)
    settings = services().settings
    return jsonify({
        "document": document_summary(record) if record else {"document_id": document_id},
        "paragraphs": [{**p, "url": settings.permalink(document_id, p.get("paragraph_number"))}
                       for p in paragraphs],
        "links": services().store.links(document_id),
    })


def document_summary(record) -> dict:
    changed = services().store.content_changed_at(record.document_id).get(record.document_id)
    return {
        "document_id": record.document_id, "title": record.title, "kind": record.kind,
        "document_type": record.document_type, "authority": record.authority,
        "ons_code": record.ons_code, "region": record.region, "urn": record.urn,
        "published": record.published, "source": record.source, "status": record.status,
        # Which content this is: a republished correction gets a new version and hash.
        "sha256": record.sha256, "version": record.version, "content_changed_at": changed,
        "last_checked_at": record.checked_at,
        "index_status": record.index_status, "paragraphs": record.paragraphs,
        "metadata": record.metadata, "url": services().settings.permalink(record.document_id),
    }


@bp.get("/authorities")
def authorities_json():
    return jsonify({"authorities": [
        {"name": a.name, "ons_code": a.ons_code, "region": a.region, "urn": a.urn,
         "la_type": a.la_type, "slug": a.slug}
        for a in services().register]})


@bp.get("/themes")
def themes_json():
    return jsonify({"themes": [
        {"id": t.id, "label": t.label, "description": t.description, "terms": t.terms}
        for t in services().taxonomy.themes]})


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(openapi.document(services().settings))
