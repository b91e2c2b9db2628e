"""The query language users type, parsed once and compiled by each engine.

Syntax (explained to users on the help page):
  staying put          both words (AND)
  "staying put"        the exact phrase
  taster | trainer     either (``OR`` works too)
  -hotel  -"B&B"       without
  advis*               prefix

Parsing never fails: whatever cannot be understood is read as plain words and
a notice says so. Synonyms from the theme taxonomy are expanded here, once,
so both engines find "trainer flats" for "taster flat".
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

MAX_QUERY_CHARS = 1000
MAX_CLAUSES = 32

# Curly quotes and dashes users paste from Word or PDFs.
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
                         "\u2018": "'", "\u2019": "'", "\u2013": "-", "\u2014": "-", "\u2212": "-"})
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*", re.UNICODE)
_TOKEN = re.compile(r'\s*(-?)("([^"]*)"?|\S+)')
_OR_WORDS = {"|", "or", "||"}


@dataclass(frozen=True)
class Term:
    """A word (one element) or a phrase (several), optionally a prefix."""
    words: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    def text(self) -> str:
        return " ".join(self.words) + ("*" if self.prefix else "")


@dataclass
class Clause:
    """Alternatives joined by OR; a negated clause excludes its matches."""
    alternatives: list[Term]
    negated: bool = False


@dataclass
class ParsedQuery:
    raw: str
    clauses: list[Clause] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def positive(self) -> list[Clause]:
        return [c for c in self.clauses if not c.negated]

    @property
    def negative(self) -> list[Clause]:
        return [c for c in self.clauses if c.negated]

    @property
    def is_empty(self) -> bool:
        return not self.clauses

    def highlight_terms(self) -> list[Term]:
        return [t for c in self.positive for t in c.alternatives]


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_QUOTES)


def words_of(text: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _WORD.findall(normalise(text)))


def _fold(word: str) -> str:
    # A light plural fold for matching synonyms: "flats" ~ "flat", "passports" ~ "passport".
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _key(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_fold(w) for w in words)


class SynonymTable:
    """Groups of interchangeable words or phrases (from the taxonomy)."""

    def __init__(self, groups: list[list[str]] | None = None):
        self._groups: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        self.longest = 1
        for group in groups or []:
            variants = [w for w in (words_of(v) for v in group) if w]
            for v in variants:
                self._groups.setdefault(_key(v), [])
                for other in variants:
                    if other not in self._groups[_key(v)]:
                        self._groups[_key(v)].append(other)
                self.longest = max(self.longest, len(v))

    def variants(self, words: tuple[str, ...]) -> list[tuple[str, ...]]:
        return self._groups.get(_key(words), [])

    def __bool__(self) -> bool:
        return bool(self._groups)


def parse(raw: str, synonyms: SynonymTable | None = None) -> ParsedQuery:
    text = normalise(raw or "").strip()
    query = ParsedQuery(raw=raw or "")
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        query.notices.append(f"Your search was shortened to its first {MAX_QUERY_CHARS} characters.")
    if text.count('"') % 2:
        query.notices.append("An unmatched quotation mark was ignored.")
        cut = text.rindex('"')
        text = text[:cut] + " " + text[cut + 1:]

    pending_or = False
    for match in _TOKEN.finditer(text):
        minus, token, quoted = match.group(1), match.group(2), match.group(3)
        if not token.strip():
            continue
        if quoted is None and token.lower() in _OR_WORDS:
            pending_or = bool(query.clauses)
            continue
        if quoted is not None:
            terms = [Term(words_of(quoted))] if words_of(quoted) else []
        else:
            terms = _plain_terms(token)
        if not terms:
            continue
        if pending_or and query.clauses and not minus and not query.clauses[-1].negated:
            query.clauses[-1].alternatives.extend(terms[:1])
            terms = terms[1:]
        pending_or = False
        for term in terms:
            query.clauses.append(Clause([term], negated=bool(minus)))

    if len(query.clauses) > MAX_CLAUSES:
        query.clauses = query.clauses[:MAX_CLAUSES]
        query.notices.append(f"Only the first {MAX_CLAUSES} words of your search were used.")
    if query.clauses and not query.positive:
        query.notices.append("Your search only excludes words: showing everything else.")
    if not query.clauses and text:
        query.notices.append("Your search has no words to look for.")
    if synonyms:
        _expand(query, synonyms)
    return query


def _plain_terms(token: str) -> list[Term]:
    """An unquoted token: words; a trailing * makes the last one a prefix.
    Hyphenated or punctuated tokens ("16-year-old", "B&B") become phrases."""
    prefix = token.endswith("*")
    words = words_of(token)
    if not words:
        return []
    if len(words) > 1 and re.search(r"[-&/.'’]", token) and not re.search(r"[\s]", token):
        return [Term(words, prefix=prefix)]
    terms = [Term((w,)) for w in words]
    if prefix:
        terms[-1] = Term(terms[-1].words, prefix=True)
    return terms


def _expand(query: ParsedQuery, synonyms: SynonymTable) -> None:
    """Add synonym variants as alternatives. Consecutive plain words that form a
    taxonomy phrase ("taster flats") are first merged into that phrase."""
    out: list[Clause] = []
    clauses = query.clauses
    i = 0
    while i < len(clauses):
        merged = False
        for span in range(min(synonyms.longest, len(clauses) - i), 1, -1):
            window = clauses[i:i + span]
            if all(_is_plain_word(c) for c in window):
                words = tuple(c.alternatives[0].words[0] for c in window)
                variants = synonyms.variants(words)
                if variants:
                    out.append(Clause([Term(words)] + [Term(v) for v in variants if _key(v) != _key(words)]))
                    i += span
                    merged = True
                    break
        if merged:
            continue
        clause = clauses[i]
        if not clause.negated:
            extra = []
            for term in clause.alternatives:
                if not term.prefix:
                    extra += [Term(v) for v in synonyms.variants(term.words)
                              if _key(v) != _key(term.words)]
            for term in extra:
                if term not in clause.alternatives:
                    clause.alternatives.append(term)
        out.append(clause)
        i += 1
    query.clauses = out


def _is_plain_word(clause: Clause) -> bool:
    return (not clause.negated and len(clause.alternatives) == 1
            and len(clause.alternatives[0].words) == 1 and not clause.alternatives[0].prefix)
