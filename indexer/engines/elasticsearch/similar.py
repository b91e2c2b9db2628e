"""Similar practice on the Elasticsearch engine: its core ``more_like_this`` query.

The index keeps the stems of ``indexer.analysis`` (not in ``_source``), so the source
paragraph's stems are computed here, as indexing computed them, and given to
``more_like_this`` as its ``like`` text; the node picks the most distinctive of them by its
own tf-idf and ranks paragraphs by BM25 over them. The constraints (another authority,
Ofsted's words, a stance, a set of authorities) are filters of the same bool query, and
the paragraph prior multiplies the score, as in every search.
"""

from __future__ import annotations

import time

from indexer.analysis import STOP_WORDS, analyse
from indexer.engines.base import opening_snippet

# more_like_this's settings for one paragraph (its defaults are for whole documents: a term
# must occur twice in the source, which few words of a paragraph do).
MORE_LIKE_THIS = {
    "min_term_freq": 1,
    "min_doc_freq": 2,
    "max_query_terms": 25,
    # At least two of the chosen terms (all, when only one was chosen), as sqlite/similar.py's MIN_SHARED.
    "minimum_should_match": "1<2",
    "min_word_length": 3,
    # The words every query drops (indexer.analysis), as sqlite/similar.py drops them.
    "stop_words": sorted(STOP_WORDS),
}
FIELD = "stems"
# As in sqlite/similar.py: a term in more than this share of the paragraphs is not distinctive,
# but in a small index only past COMMON_FLOOR paragraphs.
MAX_DOC_SHARE = 0.2
COMMON_FLOOR = 100
# The index's size is asked for at most this often (seconds): it changes only with a rebuild.
COUNT_TTL = 60.0


def paragraph_count(engine) -> int | None:
    """How many paragraphs the engine's index holds, remembered for COUNT_TTL seconds."""
    now = time.monotonic()
    cached = getattr(engine, "_similar_count", None)
    if cached is None or now - cached[0] > COUNT_TTL:
        cached = (now, int(engine.es.count(index=engine.alias)["count"]))
        engine._similar_count = cached
    return cached[1]


def like_text(source: dict) -> str:
    return analyse(source.get("text") or "").stems


def filters(constraints) -> tuple[list[dict], list[dict]]:
    """(filter, must_not) clauses of the constraints."""
    keep = [{"term": {"kind": constraints.kind}}]
    if constraints.authorities is not None:
        keep.append({"terms": {"authority": list(constraints.authorities)}})
    if constraints.stance:
        keep.append({"term": {"stance": constraints.stance}})
    drop = [{"term": {"authority": constraints.exclude_authority}}] if constraints.exclude_authority else []
    return keep, drop


def body(source: dict, constraints, size: int, paragraphs: int | None = None) -> dict:
    """The search body the engine sends (the benchmark sends the same one raw). Given the
    index's size, terms in more than MAX_DOC_SHARE of its paragraphs are left out, as
    SQLite leaves them out: they say nothing of a practice, and their long postings are
    most of the query's cost."""
    more_like_this = {"fields": [FIELD], "like": like_text(source), **MORE_LIKE_THIS}
    if paragraphs:
        more_like_this["max_doc_freq"] = max(COMMON_FLOOR, int(MAX_DOC_SHARE * paragraphs))
    keep, drop = filters(constraints)
    return {
        "size": size,
        "query": {
            "function_score": {
                "query": {
                    "bool": {"must": [{"more_like_this": more_like_this}], "filter": keep, "must_not": drop}
                },
                "functions": [{"field_value_factor": {"field": "prior", "missing": 1}}],
                "boost_mode": "multiply",
            }
        },
        "sort": ["_score", {"published": {"order": "desc", "missing": "_last"}}],
        "track_scores": True,
        "track_total_hits": False,
    }


def hits(result: dict, derived_fields) -> list[dict]:
    out = []
    for raw in result["hits"]["hits"]:
        hit = raw["_source"]
        for name in derived_fields:
            hit.pop(name, None)
        hit["score"] = round(float(raw.get("_score") or 0.0), 4)
        hit["snippet"] = opening_snippet(hit.get("text") or "")
        hit["match_reasons"] = []
        out.append(hit)
    return out
