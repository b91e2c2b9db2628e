"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from indexer.engines.base import FACETS, MAX_OFFSET, MAX_PAGE_SIZE, SORTS
from indexer.filter_values import ENUMERATED, valid_values
from indexer.search import PUBLIC_FIELDS
from indexer.similar import MAX_LIMIT as SIMILAR_MAX
from indexer.similar import STANCE_VALUES, register

# A document, and for a council response the claims it makes beside the letter it answers
# (indexer/linking.py records them; webapp/responses.py serves them).
_QUOTE = {
    "type": "object",
    "properties": {
        "text": {"type": "string", "description": "The passage as the response quotes it"},
        "status": {
            "type": "string",
            "enum": ["verified quote", "altered", "not found in the letter", "repeated wording"],
        },
        "paragraph": {"type": ["integer", "null"], "description": "The letter's paragraph (anchor #p<n>)"},
        "letter_text": {"type": "string", "description": "The letter's words the passage quotes"},
        "difference": {
            "type": "array",
            "description": "For an altered quote: difflib opcodes, word by word",
            "items": {
                "type": "object",
                "properties": {
                    "op": {"type": "string", "enum": ["equal", "replace", "delete", "insert"]},
                    "quote": {"type": "string"},
                    "letter": {"type": "string"},
                },
            },
        },
    },
}
DOCUMENT_SCHEMA = {
    "type": "object",
    "required": ["document", "paragraphs", "responds_to", "quotes", "omitted_improvements"],
    "properties": {
        "document": {"type": "object"},
        "paragraphs": {"type": "array", "items": {"type": "object"}},
        "links": {"type": "array", "items": {"type": "object"}},
        "responds_to": {
            "type": ["string", "null"],
            "description": "For a council response, the document_id of the Ofsted document it answers",
        },
        "quotes": {"type": "array", "items": _QUOTE, "description": "Every passage the response quotes"},
        "omitted_improvements": {
            "type": "array",
            "description": "The letter's areas for improvement the response does not mention",
            "items": {
                "type": "object",
                "properties": {
                    "paragraph": {"type": "integer"},
                    "section": {"type": "string"},
                    "text": {"type": "string"},
                },
            },
        },
        "link_evidence": {
            "type": ["object", "null"],
            "description": "Why it is (or is not) linked: confidence, date gap in days, reasons, tone",
        },
    },
}


def _array_param(name: str, description: str) -> dict:
    # The values the index holds; the API also reads other common forms of them (any case,
    # a theme's label, an authority's ONS code) and answers 400, listing these, for others.
    items = (
        {"type": "string", "enum": valid_values(name)}
        if name in ENUMERATED
        else {"type": "string", "pattern": "^[0-9]{4}$"}
    )
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "array", "items": items},
        "style": "form",
        "explode": True,
    }


SEARCH_PARAMETERS = [
    {
        "name": "q",
        "in": "query",
        "required": False,
        "description": "The search: words (ranked by BM25; a paragraph holds one of one or two words, "
        'all but one of three or four, three in five of more), "a phrase" (required), '
        "a | b (either), -word (without), prefix*. Synonyms from the taxonomy widen words.",
        "schema": {"type": "string"},
    },
    *[_array_param(f, f"Only paragraphs whose {f} is one of these values (repeat for OR).") for f in FACETS],
    {
        **_array_param(
            "authority",
            "Only paragraphs of this authority and its ten statistical neighbours (DfE's "
            "children's-services benchmarking; repeat for several groups). With an authority "
            "filter too, both must hold; an authority outside the group is a 400 listing the group.",
        ),
        "name": "neighbours_of",
    },
    {
        "name": "as_typed",
        "in": "query",
        "required": False,
        "description": "1: search the words as typed. By default a word no paragraph holds is replaced by "
        "the closest word the index holds (the response's suggestion) when that finds results.",
        "schema": {"type": "string", "enum": ["0", "1", "true", "false"]},
    },
    {
        "name": "from",
        "in": "query",
        "required": False,
        "description": "Only paragraphs published on or after this date.",
        "schema": {"type": "string", "format": "date"},
    },
    {
        "name": "to",
        "in": "query",
        "required": False,
        "description": "Only paragraphs published on or before this date.",
        "schema": {"type": "string", "format": "date"},
    },
    {
        "name": "sort",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": list(SORTS), "default": "relevance"},
    },
    {
        "name": "page",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "default": 1},
    },
    {
        "name": "per_page",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 20},
    },
    {
        "name": "offset",
        "in": "query",
        "required": False,
        "description": "An alternative to page; ignored when page is given.",
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
    },
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": "An alternative name for per_page.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
    },
]

INCLUDE_RESPONSES = {
    "name": "include_responses",
    "in": "query",
    "required": False,
    "description": "Count councils' own responses and press releases too (1). By default (0) only "
    "Ofsted's letters and reports are counted: a council's words about itself are never "
    "Ofsted's findings.",
    "schema": {"type": "string", "enum": ["0", "1"], "default": "0"},
}
_COUNT = {"type": "integer", "minimum": 0}

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
        "match_reasons": {
            "type": "array",
            "description": "Why the paragraph matched: each query term it "
            "holds (kind word, phrase, prefix, or synonym with `of` naming the typed words it "
            "widens; `where` text or heading), then each filter that selected it (kind filter, "
            "`of` the facet).",
            "items": {
                "type": "object",
                "required": ["term", "kind", "of", "where"],
                "properties": {
                    "term": {"type": "string"},
                    "kind": {"type": "string", "enum": ["word", "phrase", "prefix", "synonym", "filter"]},
                    "of": {"type": ["string", "null"]},
                    "where": {"type": "string"},
                },
            },
        },
    },
}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "title", "message"],
            "properties": {
                "status": {"type": "integer"},
                "title": {"type": "string"},
                "message": {"type": "string"},
                "problems": {"type": "array", "items": {"type": "string"}},
            },
        }
    },
}


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _ok(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def similar_path(register_names: list[str]) -> dict:
    """GET /documents/{document_id}/paragraphs/{n}/similar (issue 19: similar practice)."""
    return {
        "get": {
            "summary": "Similar practice in other councils: paragraphs of other authorities' Ofsted "
            "documents describing what this paragraph describes, best first, at most two per authority",
            "operationId": "similar",
            "parameters": [
                {"name": "document_id", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "n", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}},
                {
                    "name": "neighbours_of",
                    "in": "query",
                    "required": False,
                    "description": "Only paragraphs of this authority's statistical neighbours (DfE's "
                    "children's-services benchmarking): its register name, any variant the register knows "
                    "(any case), or its ONS code. A value that matches no authority is a 400 listing the "
                    "valid ones.",
                    "schema": {"type": "string", "enum": register_names},
                },
                {
                    "name": "stance",
                    "in": "query",
                    "required": False,
                    "description": "Only paragraphs of this stance (strength: learn from them).",
                    "schema": {"type": "string", "enum": list(STANCE_VALUES)},
                },
                {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 1, "maximum": SIMILAR_MAX, "default": 10},
                },
            ],
            "responses": {
                "200": _ok(
                    {
                        "type": "object",
                        "required": ["paragraph", "results"],
                        "properties": {
                            "paragraph": {"$ref": "#/components/schemas/Result"},
                            "neighbours_of": {"type": ["string", "null"]},
                            "neighbours": {"type": ["array", "null"], "items": {"type": "string"}},
                            "stance": {"type": ["string", "null"]},
                            "results": {
                                "type": "array",
                                "items": {
                                    "allOf": [
                                        {"$ref": "#/components/schemas/Result"},
                                        {
                                            "type": "object",
                                            "required": ["authority", "stance", "score"],
                                            "properties": {
                                                "authority": {"type": "string"},
                                                "stance": {"type": "string", "enum": list(STANCE_VALUES)},
                                                "score": {"type": "number"},
                                            },
                                        },
                                    ]
                                },
                            },
                        },
                    }
                ),
                "400": _error("A parameter could not be read (the problems list the valid values)"),
                "404": _error("No such document or paragraph"),
                "503": _error("Search is unavailable"),
            },
        }
    }


def document(settings) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ofsted-findings API",
            "version": "1",
            "description": "Search Ofsted's findings about English councils' services "
            "for care leavers, paragraph by paragraph.",
        },
        "servers": [{"url": settings.base_url.rstrip("/") + "/api/v1"}],
        "paths": {
            "/search": {
                "get": {
                    "summary": "Search paragraphs",
                    "operationId": "search",
                    "parameters": SEARCH_PARAMETERS,
                    "responses": {
                        "200": _ok(
                            {
                                "type": "object",
                                "required": ["total", "results", "facets", "notices"],
                                "properties": {
                                    "total": {"type": "integer"},
                                    "results": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Result"},
                                    },
                                    "facets": {
                                        "type": "object",
                                        "additionalProperties": {
                                            "type": "array",
                                            "items": {
                                                "type": "object",
                                                "properties": {
                                                    "value": {"type": "string"},
                                                    "count": {"type": "integer"},
                                                },
                                            },
                                        },
                                    },
                                    "notices": {"type": "array", "items": {"type": "string"}},
                                    "suggestion": {
                                        "type": ["string", "null"],
                                        "description": "Did you mean: the search with misspelt words replaced by "
                                        "words the index holds (null when every word is known).",
                                    },
                                    "offset": {"type": "integer"},
                                    "limit": {"type": "integer"},
                                    "page": {"type": "integer"},
                                },
                            }
                        ),
                        "400": _error("A parameter could not be read"),
                        "503": _error("Search is unavailable"),
                    },
                }
            },
            "/documents/{document_id}": {
                "get": {
                    "summary": "One document with its paragraphs",
                    "operationId": "document",
                    "parameters": [
                        {"name": "document_id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": _ok(DOCUMENT_SCHEMA),
                        "404": _error("No such document"),
                        "503": _error("Search is unavailable"),
                    },
                }
            },
            "/documents/{document_id}/paragraphs/{n}/similar": similar_path([a.name for a in register()]),
            "/compare": {
                "get": {
                    "summary": "Strengths and areas for improvement by authority and theme (what /compare shows)",
                    "operationId": "compare",
                    "parameters": SEARCH_PARAMETERS + [INCLUDE_RESPONSES],
                    "responses": {
                        "200": _ok(
                            {
                                "type": "object",
                                "required": ["total", "include_responses", "authorities", "themes", "counts"],
                                "properties": {
                                    "total": _COUNT,
                                    "include_responses": {"type": "boolean"},
                                    "authorities": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "properties": {
                                                "authority": {"type": "string"},
                                                "paragraphs": _COUNT,
                                            },
                                        },
                                    },
                                    "themes": {"type": "array", "items": {"type": "string"}},
                                    "counts": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "properties": {
                                                "authority": {"type": "string"},
                                                "theme": {"type": "string"},
                                                "strength": _COUNT,
                                                "improvement": _COUNT,
                                            },
                                        },
                                    },
                                    "notices": {"type": "array", "items": {"type": "string"}},
                                },
                            }
                        ),
                        "400": _error("A parameter could not be read"),
                        "503": _error("Search is unavailable"),
                    },
                }
            },
            "/authorities/{slug}": {
                "get": {
                    "summary": "One authority: its themes by stance (what its page shows) and its documents",
                    "operationId": "authority",
                    "parameters": [
                        {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
                        INCLUDE_RESPONSES,
                    ],
                    "responses": {
                        "200": _ok(
                            {
                                "type": "object",
                                "required": [
                                    "authority",
                                    "include_responses",
                                    "themes",
                                    "documents",
                                    *AUTHORITY_HISTORY_PROPERTIES,
                                ],
                                "properties": {
                                    "include_responses": {"type": "boolean"},
                                    "themes": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "properties": {
                                                "theme": {"type": "string"},
                                                "strength": _COUNT,
                                                "improvement": _COUNT,
                                            },
                                        },
                                    },
                                    "documents": {"type": "array", "items": {"type": "object"}},
                                    **AUTHORITY_HISTORY_PROPERTIES,
                                },
                            }
                        ),
                        "400": _error("A parameter could not be read"),
                        "404": _error("No such authority"),
                        "503": _error("Search is unavailable"),
                    },
                }
            },
            **HISTORY_PATHS,
            "/authorities": {
                "get": {
                    "summary": "The local authorities with children's services",
                    "operationId": "authorities",
                    "responses": {"200": _ok({"type": "object", "required": ["authorities"]})},
                }
            },
            "/exports/fields": {
                "get": {
                    "summary": "The data dictionary of the CSV, NDJSON and XLSX exports",
                    "operationId": "exportFields",
                    "responses": {
                        "200": _ok(
                            {
                                "type": "object",
                                "required": ["fields"],
                                "properties": {
                                    "fields": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["name", "type", "description"],
                                            "properties": {
                                                "name": {"type": "string"},
                                                "type": {"type": "string"},
                                                "description": {"type": "string"},
                                            },
                                        },
                                    }
                                },
                            }
                        )
                    },
                }
            },
            "/themes": {
                "get": {
                    "summary": "The care-leaver themes paragraphs are tagged with",
                    "operationId": "themes",
                    "responses": {"200": _ok({"type": "object", "required": ["themes"]})},
                }
            },
        },
        "components": {"schemas": {"Result": RESULT_SCHEMA, "Error": ERROR_SCHEMA}},
    }


# -- issue 19: an authority's history and the researcher's view --------------------------------
_STRINGS = {"type": "array", "items": {"type": "string"}}
_PARAGRAPH_NUMBERS = {"type": "array", "items": {"type": "integer"}}
AUTHORITY_HISTORY_PROPERTIES = {
    "neighbours": {
        **_STRINGS,
        "description": "The authority's ten statistical neighbours (DfE's children's-services "
        "benchmarking), nearest first, as the authority register names them.",
    },
    "judgements": {
        "type": "array",
        "description": "Every judged inspection's grades, oldest first, across frameworks (2014 SIF, "
        "2018 and 2023 ILACS, 2026 reports without an overall grade): area -> grade.",
        "items": {
            "type": "object",
            "required": ["document_id", "published", "grades"],
            "properties": {
                "document_id": {"type": "string"},
                "published": _NULLABLE_STRING,
                "grades": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
    },
    "improvements": {
        "type": "array",
        "description": "Ofsted's areas for improvement grouped by theme (Ofsted's paragraphs only, "
        "never the council's): the documents raising each, oldest first, with the paragraphs' "
        "numbers; recurring when raised in more than one document.",
        "items": {
            "type": "object",
            "required": ["theme", "documents", "recurring"],
            "properties": {
                "theme": {"type": "string"},
                "recurring": {"type": "boolean"},
                "documents": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["document_id", "published", "paragraphs"],
                        "properties": {
                            "document_id": {"type": "string"},
                            "published": _NULLABLE_STRING,
                            "paragraphs": _PARAGRAPH_NUMBERS,
                        },
                    },
                },
            },
        },
    },
}
_STANCE_PARAGRAPHS = {"type": "object", "additionalProperties": _PARAGRAPH_NUMBERS}
_DOCUMENT_REF = {
    "type": "object",
    "required": ["document_id", "published"],
    "properties": {"document_id": {"type": "string"}, "published": _NULLABLE_STRING},
}
HISTORY_PATHS = {
    "/authorities/{slug}/compare": {
        "get": {
            "summary": "What changed between two of an authority's Ofsted documents, per theme",
            "description": "resolved: an area for improvement in `from`, a strength (and not an area "
            "for improvement) in `to`; persisting: an area for improvement in both; new: in `to` only; "
            "not_raised_again: in `from`, neither in `to`. Without from and to: the newest document "
            "against the one before it (since the last inspection).",
            "operationId": "authorityCompare",
            "parameters": [
                {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
                {
                    "name": "from",
                    "in": "query",
                    "required": False,
                    "description": "The earlier document's document_id.",
                    "schema": {"type": "string"},
                },
                {
                    "name": "to",
                    "in": "query",
                    "required": False,
                    "description": "The later document's document_id.",
                    "schema": {"type": "string"},
                },
            ],
            "responses": {
                "200": _ok(
                    {
                        "type": "object",
                        "required": ["authority", "from", "to", "themes"],
                        "properties": {
                            "authority": {"type": "string"},
                            "from": _DOCUMENT_REF,
                            "to": _DOCUMENT_REF,
                            "themes": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["theme", "outcome", "before", "after"],
                                    "properties": {
                                        "theme": {"type": "string"},
                                        "outcome": {
                                            "type": "string",
                                            "enum": ["resolved", "persisting", "new", "not_raised_again"],
                                        },
                                        "before": _STANCE_PARAGRAPHS,
                                        "after": _STANCE_PARAGRAPHS,
                                    },
                                },
                            },
                        },
                    }
                ),
                "400": _error(
                    "from or to is not one of the authority's documents (the valid ones are listed)"
                ),
                "404": _error("No such authority"),
                "503": _error("Search is unavailable"),
            },
        }
    },
    "/themes/improvements": {
        "get": {
            "summary": "The themes most often raised as areas for improvement, by region and year",
            "description": "Counts Ofsted's paragraphs only, in documents (a letter raising a theme in "
            "several paragraphs counts once) and in paragraphs. Takes the search filters, neighbours_of "
            "and a publication period (from, to); the words of a search are not used. The same table "
            "downloads from /themes/improvements.csv, .xlsx and .ndjson (one row per theme, region and year).",
            "operationId": "improvementThemes",
            "parameters": [
                p
                for p in SEARCH_PARAMETERS
                # Stance and kind are fixed: Ofsted's areas for improvement.
                if p["name"] in (*FACETS, "neighbours_of", "from", "to")
                and p["name"] not in ("stance", "kind")
            ],
            "responses": {
                "200": _ok(
                    {
                        "type": "object",
                        "required": ["from", "to", "themes"],
                        "properties": {
                            "from": _NULLABLE_STRING,
                            "to": _NULLABLE_STRING,
                            "themes": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["theme", "documents", "paragraphs", "by_region", "by_year"],
                                    "properties": {
                                        "theme": {"type": "string"},
                                        "documents": _COUNT,
                                        "paragraphs": _COUNT,
                                        "by_region": {"type": "object", "additionalProperties": _COUNT},
                                        "by_year": {"type": "object", "additionalProperties": _COUNT},
                                    },
                                },
                            },
                        },
                    }
                ),
                "400": _error("A parameter could not be read"),
                "503": _error("Search is unavailable"),
            },
        }
    },
}
