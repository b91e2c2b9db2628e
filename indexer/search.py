"""Searching as users do it: parse their words, expand synonyms, ask the engine."""
from __future__ import annotations

from typing import Iterator, Sequence

from indexer.engines import SearchEngine, SearchRequest, SearchResponse, open_engine
from indexer.query import SynonymTable, parse
from indexer.themes import Taxonomy


class Searcher:
    def __init__(self, engine: SearchEngine, synonyms: SynonymTable | None = None):
        self.engine = engine
        self.synonyms = synonyms or SynonymTable()

    @classmethod
    def open(cls, settings, taxonomy: Taxonomy | None = None) -> "Searcher":
        taxonomy = taxonomy or Taxonomy.load()
        return cls(open_engine(settings), SynonymTable(taxonomy.synonym_groups()))

    def search(self, request: SearchRequest) -> SearchResponse:
        query = parse(request.q, self.synonyms)
        response = self.engine.search(request, query)
        response.notices = query.notices + response.notices
        response.query = query
        return response

    def scan(self, request: SearchRequest) -> Iterator[dict]:
        return self.engine.scan(request, parse(request.q, self.synonyms))

    def scan_values(self, request: SearchRequest, fields: Sequence[str]) -> Iterator[tuple]:
        return self.engine.scan_values(request, parse(request.q, self.synonyms), fields)

    def scan_csv(self, request: SearchRequest, base_url: str) -> Iterator[bytes]:
        return self.engine.scan_csv(request, parse(request.q, self.synonyms), base_url)

    def close(self) -> None:
        self.engine.close()


# The fields of one result in the CLI's JSON lines and the JSON API: a public contract.
PUBLIC_FIELDS = ("authority", "ons_code", "region", "document_id", "document_title", "document_type",
                 "kind", "published", "source", "section", "paragraph_number", "text", "snippet",
                 "themes", "stance", "score", "url")


def public_hit(hit: dict, settings) -> dict:
    """One search hit as users and API clients see it."""
    out = {name: hit.get(name) for name in PUBLIC_FIELDS}
    out["themes"] = list(hit.get("themes") or [])
    out["url"] = settings.permalink(hit["document_id"], hit.get("paragraph_number"))
    return out
