"""The Elasticsearch engine: ``engine`` the SearchEngine, ``query`` the compilation of
parsed queries into request bodies, ``lifecycle`` the versioned index behind an alias
(settings and mappings in ``schema/``), ``documents`` paragraphs in and out, ``client``
the connection and its failures."""

from __future__ import annotations

from indexer.engines.elasticsearch.client import FastJsonSerializer
from indexer.engines.elasticsearch.documents import DERIVED_FIELDS, to_document
from indexer.engines.elasticsearch.engine import ElasticsearchEngine
from indexer.engines.elasticsearch.lifecycle import (
    BULK_CHUNK,
    SCHEMA_VERSION,
    BulkLoadError,
    index_mappings,
    index_settings,
)

__all__ = [
    "BULK_CHUNK",
    "DERIVED_FIELDS",
    "SCHEMA_VERSION",
    "BulkLoadError",
    "ElasticsearchEngine",
    "FastJsonSerializer",
    "index_mappings",
    "index_settings",
    "to_document",
]
