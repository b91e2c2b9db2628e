"""Term postings of a SQLite index, so that searches are ranked with numpy.

FTS5's bm25() scores one matching row at a time, about 2 µs each on a small
machine: a broad query matching 20k of 300k paragraphs spent 40–60 ms there,
most of its time. So the writer also keeps, for every token FTS5 indexed, the
rowids of the paragraphs holding it and how often, weighted by column; a search
then scores all its matches at once with FTS5's own bm25 formula (``bm25`` below).

For single words and prefixes the scores are FTS5's to the last digit (a test
holds them to it). A phrase of several words is counted as the least weighted
count of its words among the rows FTS5 says hold the phrase: without positions
that is the best available, and exact whenever the words only occur together.

Deleted paragraphs stay in the postings until a term is next written or the
index is rebuilt; rowids are never reused (AUTOINCREMENT), and searches keep only
rowids that exist, so a stale entry can never be read as a live paragraph.
"""

from __future__ import annotations

import math
import sqlite3
from typing import Iterator

import numpy as np

SCHEMA = """
CREATE TABLE IF NOT EXISTS postings (
    term TEXT PRIMARY KEY,
    rowids BLOB NOT NULL,   -- int64, ascending
    counts BLOB NOT NULL    -- uint16, the weighted count of the term in each row
);
"""
TOKENIZER = "unicode61"  # the fts table holds stems (indexer.analysis): split on spaces
# Integer column weights (FTS5 column order) so that weighted counts fit in 16 bits:
# a match in a heading counts more than one in the body; a hyphenated compound found
# joined counts as its word.
WEIGHTS = {"section": 2, "text": 1, "compounds": 1}
K1, B = 1.2, 0.75  # FTS5's bm25 constants
MAX_COUNT = np.iinfo(np.uint16).max
FLUSH_POSTINGS = 1_000_000  # lengths are summed in chunks of this many postings


def parse_ids(text: str | None) -> np.ndarray:
    """A comma-separated list of integers (SQLite's group_concat) as an array."""
    if not text:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")


# -- writing -------------------------------------------------------------------------
def build_all(db: sqlite3.Connection) -> None:
    """The postings and paragraph lengths of the whole ``fts`` table, from scratch."""
    db.execute("DELETE FROM postings")
    db.execute("DROP TABLE IF EXISTS temp.fts_instances")
    db.execute("CREATE VIRTUAL TABLE temp.fts_instances USING fts5vocab(main, fts, instance)")
    lengths = _Lengths()
    db.executemany(
        "INSERT INTO postings VALUES (?, ?, ?)",
        (
            (term, rows.tobytes(), counts.tobytes())
            for term, rows, counts in _gather(db, "temp.fts_instances", lengths)
        ),
    )
    db.execute("DROP TABLE temp.fts_instances")
    lengths.store(db)


def add_rows(db: sqlite3.Connection, rowids: list[int]) -> None:
    """Add the postings and lengths of newly inserted ``fts`` rows; the terms they touch
    lose their entries for paragraphs that no longer exist."""
    if not rowids:
        return
    db.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.new_rows USING fts5(section, text, compounds, "
        f"tokenize = '{TOKENIZER}')"
    )
    db.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.new_instances USING fts5vocab(temp, new_rows, instance)"
    )
    db.execute("DELETE FROM temp.new_rows")
    for start in range(0, len(rowids), 500):
        batch = rowids[start : start + 500]
        db.execute(
            "INSERT INTO temp.new_rows (rowid, section, text, compounds) SELECT rowid, section, text, "
            f"compounds FROM main.fts WHERE rowid IN ({','.join('?' * len(batch))})",
            batch,
        )
    existing_ids = parse_ids(db.execute("SELECT group_concat(rowid) FROM paragraphs").fetchone()[0])
    existing = np.zeros(int(existing_ids.max(initial=0)) + 2, dtype=bool)
    existing[existing_ids] = True
    lengths = _Lengths()
    for term, rows, counts in list(_gather(db, "temp.new_instances", lengths)):
        old = db.execute("SELECT rowids, counts FROM postings WHERE term = ?", (term,)).fetchone()
        if old is not None:
            old_rows, old_counts = np.frombuffer(old[0], np.int64), np.frombuffer(old[1], np.uint16)
            keep = existing[old_rows.clip(max=len(existing) - 1)] & ~np.isin(old_rows, rows)
            rows, counts = np.concatenate([old_rows[keep], rows]), np.concatenate([old_counts[keep], counts])
            if len(rows) > 1 and not (rows[1:] > rows[:-1]).all():  # new rowids usually come last
                order = np.argsort(rows, kind="stable")
                rows, counts = rows[order], counts[order]
        db.execute(
            "INSERT OR REPLACE INTO postings VALUES (?, ?, ?)", (term, rows.tobytes(), counts.tobytes())
        )
    db.execute("DELETE FROM temp.new_rows")
    lengths.store(db)


def _gather(
    db: sqlite3.Connection, vocab: str, lengths: "_Lengths"
) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """(term, rowids, weighted counts) per term of an fts5vocab ``instance`` table, which
    lists every token of every row in term order; counts the tokens of each row too."""
    current, parts = None, []
    query = f"SELECT term, col, group_concat(doc) FROM {vocab} GROUP BY term, col"
    for term, column, docs in db.execute(query):
        if term != current:
            if parts:
                yield current, *_combine(parts)
            current, parts = term, []
        ids = parse_ids(docs)
        lengths.add(ids)
        if WEIGHTS.get(column):
            parts.append((ids, WEIGHTS[column]))
    if parts:
        yield current, *_combine(parts)


def _combine(parts: list[tuple[np.ndarray, int]]) -> tuple[np.ndarray, np.ndarray]:
    ids = np.concatenate([p for p, _ in parts])
    weights = np.concatenate([np.full(len(p), w, dtype=np.int64) for p, w in parts])
    rows, inverse = np.unique(ids, return_inverse=True)
    counts = np.minimum(np.bincount(inverse, weights=weights), MAX_COUNT).astype(np.uint16)
    return rows, counts


class _Lengths:
    """Tokens per row over every column (bm25's document length), summed in chunks."""

    def __init__(self):
        self.totals: dict[int, int] = {}
        self._pending: list[np.ndarray] = []
        self._size = 0

    def add(self, ids: np.ndarray) -> None:
        self._pending.append(ids)
        self._size += len(ids)
        if self._size >= FLUSH_POSTINGS:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            rows, counts = np.unique(np.concatenate(self._pending), return_counts=True)
            for row, count in zip(rows.tolist(), counts.tolist()):
                self.totals[row] = self.totals.get(row, 0) + count
        self._pending, self._size = [], 0

    def store(self, db: sqlite3.Connection) -> None:
        self._flush()
        db.executemany(
            "UPDATE paragraphs SET tokens = ? WHERE rowid = ?",
            ((count, row) for row, count in self.totals.items()),
        )


# -- reading ---------------------------------------------------------------------------
def term_postings(db: sqlite3.Connection, term: str) -> tuple[np.ndarray, np.ndarray]:
    row = db.execute("SELECT rowids, counts FROM postings WHERE term = ?", (term,)).fetchone()
    if row is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint16)
    return np.frombuffer(row[0], np.int64), np.frombuffer(row[1], np.uint16)


def prefix_postings(db: sqlite3.Connection, prefix: str) -> tuple[np.ndarray, np.ndarray]:
    """Every term beginning with ``prefix`` as one: counts summed per row, as FTS5 counts
    each token a prefix query matches."""
    found = [
        (np.frombuffer(r, np.int64), np.frombuffer(c, np.uint16))
        for r, c in db.execute(
            "SELECT rowids, counts FROM postings WHERE term >= ? AND term < ?", (prefix, _after(prefix))
        )
    ]
    if not found:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint16)
    if len(found) == 1:
        return found[0]
    rows, inverse = np.unique(np.concatenate([r for r, _ in found]), return_inverse=True)
    counts = np.bincount(inverse, weights=np.concatenate([c for _, c in found]).astype(np.float64))
    return rows, np.minimum(counts, MAX_COUNT).astype(np.uint16)


def _after(prefix: str) -> str:
    """The least string greater than every string starting with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else "\U0010ffff"


def counts_at(rows: np.ndarray, counts: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The counts of ``wanted`` rowids (0 where absent), from postings sorted by rowid."""
    if not len(rows):
        return np.zeros(len(wanted), dtype=np.float64)
    at = np.searchsorted(rows, wanted).clip(max=len(rows) - 1)
    return np.where(rows[at] == wanted, counts[at], 0).astype(np.float64)


def bm25(
    phrases: list[tuple[int, np.ndarray, float]], lengths: np.ndarray, rows: int, average_length: float
) -> np.ndarray:
    """FTS5's bm25 (as a positive score) of the rows whose lengths are given: each
    phrase is (how many rows hold it, its weighted count in each of those rows, how
    much it weighs in the sum: 1 for typed words, less for their synonyms)."""
    score = np.zeros(len(lengths), dtype=np.float64)
    norm = K1 * (1 - B + B * lengths / average_length)
    for hits, counts, weight in phrases:
        idf = math.log((rows - hits + 0.5) / (hits + 0.5))
        if idf <= 0:
            idf = 1e-6  # as FTS5: a phrase in over half the rows still counts a little
        score += weight * idf * (counts * (K1 + 1)) / (counts + norm)
    return score
