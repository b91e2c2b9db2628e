"""The embedded default engine: SQLite FTS5 (porter + unicode61, bm25, snippets).

One file holds the paragraphs (with their facets as columns), their themes, and
an FTS5 table over section, text and themes. A rebuild writes a new file and
renames it over the old one, so searches keep being served from the old index
until the new one is complete; open engines notice the new file and reconnect.
"""
from __future__ import annotations

import html
import json
import os
import sqlite3
import threading
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Iterable, Iterator

from indexer.engines.base import (
    FACET_FIELDS, FACET_LIMIT, FACET_SIZES, FACETS, MARK_END, MARK_START, EngineUnavailable, IndexWriteError, SearchEngine,
    SearchRequest, SearchResponse, render_marked,
)
from indexer.model import Paragraph
from indexer.query import Clause, ParsedQuery, Term

SCHEMA = """
CREATE TABLE IF NOT EXISTS paragraphs (
    rowid INTEGER PRIMARY KEY,
    paragraph_id TEXT NOT NULL UNIQUE,
    document_id TEXT NOT NULL,
    paragraph_number INTEGER NOT NULL,
    authority TEXT, region TEXT, year TEXT, published TEXT,
    document_type TEXT, kind TEXT, stance TEXT, judgement TEXT
);
-- The full paragraph as JSON, apart so that the table above stays small for joins.
CREATE TABLE IF NOT EXISTS paragraph_data (
    rowid INTEGER PRIMARY KEY,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS paragraph_themes (
    rowid INTEGER NOT NULL,
    theme TEXT NOT NULL,
    PRIMARY KEY (theme, rowid)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    section, text, themes,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE INDEX IF NOT EXISTS paragraphs_document ON paragraphs(document_id, paragraph_number);
CREATE INDEX IF NOT EXISTS paragraphs_order ON paragraphs(published DESC, document_id, paragraph_number);
CREATE INDEX IF NOT EXISTS paragraph_themes_rowid ON paragraph_themes(rowid);
"""
# bm25 column weights: a match in a heading or a theme counts more than one in the body.
BM25 = "bm25(fts, 2.0, 1.0, 3.0)"
SNIPPET_TOKENS = 48
SCAN_BATCH = 500


def compile_match(clauses: list[Clause]) -> str:
    """ParsedQuery clauses -> an FTS5 MATCH expression. Every word is quoted,
    so nothing a user types can be read as FTS5 syntax."""
    return " AND ".join("(" + " OR ".join(_term(t) for t in c.alternatives) + ")" for c in clauses)


def _term(term: Term) -> str:
    phrase = '"' + " ".join(w.replace('"', "") for w in term.words) + '"'
    return phrase + ("*" if term.prefix else "")


class SqliteEngine(SearchEngine):
    name = "sqlite"

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._local = threading.local()

    # -- connections ---------------------------------------------------------
    def _connect(self, path: Path) -> sqlite3.Connection:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=30, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            return db
        except (OSError, sqlite3.Error) as exc:
            raise EngineUnavailable(f"the search index at {path} cannot be opened: {exc}") from exc

    def _db(self) -> sqlite3.Connection:
        # One connection per thread; reconnect when a rebuild has replaced the file.
        try:
            identity = os.stat(self.path).st_ino
        except OSError:  # missing, or a parent is not a folder: _connect says why
            identity = None
        db = getattr(self._local, "db", None)
        if db is None or identity is None or self._local.identity != identity:
            if db is not None:
                db.close()
            db = self._connect(self.path)
            self._local.db, self._local.identity = db, os.stat(self.path).st_ino
        return db

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- loading -------------------------------------------------------------
    def rebuild(self, paragraphs: Iterable[Paragraph]) -> int:
        building = self.path.with_name(f"{self.path.name}.building-{os.getpid()}")
        building.unlink(missing_ok=True)
        try:
            with closing(self._connect(building)) as db:
                db.execute("PRAGMA journal_mode=OFF")
                db.execute("PRAGMA synchronous=OFF")
                with db:
                    count = self._insert(db, paragraphs)
                    db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
                db.execute("PRAGMA journal_mode=WAL")
            # Drop the old index's WAL files first so they cannot be replayed onto the new one.
            for suffix in ("-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
            os.replace(building, self.path)
        except (OSError, sqlite3.Error) as exc:
            building.unlink(missing_ok=True)
            raise IndexWriteError(f"the search index could not be rebuilt: {exc}") from exc
        except BaseException:
            building.unlink(missing_ok=True)
            raise
        self.close()
        return count

    def replace_documents(self, document_ids: Iterable[str], paragraphs: Iterable[Paragraph]) -> int:
        db = self._db()
        try:
            with db:  # one transaction: on failure the old paragraphs stay
                self._delete(db, list(document_ids))
                return self._insert(db, paragraphs)
        except sqlite3.Error as exc:
            raise IndexWriteError(f"the search index could not be updated: {exc}") from exc

    def delete_documents(self, document_ids: Iterable[str]) -> None:
        db = self._db()
        try:
            with db:
                self._delete(db, list(document_ids))
        except sqlite3.Error as exc:
            raise IndexWriteError(f"the search index could not be updated: {exc}") from exc

    @staticmethod
    def _insert(db: sqlite3.Connection, paragraphs: Iterable[Paragraph]) -> int:
        count = 0
        for p in paragraphs:
            data = p.to_dict()
            cur = db.execute(
                "INSERT OR REPLACE INTO paragraphs (paragraph_id, document_id, paragraph_number,"
                " authority, region, year, published, document_type, kind, stance, judgement)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (p.paragraph_id, p.document_id, p.paragraph_number, p.authority, p.region, p.year,
                 p.published, p.document_type, p.kind, p.stance, p.judgement))
            rowid = cur.lastrowid
            db.execute("INSERT OR REPLACE INTO paragraph_data VALUES (?, ?)", (rowid, json.dumps(data)))
            db.execute("INSERT INTO fts (rowid, section, text, themes) VALUES (?,?,?,?)",
                       (rowid, p.section, _strip_markers(p.text),
                        " ".join(t.replace("-", " ") for t in p.themes)))
            db.executemany("INSERT OR IGNORE INTO paragraph_themes VALUES (?, ?)",
                           [(rowid, t) for t in p.themes])
            count += 1
        return count

    @staticmethod
    def _delete(db: sqlite3.Connection, document_ids: list[str]) -> None:
        for doc in document_ids:
            rowids = [r[0] for r in db.execute("SELECT rowid FROM paragraphs WHERE document_id=?", (doc,))]
            db.executemany("DELETE FROM fts WHERE rowid=?", [(r,) for r in rowids])
            db.executemany("DELETE FROM paragraph_themes WHERE rowid=?", [(r,) for r in rowids])
            db.executemany("DELETE FROM paragraph_data WHERE rowid=?", [(r,) for r in rowids])
            db.execute("DELETE FROM paragraphs WHERE document_id=?", (doc,))

    # -- searching -----------------------------------------------------------
    # Every search first puts the rowids that match its words into a temporary table
    # (one full-text pass); counts, facets and the page are then plain joins on the
    # compact ``paragraphs`` table, and only the page's rows are read in full and
    # given snippets.
    def search(self, request: SearchRequest, query: ParsedQuery) -> SearchResponse:
        db = self._db()
        try:
            plan = _Plan(db, query, request)
            facets, total = self._facets(db, plan) if request.facets else ({}, plan.count())
            rowids = plan.page(request.limit, request.offset)
            hits = self._hits(db, plan, rowids)
        except sqlite3.OperationalError as exc:
            raise EngineUnavailable(f"the search index could not be read: {exc}") from exc
        return SearchResponse(total=total, hits=hits, facets=facets)

    def _facets(self, db, plan: "_Plan") -> tuple[dict, int]:
        # A facet's counts ignore that facet's own filter, so its values combine with OR.
        # Facets without a filter of their own share one grouped pass over the matches.
        shared = [f for f in FACETS if f != "theme" and f not in plan.filters]
        counters: dict[str, Counter] = {f: Counter() for f in FACETS}
        total = 0
        if shared:
            columns = ", ".join(f"p.{FACET_FIELDS[f]}" for f in shared)
            for row in db.execute(f"SELECT {columns}, count(*) {plan.source()} GROUP BY {columns}",
                                  plan.args()):
                n = row[-1]
                total += n
                for facet, value in zip(shared, row):
                    if value:
                        counters[facet][value] += n
        for facet in FACETS:
            if facet in shared:
                continue
            if facet == "theme":
                sql = (f"SELECT t.theme, count(*) {plan.source(skip='theme', join_themes=True)} "
                       "GROUP BY t.theme")
            else:
                col = f"p.{FACET_FIELDS[facet]}"
                sql = f"SELECT {col}, count(*) {plan.source(skip=facet)} GROUP BY {col}"
            for value, n in db.execute(sql, plan.args(skip=facet)):
                if value:
                    counters[facet][value] += n
        if not shared:
            total = plan.count()
        facets = {f: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZES.get(f, FACET_LIMIT)]
                  for f, c in counters.items()}
        return facets, total

    def _hits(self, db, plan: "_Plan", rowids: list[tuple[int, float]]) -> list[dict]:
        if not rowids:
            return []
        ids = [r for r, _ in rowids]
        marks = ",".join("?" * len(ids))
        data = dict(db.execute(f"SELECT rowid, data FROM paragraph_data WHERE rowid IN ({marks})", ids))
        snippets = {}
        if plan.positive:
            snippets = dict(db.execute(
                f"SELECT rowid, snippet(fts, 1, '{MARK_START}', '{MARK_END}', '…', {SNIPPET_TOKENS}) "
                f"FROM fts WHERE fts MATCH ? AND rowid IN ({marks})", [plan.positive, *ids]))
        hits = []
        for rowid, score in rowids:
            hit = json.loads(data[rowid])
            hit["score"] = round(float(score), 4)
            snip = snippets.get(rowid)
            hit["snippet"] = render_marked(snip if snip is not None else _shorten(_strip_markers(hit["text"])))
            hits.append(hit)
        return hits

    def scan(self, request: SearchRequest, query: ParsedQuery) -> Iterator[dict]:
        """Every hit in order, for exports: rows are read in batches, and each
        ``snippet`` is the escaped opening of the text (exports do not highlight)."""
        # A connection of its own: the caller may search while it writes the rows out.
        with closing(self._connect(self.path)) as db:
            plan = _Plan(db, query, request)
            rowids = plan.page(None, 0)
            for start in range(0, len(rowids), SCAN_BATCH):
                batch = rowids[start:start + SCAN_BATCH]
                ids = [r for r, _ in batch]
                data = dict(db.execute(
                    f"SELECT rowid, data FROM paragraph_data WHERE rowid IN ({','.join('?' * len(ids))})", ids))
                for rowid, score in batch:
                    hit = json.loads(data[rowid])
                    hit["score"] = round(float(score), 4)
                    hit["snippet"] = html.escape(_shorten(_strip_markers(hit["text"])), quote=False)
                    yield hit

    def document_paragraphs(self, document_id: str) -> list[dict]:
        rows = self._db().execute(
            "SELECT d.data FROM paragraphs p JOIN paragraph_data d ON d.rowid = p.rowid "
            "WHERE p.document_id=? ORDER BY p.paragraph_number", (document_id,))
        return [json.loads(r[0]) for r in rows]

    def document_ids(self) -> set[str]:
        return {r[0] for r in self._db().execute("SELECT DISTINCT document_id FROM paragraphs")}

    def stats(self) -> dict:
        n, docs = self._db().execute(
            "SELECT count(*), count(DISTINCT document_id) FROM paragraphs").fetchone()
        return {"engine": self.name, "paragraphs": n, "documents": docs, "path": str(self.path)}

    def check(self) -> None:
        try:
            self._db().execute("SELECT 1 FROM paragraphs LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise EngineUnavailable(f"the search index at {self.path} cannot be read: {exc}") from exc


class _Plan:
    """One search's SQL. Its matches (words, less exclusions) are first put in the
    connection's temporary table ``matched``; with no words, all paragraphs match."""

    def __init__(self, db: sqlite3.Connection, query: ParsedQuery, request: SearchRequest):
        self.db, self.request = db, request
        self.positive = compile_match(query.positive) if query.positive else None
        # A paragraph is excluded when it matches any negated word or phrase.
        negative = " OR ".join(_term(t) for c in query.negative for t in c.alternatives) or None
        self.filters = request.filters
        self.uses_matches = bool(self.positive or negative)
        if self.uses_matches:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS matched (rowid INTEGER PRIMARY KEY)")
            db.execute("DELETE FROM matched")
            if self.positive:
                db.execute("INSERT INTO matched SELECT rowid FROM fts WHERE fts MATCH ?", (self.positive,))
            else:
                db.execute("INSERT INTO matched SELECT rowid FROM paragraphs")
            if negative:
                db.execute("DELETE FROM matched WHERE rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)",
                           (negative,))

    def _where(self, skip: str | None) -> str:
        where = []
        for facet, values in self.filters.items():
            if facet == skip:
                continue
            marks = ",".join("?" * len(values))
            if facet == "theme":
                where.append(f"p.rowid IN (SELECT rowid FROM paragraph_themes WHERE theme IN ({marks}))")
            else:
                where.append(f"p.{FACET_FIELDS[facet]} IN ({marks})")
        return " WHERE " + " AND ".join(where) if where else ""

    def source(self, skip: str | None = None, join_themes: bool = False) -> str:
        # CROSS JOIN keeps SQLite's planner from probing the small side row by row.
        sql = ("FROM matched h CROSS JOIN paragraphs p ON p.rowid = h.rowid" if self.uses_matches
               else "FROM paragraphs p")
        if join_themes:
            sql += " CROSS JOIN paragraph_themes t ON t.rowid = p.rowid"
        return sql + self._where(skip)

    def args(self, skip: str | None = None) -> list:
        return [v for facet, values in self.filters.items() if facet != skip for v in values]

    def count(self) -> int:
        return self.db.execute(f"SELECT count(*) {self.source()}", self.args()).fetchone()[0]

    def page(self, limit: int | None, offset: int) -> list[tuple[int, float]]:
        """(rowid, score) of the requested slice, in order; ``limit=None`` for all."""
        window = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
        by_date = "p.published DESC, p.document_id, p.paragraph_number"
        if self.positive and self.request.sort == "relevance":
            # The full-text match drives the loop (CROSS JOIN); the rowid test against
            # ``matched`` (exclusions) is on the paragraphs side: put on fts, SQLite
            # would rerun the whole match once per rowid.
            where = self._where(None)
            where = (where + " AND " if where else " WHERE ") + \
                "fts MATCH ? AND p.rowid IN (SELECT rowid FROM matched)"
            sql = (f"SELECT fts.rowid, -{BM25} AS score FROM fts CROSS JOIN paragraphs p "
                   f"ON p.rowid = fts.rowid{where} ORDER BY {BM25}, {by_date}{window}")
            return self.db.execute(sql, [*self.args(), self.positive]).fetchall()
        sql = f"SELECT p.rowid, 0.0 {self.source()} ORDER BY {by_date}{window}"
        return self.db.execute(sql, self.args()).fetchall()


def _strip_markers(text: str) -> str:
    # A document's own marker characters must not come out of snippet() as <mark>.
    return text.replace(MARK_START, " ").replace(MARK_END, " ")


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"
