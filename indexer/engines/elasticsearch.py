"""The Elasticsearch engine: the one users run when they outgrow one machine.

Reads go through an alias (the ``index`` name given); each rebuild loads a new
timestamped index and moves the alias to it in one atomic call, keeping the
previous index for one rollback. Analyzers and mappings are versioned JSON in
``es/``; queries arrive parsed and synonym-expanded (indexer/query.py), so this
module only compiles clauses into a bool query.

What it matches (the same as the SQLite engine, see the contract suite in
tests/indexer/engines): the stems of ``indexer.analysis``, which the engine computes
and the node only splits on spaces, so both engines agree on every hit. A word or
phrase is matched in the body, the heading (boost 2) or, for a single word, the
joined hyphenated compounds; a prefix against stems. Required clauses (quoted phrases)
are ``must``; the others a ``should`` group with the query's minimum_should_match; the
typed words close together (``match_phrase`` with slop) add to the score; synonyms
weigh less than typed words. Snippets and match reasons come from ``indexer.explain``
(no highlighter on the node), and "did you mean" from the node's term suggester over
the surface words.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import orjson
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError, helpers
from elasticsearch.serializer import JsonSerializer

from common.lifetime import pause_point
from indexer.analysis import analyse, compounds, index_form
from indexer.engines.base import (
    FACET_FIELDS,
    FACET_LIMIT,
    FACET_SIZES,
    FACETS,
    NEAR_BONUS,
    STANCE_COUNTS_KIND,
    THEME_BONUS,
    EngineUnavailable,
    IndexWriteError,
    SearchEngine,
    SearchRequest,
    SearchResponse,
    annotate,
    opening_snippet,
)
from indexer.model import Paragraph
from indexer.prior import paragraph_prior
from indexer.query import Clause, ParsedQuery, Term

# 2: the judgement facet field. 3: stems from indexer.analysis (no hunspell), no
# highlighting fields, the surface words for suggestions. Recorded in each index's mapping _meta.
SCHEMA_VERSION = 3
CONFIG_DIR = Path(__file__).with_name("es")
BULK_CHUNK = 1000
SCAN_PAGE = 1000
PIT_KEEP_ALIVE = "2m"
# Boosts: a match in a heading says more about the paragraph than one in its body.
BODY, HEADING, COMPOUNDS = ("stems", 1.0), ("heading_stems", 2.0), ("compounds", 1.0)
# Searchable copies derived from the paragraph (stems, surface words): indexed, never
# stored in _source (the mapping excludes them), so hits carry only the paragraph.
DERIVED_FIELDS = ("stems", "heading_stems", "compounds", "words", "prior")
# Only what search() reads from a response: the per-hit _index/_id/sort and the per-facet
# bookkeeping are a third of the JSON. (A scan page is cheaper to send whole.)
SEARCH_FILTER_PATH = [
    "hits.total.value",
    "hits.hits._source",
    "hits.hits._score",
    "aggregations.*.values.buckets.key",
    "aggregations.*.values.buckets.doc_count",
]
# The typed words within this many positions of each other (as SQLite's NEAR).
NEAR_SLOP = 8
# "Did you mean": the node's term suggester, at most this many edits.
MAX_EDITS = 2
SORT_BY_DATE = [
    {"published": {"order": "desc", "missing": "_last"}},
    {"document_id": {"order": "asc"}},
    {"paragraph_number": {"order": "asc"}},
]
# While a new index loads: no refreshes, no replicas; serving_settings() restores both.
LOADING_SETTINGS = {"refresh_interval": "-1", "auto_expand_replicas": "false", "number_of_replicas": 0}


class BulkLoadError(IndexWriteError):
    """Some paragraphs were refused by Elasticsearch; nothing was switched over."""


@lru_cache(maxsize=None)
def _config(name: str) -> dict:
    data = json.loads((CONFIG_DIR / f"{name}.v{SCHEMA_VERSION}.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if k != "_comment"}


def index_settings() -> dict:
    return _config("settings")


def index_mappings() -> dict:
    """The mapping new indices get, with SCHEMA_VERSION recorded in its _meta (from the
    code, so the JSON file and the constant can never disagree)."""
    mappings = dict(_config("mappings"))
    mappings["_meta"] = {**mappings.get("_meta", {}), "schema_version": SCHEMA_VERSION}
    return mappings


def recorded_schema_version(mapping: dict) -> int | None:
    """The schema version an index's mapping records (None: it records none).

    Indices built while mappings.v2.json still said 1 in its _meta (the judgement field
    was added without bumping it) carry version 2's fields under version 1's label;
    they are read as the version 2 they are."""
    meta = mapping.get("_meta") or {}
    try:
        version = int(meta["schema_version"])
    except (KeyError, TypeError, ValueError):
        return None
    if version == 1 and "judgement" in (mapping.get("properties") or {}):
        return 2
    return version


def serving_settings() -> dict:
    """The settings.json values a bulk load switches off."""
    return {k: index_settings()["index"][k] for k in ("refresh_interval", "auto_expand_replicas")}


# -- query compilation --------------------------------------------------------------------


def _term_query(term: Term) -> dict:
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


def _clause_query(clause: Clause) -> dict:
    alternatives = [_term_query(t) for t in clause.alternatives]
    if len(alternatives) == 1:
        return alternatives[0]
    return {"bool": {"should": alternatives, "minimum_should_match": 1}}


def compile_query(query: ParsedQuery) -> dict:
    """ParsedQuery -> an Elasticsearch bool query (without facet filters)."""
    must = [_clause_query(c) for c in query.required]
    optional = [_clause_query(c) for c in query.optional]
    if optional:
        must.append({"bool": {"should": optional, "minimum_should_match": query.minimum_should_match}})
    must_not = [_term_query(t) for c in query.negative for t in c.alternatives]
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


# -- documents in and out -----------------------------------------------------------------


def to_document(p: Paragraph) -> dict:
    doc = p.to_dict()
    text = analyse(p.text or "")
    doc["stems"] = text.stems
    doc["heading_stems"] = index_form(p.section or "")
    doc["compounds"] = compounds(f"{p.section}\n{p.text}")
    doc["words"] = " ".join(text.words)
    doc["prior"] = paragraph_prior(p.text or "", text.count)
    return doc


def _paragraph(raw: dict, positive: bool) -> dict:
    source = raw["_source"]
    for name in DERIVED_FIELDS:  # absent from _source in this schema; an older one kept them
        source.pop(name, None)
    score = raw.get("_score")
    source["score"] = round(float(score), 4) if positive and score is not None else 0.0
    return source


class FastJsonSerializer(JsonSerializer):
    """The client's JSON (de)serializer with orjson, which reads a page of 20 hits with
    their facets in a fifth of the standard library's time; anything orjson refuses
    (a lone surrogate in a string, an integer beyond 64 bits) takes the standard
    library's path, so nothing is encoded or read differently from before."""

    def json_dumps(self, data) -> bytes:
        try:
            return orjson.dumps(data, default=self.default)
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            return super().json_dumps(data)

    def json_loads(self, data: bytes):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            return json.loads(data)


# -- the engine ----------------------------------------------------------------------------


class ElasticsearchEngine(SearchEngine):
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
        self.es = client or Elasticsearch(
            url,
            request_timeout=request_timeout,
            max_retries=1,
            retry_on_timeout=False,
            serializer=FastJsonSerializer(),
        )
        self._concrete = re.compile(re.escape(index) + r"-\d{8}t\d{6}\d{6}z-[0-9a-f]{8}")

    # -- errors -------------------------------------------------------------------------
    def _unavailable(self, exc: Exception) -> EngineUnavailable:
        if isinstance(exc, ApiError):
            detail = f"HTTP {exc.meta.status}: {exc.message}"
        else:
            detail = str(exc) or type(exc).__name__
        return EngineUnavailable(f"Elasticsearch at {self.url} cannot serve searches ({detail})")

    def _call(self, fn, *args, **kwargs):
        """A client call with transport failures and server errors as EngineUnavailable."""
        try:
            return fn(*args, **kwargs)
        except (TransportConnectionError, TransportError) as exc:
            raise self._unavailable(exc) from exc
        except ApiError as exc:
            if exc.meta.status >= 500 or exc.meta.status in (401, 403, 429):
                raise self._unavailable(exc) from exc
            raise

    # -- index lifecycle ----------------------------------------------------------------
    def live_index(self) -> str | None:
        """The concrete index the alias points at, or None before the first load."""
        try:
            aliases = self._call(self.es.indices.get_alias, name=self.alias)
        except NotFoundError:
            return None
        names = sorted(aliases)
        if len(names) > 1:
            raise EngineUnavailable(f"alias {self.alias!r} points at several indices: {names}")
        return names[0] if names else None

    def indices(self) -> list[str]:
        """This alias's timestamped indices, oldest first."""
        found = self._call(
            self.es.indices.get,
            index=f"{self.alias}-*",
            expand_wildcards="open,closed",
            ignore_unavailable=True,
            allow_no_indices=True,
            features="aliases",
        )
        return sorted(name for name in found if self._concrete.fullmatch(name))

    def _new_index(self, loading: bool) -> str:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dt%H%M%S%fz")
        name = f"{self.alias}-{stamp}-{uuid.uuid4().hex[:8]}"
        settings = json.loads(json.dumps(index_settings()))
        if loading:
            settings["index"].update(LOADING_SETTINGS)
        self._call(self.es.indices.create, index=name, settings=settings, mappings=index_mappings())
        return name

    def live_schema_version(self, index: str) -> int | None:
        """The schema version ``index`` was built with, as its mapping records it."""
        mappings = self._call(self.es.indices.get_mapping, index=index)
        return recorded_schema_version(mappings[index]["mappings"])

    def _ensure_index(self) -> str:
        """The live index to write into (created before the first load). Refuses one
        built with another schema version: its strict mapping would refuse paragraphs
        (or index them differently), so incremental writes need a full rebuild first."""
        live = self.live_index()
        if live:
            version = self.live_schema_version(live)
            if version != SCHEMA_VERSION:
                built = f"schema version {version}" if version is not None else "no recorded schema version"
                raise IndexWriteError(
                    f"the Elasticsearch index {live} (alias {self.alias!r}) has {built}, and this "
                    f"version of ofsted-findings writes schema version {SCHEMA_VERSION}: run a full "
                    "`ofsted-findings index` (not --incremental) to rebuild it; searches keep using "
                    "the old index until the rebuild switches over"
                )
            return live
        if self._call(self.es.indices.exists, index=self.alias):
            raise EngineUnavailable(
                f"{self.alias!r} is a plain index, not an alias: delete it or "
                "choose another OFSTED_FINDINGS_ES_INDEX"
            )
        name = self._new_index(loading=False)
        self._call(self.es.indices.update_aliases, actions=[{"add": {"index": name, "alias": self.alias}}])
        return name

    def _switch_alias(self, new: str) -> str | None:
        """Point the alias at ``new`` in one atomic call; returns the index it left."""
        old = self.live_index()
        actions = [{"add": {"index": new, "alias": self.alias}}]
        if old:
            actions.insert(0, {"remove": {"index": old, "alias": self.alias}})
        self._call(self.es.indices.update_aliases, actions=actions)
        return old

    def _drop_old_indices(self, keep: set[str]) -> None:
        for name in self.indices():
            if name not in keep:
                self._call(self.es.options(ignore_status=404).indices.delete, index=name)

    def rebuild(self, paragraphs: Iterable[Paragraph]) -> int:
        if self._call(self.es.indices.exists, index=self.alias) and not self.live_index():
            raise EngineUnavailable(
                f"{self.alias!r} is a plain index, not an alias: delete it or "
                "choose another OFSTED_FINDINGS_ES_INDEX"
            )
        new = self._new_index(loading=True)
        try:
            count = self._bulk(
                new,
                (
                    {"_op_type": "index", "_index": new, "_id": p.paragraph_id, "_source": to_document(p)}
                    for p in paragraphs
                ),
            )
            self._call(self.es.indices.put_settings, index=new, settings={"index": serving_settings()})
            self._call(self.es.indices.refresh, index=new)
            self._call(self.es.cluster.health, index=new, wait_for_status="yellow", timeout="30s")
        except BaseException:
            # The alias still serves the old index; the half-built one goes.
            try:
                self.es.options(ignore_status=404).indices.delete(index=new)
            except Exception:
                pass  # the node is gone; the next rebuild removes the orphan
            raise
        pause_point("elasticsearch-swap")
        old = self._switch_alias(new)
        self._drop_old_indices(keep={new} | ({old} if old else set()))
        return count

    def rollback(self) -> str:
        """Point the alias back at the index the last rebuild replaced."""
        live = self.live_index()
        older = [name for name in self.indices() if name != live and (live is None or name < live)]
        if not older:
            raise EngineUnavailable(f"there is no earlier index of {self.alias!r} to roll back to")
        self._switch_alias(older[-1])
        return older[-1]

    def _bulk(self, index: str, actions: Iterable[dict]) -> int:
        ok, failed, examples = 0, 0, []
        try:
            for success, item in helpers.streaming_bulk(
                self.es,
                actions,
                chunk_size=BULK_CHUNK,
                max_retries=3,
                raise_on_error=False,
                raise_on_exception=True,
            ):
                if success:
                    ok += 1
                    continue
                failed += 1
                if len(examples) < 5:
                    examples.append(json.dumps(item, default=str)[:300])
        except (TransportConnectionError, TransportError) as exc:
            raise self._unavailable(exc) from exc
        if failed:
            raise BulkLoadError(
                f"Elasticsearch refused {failed} of {ok + failed} paragraphs "
                f"for {index}: " + "; ".join(examples)
            )
        return ok

    def _ids_of(self, index: str, document_ids: list[str]) -> list[str]:
        ids = []
        for chunk in _chunks(document_ids, 500):
            for hit in helpers.scan(
                self.es,
                index=index,
                size=SCAN_PAGE,
                query={"query": {"terms": {"document_id": chunk}}, "_source": False},
            ):
                ids.append(hit["_id"])
        return ids

    def replace_documents(self, document_ids: Iterable[str], paragraphs: Iterable[Paragraph]) -> int:
        document_ids = [d for d in dict.fromkeys(document_ids) if d]
        index = self._ensure_index()
        new = {p.paragraph_id: p for p in paragraphs}
        try:
            stale = [i for i in self._ids_of(index, document_ids) if i not in new]
        except (TransportConnectionError, TransportError) as exc:
            raise self._unavailable(exc) from exc
        actions = [{"_op_type": "delete", "_index": index, "_id": i} for i in stale]
        actions += [
            {"_op_type": "index", "_index": index, "_id": pid, "_source": to_document(p)}
            for pid, p in new.items()
        ]
        self._bulk(index, actions)
        self._call(self.es.indices.refresh, index=index)
        return len(new)

    def delete_documents(self, document_ids: Iterable[str]) -> None:
        document_ids = [d for d in dict.fromkeys(document_ids) if d]
        index = self.live_index()
        if not index or not document_ids:
            return
        try:
            ids = self._ids_of(index, document_ids)
        except (TransportConnectionError, TransportError) as exc:
            raise self._unavailable(exc) from exc
        self._bulk(index, ({"_op_type": "delete", "_index": index, "_id": i} for i in ids))
        self._call(self.es.indices.refresh, index=index)

    # -- searching ----------------------------------------------------------------------
    def search_body(self, request: SearchRequest, query: ParsedQuery) -> dict:
        """The request body search() sends (public so benchmarks can send it raw)."""
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

    def search(self, request: SearchRequest, query: ParsedQuery) -> SearchResponse:
        body = self.search_body(request, query)
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
            annotate(_paragraph(h, bool(query.positive)), query, request.snippets)
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
            hit = _paragraph(raw, positive)
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
        body = {
            "query": with_date_range(compile_query(query), request),
            "sort": sort_for(request, query),
            "track_total_hits": False,
            "track_scores": bool(query.positive),
        }
        filters = filter_clauses(request.filters)
        if filters:
            body["query"] = {"bool": {"must": [body["query"]], "filter": filters}}
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
        out = []
        for raw in result["hits"]["hits"]:
            source = raw["_source"]
            for name in DERIVED_FIELDS:
                source.pop(name, None)
            out.append(source)
        return out

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
        for name in DERIVED_FIELDS:
            source.pop(name, None)
        return source

    def similar_body(self, source: dict, constraints, size: int) -> dict:
        from indexer.engines import elasticsearch_similar

        count = self._call(elasticsearch_similar.paragraph_count, self)
        return elasticsearch_similar.body(source, constraints, size, count)

    def similar_candidates(self, source: dict, constraints, size: int) -> list[dict]:
        from indexer.engines import elasticsearch_similar

        try:
            result = self._call(
                self.es.search, index=self.alias, **self.similar_body(source, constraints, size)
            )
        except NotFoundError:
            return []
        return elasticsearch_similar.hits(result, DERIVED_FIELDS)

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


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
