"""Saying why a paragraph matched: which of the query's terms it holds, marked in a snippet.

Both engines match the stems of ``indexer.analysis``; this module finds the same stems
in a hit's own text (and heading), so every engine marks the same words and gives the
same reasons: the typed words, a synonym (naming the words it widens), a phrase, a
hyphenated word found joined. It runs on the page's hits only (20 paragraphs), so the
engines need no highlighter of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.analysis import compounds_with_offsets, located
from indexer.query import ParsedQuery, Term

SNIPPET_CHARS = 300  # a snippet stops near here
MARK_START, MARK_END = "\ue000", "\ue001"
_SENTENCE_START = re.compile(r"(?:^|(?<=[.!?;:])\s+)(?=\S)")


@dataclass(frozen=True)
class Reason:
    """One query term a paragraph holds: ``kind`` is word (typed words, one or more),
    phrase (quoted), synonym or prefix;
    ``of`` names the typed words a synonym widens; ``where`` is text or heading."""

    term: str
    kind: str
    of: str | None = None
    where: str = "text"

    def to_dict(self) -> dict:
        return {"term": self.term, "kind": self.kind, "of": self.of, "where": self.where}


def describe(reason: dict, label=lambda facet, value: f"{facet} {value}") -> str:
    """One of a hit's match_reasons in words ("“trainer flat”, a synonym of “taster
    flats”"); ``label(facet, value)`` names a filter as the caller shows it."""
    term, kind, of, where = reason.get("term"), reason.get("kind"), reason.get("of"), reason.get("where")
    if kind == "filter":
        return f"your filter {label(of, term)}"
    place = " in the heading" if where == "heading" else ""
    if kind == "synonym":
        return f"“{term}”{place}, a synonym of “{of}”"
    if kind == "phrase":
        return f"the phrase “{term}”{place}"
    if kind == "prefix":
        return f"words starting “{term.rstrip('*')}”{place}"
    return f"“{term}”{place}"


class _Located:
    """One text's tokens, with where each stem occurs, to find a page's terms in it."""

    def __init__(self, text: str):
        self.spans, self.words, self.stems = located(text)
        self.at: dict[str, list[int]] = {}
        for i, stemmed in enumerate(self.stems):
            self.at.setdefault(stemmed, []).append(i)
        self.joined = (
            compounds_with_offsets(text) if "-" in text or "\u2010" in text or "\u2011" in text else []
        )

    def find(self, term: Term) -> list[tuple[int, int]]:
        """Character spans of the term's occurrences."""
        stems = term.stems
        n = len(stems)
        if term.prefix:
            last = stems[-1]
            ends = [
                i
                for i, (w, s) in enumerate(zip(self.words, self.stems))
                if w.startswith(last) or s.startswith(last)
            ]
            starts = [i - n + 1 for i in ends if i - n + 1 >= 0]
        else:
            starts = self.at.get(stems[0], [])
        spans = []
        for i in starts:
            if i + n <= len(self.stems) and all(
                self.stems[i + k] == stems[k] for k in range(n - (1 if term.prefix else 0))
            ):
                spans.append((self.spans[i][0], self.spans[i + n - 1][1]))
        if n == 1 and not term.prefix:
            spans += [(a, b) for a, b, s in self.joined if s == stems[0]]
        return spans


def _kind(term: Term) -> str:
    if term.synonym_of:
        return "synonym"
    if term.prefix:
        return "prefix"
    return "phrase" if term.quoted else "word"


def explain(text: str, section: str, query: ParsedQuery) -> tuple[list[tuple[int, int]], list[Reason]]:
    """The spans to mark in ``text`` and the reasons the paragraph matched."""
    body, heading = _Located(text), _Located(section or "")
    spans: list[tuple[int, int]] = []
    reasons: list[Reason] = []
    for term in query.highlight_terms():
        here = body.find(term)
        where = "text" if here else ("heading" if heading.find(term) else None)
        if where is None or (here and _covered(here, spans)):
            continue  # a word found only inside a phrase already reported is not a reason of its own
        spans += here
        reason = Reason(term.text(), _kind(term), term.synonym_of, where)
        if reason not in reasons:
            reasons.append(reason)
    return _merge(spans), reasons


def _covered(found: list[tuple[int, int]], spans: list[tuple[int, int]]) -> bool:
    return all(any(a <= x and y <= b for a, b in spans) for x, y in found)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out


def strip_markers(text: str) -> str:
    """The text with any MARK_START / MARK_END of its own made spaces: a document's
    characters must never come out of a snippet as <mark>."""
    return text.replace(MARK_START, " ").replace(MARK_END, " ")


def marked_snippet(text: str, spans: list[tuple[int, int]], limit: int = SNIPPET_CHARS) -> str:
    """A window of about ``limit`` characters holding the most marked spans (starting at a
    sentence where it can), with MARK_START/MARK_END around each span and an ellipsis
    where it is cut. The caller escapes it (base.render_marked)."""
    text = strip_markers(text)
    if len(text) <= limit:
        start, end = 0, len(text)
    else:
        start = _best_start(text, spans, limit)
        end = start + limit
        if end < len(text):
            cut = text.rfind(" ", start, end)
            end = cut if cut > start else end
    out, at = [], start
    for a, b in spans:
        if a < start or b > end:
            continue
        out += [text[at:a], MARK_START, text[a:b], MARK_END]
        at = b
    out.append(text[at:end])
    return ("…" if start > 0 else "") + "".join(out) + ("…" if end < len(text) else "")


def _best_start(text: str, spans: list[tuple[int, int]], limit: int) -> int:
    if not spans:
        return 0
    starts = sorted({m.start() for m in _SENTENCE_START.finditer(text)} | {0})
    best, best_count = 0, -1
    for a, _ in spans:
        # The sentence holding this span, or the span itself when that sentence starts too early.
        sentence = max((s for s in starts if s <= a), default=0)
        candidate = sentence if a - sentence < limit // 2 else max(0, text.rfind(" ", 0, a - 40) + 1)
        count = sum(1 for x, y in spans if x >= candidate and y <= candidate + limit)
        if count > best_count:
            best, best_count = candidate, count
    return best
