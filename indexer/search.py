"""Searching as users do it: parse their words, expand synonyms, ask the engine, and
when that finds nothing, say why and what to try.

Around the engine's answer:
- "did you mean": a typed word no paragraph holds gets the closest word the index holds
  (the engine's ``suggest``); the response carries the corrected query (``suggestion``),
  and, since the unknown word can match nothing, the corrected query's results when it
  has any (``searched_for``), saying so;
- a search of several words that found nothing asks for one word fewer at a time
  (``ParsedQuery.relax``) and says so;
- a search that finds nothing at all suggests dropping words, quotes or filters.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator, Sequence

from indexer.engines import SearchEngine, SearchRequest, SearchResponse, open_engine
from indexer.engines.base import FACET_FIELDS
from indexer.query import ParsedQuery, SynonymTable, parse
from indexer.themes import Taxonomy


class Searcher:
    def __init__(
        self, engine: SearchEngine, synonyms: SynonymTable | None = None, taxonomy: Taxonomy | None = None
    ):
        self.engine = engine
        self.synonyms = synonyms or SynonymTable()
        self.taxonomy = taxonomy

    @classmethod
    def open(cls, settings, taxonomy: Taxonomy | None = None) -> "Searcher":
        return cls.for_engine(open_engine(settings), taxonomy)

    @classmethod
    def for_engine(cls, engine: SearchEngine, taxonomy: Taxonomy | None = None) -> "Searcher":
        """A searcher with the taxonomy's synonyms, spellings and themes."""
        taxonomy = taxonomy or Taxonomy.load()
        return cls(engine, SynonymTable.from_taxonomy(taxonomy), taxonomy)

    def parse(self, q: str) -> ParsedQuery:
        query = parse(q, self.synonyms)
        if self.taxonomy is not None and query.positive:
            typed = " ".join(c.typed.text() for c in query.positive)
            query.themes = tuple(self.taxonomy.tag(typed))
        return query

    def search(self, request: SearchRequest) -> SearchResponse:
        response = self._search(request)
        _filter_reasons(response, request)
        return response

    def _search(self, request: SearchRequest) -> SearchResponse:
        query = self.parse(request.q)
        suggestion = self.suggestion(query)
        if suggestion and not request.as_typed:
            # A typed word no paragraph holds can match nothing: show what the closest
            # known words find, say so, and offer what was typed.
            corrected = self._relaxed_until_found(request, self.parse(suggestion))
            if corrected.total:
                corrected.notices.insert(
                    0, f"No paragraph holds “{request.q}”: showing results for “{suggestion}”."
                )
                corrected.suggestion = corrected.searched_for = suggestion
                return corrected
        response = self._relaxed_until_found(request, query)
        response.suggestion = suggestion
        if response.total == 0 and query.positive:
            response.notices.append(_try_instead(request, query))
        return response

    def _relaxed_until_found(self, request: SearchRequest, query: ParsedQuery) -> SearchResponse:
        """The search, or when it finds nothing, the same asking for one plain word fewer
        at a time, saying so."""
        response = self._run(request, query)
        while response.total == 0 and query.minimum_should_match > 1:
            query.relax += 1
            response = self._run(request, query)
            if response.total:
                response.notices.append(
                    "No paragraph holds all of your words: showing paragraphs that "
                    f"hold {query.minimum_should_match} of the {len(query.optional)}."
                )
        return response

    def _run(self, request: SearchRequest, query: ParsedQuery) -> SearchResponse:
        response = self.engine.search(request, query)
        response.notices = query.notices + response.notices
        response.query = query
        return response

    def suggestion(self, query: ParsedQuery) -> str | None:
        """The query with each word no paragraph holds replaced by the closest word the
        index holds, or None when every word is known (or none has a close match)."""
        typed = [
            w
            for c in query.positive
            for t in c.alternatives
            if not t.synonym_of and not t.prefix
            for w in t.words
        ]
        found = self.engine.suggest(typed)
        return query.with_words_replaced(found) if found else None

    # Exports and feeds stream the very paragraphs the page shows: the same spelling
    # correction and relaxation, decided by a search that only counts.
    def scan(self, request: SearchRequest) -> Iterator[dict]:
        return self.engine.scan(request, self.effective_query(request))

    def scan_values(self, request: SearchRequest, fields: Sequence[str]) -> Iterator[tuple]:
        return self.engine.scan_values(request, self.effective_query(request), fields)

    def effective_query(self, request: SearchRequest) -> ParsedQuery:
        """The query whose results ``search`` shows for this request (the typed one, the
        suggestion's, or either relaxed)."""
        probe = self._search(replace(request, offset=0, limit=0, facets=False, snippets=False))
        return probe.query if probe.query is not None else self.parse(request.q)

    def close(self) -> None:
        self.engine.close()


def _filter_reasons(response: SearchResponse, request: SearchRequest) -> None:
    """Each hit also says which filters selected it (a theme filter picks paragraphs by
    their theme, not by their words)."""
    extra = [
        {"term": value, "kind": "filter", "of": facet, "where": facet}
        for facet, values in sorted(request.filters.items())
        for value in values
    ]
    if extra:
        for hit in response.hits:
            chosen = [r for r in extra if _hit_has(hit, r["of"], r["term"])]
            hit["match_reasons"] = list(hit.get("match_reasons") or []) + chosen


def _hit_has(hit: dict, facet: str, value: str) -> bool:
    held = hit.get(FACET_FIELDS.get(facet, facet))
    return value in held if isinstance(held, list) else str(held) == value


def _try_instead(request: SearchRequest, query: ParsedQuery) -> str:
    tips = []
    if len(query.positive) > 1:
        tips.append("fewer words")
    if query.required:
        tips.append("no quotation marks")
    if request.filters:
        tips.append("removing a filter (" + ", ".join(sorted(request.filters)) + ")")
    if not tips:
        tips.append("another word for the same thing")
    return "Nothing matched. Try " + ", or ".join(tips) + "."


# The fields of one result in the CLI's JSON lines and the JSON API: a public contract.
PUBLIC_FIELDS = (
    "authority",
    "ons_code",
    "region",
    "document_id",
    "document_title",
    "document_type",
    "kind",
    "published",
    "source",
    "section",
    "paragraph_number",
    "text",
    "snippet",
    "themes",
    "stance",
    "score",
    "url",
    "match_reasons",
)


def public_hit(hit: dict, settings) -> dict:
    """One search hit as users and API clients see it."""
    out = {name: hit.get(name) for name in PUBLIC_FIELDS}
    out["themes"] = list(hit.get("themes") or [])
    out["match_reasons"] = list(hit.get("match_reasons") or [])
    out["url"] = settings.permalink(hit["document_id"], hit.get("paragraph_number"))
    return out
