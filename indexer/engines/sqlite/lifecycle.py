"""The SQLite index's life: its layout, opening it (refusing an older layout), a full
rebuild into a new file renamed over the old one, and incremental writes.

Every write ends with ``written``: the postings of the new rows (``postings``), the
write counted (the generation readers watch) and the facet columns stored as they now
are (``columns.Columns``), all in the write's own transaction.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Iterable

import orjson

from common.lifetime import pause_point, pid_alive
from indexer.analysis import analyse, compounds, index_form, vocabulary
from indexer.engines.base import EngineUnavailable, IndexWriteError
from indexer.engines.sqlite import postings
from indexer.engines.sqlite.columns import Columns
from indexer.model import Paragraph
from indexer.prior import paragraph_prior

# Bumped when the file's layout changes: an older file must be rebuilt, not misread.
# 5: export columns document_id, document_title, judgement(s), responds_to (paragraph_csv);
# 6: stems from indexer.analysis, the vocabulary, each paragraph's prior;
# 7: no paragraph_csv (exports are made from rows by indexer.exports).
SCHEMA_VERSION = 7
SCHEMA = (
    """
-- AUTOINCREMENT: a deleted paragraph's rowid is never given to a new one, so stale
-- postings (postings.py) can never be read as another paragraph's.
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
-- The facet columns as numpy arrays (columns.Columns), written with each write.
CREATE TABLE IF NOT EXISTS facet_columns (generation INTEGER NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS paragraphs_document ON paragraphs(document_id, paragraph_number);
CREATE INDEX IF NOT EXISTS paragraphs_order ON paragraphs(published DESC, document_id, paragraph_number);
CREATE INDEX IF NOT EXISTS paragraph_themes_rowid ON paragraph_themes(rowid);
"""
    + postings.SCHEMA
)


class OutdatedIndex(EngineUnavailable):
    """The index file was written by an older version and must be rebuilt."""


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the index at ``path``, created with the current layout if new."""
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


def rebuild(path: Path, paragraphs: Iterable[Paragraph]) -> int:
    """Write these paragraphs into a new file and rename it over ``path``: searches keep
    reading the old file until then. Returns the number loaded."""
    building = path.with_name(f"{path.name}.building-{os.getpid()}")
    building.unlink(missing_ok=True)
    remove_abandoned_builds(path)
    try:
        with closing(connect(building)) as db:
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            with db:
                count = len(insert(db, paragraphs))
                db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
                written(db, added=None)
            db.execute("PRAGMA journal_mode=WAL")
        pause_point("sqlite-swap")
        # Drop the old index's WAL files first so they cannot be replayed onto the new one;
        # checkpointed first, so a kill between the two steps loses nothing of the old one.
        _checkpoint(path)
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        os.replace(building, path)
    except (OSError, sqlite3.Error) as exc:
        building.unlink(missing_ok=True)
        raise IndexWriteError(f"the search index could not be rebuilt: {exc}") from exc
    except BaseException:
        building.unlink(missing_ok=True)
        raise
    return count


def replace_documents(
    db: sqlite3.Connection, document_ids: list[str], paragraphs: Iterable[Paragraph]
) -> int:
    try:
        with db:  # one transaction: on failure the old paragraphs stay
            delete_documents(db, document_ids)
            added = insert(db, paragraphs)
            written(db, added)
            return len(added)
    except sqlite3.Error as exc:
        raise IndexWriteError(f"the search index could not be updated: {exc}") from exc


def remove_documents(db: sqlite3.Connection, document_ids: list[str]) -> None:
    try:
        with db:
            delete_documents(db, document_ids)
            written(db, [])
    except sqlite3.Error as exc:
        raise IndexWriteError(f"the search index could not be updated: {exc}") from exc


def remove_abandoned_builds(path: Path) -> None:
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


def insert(db: sqlite3.Connection, paragraphs: Iterable[Paragraph]) -> list[int]:
    """Insert the paragraphs; their rowids. The caller then closes the write (``written``)."""
    added = []
    words: Counter = Counter()
    for p in paragraphs:
        data = p.to_dict()
        text = analyse(p.text or "")
        # A paragraph id loaded twice replaces the earlier row and everything hung on it.
        old = db.execute("SELECT rowid FROM paragraphs WHERE paragraph_id = ?", (p.paragraph_id,)).fetchone()
        if old:
            delete_rows(db, [old[0]])
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
        db.execute(
            "INSERT INTO fts (rowid, section, text, compounds) VALUES (?,?,?,?)",
            (rowid, index_form(p.section), text.stems, compounds(f"{p.section}\n{p.text}")),
        )
        words.update(set(text.words))
        db.executemany("INSERT OR IGNORE INTO paragraph_themes VALUES (?, ?)", [(rowid, t) for t in p.themes])
        added.append(rowid)
    count_words(db, words, +1)
    return added


def delete_documents(db: sqlite3.Connection, document_ids: list[str]) -> None:
    for doc in document_ids:
        delete_rows(
            db, [r[0] for r in db.execute("SELECT rowid FROM paragraphs WHERE document_id=?", (doc,))]
        )


def written(db: sqlite3.Connection, added: list[int] | None) -> None:
    """Close a write: index the words of the rows ``added`` (``None``: of every row),
    count the write, and store the facet columns as they now are."""
    if added is None:
        postings.build_all(db)
    else:
        postings.add_rows(db, added)
    db.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
    counter = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
    Columns.load(db, (None, counter)).save(db, counter)


def count_words(db: sqlite3.Connection, words: Counter, sign: int) -> None:
    """Add (sign +1) or take away (-1) paragraphs from the vocabulary's counts."""
    db.executemany(
        "INSERT INTO vocabulary VALUES (?, ?) ON CONFLICT (word) DO UPDATE "
        "SET paragraphs = paragraphs + excluded.paragraphs",
        ((word, sign * n) for word, n in words.items()),
    )


def delete_rows(db: sqlite3.Connection, rowids: list[int]) -> None:
    gone: Counter = Counter()
    for r in rowids:
        row = db.execute("SELECT data FROM paragraph_data WHERE rowid=?", (r,)).fetchone()
        if row is not None:
            gone.update(set(vocabulary(orjson.loads(row[0]).get("text") or "")))
    count_words(db, gone, -1)
    db.executemany("DELETE FROM fts WHERE rowid=?", [(r,) for r in rowids])
    db.executemany("DELETE FROM paragraph_themes WHERE rowid=?", [(r,) for r in rowids])
    db.executemany("DELETE FROM paragraph_data WHERE rowid=?", [(r,) for r in rowids])
    db.executemany("DELETE FROM paragraphs WHERE rowid=?", [(r,) for r in rowids])
