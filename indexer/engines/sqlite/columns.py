"""The facet columns of a SQLite index, held in memory as numpy arrays.

Counting facets row by row in SQL costs several microseconds per matched paragraph,
which at 300k paragraphs is most of a broad query's time. Here every facet is an
array of small integer codes indexed by rowid, so a search turns its matched rowids
into facet counts, filters and the date order with a few vectorised operations.
One ``Columns`` is read per index generation and shared by every thread; it is never
changed after loading, only replaced.

Building the arrays from the tables takes seconds at 300k paragraphs, so whoever
writes the index builds them once, in the same transaction as the write, and stores
them in the file (``save``); every searching process then only reads them (``read``).
"""

from __future__ import annotations

import io
import json
import sqlite3
from array import array
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from indexer.engines.base import FACET_FIELDS, FACET_LIMIT, FACET_SIZES, FACETS, STANCE_COUNTS_KIND

# The facets kept as one code per paragraph (``theme`` is many per paragraph).
SINGLE_VALUED = tuple(f for f in FACETS if f != "theme")


@dataclass
class Columns:
    generation: tuple
    present: np.ndarray  # bool by rowid: a paragraph has this rowid
    codes: dict[str, np.ndarray]  # facet -> int32 code by rowid (0: no value)
    values: dict[str, list[str]]  # facet -> value of each code (values[f][0] == "")
    themes: np.ndarray  # bool (rowid, theme code - 1)
    theme_values: list[str]
    date_rank: np.ndarray  # int32 by rowid: place in newest-first order
    lengths: np.ndarray  # int32 by rowid: tokens in the paragraph (bm25's length)
    prior: np.ndarray  # float32 by rowid: indexer.prior, a factor of the score

    @classmethod
    def read(cls, db: sqlite3.Connection, generation: tuple) -> "Columns":
        """The columns stored for this generation, or built from the tables when the
        file holds none for it."""
        row = db.execute("SELECT data FROM facet_columns WHERE generation = ?", (generation[1],)).fetchone()
        if row is None:
            return cls.load(db, generation)
        with np.load(io.BytesIO(row[0]), allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files if name != "values"}
            values = json.loads(bytes(stored["values"]).decode())
        codes = {f: arrays.pop(f"code_{f}") for f in SINGLE_VALUED}
        return cls(
            generation,
            arrays["present"],
            codes,
            values["facets"],
            arrays["themes"],
            values["themes"],
            arrays["date_rank"],
            arrays["lengths"],
            arrays["prior"],
        )

    def save(self, db: sqlite3.Connection, counter: int) -> None:
        """Store these columns in the index file as those of write number ``counter``."""
        buffer = io.BytesIO()
        values = json.dumps({"facets": self.values, "themes": self.theme_values}).encode()
        np.savez(
            buffer,
            present=self.present,
            themes=self.themes,
            date_rank=self.date_rank,
            lengths=self.lengths,
            prior=self.prior,
            values=np.frombuffer(values, dtype=np.uint8),
            **{f"code_{f}": self.codes[f] for f in SINGLE_VALUED},
        )
        db.execute("DELETE FROM facet_columns")
        db.execute("INSERT INTO facet_columns VALUES (?, ?)", (counter, buffer.getvalue()))

    @classmethod
    def load(cls, db: sqlite3.Connection, generation: tuple) -> "Columns":
        """Build the columns from the tables."""
        names = ", ".join(FACET_FIELDS[f] for f in SINGLE_VALUED)
        rows = db.execute(f"SELECT rowid, tokens, prior, {names} FROM paragraphs").fetchall()
        rowid_column, tokens, priors, *columns = list(zip(*rows)) or [()] * (len(SINGLE_VALUED) + 3)
        columns = [rowid_column, *columns]
        rowids = np.array(columns[0], dtype=np.int64)
        size = int(rowids.max()) + 1 if len(rowids) else 1
        present = np.zeros(size, dtype=bool)
        present[rowids] = True
        codes, values = {}, {}
        for facet, column in zip(SINGLE_VALUED, columns[1:]):
            lookup = {"": 0}
            coded = np.fromiter(
                (lookup.setdefault(v or "", len(lookup)) for v in column), dtype=np.int32, count=len(column)
            )
            codes[facet] = np.zeros(size, dtype=np.int32)
            codes[facet][rowids] = coded
            values[facet] = list(lookup)
        pairs = db.execute("SELECT rowid, theme FROM paragraph_themes").fetchall()
        theme_values = sorted({theme for _, theme in pairs})
        theme_index = {t: i for i, t in enumerate(theme_values)}
        themes = np.zeros((size, len(theme_values)), dtype=bool)
        if pairs:
            themes[[r for r, _ in pairs], [theme_index[t] for _, t in pairs]] = True
        order = np.array(
            [
                r
                for (r,) in db.execute(
                    "SELECT rowid FROM paragraphs ORDER BY published DESC, document_id, paragraph_number"
                )
            ],
            dtype=np.int64,
        )
        date_rank = np.zeros(size, dtype=np.int32)
        date_rank[order] = np.arange(len(order), dtype=np.int32)
        lengths = np.zeros(size, dtype=np.int32)
        lengths[rowids] = np.array(tokens, dtype=np.int32)
        prior = np.ones(size, dtype=np.float32)
        prior[rowids] = np.array(priors, dtype=np.float32)
        return cls(generation, present, codes, values, themes, theme_values, date_rank, lengths, prior)

    @cached_property
    def date_rank_of(self):
        """rowid -> place in date order, as a C-level callable for SQLite's sorter."""
        return array("i", self.date_rank.tobytes()).__getitem__

    @cached_property
    def all_rowids(self) -> np.ndarray:
        return np.flatnonzero(self.present)

    @cached_property
    def average_length(self) -> float:
        """Mean tokens per paragraph (bm25's average document length)."""
        count = len(self.all_rowids)
        return float(self.lengths[self.present].sum()) / count if count else 1.0

    def existing(self, rowids: np.ndarray) -> np.ndarray:
        """Those of ``rowids`` (sorted) that are paragraphs now, not deleted ones."""
        rowids = rowids[rowids < len(self.present)]
        return rowids[self.present[rowids]]

    # -- filters ---------------------------------------------------------------
    def mask(self, facet: str, wanted: list[str], rowids: np.ndarray) -> np.ndarray:
        """Which of ``rowids`` have any of the ``wanted`` values of ``facet``."""
        if facet == "theme":
            columns = [self.theme_values.index(v) for v in wanted if v in self.theme_values]
            if not columns:
                return np.zeros(len(rowids), dtype=bool)
            return self.themes[np.ix_(rowids, columns)].any(axis=1)
        allowed = np.zeros(len(self.values[facet]), dtype=bool)
        lookup = {v: i for i, v in enumerate(self.values[facet])}
        allowed[[lookup[v] for v in wanted if v in lookup and lookup[v]]] = True
        return allowed[self.codes[facet][rowids]]

    def date_range_mask(
        self, db: sqlite3.Connection, date_from: str | None, date_to: str | None, rowids: np.ndarray
    ) -> np.ndarray:
        """Which of ``rowids`` were published in [date_from, date_to]. Newest-first order
        puts those paragraphs in one run of date ranks: after every one published later
        than ``date_to``, before every one published earlier than ``date_from`` (and
        every undated one), so two counts bound it."""
        first = (
            db.execute("SELECT count(*) FROM paragraphs WHERE published > ?", (date_to,)).fetchone()[0]
            if date_to
            else 0
        )
        stop = db.execute(
            "SELECT count(*) FROM paragraphs WHERE published >= ?", (date_from or "0000",)
        ).fetchone()[0]
        ranks = self.date_rank[rowids]
        return (ranks >= first) & (ranks < stop)

    # -- facets ----------------------------------------------------------------
    def facet_counts(self, rowids: np.ndarray, masks: dict[str, np.ndarray]) -> dict[str, list]:
        """Disjunctive facet counts: each facet's counts apply every filter but its own."""
        final = rowids[_all(masks.values(), len(rowids))]
        counts = {}
        for facet in FACETS:
            if facet in masks:
                selected = rowids[_all((m for f, m in masks.items() if f != facet), len(rowids))]
            else:
                selected = final
            if facet == "stance" and "kind" not in masks:
                ofsted = (
                    self.values["kind"].index(STANCE_COUNTS_KIND)
                    if STANCE_COUNTS_KIND in self.values["kind"]
                    else -1
                )
                selected = selected[self.codes["kind"][selected] == ofsted]
            if facet == "theme":
                totals = self.themes[selected].sum(axis=0)
                pairs = [(self.theme_values[i], int(n)) for i, n in enumerate(totals) if n]
            else:
                totals = np.bincount(self.codes[facet][selected], minlength=len(self.values[facet]))
                pairs = [(self.values[facet][i], int(totals[i])) for i in np.flatnonzero(totals) if i]
            pairs.sort(key=lambda kv: (-kv[1], kv[0]))
            counts[facet] = pairs[: FACET_SIZES.get(facet, FACET_LIMIT)]
        return counts

    def newest_first(self, rowids: np.ndarray, stop: int | None = None) -> np.ndarray:
        """``rowids`` in date order (newest first, undated last); only the first ``stop``."""
        ranks = self.date_rank[rowids]
        if stop is not None and stop < len(rowids):
            part = np.argpartition(ranks, stop)[:stop]
            return rowids[part[np.argsort(ranks[part], kind="stable")]]
        return rowids[np.argsort(ranks, kind="stable")]


def _all(masks, n: int) -> np.ndarray:
    combined = np.ones(n, dtype=bool)
    for mask in masks:
        combined &= mask
    return combined
