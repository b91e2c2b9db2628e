"""Query compilation for the SQLite engine: parsed clauses as FTS5 MATCH expressions.

FTS5 is asked only what needs positions (phrases of several words, prefixes, the typed
words close together); single words are read from the postings (``postings``).
"""

from __future__ import annotations

from indexer.query import Clause, Term

# Paragraphs holding the typed words within this many tokens of each other score more
# (FTS5's NEAR; base.NEAR_BONUS): a ranking signal, never a condition.
NEAR_TOKENS = 8


def compile_match(clauses: list[Clause]) -> str:
    """ParsedQuery clauses -> an FTS5 MATCH expression (all clauses required). Every
    stem is quoted, so nothing a user types can be read as FTS5 syntax."""
    return " AND ".join("(" + " OR ".join(term_expression(t) for t in c.alternatives) + ")" for c in clauses)


def term_expression(term: Term) -> str:
    return phrase_expression(term.stems) + ("*" if term.prefix else "")


def phrase_expression(stems: tuple[str, ...]) -> str:
    return '"' + " ".join(w.replace('"', "") for w in stems) + '"'


def near_expression(phrases: list[tuple[str, ...]]) -> str:
    return f"NEAR({' '.join(phrase_expression(p) for p in phrases)}, {NEAR_TOKENS})"
