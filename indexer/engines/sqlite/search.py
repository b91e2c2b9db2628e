"""Searching a SQLite index: one ``Reader`` per generation of the file (a write makes a
new one) owns what searches read in memory and how they rank.

A search asks FTS5 only what needs positions: which paragraphs hold a phrase of
several words or a prefix, and which hold the typed words close together. Single words
come from the postings; the bm25 scores (FTS5's formula, each term weighted: typed
words over synonyms), minimum_should_match, facet counts, filters, totals and both
orders are computed with numpy over the postings and the facet columns held in memory
(``columns.Columns``). Snippets and match reasons are made from the page's hits by
``indexer.explain``, as for every engine.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from contextlib import contextmanager
from typing import Iterator

import numpy as np
import orjson
from rapidfuzz import process
from rapidfuzz.distance import OSA

from indexer.engines.base import NEAR_BONUS, THEME_BONUS, SearchRequest, annotate
from indexer.engines.sqlite import postings
from indexer.engines.sqlite.columns import Columns
from indexer.engines.sqlite.query import near_expression, term_expression
from indexer.query import ParsedQuery, Term

# Phrases (their rows and counts) a Reader keeps from recent searches: ticking a facet or
# turning a page reuses them.
RECENT_PHRASES = 64
# "Did you mean": at most this many edits (insert, delete, substitute, swap), fewer for short words.
MAX_EDITS = 2


class Reader:
    """One generation of the index file as searches read it: its facet columns and
    vocabulary (read once), and ``recent_phrases``, the one cache: the rows and counts of
    the words and phrases recent searches looked up. Shared by every thread; a write makes
    the engine read a new one, so nothing in it is ever stale."""

    def __init__(self, db: sqlite3.Connection, generation: tuple, recent_phrases: int = RECENT_PHRASES):
        self.generation = generation
        self.columns = Columns.read(db, generation)
        self.recent_phrases: OrderedDict = OrderedDict()
        self._size = recent_phrases
        self._lock = threading.Lock()
        self._vocabulary: tuple | None = None  # (words as a set, as a list, paragraphs per word)

    def phrase(self, db: sqlite3.Connection, term: Term) -> "Phrase":
        """The paragraphs holding a word or phrase, with its weighted count in each."""
        key = (term.words, term.prefix)
        with self._lock:
            found = self.recent_phrases.get(key)
            if found is not None:
                self.recent_phrases.move_to_end(key)
                return found
        found = Phrase.find(db, self.columns, term)
        with self._lock:
            self.recent_phrases[key] = found
            while len(self.recent_phrases) > self._size:
                self.recent_phrases.popitem(last=False)
        return found

    def plan(self, db: sqlite3.Connection, query: ParsedQuery, request: SearchRequest) -> "Plan":
        return Plan(self, db, query, request)

    def hits(
        self, db: sqlite3.Connection, plan: "Plan", rowids: list[int], scores: list[float]
    ) -> list[dict]:
        """The page's paragraphs with their scores, match reasons and snippets."""
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

    def suggest(self, db: sqlite3.Connection, words) -> dict[str, str]:
        known, listed, counts = self._words(db)
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

    def _words(self, db: sqlite3.Connection) -> tuple[frozenset, list[str], list[int]]:
        if self._vocabulary is None:
            rows = db.execute("SELECT word, paragraphs FROM vocabulary WHERE paragraphs > 0").fetchall()
            listed = [w for w, _ in rows]
            self._vocabulary = (frozenset(listed), listed, [n for _, n in rows])
        return self._vocabulary


class Phrase:
    """One word, phrase or prefix of a query: the existing paragraphs holding it
    (sorted rowids) and its weighted count in each, as bm25 needs them."""

    def __init__(self, rows: np.ndarray, counts: np.ndarray):
        self.rows, self.counts = rows, counts

    @classmethod
    def find(cls, db: sqlite3.Connection, columns: Columns, term: Term) -> "Phrase":
        tokens = [t for t in term.stems if t]
        if len(tokens) == 1 and not term.prefix:
            rows, counts = postings.term_postings(db, tokens[0])
            keep = rows < len(columns.present)
            keep[keep] = columns.present[rows[keep]]
            return cls(rows[keep], counts[keep].astype(np.float64))
        # Phrases and prefixes need positions: FTS5 says which rows hold them.
        rows = matching_rows(db, columns, term_expression(term))
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


class Plan:
    """One search: the paragraphs matching its terms (every required clause, at least
    ``minimum_should_match`` of the others, none of the exclusions), the filters as masks
    over them, and from those the total, the facets and any page."""

    def __init__(self, reader: "Reader", db: sqlite3.Connection, query: ParsedQuery, request: SearchRequest):
        self.db, self.request, self.query = db, request, query
        self.columns = columns = reader.columns
        # (phrase found, weight) of every alternative of every positive clause: bm25 sums them.
        self.phrases: list[tuple[Phrase, float]] = []
        required, optional = [], []
        for clause in query.positive:
            found = [(reader.phrase(db, t), t.weight) for t in clause.alternatives]
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
        negative = [reader.phrase(db, t).rows for c in query.negative for t in c.alternatives]
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
            near = matching_rows(self.db, columns, near_expression(proximity))
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


def matching_rows(db: sqlite3.Connection, columns: Columns, expression: str) -> np.ndarray:
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
def snapshot(db: sqlite3.Connection) -> Iterator[None]:
    """One read transaction: the generation, the columns, the matches and the rows all
    come from the same state of the file, even while a writer commits."""
    if db.in_transaction:
        db.rollback()
    db.execute("BEGIN")
    try:
        yield
    finally:
        db.rollback()  # nothing to keep: only the scratch snippet table was written
