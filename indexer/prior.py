"""What a paragraph is worth as a search result before any query is asked.

Two kinds of paragraph hold a query's words without saying anything about them, and
BM25 ranks both high (it favours short texts): the opening lines that list what
inspectors looked at ("Inspectors looked at … staying close, care leavers in custody
…"), and fragments of a few words (a bullet of a list, a heading on its own line). Both
engines multiply a paragraph's score by this prior; it never decides what matches.
"""

from __future__ import annotations

from indexer.analysis import analyse
from indexer.stance import SCOPE_OPENING

SCOPE = 0.4  # a list of what was inspected, not a finding
SHORT = 12  # fewer tokens than this: a fragment, worth less the shorter it is


def paragraph_prior(text: str, words: int | None = None) -> float:
    """``words``: the text's token count, when the caller has it (indexer.analysis)."""
    prior = SCOPE if SCOPE_OPENING.match(text.lstrip()) else 1.0
    words = analyse(text).count if words is None else words
    if words < SHORT:
        prior *= max(words, 1) / SHORT
    return round(prior, 4)
