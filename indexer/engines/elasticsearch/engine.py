"""The Elasticsearch engine: the one users run when they outgrow one machine.

Reads go through an alias (the ``index`` name given); each rebuild loads a new
timestamped index and moves the alias to it (``lifecycle``). Queries arrive parsed and
synonym-expanded (indexer/query.py) and are compiled by ``query``; snippets and match
reasons come from ``indexer.explain`` (no highlighter on the node), and "did you mean"
from the node's term suggester over the surface words.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Iterator, Sequence

from elasticsearch import ApiError, Elasticsearch, NotFoundError

from indexer.engines.base import (
    FACETS,
    EngineUnavailable,
    SearchEngine,
    SearchRequest,
    SearchResponse,
    annotate,
    opening_snippet,
)
from indexer.engines.elasticsearch import similar
from indexer.engines.elasticsearch.client import connect
from indexer.engines.elasticsearch.documents import DERIVED_FIELDS, hit_paragraph, without_derived
from indexer.engines.elasticsearch.lifecycle import SCAN_PAGE, SCHEMA_VERSION, IndexLifecycle
from indexer.engines.elasticsearch.query import scan_body, search_body
from indexer.query import ParsedQuery

PIT_KEEP_ALIVE = "2m"
# Only what search() reads from a response: the per-hit _index/_id/sort and the per-facet
# bookkeeping are a third of the JSON. (A scan page is cheaper to send whole.)
SEARCH_FILTER_PATH = [
    "hits.total.value",
    "hits.hits._source",
    "hits.hits._score",
    "aggregations.*.values.buckets.key",
    "aggregations.*.values.buckets.doc_count",
]
# "Did you mean": the node's term suggester, at most this many edits.
MAX_EDITS = 2


class ElasticsearchEngine(IndexLifecycle, SearchEngine):
    name = "elasticsearch"

    def __init__(
        self,
        url: str,
        index: str,
        *,
        request_timeout: float = 30.0,
        scan_page_size: int = SCAN_PAGE,
        client: Elasticsearch | None = None,
    ):
        if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", index or "") or index in (".", ".."):
            raise ValueError(
                f"{index!r} is not a usable Elasticsearch index name: use lowercase "
                "letters, digits, '-', '_' or '.', not starting with a symbol"
            )
        self.url = url
        self.alias = index
        self.scan_page_size = max(1, int(scan_page_size))
        self.es = client or connect(url, request_timeout)
        self._concrete = re.compile(re.escape(index) + r"-\d{8}t\d{6}\d{6}z-[0-9a-f]{8}")

    def search(self, request: SearchRequest, query: ParsedQuery) -> SearchResponse:
        body = search_body(request, query)
        try:
            # request_cache: the shard keeps this query's hits and facet counts until the
            # next refresh that changes the index (so never a stale answer); size > 0
            # searches are cached only when asked. preference: the same search goes to
            # the same shard copies, so with replicas it finds its cache entry and pages
            # through one copy's scores.
            result = self._call(
                self.es.search,
                index=self.alias,
                from_=request.offset,
                size=request.limit,
                request_cache=True,
                preference=_preference(request),
                filter_path=SEARCH_FILTER_PATH,
                **body,
            )
        except NotFoundError:
            return SearchResponse(total=0, hits=[], facets={f: [] for f in FACETS} if request.facets else {})
        found = result.get("hits", {})  # filter_path drops what is empty
        hits = [
            annotate(hit_paragraph(h, bool(query.positive)), query, request.snippets)
            for h in found.get("hits", ())
        ]
        facets = {}
        if request.facets:
            aggs = result.get("aggregations", {})
            facets = {
                f: [(b["key"], b["doc_count"]) for b in aggs.get(f, {}).get("values", {}).get("buckets", ())]
                for f in FACETS
            }
        return SearchResponse(total=found.get("total", {}).get("value", 0), hits=hits, facets=facets)

    def scan(self, request: SearchRequest, query: ParsedQuery) -> Iterator[dict]:
        """Every hit in order, one point-in-time page at a time. Exports do not show
        snippets, so nothing is highlighted."""
        positive = bool(query.positive)
        for raw in self._scan(request, query):
            hit = hit_paragraph(raw, positive)
            if request.snippets:
                hit["snippet"] = opening_snippet(hit.get("text") or "")
            yield hit

    def scan_values(
        self, request: SearchRequest, query: ParsedQuery, fields: Sequence[str]
    ) -> Iterator[tuple]:
        # The whole _source still travels: filtering it costs the node more CPU (it
        # parses each one) than sending it saves.
        for raw in self._scan(request, query):
            source = raw["_source"]
            yield tuple(source.get(name) for name in fields)

    def _scan(self, request: SearchRequest, query: ParsedQuery) -> Iterator[dict]:
        body = scan_body(request, query)
        try:
            pit = self._call(self.es.open_point_in_time, index=self.alias, keep_alive=PIT_KEEP_ALIVE)["id"]
        except NotFoundError:
            return
        try:
            after = None
            while True:
                page = self._call(
                    self.es.search,
                    size=self.scan_page_size,
                    search_after=after,
                    pit={"id": pit, "keep_alive": PIT_KEEP_ALIVE},
                    **body,
                )
                pit = page.get("pit_id", pit)
                hits = page["hits"]["hits"]
                yield from hits
                if len(hits) < self.scan_page_size:
                    return
                after = hits[-1]["sort"]
        finally:
            try:
                self.es.close_point_in_time(id=pit)
            except Exception:
                pass  # it expires by itself after PIT_KEEP_ALIVE

    def suggest(self, words) -> dict[str, str]:
        words = [w for w in dict.fromkeys(words) if w and w.isalpha()]
        if not words:
            return {}
        # One term suggester per word: "missing" suggests only for words no paragraph holds;
        # the closest first, then the most frequent (as the SQLite engine orders them).
        suggest = {
            f"w{i}": {
                "text": word,
                "term": {
                    "field": "words",
                    "suggest_mode": "missing",
                    "max_edits": 1 if len(word) <= 4 else MAX_EDITS,
                    "min_word_length": 3,
                    "prefix_length": 0,
                    "sort": "score",
                    "size": 5,
                    "string_distance": "damerau_levenshtein",
                },
            }
            for i, word in enumerate(words)
        }
        try:
            result = self._call(self.es.search, index=self.alias, size=0, suggest=suggest)
        except NotFoundError:
            return {}
        out = {}
        for i, word in enumerate(words):
            options = [o for entry in result.get("suggest", {}).get(f"w{i}", []) for o in entry["options"]]
            if options:
                out[word] = options[0]["text"]
        return out

    def document_paragraphs(self, document_id: str) -> list[dict]:
        try:
            result = self._call(
                self.es.search,
                index=self.alias,
                size=10_000,
                query={"term": {"document_id": document_id}},
                sort=[{"paragraph_number": "asc"}],
            )
        except NotFoundError:
            return []
        return [without_derived(raw["_source"]) for raw in result["hits"]["hits"]]

    def paragraph(self, document_id: str, paragraph_number: int) -> dict | None:
        try:
            raw = self._call(self.es.get, index=self.alias, id=f"{document_id}-{paragraph_number}")
        except ApiError as exc:
            if exc.meta.status in (400, 404):  # no such paragraph, or an id the node refuses (too long)
                return None
            raise
        source = raw["_source"]
        if source.get("document_id") != document_id or source.get("paragraph_number") != paragraph_number:
            return None  # an id like "a-1-2" is document "a-1" paragraph 2 or document "a" paragraph 12
        return without_derived(source)

    def similar_body(self, source: dict, constraints, size: int) -> dict:
        count = self._call(similar.paragraph_count, self)
        return similar.body(source, constraints, size, count)

    def similar_candidates(self, source: dict, constraints, size: int) -> list[dict]:
        try:
            result = self._call(
                self.es.search, index=self.alias, **self.similar_body(source, constraints, size)
            )
        except NotFoundError:
            return []
        return similar.hits(result, DERIVED_FIELDS)

    def document_ids(self) -> set[str]:
        ids: set[str] = set()
        after = None
        while True:
            composite = {"size": 1000, "sources": [{"id": {"terms": {"field": "document_id"}}}]}
            if after:
                composite["after"] = after
            try:
                result = self._call(
                    self.es.search, index=self.alias, size=0, aggs={"docs": {"composite": composite}}
                )
            except NotFoundError:
                return ids
            agg = result["aggregations"]["docs"]
            ids.update(b["key"]["id"] for b in agg["buckets"])
            after = agg.get("after_key")
            if not agg["buckets"] or not after:
                return ids

    def stats(self) -> dict:
        live = self.live_index()
        base = {
            "engine": self.name,
            "url": self.url,
            "alias": self.alias,
            "index": live,
            "indices": self.indices() if live else [],
            "schema_version": SCHEMA_VERSION,
        }
        if not live:
            return {**base, "paragraphs": 0, "documents": 0}
        paragraphs = self._call(self.es.count, index=self.alias)["count"]
        return {
            **base,
            "index_schema_version": self.live_schema_version(live),
            "paragraphs": paragraphs,
            "documents": len(self.document_ids()),
        }

    def check(self) -> None:
        try:
            health = self._call(self.es.cluster.health, timeout="5s")
        except ApiError as exc:
            raise self._unavailable(exc) from exc
        if health.get("status") == "red":
            raise EngineUnavailable(f"Elasticsearch at {self.url} is red: some data cannot be read")

    def close(self) -> None:
        self.es.close()


def _preference(request: SearchRequest) -> str:
    """A shard-copy preference string of the search itself (not of the page), so
    every page of one search is answered by the same copies."""
    key = json.dumps([request.q, sorted(request.filters.items()), request.sort, request.facets])
    return "s" + hashlib.blake2b(key.encode(), digest_size=8).hexdigest()
