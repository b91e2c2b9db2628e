"""Search engines behind one interface (see base.py); ``open_engine`` picks one from settings."""

from __future__ import annotations

from indexer.engines.base import (
    EngineError,
    EngineUnavailable,
    IndexWriteError,
    SearchEngine,
    SearchRequest,
    SearchResponse,
)

__all__ = [
    "EngineError",
    "EngineUnavailable",
    "IndexWriteError",
    "SearchEngine",
    "SearchRequest",
    "SearchResponse",
    "open_engine",
]


def open_engine(settings) -> SearchEngine:
    if settings.engine == "elasticsearch":
        from indexer.engines.elasticsearch import ElasticsearchEngine

        return ElasticsearchEngine(settings.es_url, settings.es_index)
    from indexer.engines.sqlite import SqliteEngine

    return SqliteEngine(settings.sqlite_index_path)
