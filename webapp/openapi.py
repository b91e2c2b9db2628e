"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json."""
from __future__ import annotations

from indexer.engines.base import FACETS, MAX_OFFSET, MAX_PAGE_SIZE, SORTS
from indexer.search import PUBLIC_FIELDS
from ofsted_findings.filter_values import ENUMERATED, valid_values


def _array_param(name: str, description: str) -> dict:
    # The values the index holds; the API also reads other common forms of them (any case,
    # a theme's label, an authority's ONS code) and answers 400, listing these, for others.
    items = ({"type": "string", "enum": valid_values(name)} if name in ENUMERATED
             else {"type": "string", "pattern": "^[0-9]{4}$"})
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "array", "items": items}, "style": "form", "explode": True}


SEARCH_PARAMETERS = [
    {"name": "q", "in": "query", "required": False,
     "description": 'The search: words (all must match), "a phrase", a | b (either), '
                    "-word (without), prefix*.",
     "schema": {"type": "string"}},
    *[_array_param(f, f"Only paragraphs whose {f} is one of these values (repeat for OR).")
      for f in FACETS],
    {"name": "from", "in": "query", "required": False,
     "description": "Only paragraphs published on or after this date.",
     "schema": {"type": "string", "format": "date"}},
    {"name": "to", "in": "query", "required": False,
     "description": "Only paragraphs published on or before this date.",
     "schema": {"type": "string", "format": "date"}},
    {"name": "sort", "in": "query", "required": False,
     "schema": {"type": "string", "enum": list(SORTS), "default": "relevance"}},
    {"name": "page", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {"name": "per_page", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 20}},
    {"name": "offset", "in": "query", "required": False,
     "description": "An alternative to page; ignored when page is given.",
     "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}},
    {"name": "limit", "in": "query", "required": False,
     "description": "An alternative name for per_page.",
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}},
]

_NULLABLE_STRING = {"type": ["string", "null"]}
RESULT_SCHEMA = {
    "type": "object",
    "required": list(PUBLIC_FIELDS),
    "properties": {
        **{name: _NULLABLE_STRING for name in PUBLIC_FIELDS},
        "paragraph_number": {"type": "integer"},
        "themes": {"type": "array", "items": {"type": "string"}},
        "score": {"type": ["number", "null"]},
        "snippet": {"type": "string", "description": "HTML in which only <mark> elements occur."},
        "url": {"type": "string", "format": "uri", "description": "The paragraph's permalink."},
    },
}
ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["status", "title", "message"], "properties": {
        "status": {"type": "integer"}, "title": {"type": "string"}, "message": {"type": "string"},
        "problems": {"type": "array", "items": {"type": "string"}}}}},
}


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _ok(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document(settings) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "ofsted-findings API", "version": "1",
                 "description": "Search Ofsted's findings about English councils' services "
                                "for care leavers, paragraph by paragraph."},
        "servers": [{"url": settings.base_url.rstrip("/") + "/api/v1"}],
        "paths": {
            "/search": {"get": {
                "summary": "Search paragraphs", "operationId": "search",
                "parameters": SEARCH_PARAMETERS,
                "responses": {
                    "200": _ok({"type": "object", "required": ["total", "results", "facets", "notices"],
                                "properties": {
                                    "total": {"type": "integer"},
                                    "results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"}},
                                    "facets": {"type": "object", "additionalProperties": {
                                        "type": "array", "items": {"type": "object", "properties": {
                                            "value": {"type": "string"}, "count": {"type": "integer"}}}}},
                                    "notices": {"type": "array", "items": {"type": "string"}},
                                    "offset": {"type": "integer"}, "limit": {"type": "integer"},
                                    "page": {"type": "integer"}}}),
                    "400": _error("A parameter could not be read"),
                    "503": _error("Search is unavailable"),
                }}},
            "/documents/{document_id}": {"get": {
                "summary": "One document with its paragraphs", "operationId": "document",
                "parameters": [{"name": "document_id", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {"200": _ok({"type": "object", "required": ["document", "paragraphs"]}),
                              "404": _error("No such document"),
                              "503": _error("Search is unavailable")}}},
            "/authorities": {"get": {
                "summary": "The local authorities with children's services", "operationId": "authorities",
                "responses": {"200": _ok({"type": "object", "required": ["authorities"]})}}},
            "/exports/fields": {"get": {
                "summary": "The data dictionary of the CSV, NDJSON and XLSX exports", "operationId": "exportFields",
                "responses": {"200": _ok({"type": "object", "required": ["fields"], "properties": {
                    "fields": {"type": "array", "items": {"type": "object", "required": ["name", "type", "description"],
                               "properties": {"name": {"type": "string"}, "type": {"type": "string"},
                                              "description": {"type": "string"}}}}}})}}},
            "/themes": {"get": {
                "summary": "The care-leaver themes paragraphs are tagged with", "operationId": "themes",
                "responses": {"200": _ok({"type": "object", "required": ["themes"]})}}},
        },
        "components": {"schemas": {"Result": RESULT_SCHEMA, "Error": ERROR_SCHEMA}},
    }
