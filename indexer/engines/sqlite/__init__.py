"""The embedded default engine (SQLite FTS5): ``engine`` the SearchEngine, ``query`` the
compilation of parsed queries into FTS5 expressions, ``search`` the reader that ranks and
counts facets, ``lifecycle`` the file's layout and writes, with ``columns`` and
``postings`` the arrays searches read."""

from __future__ import annotations

from indexer.engines.sqlite.engine import SqliteEngine
from indexer.engines.sqlite.lifecycle import SCHEMA_VERSION, OutdatedIndex
from indexer.engines.sqlite.query import compile_match

__all__ = ["SCHEMA_VERSION", "OutdatedIndex", "SqliteEngine", "compile_match"]
