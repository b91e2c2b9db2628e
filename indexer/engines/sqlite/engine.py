"""The embedded default engine: SQLite FTS5 over the stems of ``indexer.analysis``.

One file holds the paragraphs (with their facets as columns), their themes, an FTS5
table over the stems of each paragraph's heading, text and hyphenated compounds (themes
are filters and facets, never words to match), the vocabulary of surface words ("did
you mean") and the postings of every token (``postings``); its layout and writes are
``lifecycle``. A rebuild writes a new file and renames it over the old one, so searches
keep being served from the old index until the new one is complete; open engines notice
the new file, or a write to it, and read a new ``search.Reader``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import closing
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import orjson

from indexer.engines.base import (
    EngineUnavailable,
    IndexWriteError,
    SearchEngine,
    SearchRequest,
    SearchResponse,
    opening_snippet,
)
from indexer.engines.sqlite import lifecycle, similar
from indexer.engines.sqlite.lifecycle import OutdatedIndex
from indexer.engines.sqlite.search import RECENT_PHRASES, Reader, snapshot
from indexer.model import Paragraph
from indexer.query import ParsedQuery

SCAN_BATCH = 1000


class SqliteEngine(SearchEngine):
    name = "sqlite"

    def __init__(self, path: Path | str, *, recent_phrases: int = RECENT_PHRASES):
        """``recent_phrases``: how many words and phrases of recent searches to keep in
        memory (0: none, every search reads them afresh)."""
        self.path = Path(path)
        self.recent_phrases = recent_phrases
        self._local = threading.local()
        self._reader: Reader | None = None
        self._reader_lock = threading.Lock()

    # -- connections ---------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        # One connection per thread; reconnect when a rebuild has replaced the file.
        try:
            identity = os.stat(self.path).st_ino
        except OSError:  # missing, or a parent is not a folder: connect says why
            identity = None
        db = getattr(self._local, "db", None)
        if db is None or identity is None or self._local.identity != identity:
            if db is not None:
                db.close()
            db = lifecycle.connect(self.path)
            # The file seen before connecting names the reader: if a rebuild replaced it
            # in between, the next call sees a different file and reconnects.
            self._local.db, self._local.identity = db, identity or os.stat(self.path).st_ino
        return db

    def _reader_for(self, db: sqlite3.Connection, identity: int | None = None) -> Reader:
        """The reader of the file's current generation: the file (a rebuild makes a new
        one) and its write count (updates in place)."""
        counter = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
        generation = (self._local.identity if identity is None else identity), counter
        reader = self._reader
        if reader is None or reader.generation != generation:
            with self._reader_lock:  # one thread reads; the others wait for it
                reader = self._reader
                if reader is None or reader.generation != generation:
                    reader = self._reader = Reader(db, generation, self.recent_phrases)
        return reader

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- loading -------------------------------------------------------------
    def rebuild(self, paragraphs: Iterable[Paragraph]) -> int:
        count = lifecycle.rebuild(self.path, paragraphs)
        self.close()
        return count

    def remove_leftovers(self) -> None:
        """Delete what killed rebuilds left (the pipeline calls this before incremental runs too)."""
        lifecycle.remove_abandoned_builds(self.path)

    def replace_documents(self, document_ids: Iterable[str], paragraphs: Iterable[Paragraph]) -> int:
        return lifecycle.replace_documents(self._writable_db(), list(document_ids), paragraphs)

    def delete_documents(self, document_ids: Iterable[str]) -> None:
        lifecycle.remove_documents(self._writable_db(), list(document_ids))

    def _writable_db(self) -> sqlite3.Connection:
        try:
            return self._db()
        except OutdatedIndex as exc:
            raise IndexWriteError(f"{exc} before updating it") from exc

    # -- searching -----------------------------------------------------------
    def search(self, request: SearchRequest, query: ParsedQuery) -> SearchResponse:
        db = self._db()
        try:
            with snapshot(db):
                reader = self._reader_for(db)
                plan = reader.plan(db, query, request)
                facets = plan.facets() if request.facets else {}
                rowids, scores = plan.page(request.offset, request.limit)
                hits = reader.hits(db, plan, rowids, scores)
        except sqlite3.OperationalError as exc:
            raise EngineUnavailable(f"the search index could not be read: {exc}") from exc
        return SearchResponse(total=plan.total, hits=hits, facets=facets)

    def suggest(self, words) -> dict[str, str]:
        db = self._db()
        return self._reader_for(db).suggest(db, words)

    def scan(self, request: SearchRequest, query: ParsedQuery) -> Iterator[dict]:
        """Every hit in order, for exports: rows are read in batches, and each
        ``snippet`` is the escaped opening of the text (exports do not highlight),
        left out when the request wants no snippets."""
        for batch in self._scan(request, query):
            for score, data in batch:
                hit = orjson.loads(data)
                hit["score"] = round(score, 4)
                if request.snippets:
                    hit["snippet"] = opening_snippet(hit["text"])
                yield hit

    def scan_values(
        self, request: SearchRequest, query: ParsedQuery, fields: Sequence[str]
    ) -> Iterator[tuple]:
        for batch in self._scan(request, query):
            for _, data in batch:
                # None for a field the paragraph lacks, as the base engine gives
                yield tuple(map(orjson.loads(data).get, fields))

    def _scan(self, request: SearchRequest, query: ParsedQuery) -> Iterator[list[tuple]]:
        """Every hit in order, SCAN_BATCH at a time: (score, the paragraph as JSON)."""
        # A connection of its own: the caller may search while it writes the rows out.
        identity = os.stat(self.path).st_ino if self.path.exists() else None
        with closing(lifecycle.connect(self.path)) as db, snapshot(db):
            reader = self._reader_for(db, identity=identity or os.stat(self.path).st_ino)
            rowids, scores = reader.plan(db, query, request).page(0, None)
            for start in range(0, len(rowids), SCAN_BATCH):
                batch = rowids[start : start + SCAN_BATCH]
                found = dict(
                    db.execute(
                        f"SELECT rowid, data FROM paragraph_data WHERE rowid IN ({','.join('?' * len(batch))})",
                        batch,
                    )
                )
                yield list(zip(scores[start : start + SCAN_BATCH], map(found.__getitem__, batch)))

    def document_paragraphs(self, document_id: str) -> list[dict]:
        rows = self._db().execute(
            "SELECT d.data FROM paragraphs p JOIN paragraph_data d ON d.rowid = p.rowid "
            "WHERE p.document_id=? ORDER BY p.paragraph_number",
            (document_id,),
        )
        return [orjson.loads(r[0]) for r in rows]

    def paragraph(self, document_id: str, paragraph_number: int) -> dict | None:
        row = (
            self._db()
            .execute(
                "SELECT d.data FROM paragraphs p JOIN paragraph_data d ON d.rowid = p.rowid "
                "WHERE p.document_id = ? AND p.paragraph_number = ?",
                (document_id, paragraph_number),
            )
            .fetchone()
        )
        return orjson.loads(row[0]) if row else None

    def similar_candidates(self, source: dict, constraints, size: int) -> list[dict]:
        return similar.candidates(self, source, constraints, size)

    def document_ids(self) -> set[str]:
        return {r[0] for r in self._db().execute("SELECT DISTINCT document_id FROM paragraphs")}

    def stats(self) -> dict:
        n, docs = (
            self._db().execute("SELECT count(*), count(DISTINCT document_id) FROM paragraphs").fetchone()
        )
        return {"engine": self.name, "paragraphs": n, "documents": docs, "path": str(self.path)}

    def check(self) -> None:
        try:
            self._db().execute("SELECT 1 FROM paragraphs LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise EngineUnavailable(f"the search index at {self.path} cannot be read: {exc}") from exc
