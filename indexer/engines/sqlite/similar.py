"""Similar practice on the SQLite engine, from the index's own postings.

A paragraph's practice is in its distinctive words: each stem of the paragraph is weighted
as BM25 would weigh it as a query term matching this very paragraph (its idf, from the
document frequencies of the index's vocabulary of FTS5 tokens, ``postings``, times
its saturated frequency in the paragraph, normalised by the paragraph's length). The best
MAX_TERMS of them make an OR query, ranked by FTS5's bm25 computed over the postings
(``postings.bm25``, FTS5's formula to the last digit), each term weighing what it
weighs in the source, then by the paragraph prior every search uses. The constraints (another authority, Ofsted's words, a
stance, a set of authorities) are masks over the facet columns, as a search's filters are.
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter

import numpy as np
import orjson

from indexer.analysis import STOP_WORDS
from indexer.engines.base import opening_snippet
from indexer.engines.sqlite import postings

# The paragraph's most distinctive terms that make the query: enough to name a practice
# ("staying put", "former foster carers", "beyond 18"), few enough that generic words of
# inspection letters do not drown them.
MAX_TERMS = 25
# A term only this paragraph holds finds nothing else; one in more than this share of all
# paragraphs ("children", "social") says nothing about a practice.
MIN_DOC_FREQ = 2
MAX_DOC_SHARE = 0.2
# ...but in a small index a practice's own words can be in a fifth of it: only past this
# many paragraphs is a word common enough to be dropped.
COMMON_FLOOR = 100
# The source's weights are flattened by this power before they weigh the query's terms:
# the distinctive words should lead, but a paragraph matching several good terms should
# beat one repeating the single best term.
WEIGHT_POWER = 0.5
# A paragraph must share at least two of the chosen terms (one when only one was chosen):
# one shared word ("offered") is not a practice. Elasticsearch's more_like_this gets the same
# minimum_should_match ("1<2").
MIN_SHARED = 2


def candidates(engine, source: dict, constraints, size: int) -> list[dict]:
    db = engine._db()
    columns = engine._reader_for(db).columns
    found = db.execute(
        "SELECT p.rowid, f.text FROM paragraphs p JOIN fts f ON f.rowid = p.rowid WHERE p.paragraph_id = ?",
        (source["paragraph_id"],),
    ).fetchone()
    if found is None:
        return []
    rowid, stems = found
    paragraphs = len(columns.all_rowids)
    terms = distinctive_terms(
        db, (stems or "").split(), float(columns.lengths[rowid]), paragraphs, columns.average_length
    )
    if not terms:
        return []
    # The OR query's bm25, term by term, summed straight into one score per rowid: with no
    # union of the rows and no lookups in them, the cost is the postings' length alone.
    width = len(columns.present)
    scores = np.zeros(width, dtype=np.float64)
    shared = np.zeros(width, dtype=np.int16)
    for term, weight in terms:
        rows, counts = postings.term_postings(db, term)
        keep = rows < width
        keep[keep] = columns.present[rows[keep]]
        rows, counts = rows[keep], counts[keep].astype(np.float64)
        scores[rows] += postings.bm25(
            [(len(rows), counts, weight)], columns.lengths[rows], paragraphs, columns.average_length
        )
        shared[rows] += 1
    rows = np.flatnonzero(shared >= min(MIN_SHARED, len(terms)))
    rows = rows[_allowed(columns, constraints, rows)]
    if not len(rows):
        return []
    scores = scores[rows] * columns.prior[rows]
    if size < len(rows):
        top = np.argpartition(-scores, size)[:size]
        rows, scores = rows[top], scores[top]
    order = np.lexsort((columns.date_rank[rows], -scores))
    rows, scores = rows[order], scores[order]
    return _hits(db, rows.tolist(), scores.tolist())


def distinctive_terms(
    db: sqlite3.Connection, stems: list[str], length: float, paragraphs: int, average_length: float
) -> list[tuple[str, float]]:
    """The paragraph's MAX_TERMS most distinctive stems and their query weights."""
    frequencies = Counter(s for s in stems if len(s) > 2 and not s.isdigit() and s not in STOP_WORDS)
    if not frequencies:
        return []
    document_frequency = _document_frequencies(db, list(frequencies))
    norm = postings.K1 * (1 - postings.B + postings.B * length / (average_length or 1.0))
    weighted = []
    for term, tf in frequencies.items():
        df = document_frequency.get(term, 0)
        if df < MIN_DOC_FREQ or df > max(MAX_DOC_SHARE * paragraphs, COMMON_FLOOR):
            continue
        idf = math.log((paragraphs - df + 0.5) / (df + 0.5))
        if idf <= 0:  # in half the paragraphs or more: nothing distinctive
            continue
        weighted.append((term, idf * tf * (postings.K1 + 1) / (tf + norm)))
    weighted.sort(key=lambda tw: (-tw[1], tw[0]))
    chosen = weighted[:MAX_TERMS]
    if not chosen:
        return []
    best = chosen[0][1]
    return [(term, (weight / best) ** WEIGHT_POWER) for term, weight in chosen]


def _document_frequencies(db: sqlite3.Connection, terms: list[str]) -> dict[str, int]:
    """How many paragraphs hold each term: the length of its postings (``postings``,
    the vocabulary of FTS5's tokens the engine keeps beside it; 8 bytes a rowid). FTS5's own
    ``fts5vocab`` gives the same counts but walks each term's whole doclist to count it,
    hundreds of milliseconds for a paragraph's common words at 300k paragraphs. The postings
    may still count a deleted paragraph until the term is next written (as bm25 over them does)."""
    marks = ",".join("?" * len(terms))
    return dict(db.execute(f"SELECT term, length(rowids) / 8 FROM postings WHERE term IN ({marks})", terms))


def _allowed(columns, constraints, rows: np.ndarray) -> np.ndarray:
    keep = columns.mask("kind", [constraints.kind], rows)
    if constraints.exclude_authority:
        keep &= ~columns.mask("authority", [constraints.exclude_authority], rows)
    if constraints.authorities is not None:
        keep &= columns.mask("authority", list(constraints.authorities), rows)
    if constraints.stance:
        keep &= columns.mask("stance", [constraints.stance], rows)
    return keep


def _hits(db: sqlite3.Connection, rowids: list[int], scores: list[float]) -> list[dict]:
    if not rowids:
        return []
    marks = ",".join("?" * len(rowids))
    data = dict(db.execute(f"SELECT rowid, data FROM paragraph_data WHERE rowid IN ({marks})", rowids))
    hits = []
    for rowid, score in zip(rowids, scores):
        hit = orjson.loads(data[rowid])
        hit["score"] = round(float(score), 4)
        hit["snippet"] = opening_snippet(hit.get("text") or "")
        hit["match_reasons"] = []
        hits.append(hit)
    return hits
