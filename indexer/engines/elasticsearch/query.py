"""Query compilation for the Elasticsearch engine: a parsed query and a request as the
body of a search (or of a scan) on the node.

What it matches is the same as the SQLite engine (the contract suite in
tests/indexer/engines): the stems of ``indexer.analysis``, which the engine computes and
the node only splits on spaces. A word or phrase is matched in the body, the heading
(boost 2) or, for a single word, the joined hyphenated compounds; a prefix against
stems. Required clauses (quoted phrases) are ``must``; the others a ``should`` group
with the query's minimum_should_match; the typed words close together (``match_phrase``
with slop) add to the score; synonyms weigh less than typed words.
"""

from __future__ import annotations

from indexer.engines.base import (
    FACET_FIELDS,
    FACET_LIMIT,
    FACET_SIZES,
    FACETS,
    NEAR_BONUS,
    STANCE_COUNTS_KIND,
    THEME_BONUS,
    SearchRequest,
)
from indexer.query import Clause, ParsedQuery, Term

# Boosts: a match in a heading says more about the paragraph than one in its body.
BODY, HEADING, COMPOUNDS = ("stems", 1.0), ("heading_stems", 2.0), ("compounds", 1.0)
# The typed words within this many positions of each other (as SQLite's NEAR).
NEAR_SLOP = 8
SORT_BY_DATE = [
    {"published": {"order": "desc", "missing": "_last"}},
    {"document_id": {"order": "asc"}},
    {"paragraph_number": {"order": "asc"}},
]


def search_body(request: SearchRequest, query: ParsedQuery) -> dict:
    """The body of the search for one page of hits with their facet counts."""
    body = {
        "query": with_date_range(compile_query(query), request),
        "sort": sort_for(request, query),
        "track_total_hits": True,
        "track_scores": bool(query.positive),
    }
    filters = filter_clauses(request.filters)
    if filters:
        # Hits are filtered after the facets are counted (disjunctive facets).
        body["post_filter"] = {"bool": {"filter": filters}}
    if request.facets:
        body["aggs"] = facet_aggregations(request.filters)
    return body


def scan_body(request: SearchRequest, query: ParsedQuery) -> dict:
    """The body of a scan of every hit (no totals, no facets: the filters in the query)."""
    body = {
        "query": with_date_range(compile_query(query), request),
        "sort": sort_for(request, query),
        "track_total_hits": False,
        "track_scores": bool(query.positive),
    }
    filters = filter_clauses(request.filters)
    if filters:
        body["query"] = {"bool": {"must": [body["query"]], "filter": filters}}
    return body


def term_query(term: Term) -> dict:
    """One word, phrase or prefix (as stems) in the body or the heading; a single word
    also among the joined hyphenated compounds. Weighted: typed words over synonyms."""
    stems = " ".join(term.stems)
    fields = [BODY, HEADING] + ([COMPOUNDS] if len(term.stems) == 1 and not term.prefix else [])
    should = []
    for field, boost in fields:
        if term.prefix and term.is_phrase:
            should.append({"match_phrase_prefix": {field: {"query": stems, "boost": boost}}})
        elif term.prefix:
            should.append({"prefix": {field: {"value": stems, "boost": boost}}})
        elif term.is_phrase:
            should.append({"match_phrase": {field: {"query": stems, "boost": boost}}})
        else:
            should.append({"term": {field: {"value": stems, "boost": boost}}})
    return {"bool": {"should": should, "minimum_should_match": 1, "boost": term.weight}}


def clause_query(clause: Clause) -> dict:
    alternatives = [term_query(t) for t in clause.alternatives]
    if len(alternatives) == 1:
        return alternatives[0]
    return {"bool": {"should": alternatives, "minimum_should_match": 1}}


def compile_query(query: ParsedQuery) -> dict:
    """ParsedQuery -> an Elasticsearch bool query (without facet filters)."""
    must = [clause_query(c) for c in query.required]
    optional = [clause_query(c) for c in query.optional]
    if optional:
        must.append({"bool": {"should": optional, "minimum_should_match": query.minimum_should_match}})
    must_not = [term_query(t) for c in query.negative for t in c.alternatives]
    if not must and not must_not:
        return {"match_all": {}}
    body: dict = {"must": must or [{"match_all": {}}]}
    if must_not:
        body["must_not"] = must_not
    if not query.positive:
        return {"bool": body}
    # Ranking signals multiply the BM25 score, as in the SQLite engine: the paragraph's prior
    # (indexer.prior), the typed words close together, a theme the query names. They never
    # decide what matches: a function whose filter a paragraph fails leaves its score alone.
    functions: list[dict] = [{"field_value_factor": {"field": "prior", "missing": 1}}]
    proximity = query.proximity()
    if proximity:
        functions.append(
            {
                "filter": {
                    "match_phrase": {
                        BODY[0]: {"query": " ".join(" ".join(p) for p in proximity), "slop": NEAR_SLOP}
                    }
                },
                "weight": 1 + NEAR_BONUS,
            }
        )
    if query.themes:
        functions.append({"filter": {"terms": {"themes": list(query.themes)}}, "weight": 1 + THEME_BONUS})
    return {
        "function_score": {
            "query": {"bool": body},
            "functions": functions,
            "score_mode": "multiply",
            "boost_mode": "multiply",
        }
    }


def filter_clauses(filters: dict[str, list[str]], skip: str | None = None) -> list[dict]:
    return [
        {"terms": {FACET_FIELDS[facet]: values}}
        for facet, values in filters.items()
        if facet != skip and facet in FACET_FIELDS
    ]


def with_date_range(query: dict, request: SearchRequest) -> dict:
    """The query limited to the request's publication dates: in the query itself, so the
    hits and every facet's counts see the same range."""
    if not request.has_date_range:
        return query
    bounds = {k: v for k, v in (("gte", request.date_from), ("lte", request.date_to)) if v}
    return {"bool": {"must": [query], "filter": [{"range": {"published": bounds}}]}}


def facet_aggregations(filters: dict[str, list[str]]) -> dict:
    """Disjunctive facets: each facet's counts apply every filter but its own."""
    aggs = {}
    for facet in FACETS:
        terms = {
            "terms": {
                "field": FACET_FIELDS[facet],
                "size": FACET_SIZES.get(facet, FACET_LIMIT),
                "order": [{"_count": "desc"}, {"_key": "asc"}],
                "exclude": [""],
            }
        }
        others = filter_clauses(filters, skip=facet)
        if facet == "stance" and "kind" not in filters:
            others.append({"term": {FACET_FIELDS["kind"]: STANCE_COUNTS_KIND}})
        aggs[facet] = {
            "filter": {"bool": {"filter": others}} if others else {"match_all": {}},
            "aggs": {"values": terms},
        }
    return aggs


def sort_for(request: SearchRequest, query: ParsedQuery) -> list:
    if request.sort == "date" or not query.positive:
        return list(SORT_BY_DATE)
    return ["_score", *SORT_BY_DATE]
