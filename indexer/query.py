"""The query language users type, parsed once and compiled by each engine.

Syntax (explained to users on the help page):
  staying put          the words, ranked by BM25 over all of them (see below)
  "staying put"        the exact phrase (its words' inflections and UK/US spellings allowed)
  taster | trainer     either (``OR`` works too)
  -hotel  -"B&B"       without
  advis*               prefix

Several plain words: a paragraph must hold most of them (``minimum_should_match``: one
of one or two words, all but one of three or four, three in five of more), so a
paragraph that lacks one of four words is still found, ranked lower. Common words
("in", "the") are dropped unless quoted. A quoted phrase is required.

Synonyms and spellings from the theme taxonomy widen a word or phrase (never a quoted
one, which only takes spelling variants): the typed words are kept and rank above their
synonyms. Typed words that form an expression of the taxonomy ("council tax exemption")
are still words of their own, each also satisfied by the expression's synonyms ("exempt
from council tax"): an expression widens what its words find, never narrows it, and
together its words weigh what one typed word does. A hyphenated word also matches
joined ("pre-tenancy": "pre tenancy" or "pretenancy"). Themes never stand in for words: a paragraph holding none of a clause's
words or synonyms does not match it.

Parsing never fails: whatever cannot be understood is read as plain words and a notice
says so.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field

from indexer.analysis import STOP_WORDS, fold_word, normalise, stems_of
from indexer.analysis import words as words_of

__all__ = ["Clause", "ParsedQuery", "SynonymTable", "Term", "normalise", "parse", "words_of"]

MAX_QUERY_CHARS = 1000
MAX_CLAUSES = 32
# How much a synonym's match counts beside the typed word's (1.0).
SYNONYM_WEIGHT = 0.5
# What a taxonomy expression found whole, as typed, adds beside its words (``_known_expression``).
EXPRESSION_BONUS = 0.5

_TOKEN = re.compile(r'\s*(-?)("([^"]*)"?|\S+)')
# Prefixes English writes joined, hyphenated or apart ("pretenancy", "pre-tenancy", "pre
# tenancy"): a typed word starting with one also matches its two parts as a phrase.
COMPOUND_PREFIXES = (
    "after",
    "anti",
    "co",
    "multi",
    "non",
    "over",
    "post",
    "pre",
    "re",
    "self",
    "semi",
    "sub",
    "under",
    "well",
)
_OR_WORDS = {"|", "or", "||"}


@dataclass(frozen=True)
class Term:
    """A word (one element) or a phrase (several), optionally a prefix.

    ``synonym_of`` names the typed words a synonym widens (None: typed, or a spelling
    variant of what was typed); ``quoted``: typed inside quotes."""

    words: tuple[str, ...]
    prefix: bool = False
    quoted: bool = False
    synonym_of: str | None = None
    # The part of a typed word's weight it carries: below 1 for the words of a taxonomy
    # expression, which together weigh one word (``_known_expression``).
    share: float = 1.0

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    @property
    def stems(self) -> tuple[str, ...]:
        """What the engines match: each word's stem. A prefix is matched against stems, so
        its last word is cut to what it shares with its own stem ("hotels*" -> "hotel")."""
        if self.prefix:
            last = fold_word(self.words[-1])
            return stems_of(self.words[:-1]) + (os.path.commonprefix([last, stems_of((last,))[0]]) or last,)
        return stems_of(self.words)

    @property
    def weight(self) -> float:
        return (SYNONYM_WEIGHT if self.synonym_of else 1.0) * self.share

    def text(self) -> str:
        return " ".join(self.words) + ("*" if self.prefix else "")


@dataclass
class Clause:
    """Alternatives joined by OR; a negated clause excludes its matches; a required
    clause (a quoted phrase) must match, the others count towards minimum_should_match."""

    alternatives: list[Term]
    negated: bool = False
    required: bool = False

    @property
    def typed(self) -> Term:
        return self.alternatives[0]


@dataclass
class ParsedQuery:
    raw: str
    clauses: list[Clause] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    # How many fewer plain clauses a paragraph may hold than the rule asks: a search
    # that found nothing is retried relaxed (see indexer.search), and says so.
    relax: int = 0
    # Themes the typed words name (the taxonomy's tagger run on the query): paragraphs
    # carrying one rank higher. A ranking signal only: a theme never makes a hit.
    themes: tuple[str, ...] = ()

    @property
    def positive(self) -> list[Clause]:
        return [c for c in self.clauses if not c.negated]

    @property
    def negative(self) -> list[Clause]:
        return [c for c in self.clauses if c.negated]

    @property
    def required(self) -> list[Clause]:
        return [c for c in self.positive if c.required]

    @property
    def optional(self) -> list[Clause]:
        """The positive clauses of which ``minimum_should_match`` must match."""
        return [c for c in self.positive if not c.required]

    @property
    def minimum_should_match(self) -> int:
        optional = len(self.optional)
        return max(min(optional, 1), minimum_should_match(optional) - self.relax)

    @property
    def is_empty(self) -> bool:
        return not self.clauses

    def highlight_terms(self) -> list[Term]:
        """Every positive term once: typed words before synonyms, longer before shorter,
        so a paragraph holding "taster flats" is said to match that, not "taster"."""
        terms = list(
            {
                (t.words, t.prefix, t.quoted, t.synonym_of): t for c in self.positive for t in c.alternatives
            }.values()
        )
        return sorted(terms, key=lambda t: (t.synonym_of is not None, -len(t.words)))

    def proximity(self) -> list[tuple[str, ...]]:
        """The stems of each plain clause's typed term, in order, when there are several:
        paragraphs holding them close together rank higher (a ranking signal only,
        never a condition)."""
        out = [c.typed.stems for c in self.optional if not c.typed.prefix]
        return out if len(out) > 1 else []

    def with_words_replaced(self, replacements: dict[str, str]) -> str:
        """The raw query with misspelt words replaced (for "did you mean")."""

        def swap(m: re.Match) -> str:
            word = m.group(0)
            new = replacements.get(word.lower())
            if new is None:
                return word
            return new.capitalize() if word[:1].isupper() else new

        return re.sub(r"[^\W_]+", swap, self.raw)


def minimum_should_match(optional: int) -> int:
    """How many of ``optional`` plain clauses a paragraph must hold."""
    if optional <= 2:
        return min(optional, 1)
    if optional <= 4:
        return optional - 1
    return math.ceil(optional * 0.6)


def _key(words: tuple[str, ...]) -> tuple[str, ...]:
    return stems_of(words)


class SynonymTable:
    """Groups of interchangeable words or phrases (the taxonomy's theme synonyms) and
    spelling variants (which also apply inside quoted phrases)."""

    def __init__(self, groups: list[list[str]] | None = None, spelling: list[list[str]] | None = None):
        self._groups = self._index(groups or [])
        self._spelling = self._index(spelling or [])
        self.longest = max([len(k) for k in (*self._groups, *self._spelling)], default=1)

    @classmethod
    def from_taxonomy(cls, taxonomy) -> "SynonymTable":
        return cls(taxonomy.theme_synonyms(), taxonomy.spelling)

    @staticmethod
    def _index(groups: list[list[str]]) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
        table: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        for group in groups:
            variants = [w for w in (words_of(v) for v in group) if w]
            for v in variants:
                known = table.setdefault(_key(v), [])
                for other in variants:
                    if other not in known:
                        known.append(other)
        return table

    def variants(self, words: tuple[str, ...]) -> list[tuple[str, ...]]:
        """Synonyms and spellings of the whole term (the term itself included)."""
        out = list(self._groups.get(_key(words), []))
        for v in self.spellings(words):
            if v not in out:
                out.append(v)
        return out

    def spellings(self, words: tuple[str, ...]) -> list[tuple[str, ...]]:
        """Spelling variants of a term: of the whole, then of each word in place."""
        out = list(self._spelling.get(_key(words), []))
        for i, word in enumerate(words):
            for alt in self._spelling.get(_key((word,)), []):
                variant = words[:i] + alt + words[i + 1 :]
                if variant not in out:
                    out.append(variant)
        return out

    def is_spelling(self, a: tuple[str, ...], b: tuple[str, ...]) -> bool:
        return _key(b) in {_key(v) for v in self.spellings(a)}

    def is_single_word(self, words: tuple[str, ...]) -> bool:
        """True when the words are only a spelling of one word ("well being"), not a
        synonym group's expression."""
        return _key(words) in self._spelling and _key(words) not in self._groups

    def knows(self, words: tuple[str, ...]) -> bool:
        return _key(words) in self._groups or _key(words) in self._spelling

    def __bool__(self) -> bool:
        return bool(self._groups or self._spelling)


def parse(raw: str, synonyms: SynonymTable | None = None) -> ParsedQuery:
    text = normalise(raw or "").strip()
    query = ParsedQuery(raw=raw or "")
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        query.notices.append(f"Your search was shortened to its first {MAX_QUERY_CHARS} characters.")
    if text.count('"') % 2:
        query.notices.append("An unmatched quotation mark was ignored.")
        cut = text.rindex('"')
        text = text[:cut] + " " + text[cut + 1 :]

    pending_or = False
    for match in _TOKEN.finditer(text):
        minus, token, quoted = match.group(1), match.group(2), match.group(3)
        if not token.strip():
            continue
        if quoted is None and token.lower() in _OR_WORDS:
            pending_or = bool(query.clauses)
            continue
        if quoted is not None:
            words = words_of(quoted)
            clauses = [Clause(_quoted_forms(quoted), required=True)] if words else []
        else:
            clauses = _plain_clauses(token)
        if not clauses:
            continue
        if pending_or and query.clauses and not minus and not query.clauses[-1].negated:
            last = query.clauses[-1]
            last.alternatives.extend(clauses[0].alternatives)
            last.required = False  # "a" | "b": either, so neither alone is required
            clauses = clauses[1:]
        pending_or = False
        for clause in clauses:
            clause.negated = bool(minus)
            query.clauses.append(clause)

    if len(query.clauses) > MAX_CLAUSES:
        query.clauses = query.clauses[:MAX_CLAUSES]
        query.notices.append(f"Only the first {MAX_CLAUSES} words of your search were used.")
    if query.clauses and not query.positive:
        query.notices.append("Your search only excludes words: showing everything else.")
    if not query.clauses and text:
        query.notices.append("Your search has no words to look for.")
    if synonyms:
        _expand(query, synonyms)
    _split_compounds(query)
    _drop_stop_words(query)
    return query


def _quoted_forms(quoted: str) -> list[Term]:
    """A quoted phrase, and the same with its hyphenated words joined ("pre-tenancy
    training" also as "pretenancy training")."""
    forms = [Term(words_of(quoted), quoted=True)]
    joined = words_of(re.sub(r"(?<=\w)-(?=\w)", "", quoted))
    if joined != forms[0].words:
        forms.append(Term(joined, quoted=True))
    return forms


def _plain_clauses(token: str) -> list[Clause]:
    """An unquoted token: a clause per word; a trailing * makes the last one a prefix.
    A hyphenated or punctuated token ("pre-tenancy", "B&B") is one clause: the phrase
    of its parts, or (hyphens only) the parts joined into one word."""
    prefix = token.endswith("*")
    words = words_of(token)
    if not words:
        return []
    if len(words) > 1 and re.search(r"[-&/.'’]", token) and not re.search(r"\s", token):
        alternatives = [Term(words, prefix=prefix)]
        if "-" in token and not prefix:
            alternatives.append(Term(("".join(words),)))
        return [Clause(alternatives)]
    clauses = [Clause([Term((w,))]) for w in words]
    if prefix:
        clauses[-1] = Clause([Term(words[-1:], prefix=True)])
    return clauses


def _expand(query: ParsedQuery, synonyms: SynonymTable) -> None:
    """Widen each positive clause with synonyms and spellings. Consecutive plain words
    that form a taxonomy expression ("taster flats", "council tax exemption") are first
    read as that expression (``_known_expression``)."""
    out: list[Clause] = []
    expressions: list[tuple[Clause, list[Term]]] = []
    clauses = query.clauses
    i = 0
    while i < len(clauses):
        merged = False
        for span in range(min(synonyms.longest, len(clauses) - i), 1, -1):
            window = clauses[i : i + span]
            if all(_is_plain_word(c) for c in window):
                words = tuple(c.typed.words[0] for c in window)
                if synonyms.knows(words):
                    found = _known_expression(words, synonyms)
                    out += [clause for clause, _ in found]
                    expressions += found
                    i += span
                    merged = True
                    break
        if not merged:
            out.append(clauses[i])
            i += 1
    for clause in out:
        if clause.negated:
            continue  # "-advisor" excludes only what was typed
        extra: list[Term] = []
        for term in clause.alternatives:
            if term.prefix:
                continue
            if term.quoted:
                found = [Term(v, quoted=True) for v in synonyms.spellings(term.words)]
            else:
                found = [
                    Term(v, share=term.share)
                    if synonyms.is_spelling(term.words, v)
                    else Term(v, synonym_of=term.text(), share=term.share)
                    for v in synonyms.variants(term.words)
                ]
            extra += [t for t in found if _key(t.words) != _key(term.words)]
        _add_alternatives(clause, extra)
    for clause, whole in expressions:
        _add_alternatives(clause, whole)
    query.clauses = out


def _add_alternatives(clause: Clause, terms: list[Term]) -> None:
    seen = {_key(t.words) for t in clause.alternatives}
    for term in terms:
        if _key(term.words) not in seen:
            seen.add(_key(term.words))
            clause.alternatives.append(term)


def _known_expression(words: tuple[str, ...], synonyms: SynonymTable) -> list[tuple[Clause, list[Term]]]:
    """Typed words that form a taxonomy expression: its clauses, each with the terms
    that stand for the whole expression (added once the words have their own variants).

    One word written apart ("well being", a spelling of "wellbeing") stays one phrase.
    An expression of several words keeps its words as clauses of their own, each also
    satisfied by the whole expression or any of its synonyms: "council tax exemption"
    finds "exempt from paying council tax" and "council tax exemptions" (any two of its
    three words, as for any three typed words), and "setting up home allowance" finds
    "leaving care grant". Each clause weighs 1/n, so an expression of n words counts as
    much in the score as one typed word, and so does any synonym of it; the expression
    found whole, as typed, adds ``EXPRESSION_BONUS`` of that."""
    if synonyms.is_single_word(words):
        return [(Clause([Term(words)]), [])]
    kept = [w for w in words if w not in STOP_WORDS] or list(words)
    share = 1 / len(kept)
    typed = " ".join(words)
    whole = [Term(words, share=share * EXPRESSION_BONUS)]
    for v in synonyms.variants(words):
        if _key(v) == _key(words):
            continue
        if synonyms.is_spelling(words, v):
            whole.append(Term(v, share=share * EXPRESSION_BONUS))
        else:
            whole.append(Term(v, synonym_of=typed, share=share))
    return [(Clause([Term((w,), share=share)]), whole) for w in kept]


def _split_compounds(query: ParsedQuery) -> None:
    """A typed word written joined ("pretenancy") also matches its parts ("pre tenancy",
    "pre-tenancy"), and two typed words written apart ("pre tenancy") match joined; the
    hyphenated form already matches both (``_plain_clauses``)."""
    out: list[Clause] = []
    for clause in query.clauses:
        previous = out[-1] if out else None
        if (
            previous is not None
            and _is_plain_word(previous)
            and _is_plain_word(clause)
            and previous.typed.words[0] in COMPOUND_PREFIXES
        ):
            words = previous.typed.words + clause.typed.words
            out[-1] = Clause([Term(words), Term(("".join(words),))])
        else:
            out.append(clause)
    query.clauses = out
    for clause in query.positive:
        term = clause.typed
        if term.prefix or term.quoted or term.is_phrase:
            continue
        word = term.words[0]
        for prefix in COMPOUND_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 4:
                parts = Term((prefix, word[len(prefix) :]), share=term.share)
                if _key(parts.words) not in {_key(t.words) for t in clause.alternatives}:
                    clause.alternatives.append(parts)
                break


def _drop_stop_words(query: ParsedQuery) -> None:
    """Plain common words go when other words remain: "care leavers in custody"."""

    def is_stop(c: Clause) -> bool:
        return _is_plain_word(c) and c.typed.words[0] in STOP_WORDS

    if any(not is_stop(c) for c in query.positive):
        query.clauses = [c for c in query.clauses if c.negated or not is_stop(c)]


def _is_plain_word(clause: Clause) -> bool:
    return (
        not clause.negated
        and not clause.required
        and len(clause.alternatives) == 1
        and len(clause.typed.words) == 1
        and not clause.typed.prefix
        and not clause.typed.quoted
    )
