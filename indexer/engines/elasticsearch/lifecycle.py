"""The index lifecycle on the node: versioned settings and mappings (``schema/``), a
timestamped index per rebuild behind the alias the engine reads, the alias moved in one
atomic call, one previous index kept for a rollback, and the bulk writes.

Bump SCHEMA_VERSION and add new files to ``schema/`` when a mapping or analyzer changes:
a rebuild then writes a fresh index with them.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from elasticsearch import NotFoundError, helpers

from common.lifetime import pause_point
from indexer.engines.base import EngineUnavailable, IndexWriteError
from indexer.engines.elasticsearch.client import TRANSPORT_ERRORS, NodeCalls
from indexer.engines.elasticsearch.documents import to_document
from indexer.model import Paragraph

# 2: the judgement facet field. 3: stems from indexer.analysis (no hunspell), no
# highlighting fields, the surface words for suggestions. Recorded in each index's mapping _meta.
SCHEMA_VERSION = 3
CONFIG_DIR = Path(__file__).with_name("schema")
BULK_CHUNK = 1000
SCAN_PAGE = 1000
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


class IndexLifecycle(NodeCalls):
    """The alias ``self.alias`` and its timestamped indices."""

    alias: str

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
        except TRANSPORT_ERRORS as exc:
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
        except TRANSPORT_ERRORS as exc:
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
        except TRANSPORT_ERRORS as exc:
            raise self._unavailable(exc) from exc
        self._bulk(index, ({"_op_type": "delete", "_index": index, "_id": i} for i in ids))
        self._call(self.es.indices.refresh, index=index)


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
