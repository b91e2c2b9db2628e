"""The embedded default engine: SQLite FTS5 over the stems of ``indexer.analysis``.

One file holds the paragraphs (with their facets as columns), their themes, an
FTS5 table over the stems of each paragraph's heading, text and hyphenated compounds
(themes are filters and facets, never words to match), the vocabulary of surface words
("did you mean"), the postings of every token
(``sqlite_postings``) and each paragraph's line of export CSV, ready-quoted. A rebuild writes a new file and renames it over the old one,
so searches keep being served from the old index until the new one is complete;
open engines notice the new file and reconnect.

A search asks FTS5 only what needs positions: which paragraphs hold a phrase of
several words or a prefix, and which hold the typed words close together. Single words
come from the postings; the bm25 scores (FTS5's formula, each term weighted: typed
words over synonyms), minimum_should_match, facet counts, filters, totals and both
orders are computed with numpy over the postings and the facet columns held in memory
(``sqlite_columns.Columns``). Snippets and match reasons are made from the page's hits
by ``indexer.explain``, as for every engine.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections import Counter, OrderedDict
from contextlib import closing, contextmanager
from operator import itemgetter
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np
import orjson
from rapidfuzz import process
from rapidfuzz.distance import OSA

from common.lifetime import pause_point, pid_alive
from indexer.analysis import analyse, compounds, index_form, vocabulary
from indexer.engines import sqlite_postings as postings
from indexer.engines.base import (
    NEAR_BONUS,
    THEME_BONUS,
    EngineUnavailable,
    IndexWriteError,
    SearchEngine,
    SearchRequest,
    SearchResponse,
    annotate,
    opening_snippet,
)
from indexer.engines.sqlite_columns import Columns
from indexer.model import Paragraph
from indexer.prior import paragraph_prior
from indexer.query import Clause, ParsedQuery, Term
from ofsted_findings.export_format import csv_fragments, splice_csv

# Bumped when the file's layout changes: an older file must be rebuilt, not misread.
# 5: export columns document_id, document_title, judgement(s), responds_to (paragraph_csv);
# 6: stems from indexer.analysis, the vocabulary, each paragraph's prior.
SCHEMA_VERSION = 6
SCHEMA = (
    """
-- AUTOINCREMENT: a deleted paragraph's rowid is never given to a new one, so stale
-- postings (sqlite_postings) can never be read as another paragraph's.
CREATE TABLE IF NOT EXISTS paragraphs (
    rowid INTEGER PRIMARY KEY AUTOINCREMENT,
    paragraph_id TEXT NOT NULL UNIQUE,
    document_id TEXT NOT NULL,
    paragraph_number INTEGER NOT NULL,
    authority TEXT, region TEXT, year TEXT, published TEXT,
    document_type TEXT, kind TEXT, stance TEXT, judgement TEXT,
    tokens INTEGER NOT NULL DEFAULT 0,  -- tokens in section, text and compounds: bm25's length
    prior REAL NOT NULL DEFAULT 1       -- indexer.prior: what the paragraph is worth as a result
);
-- The full paragraph as JSON, apart so that the table above stays small for joins.
CREATE TABLE IF NOT EXISTS paragraph_data (
    rowid INTEGER PRIMARY KEY,
    data TEXT NOT NULL
);
-- Each paragraph's line of export CSV, ready-quoted but for the site's base URL
-- (ofsted_findings.export_format.csv_fragments): an export copies these bytes.
CREATE TABLE IF NOT EXISTS paragraph_csv (
    rowid INTEGER PRIMARY KEY,
    head BLOB NOT NULL, path BLOB NOT NULL, citation BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS paragraph_themes (
    rowid INTEGER NOT NULL,
    theme TEXT NOT NULL,
    PRIMARY KEY (theme, rowid)
) WITHOUT ROWID;
-- Stems (indexer.analysis.index_form), so FTS5's tokenizer only splits on spaces.
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    section, text, compounds,
    tokenize = 'unicode61'
);
-- Surface words and how many paragraphs hold each: "did you mean" suggests from these.
CREATE TABLE IF NOT EXISTS vocabulary (word TEXT PRIMARY KEY, paragraphs INTEGER NOT NULL) WITHOUT ROWID;
-- generation: bumped by every write, so each process knows when to reload its columns.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('generation', 0);
-- The facet columns as numpy arrays (sqlite_columns.Columns), written with each write.
CREATE TABLE IF NOT EXISTS facet_columns (generation INTEGER NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS paragraphs_document ON paragraphs(document_id, paragraph_number);
CREATE INDEX IF NOT EXISTS paragraphs_order ON paragraphs(published DESC, document_id, paragraph_number);
CREATE INDEX IF NOT EXISTS paragraph_themes_rowid ON paragraph_themes(rowid);
"""
    + postings.SCHEMA
)
SCAN_BATCH = 1000
# Phrases (their rows and counts) kept per process from recent searches: ticking a
# facet or turning a page reuses them.
MATCH_CACHE_SIZE = 64
# Paragraphs holding the typed words within this many tokens of each other score more
# (FTS5's NEAR; base.NEAR_BONUS): a ranking signal, never a condition.
NEAR_TOKENS = 8
# "Did you mean": at most this many edits (insert, delete, substitute, swap), fewer for short words.
MAX_EDITS = 2


def compile_match(clauses: list[Clause]) -> str:
    """ParsedQuery clauses -> an FTS5 MATCH expression (all clauses required). Every
    stem is quoted, so nothing a user types can be read as FTS5 syntax."""
    return " AND ".join("(" + " OR ".join(_term(t) for t in c.alternatives) + ")" for c in clauses)


def _term(term: Term) -> str:
    return _phrase_expression(term.stems) + ("*" if term.prefix else "")


def _phrase_expression(stems: tuple[str, ...]) -> str:
    return '"' + " ".join(w.replace('"', "") for w in stems) + '"'


def _near(phrases: list[tuple[str, ...]]) -> str:
    return f"NEAR({' '.join(_phrase_expression(p) for p in phrases)}, {NEAR_TOKENS})"


def _remove_abandoned_builds(path: Path) -> None:
    """Delete the half-built index files of rebuilds that were killed (their pid is gone)."""
    for leftover in path.parent.glob(f"{path.name}.building-*"):
        pid = leftover.name.rsplit(".building-", 1)[1].split("-", 1)[0]
        if not (pid.isdigit() and pid_alive(int(pid))):
            leftover.unlink(missing_ok=True)


def _checkpoint(path: Path) -> None:
    """Fold the index's WAL into the file and empty it (best effort: readers may keep part)."""
    if not Path(str(path) + "-wal").exists():
        return
    try:
        with closing(sqlite3.connect(path, timeout=5)) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error:
        pass


class OutdatedIndex(EngineUnavailable):
    """The index file was written by an older version and must be rebuilt."""


class SqliteEngine(SearchEngine):
    name = "sqlite"

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._local = threading.local()
        self._columns: Columns | None = None
        self._columns_lock = threading.Lock()
        self._matches: OrderedDict = OrderedDict()
        self._matches_lock = threading.Lock()
        self._vocabulary: tuple | None = None  # (generation, words, paragraphs per word)

    # -- connections ---------------------------------------------------------
    def _connect(self, path: Path) -> sqlite3.Connection:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=30, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            exists = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'paragraphs'").fetchone()
            if exists and version != SCHEMA_VERSION:
                db.close()
                raise OutdatedIndex(
                    f"the search index at {path} was built by an older version of ofsted-findings "
                    f"(layout {version}, this version reads {SCHEMA_VERSION}): rebuild it with "
                    "`ofsted-findings index`"
                )
            db.executescript(SCHEMA)
            if not exists:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
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
            # The file seen before connecting names the cache of facet columns: if a rebuild
            # replaced it in between, the next call sees a different file and reconnects.
            self._local.db, self._local.identity = db, identity or os.stat(self.path).st_ino
        return db

    def _generation(self, db: sqlite3.Connection, identity: int | None = None) -> tuple:
        # The file (a rebuild makes a new one) and its write count (updates in place).
        counter = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
        return (self._local.identity if identity is None else identity), counter

    def _columns_for(self, db: sqlite3.Connection, generation: tuple) -> Columns:
        columns = self._columns
        if columns is None or columns.generation != generation:
            with self._columns_lock:  # one thread loads; the others wait for it
                columns = self._columns
                if columns is None or columns.generation != generation:
                    columns = self._columns = Columns.read(db, generation)
        return columns

    def clear_cache(self) -> None:
        """Forget the cached matches (benchmarks measure searches from cold)."""
        with self._matches_lock:
            self._matches.clear()

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- loading -------------------------------------------------------------
    def rebuild(self, paragraphs: Iterable[Paragraph]) -> int:
        building = self.path.with_name(f"{self.path.name}.building-{os.getpid()}")
        building.unlink(missing_ok=True)
        self.remove_leftovers()
        try:
            with closing(self._connect(building)) as db:
                db.execute("PRAGMA journal_mode=OFF")
                db.execute("PRAGMA synchronous=OFF")
                with db:
                    count = len(self._insert(db, paragraphs))
                    db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
                    _written(db, added=None)
                db.execute("PRAGMA journal_mode=WAL")
            pause_point("sqlite-swap")
            # Drop the old index's WAL files first so they cannot be replayed onto the new one;
            # checkpointed first, so a kill between the two steps loses nothing of the old one.
            _checkpoint(self.path)
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

    def remove_leftovers(self) -> None:
        """Delete what killed rebuilds left (the pipeline calls this before incremental runs too)."""
        _remove_abandoned_builds(self.path)

    def replace_documents(self, document_ids: Iterable[str], paragraphs: Iterable[Paragraph]) -> int:
        db = self._writable_db()
        try:
            with db:  # one transaction: on failure the old paragraphs stay
                self._delete(db, list(document_ids))
                added = self._insert(db, paragraphs)
                _written(db, added)
                return len(added)
        except sqlite3.Error as exc:
            raise IndexWriteError(f"the search index could not be updated: {exc}") from exc

    def delete_documents(self, document_ids: Iterable[str]) -> None:
        db = self._writable_db()
        try:
            with db:
                self._delete(db, list(document_ids))
                _written(db, [])
        except sqlite3.Error as exc:
            raise IndexWriteError(f"the search index could not be updated: {exc}") from exc

    def _writable_db(self) -> sqlite3.Connection:
        try:
            return self._db()
        except OutdatedIndex as exc:
            raise IndexWriteError(f"{exc} before updating it") from exc

    @staticmethod
    def _insert(db: sqlite3.Connection, paragraphs: Iterable[Paragraph]) -> list[int]:
        """Insert the paragraphs; their rowids. The caller then closes the write (``_written``)."""
        added = []
        words: Counter = Counter()
        for p in paragraphs:
            data = p.to_dict()
            text = analyse(p.text or "")
            # A paragraph id loaded twice replaces the earlier row and everything hung on it.
            old = db.execute(
                "SELECT rowid FROM paragraphs WHERE paragraph_id = ?", (p.paragraph_id,)
            ).fetchone()
            if old:
                _delete_rows(db, [old[0]])
            cur = db.execute(
                "INSERT INTO paragraphs (paragraph_id, document_id, paragraph_number,"
                " authority, region, year, published, document_type, kind, stance, judgement, prior)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    p.paragraph_id,
                    p.document_id,
                    p.paragraph_number,
                    p.authority,
                    p.region,
                    p.year,
                    p.published,
                    p.document_type,
                    p.kind,
                    p.stance,
                    p.judgement,
                    paragraph_prior(p.text, text.count),
                ),
            )
            rowid = cur.lastrowid
            db.execute("INSERT INTO paragraph_data VALUES (?, ?)", (rowid, json.dumps(data)))
            db.execute("INSERT INTO paragraph_csv VALUES (?, ?, ?, ?)", (rowid, *csv_fragments(data)))
            db.execute(
                "INSERT INTO fts (rowid, section, text, compounds) VALUES (?,?,?,?)",
                (rowid, index_form(p.section), text.stems, compounds(f"{p.section}\n{p.text}")),
            )
            words.update(set(text.words))
            db.executemany(
                "INSERT OR IGNORE INTO paragraph_themes VALUES (?, ?)", [(rowid, t) for t in p.themes]
            )
            added.append(rowid)
        _count_words(db, words, +1)
        return added

    @staticmethod
    def _delete(db: sqlite3.Connection, document_ids: list[str]) -> None:
        for doc in document_ids:
            _delete_rows(
                db, [r[0] for r in db.execute("SELECT rowid FROM paragraphs WHERE document_id=?", (doc,))]
            )

    # -- searching -----------------------------------------------------------
    def search(self, request: SearchRequest, query: ParsedQuery) -> SearchResponse:
        db = self._db()
        try:
            with _snapshot(db):
                plan = _Plan(self, db, query, request)
                facets = plan.facets() if request.facets else {}
                rowids, scores = plan.page(request.offset, request.limit)
                hits = self._hits(db, plan, rowids, scores)
        except sqlite3.OperationalError as exc:
            raise EngineUnavailable(f"the search index could not be read: {exc}") from exc
        return SearchResponse(total=plan.total, hits=hits, facets=facets)

    def _phrase(self, db: sqlite3.Connection, columns: Columns, term: Term) -> "_Phrase":
        """The paragraphs holding a word or phrase, with its weighted count in each
        (cached per index generation: ticking a facet or turning a page reuses it)."""
        key = (columns.generation, term.words, term.prefix)
        with self._matches_lock:
            found = self._matches.get(key)
            if found is not None:
                self._matches.move_to_end(key)
                return found
        found = _Phrase.find(db, columns, term)
        with self._matches_lock:
            self._matches[key] = found
            while len(self._matches) > MATCH_CACHE_SIZE:
                self._matches.popitem(last=False)
        return found

    def _hits(self, db, plan: "_Plan", rowids: list[int], scores: list[float]) -> list[dict]:
        if not rowids:
            return []
        marks = ",".join("?" * len(rowids))
        data = {
            r: orjson.loads(d)
            for r, d in db.execute(f"SELECT rowid, data FROM paragraph_data WHERE rowid IN ({marks})", rowids)
        }
        hits = []
        for rowid, score in zip(rowids, scores):
            hit = data[rowid]
            hit["score"] = round(float(score), 4)
            hits.append(annotate(hit, plan.query, plan.request.snippets))
        return hits

    def suggest(self, words) -> dict[str, str]:
        known, listed, counts = self._words()
        out = {}
        for word in dict.fromkeys(words):
            if not word or not word.isalpha() or word in known:
                continue
            edits = 1 if len(word) <= 4 else MAX_EDITS
            close = process.extract(word, listed, scorer=OSA.distance, score_cutoff=edits, limit=None)
            if close:
                # Fewest edits, then the word most paragraphs hold, then alphabetical.
                best = min(close, key=lambda found: (found[1], -counts[found[2]], found[0]))
                out[word] = best[0]
        return out

    def _words(self) -> tuple[frozenset, list[str], list[int]]:
        """The vocabulary (a set, a list, and each word's paragraph count), read once per
        index generation."""
        db = self._db()
        generation = self._generation(db)
        cached = self._vocabulary
        if cached is None or cached[0] != generation:
            rows = db.execute("SELECT word, paragraphs FROM vocabulary WHERE paragraphs > 0").fetchall()
            listed = [w for w, _ in rows]
            cached = self._vocabulary = (generation, frozenset(listed), listed, [n for _, n in rows])
        return cached[1], cached[2], cached[3]

    def scan(self, request: SearchRequest, query: ParsedQuery) -> Iterator[dict]:
        """Every hit in order, for exports: rows are read in batches, and each
        ``snippet`` is the escaped opening of the text (exports do not highlight),
        left out when the request wants no snippets."""
        for batch in self._scan(request, query, "SELECT rowid, data FROM paragraph_data"):
            for score, (data,) in batch:
                hit = orjson.loads(data)
                hit["score"] = round(score, 4)
                if request.snippets:
                    hit["snippet"] = opening_snippet(hit["text"])
                yield hit

    def scan_values(
        self, request: SearchRequest, query: ParsedQuery, fields: Sequence[str]
    ) -> Iterator[tuple]:
        pick = itemgetter(*fields)
        if len(fields) == 1:  # itemgetter of one name gives the value, not a tuple
            pick = lambda hit, one=pick: (one(hit),)  # noqa: E731
        for batch in self._scan(request, query, "SELECT rowid, data FROM paragraph_data"):
            for _, (data,) in batch:
                hit = orjson.loads(data)
                try:
                    yield pick(hit)
                except KeyError:  # a field the paragraph lacks: None, as the base engine gives
                    yield tuple(hit.get(name) for name in fields)

    def scan_csv(self, request: SearchRequest, query: ParsedQuery, base_url: str) -> Iterator[bytes]:
        for batch in self._scan(request, query, "SELECT rowid, head, path, citation FROM paragraph_csv"):
            yield splice_csv([fragments for _, fragments in batch], base_url)

    def _scan(self, request: SearchRequest, query: ParsedQuery, select: str) -> Iterator[list[tuple]]:
        """Every hit in order, SCAN_BATCH at a time: (score, columns) from ``select``,
        a query of the rowid and columns of one table."""
        # A connection of its own: the caller may search while it writes the rows out.
        identity = os.stat(self.path).st_ino if self.path.exists() else None
        with closing(self._connect(self.path)) as db, _snapshot(db):
            plan = _Plan(self, db, query, request, identity=identity or os.stat(self.path).st_ino)
            rowids, scores = plan.page(0, None)
            for start in range(0, len(rowids), SCAN_BATCH):
                batch = rowids[start : start + SCAN_BATCH]
                found = {
                    row[0]: row[1:]
                    for row in db.execute(f"{select} WHERE rowid IN ({','.join('?' * len(batch))})", batch)
                }
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
        from indexer.engines import sqlite_similar

        return sqlite_similar.candidates(self, source, constraints, size)

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


class _Phrase:
    """One word, phrase or prefix of a query: the existing paragraphs holding it
    (sorted rowids) and its weighted count in each, as bm25 needs them."""

    def __init__(self, rows: np.ndarray, counts: np.ndarray):
        self.rows, self.counts = rows, counts

    @classmethod
    def find(cls, db: sqlite3.Connection, columns: Columns, term: Term) -> "_Phrase":
        tokens = [t for t in term.stems if t]
        if len(tokens) == 1 and not term.prefix:
            rows, counts = postings.term_postings(db, tokens[0])
            keep = rows < len(columns.present)
            keep[keep] = columns.present[rows[keep]]
            return cls(rows[keep], counts[keep].astype(np.float64))
        # Phrases and prefixes need positions: FTS5 says which rows hold them.
        rows = _matching_rows(db, columns, _term(term))
        if not tokens:
            return cls(rows, np.ones(len(rows)))
        counts = None
        for i, token in enumerate(tokens):
            last_prefix = term.prefix and i == len(tokens) - 1
            found = postings.prefix_postings(db, token) if last_prefix else postings.term_postings(db, token)
            here = postings.counts_at(*found, rows)
            counts = here if counts is None else np.minimum(counts, here)
        # FTS5 found the phrase in each of these rows: it counts at least once.
        return cls(rows, np.maximum(counts, 1.0))

    def counts_at(self, rowids: np.ndarray) -> np.ndarray:
        return postings.counts_at(self.rows, self.counts, rowids)


class _Plan:
    """One search: the paragraphs matching its terms (every required clause, at least
    ``minimum_should_match`` of the others, none of the exclusions), the filters as masks
    over them, and from those the total, the facets and any page."""

    def __init__(
        self,
        engine: SqliteEngine,
        db: sqlite3.Connection,
        query: ParsedQuery,
        request: SearchRequest,
        identity: int | None = None,
    ):
        self.db, self.request, self.query = db, request, query
        self.columns = columns = engine._columns_for(db, engine._generation(db, identity))
        # (phrase found, weight) of every alternative of every positive clause: bm25 sums them.
        self.phrases: list[tuple[_Phrase, float]] = []
        required, optional = [], []
        for clause in query.positive:
            found = [(engine._phrase(db, columns, t), t.weight) for t in clause.alternatives]
            self.phrases += found
            rows = _union([f.rows for f, _ in found])
            (required if clause.required else optional).append(rows)
        matched = None
        for rows in required:
            matched = rows if matched is None else np.intersect1d(matched, rows, assume_unique=True)
        if optional:
            held = _at_least(optional, query.minimum_should_match)
            matched = held if matched is None else np.intersect1d(matched, held, assume_unique=True)
        if matched is None:
            matched = columns.all_rowids
        negative = [engine._phrase(db, columns, t).rows for c in query.negative for t in c.alternatives]
        if negative:
            matched = np.setdiff1d(matched, _union(negative), assume_unique=True)
        self.matched = matched
        self.filters = request.filters
        self.masks = {
            facet: columns.mask(facet, values, self.matched) for facet, values in self.filters.items()
        }
        if request.has_date_range:  # not a facet: it applies to every facet's counts
            self.masks["published"] = columns.date_range_mask(
                db, request.date_from, request.date_to, self.matched
            )
        keep = np.ones(len(self.matched), dtype=bool)
        for mask in self.masks.values():
            keep &= mask
        self.selected = self.matched[keep]
        self.total = int(len(self.selected))

    def facets(self) -> dict:
        return self.columns.facet_counts(self.matched, self.masks)

    def page(self, offset: int, limit: int | None) -> tuple[list[int], list[float]]:
        """(rowids, scores) of the requested slice in order; ``limit=None`` for all."""
        stop = None if limit is None else offset + limit
        if stop == 0 or not self.total:
            return [], []
        if self.phrases and self.request.sort == "relevance":
            rowids, scores = self._ranked(stop)
        else:
            rowids = self.columns.newest_first(self.selected, stop)
            scores = np.zeros(len(rowids))
        return rowids[offset:stop].tolist(), scores[offset:stop].tolist()

    def _ranked(self, stop: int | None) -> tuple[np.ndarray, np.ndarray]:
        """The selected paragraphs by bm25 (typed words weighing more than synonyms, the
        typed words close together a bonus), equal scores newest first (the same
        boilerplate paragraph in many letters scores the same, and the newest letter
        should come first); only the first ``stop`` are sorted."""
        columns, rows = self.columns, self.selected
        scores = postings.bm25(
            [(len(p.rows), p.counts_at(rows), weight) for p, weight in self.phrases],
            columns.lengths[rows],
            len(columns.all_rowids),
            columns.average_length,
        )
        proximity = self.query.proximity()
        if proximity and len(rows):
            near = _matching_rows(self.db, columns, _near(proximity))
            scores = scores * (1 + NEAR_BONUS * np.isin(rows, near, assume_unique=True))
        scores = scores * columns.prior[rows]
        codes = [columns.theme_values.index(t) for t in self.query.themes if t in columns.theme_values]
        if codes and len(rows):
            scores = scores * (1 + THEME_BONUS * columns.themes[np.ix_(rows, codes)].any(axis=1))
        if stop is not None and stop < len(rows):
            # Only rows scoring at least the stop-th best can be on the page.
            threshold = np.partition(scores, len(rows) - stop)[len(rows) - stop]
            keep = scores >= threshold
            rows, scores = rows[keep], scores[keep]
        order = np.lexsort((columns.date_rank[rows], -scores))[:stop]
        return rows[order], scores[order]


def _matching_rows(db: sqlite3.Connection, columns: Columns, expression: str) -> np.ndarray:
    """The existing rowids FTS5 finds for a MATCH expression, ascending."""
    return columns.existing(
        postings.parse_ids(
            db.execute(
                "SELECT group_concat(rowid) FROM (SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid)",
                (expression,),
            ).fetchone()[0]
        )
    )


def _at_least(row_sets: list[np.ndarray], needed: int) -> np.ndarray:
    """The rowids found in at least ``needed`` of the (ascending, unique) row sets."""
    if needed >= len(row_sets):
        out = row_sets[0]
        for rows in row_sets[1:]:
            out = np.intersect1d(out, rows, assume_unique=True)
        return out
    rows, counts = np.unique(np.concatenate(row_sets), return_counts=True)
    return rows[counts >= needed]


def _union(arrays: list[np.ndarray]) -> np.ndarray:
    if len(arrays) == 1:
        return arrays[0]
    return np.unique(np.concatenate(arrays))


@contextmanager
def _snapshot(db: sqlite3.Connection) -> Iterator[None]:
    """One read transaction: the generation, the columns, the matches and the rows all
    come from the same state of the file, even while a writer commits."""
    if db.in_transaction:
        db.rollback()
    db.execute("BEGIN")
    try:
        yield
    finally:
        db.rollback()  # nothing to keep: only the scratch snippet table was written


def _written(db: sqlite3.Connection, added: list[int] | None) -> None:
    """Close a write: index the words of the rows ``added`` (``None``: of every row),
    count the write, and store the facet columns as they now are."""
    if added is None:
        postings.build_all(db)
    else:
        postings.add_rows(db, added)
    db.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
    counter = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
    Columns.load(db, (None, counter)).save(db, counter)


def _count_words(db: sqlite3.Connection, words: Counter, sign: int) -> None:
    """Add (sign +1) or take away (-1) paragraphs from the vocabulary's counts."""
    db.executemany(
        "INSERT INTO vocabulary VALUES (?, ?) ON CONFLICT (word) DO UPDATE "
        "SET paragraphs = paragraphs + excluded.paragraphs",
        ((word, sign * n) for word, n in words.items()),
    )


def _delete_rows(db: sqlite3.Connection, rowids: list[int]) -> None:
    gone: Counter = Counter()
    for r in rowids:
        row = db.execute("SELECT data FROM paragraph_data WHERE rowid=?", (r,)).fetchone()
        if row is not None:
            gone.update(set(vocabulary(orjson.loads(row[0]).get("text") or "")))
    _count_words(db, gone, -1)
    db.executemany("DELETE FROM fts WHERE rowid=?", [(r,) for r in rowids])
    db.executemany("DELETE FROM paragraph_themes WHERE rowid=?", [(r,) for r in rowids])
    db.executemany("DELETE FROM paragraph_data WHERE rowid=?", [(r,) for r in rowids])
    db.executemany("DELETE FROM paragraph_csv WHERE rowid=?", [(r,) for r in rowids])
    db.executemany("DELETE FROM paragraphs WHERE rowid=?", [(r,) for r in rowids])
