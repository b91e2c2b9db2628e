"""Marking a search's words in a document's text (the document page, reached from a result).

The engines mark matches in snippets; a whole document's paragraphs are read from the index
unmarked, so its page marks the query's words itself: each word of the query (and of its
taxonomy synonyms) with any ending ("staying" marks "stay", "stays"; "flat" marks "flats"),
phrases as phrases. Text is escaped before <mark> goes in, so nothing in a document can
become markup.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from indexer.query import parse

MAX_QUERY_FOR_MARKS = 1000
_MIN_STEM = 4  # shorter words are not stemmed (they still mark their own longer forms)


def _stem(word: str) -> str:
    # A light stem: enough that a word marks its inflections, as the engines match them.
    for ending in ("ing", "ers", "er", "ed", "es", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= _MIN_STEM - 1:
            return word[: -len(ending)]
    return word


def query_terms(query: str, synonyms=None) -> list[str]:
    """Regular-expression sources for the query's positive terms, longest first."""
    parsed = parse(query, synonyms)
    sources = set()
    for term in parsed.highlight_terms():
        words = [re.escape(_stem(w) if len(w) >= _MIN_STEM else w) for w in term.words]
        sources.add(r"\s+".join(w + r"\w*" for w in words))
    return sorted(sources, key=len, reverse=True)


def mark_terms(text: str, terms: list[str]) -> Markup:
    """``text`` escaped, with each match of ``terms`` in <mark>."""
    if not terms or not text:
        return escape(text or "")
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(terms) + r")", re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(Markup("<mark>") + escape(match.group(0)) + Markup("</mark>"))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)
