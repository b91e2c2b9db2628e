"""Versioned Elasticsearch index configuration (settings with analyzers, and mappings).

Bump SCHEMA_VERSION in indexer/engines/elasticsearch.py and add new files when a
mapping or analyzer changes: a rebuild then writes a fresh index with them.
"""
