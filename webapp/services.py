"""The app's long-lived collaborators, opened on first use and kept per app.

Opening lazily means the app starts even when the engine is down; a failed
open is not cached, so the app recovers by itself once the engine is back.
"""

from __future__ import annotations

import threading
from functools import cached_property

from flask import current_app

from common.authorities import Register
from common.store import DocumentStore, StoreError
from indexer.engines.base import EngineUnavailable
from indexer.themes import Taxonomy


class StoreUnavailable(RuntimeError):
    """The document store cannot be opened or read."""


class Services:
    def __init__(self, settings, *, searcher=None, store=None):
        self.settings = settings
        self._searcher = searcher
        self._store = store
        self._lock = threading.Lock()

    @property
    def searcher(self):
        if self._searcher is None:
            with self._lock:
                if self._searcher is None:
                    from indexer.search import Searcher

                    try:
                        self._searcher = Searcher.open(self.settings, self.taxonomy)
                    except EngineUnavailable:
                        raise
                    except Exception as exc:  # e.g. a client library refusing a bad URL
                        raise EngineUnavailable(f"the search engine cannot be opened: {exc}") from exc
        return self._searcher

    @property
    def store(self) -> DocumentStore:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    try:
                        self._store = DocumentStore.open(self.settings)
                    except StoreError as exc:
                        raise StoreUnavailable(str(exc)) from exc
        return self._store

    @cached_property
    def taxonomy(self) -> Taxonomy:
        return Taxonomy.load()

    @cached_property
    def register(self) -> Register:
        return Register.load()


def services() -> Services:
    return current_app.extensions["ofsted_findings"]
