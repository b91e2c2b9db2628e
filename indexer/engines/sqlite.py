"""The embedded default engine: SQLite FTS5 (porter + unicode61, bm25, snippets).

One file holds the paragraphs (with their facets as columns), their themes, and
an FTS5 table over section, text and themes. A rebuild writes a new file and
renames it over the old one, so searches keep being served from the old index
until the new one is complete; open engines notice the new file and reconnect.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
from contextlib import closing
from pathlib import Path
from typing import Iterable, Iterator

from indexer.engines.base import (
    FACET_FIELDS, FACETS, MARK_END, MARK_START, EngineUnavailable, IndexWriteError, SearchEngine,
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
    document_type TEXT, kind TEXT, stance TEXT,
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
CREATE INDEX IF NOT EXISTS paragraphs_published ON paragraphs(published);
CREATE INDEX IF NOT EXISTS paragraph_themes_rowid ON paragraph_themes(rowid);
"""
# bm25 column weights: a match in a heading or a theme counts more than one in the body.
BM25 = "bm25(fts, 2.0, 1.0, 3.0)"
SNIPPET_TOKENS = 48
FACET_LIMIT = 50


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
                " authority, region, year, published, document_type, kind, stance, data)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (p.paragraph_id, p.document_id, p.paragraph_number, p.authority, p.region, p.year,
                 p.published, p.document_type, p.kind, p.stance, json.dumps(data)))
            rowid = cur.lastrowid
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
            db.execute("DELETE FROM paragraphs WHERE document_id=?", (doc,))

    # -- searching -----------------------------------------------------------
    def search(self, request: SearchRequest, query: ParsedQuery) -> SearchResponse:
        db = self._db()
        plan = _Plan(query, request)
        try:
            total = db.execute(f"SELECT count(*) {plan.from_where()}", plan.args()).fetchone()[0]
            rows = db.execute(
                f"SELECT {plan.columns()} {plan.from_where()} {plan.order()} LIMIT ? OFFSET ?",
                [*plan.args(), request.limit, request.offset]).fetchall()
            facets = self._facets(db, query, request) if request.facets else {}
        except sqlite3.OperationalError as exc:
            raise EngineUnavailable(f"the search index could not be read: {exc}") from exc
        return SearchResponse(total=total, hits=[plan.hit(row) for row in rows], facets=facets)

    def _facets(self, db, query: ParsedQuery, request: SearchRequest) -> dict:
        # Counts for one facet ignore that facet's own filter, so its values combine with OR.
        facets = {}
        for facet in FACETS:
            plan = _Plan(query, request, skip_filter=facet)
            if facet == "theme":
                sql = (f"SELECT t.theme, count(*) {plan.from_where(join_themes=True)} "
                       f"GROUP BY t.theme ORDER BY count(*) DESC, t.theme LIMIT {FACET_LIMIT}")
            else:
                col = f"p.{FACET_FIELDS[facet]}"
                sql = (f"SELECT {col}, count(*) {plan.from_where()} AND coalesce({col}, '') != '' "
                       f"GROUP BY {col} ORDER BY count(*) DESC, {col} LIMIT {FACET_LIMIT}")
            facets[facet] = [(value, n) for value, n in db.execute(sql, plan.args())]
        return facets

    def scan(self, request: SearchRequest, query: ParsedQuery) -> Iterator[dict]:
        plan = _Plan(query, request)
        # A connection of its own: the cursor streams rows while the caller writes them out.
        with closing(self._connect(self.path)) as db:
            cursor = db.execute(f"SELECT {plan.columns()} {plan.from_where()} {plan.order()}", plan.args())
            for row in cursor:
                yield plan.hit(row)

    def document_paragraphs(self, document_id: str) -> list[dict]:
        rows = self._db().execute(
            "SELECT data FROM paragraphs WHERE document_id=? ORDER BY paragraph_number", (document_id,))
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
    """The SQL for one search: what matches, how it is filtered and ordered."""

    def __init__(self, query: ParsedQuery, request: SearchRequest, skip_filter: str | None = None):
        self.request = request
        self.positive = compile_match(query.positive) if query.positive else None
        # A paragraph is excluded when it matches any negated word or phrase.
        self.negative = " OR ".join(
            _term(t) for c in query.negative for t in c.alternatives) or None
        self.filters = {k: v for k, v in request.filters.items() if k != skip_filter}

    def from_where(self, join_themes: bool = False) -> str:
        if self.positive:
            sql = "FROM fts JOIN paragraphs p ON p.rowid = fts.rowid"
        else:
            sql = "FROM paragraphs p"
        if join_themes:
            sql += " JOIN paragraph_themes t ON t.rowid = p.rowid"
        where = []
        if self.positive:
            where.append("fts MATCH ?")
        if self.negative:
            where.append("p.rowid NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
        for facet, values in self.filters.items():
            marks = ",".join("?" * len(values))
            if facet == "theme":
                where.append(f"p.rowid IN (SELECT rowid FROM paragraph_themes WHERE theme IN ({marks}))")
            else:
                where.append(f"p.{FACET_FIELDS[facet]} IN ({marks})")
        return sql + " WHERE " + (" AND ".join(where) or "1=1")

    def args(self) -> list:
        args = [self.positive] if self.positive else []
        if self.negative:
            args.append(self.negative)
        for values in self.filters.values():
            args.extend(values)
        return args

    def columns(self) -> str:
        if self.positive:
            return (f"p.data, -{BM25} AS score, "
                    f"snippet(fts, 1, '{MARK_START}', '{MARK_END}', '…', {SNIPPET_TOKENS}) AS snip")
        return "p.data, 0.0 AS score, NULL AS snip"

    def order(self) -> str:
        by_date = "p.published DESC, p.document_id, p.paragraph_number"
        if self.request.sort == "date" or not self.positive:
            return f"ORDER BY {by_date}"
        return f"ORDER BY {BM25}, {by_date}"

    @staticmethod
    def hit(row) -> dict:
        data, score, snip = row
        hit = json.loads(data)
        hit["score"] = round(float(score), 4)
        hit["snippet"] = render_marked(snip if snip is not None else _shorten(_strip_markers(hit["text"])))
        return hit


def _strip_markers(text: str) -> str:
    # A document's own marker characters must not come out of snippet() as <mark>.
    return text.replace(MARK_START, " ").replace(MARK_END, " ")


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"
