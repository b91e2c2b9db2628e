"""The editable theme taxonomy (taxonomy.yaml) and tagging paragraphs with it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

DEFAULT_TAXONOMY = Path(__file__).with_name("taxonomy.yaml")


@dataclass
class Theme:
    id: str
    label: str
    description: str = ""
    terms: list[str] = field(default_factory=list)  # words that tag a paragraph
    # Words too common to tag alone ("leaders", "education"): they tag only
    # when the paragraph uses them twice, or beside one of the theme's terms.
    context_terms: list[str] = field(default_factory=list)
    context_pattern: re.Pattern | None = None
    synonyms: list[list[str]] = field(default_factory=list)  # interchangeable in search
    # Phrases in which a term means something else ("relationships between services",
    # "mental health needs" for health histories): a term inside one does not count.
    not_terms: list[str] = field(default_factory=list)
    not_pattern: re.Pattern | None = None
    pattern: re.Pattern | None = None  # matched against the lower-cased text
    acronyms: re.Pattern | None = None  # "PA", "SEND", "B&B": case matters ("send" is a verb)
    first_words: frozenset = frozenset()  # a cheap test before any regex runs
    acronym_words: frozenset = frozenset()
    # Terms grouped by their first word: a pattern that starts with a literal
    # word is many times faster than one alternation of every term.
    by_first_word: dict = field(default_factory=dict)

    def matches(self, text: str, lowered: str | None = None, words: set | None = None) -> list[str]:
        """The distinct terms found, or [] when only context terms were found
        and fewer than twice."""
        spans = self._spans(text, lowered, words)
        found = []
        for _, _, term in spans:
            if term not in found:
                found.append(term)
        if (
            self.context_pattern is not None
            and found
            and all(self.context_pattern.fullmatch(t) for t in found)
        ):
            # Twice, or as the paragraph's subject ("Senior leaders have ...").
            if len(spans) < 2 and spans[0][0] > 0:
                return []
        return found

    def _spans(self, text: str, lowered: str | None, words: set | None) -> list[tuple[int, int, str]]:
        lowered = text.lower() if lowered is None else lowered
        if words is None:
            checks = [(self.pattern, lowered)]
        else:
            checks = [
                (self.by_first_word[w], lowered)
                for w in self.first_words.intersection(words)
                if w in self.by_first_word
            ]
        spans = []
        if self.acronyms is not None and (words is None or not self.acronym_words.isdisjoint(words)):
            checks.append((self.acronyms, text))
        for pattern, subject in checks:
            if pattern is not None:
                # The grouped patterns start with a bare word (fast to find);
                # the word boundary before it is checked here.
                spans += [
                    (m.start(), m.end(), m.group(0).lower())
                    for m in pattern.finditer(subject)
                    if m.start() == 0
                    or not (subject[m.start() - 1].isalnum() or subject[m.start() - 1] == "_")
                ]
        if spans and self.not_pattern is not None:
            excluded = [(m.start(), m.end()) for m in self.not_pattern.finditer(lowered)]
            spans = [s for s in spans if not any(a < s[1] and s[0] < b for a, b in excluded)]
        # "senior leaders" holds "leaders": one mention, not two.
        spans.sort(key=lambda s: (s[0], -s[1]))
        kept: list[tuple[int, int, str]] = []
        for span in spans:
            if kept and span[1] <= kept[-1][1]:
                continue
            kept.append(span)
        return kept


def _term_regex(term: str, leading_boundary: bool = True) -> str:
    # Whole words; a space matches any run of spaces or hyphens; a trailing
    # plural or possessive is allowed ("flats", "leavers’").
    words = [re.escape(w) for w in re.split(r"[\s-]+", term.strip()) if w]
    return (r"\b" if leading_boundary else "") + r"[\s\-]+".join(words) + r"(?:s|es|’s|'s|s’|s')?\b"


def _is_acronym(term: str) -> bool:
    letters = [c for c in term if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters) and " " not in term.strip()


@dataclass
class Taxonomy:
    themes: list[Theme]
    spelling: list[list[str]] = field(default_factory=list)
    # Sentences that only say what inspectors read or whom they met ("They also looked at
    # performance management information"): a subject named there is named in passing.
    passing: re.Pattern | None = None
    passing_words: tuple = ()  # each phrase's words: a cheap test before the regex runs

    @classmethod
    def load(cls, path: Path | str | None = None) -> "Taxonomy":
        return _load(str(path or DEFAULT_TAXONOMY))

    def get(self, theme_id: str) -> Theme | None:
        return next((t for t in self.themes if t.id == theme_id), None)

    def labels(self) -> dict[str, str]:
        return {t.id: t.label for t in self.themes}

    def synonym_groups(self) -> list[list[str]]:
        return self.theme_synonyms() + list(self.spelling)

    def theme_synonyms(self) -> list[list[str]]:
        """The themes' groups of interchangeable words (search widens a word with them)."""
        return [g for t in self.themes for g in t.synonyms]

    def tag(self, text: str) -> dict[str, list[str]]:
        """Theme id -> the terms that matched, in taxonomy order."""
        lowered = text.lower()
        words = _words(lowered)
        if (
            self.passing is not None
            and any(w <= words for w in self.passing_words)
            and self.passing.search(text)
        ):
            text = " ".join(s for s in re.split(r"(?<=[.!?])\s+", text) if not self.passing.search(s))
            lowered = text.lower()
            words = _words(lowered)
        return {
            t.id: hits
            for t in self.themes
            if not t.first_words.isdisjoint(words) and (hits := t.matches(text, lowered, words))
        }


def _words(lowered: str) -> set[str]:
    words = set(re.findall(r"[\w&]+", lowered))
    # "hotels" must reach the term "hotel", "leavers" the term "leaver".
    words.update(w[:-1] for w in list(words) if w.endswith("s"))
    words.update(w[:-2] for w in list(words) if w.endswith("es"))
    return words


def _first_word(term: str) -> str:
    return re.findall(r"[\w&]+", term.lower())[0]


def _spelled(terms: set[str], spelling: list[list[str]]) -> set[str]:
    """The terms with every spelling variant ("personal adviser" -> "personal advisor")."""
    variants = set(terms)
    for group in spelling:
        for term in list(variants):
            for a in group:
                if re.search(rf"\b{re.escape(a)}\b", term, re.I):
                    variants.update(re.sub(rf"\b{re.escape(a)}\b", b, term, flags=re.I) for b in group)
    return variants


@lru_cache(maxsize=8)
def _load(path: str) -> Taxonomy:
    # libyaml's loader when present: loading is part of every worker's start-up.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader) or {}
    spelling = [list(map(str, g)) for g in data.get("spelling", [])]
    themes = []
    for raw in data.get("themes", []):
        theme = Theme(
            id=raw["id"],
            label=raw["label"],
            description=raw.get("description", ""),
            terms=[str(t) for t in raw.get("terms", [])],
            context_terms=[str(t) for t in raw.get("context_terms", [])],
            synonyms=[list(map(str, g)) for g in raw.get("synonyms", [])],
            not_terms=[str(t) for t in raw.get("not_terms", [])],
        )
        variants = _spelled(set(theme.terms) | set(theme.context_terms), spelling)
        context = _spelled(set(theme.context_terms), spelling)
        if theme.not_terms:
            theme.not_pattern = re.compile(
                "|".join(_term_regex(v.lower()) for v in _spelled(set(theme.not_terms), spelling))
            )
        if context:
            theme.context_pattern = re.compile("|".join(_term_regex(v.lower()) for v in context), re.I)
        acronyms = {v for v in variants if _is_acronym(v)}
        words = variants - acronyms
        theme.first_words = frozenset(_first_word(v) for v in variants if re.search(r"\w", v))
        if words:
            alternation = "|".join(_term_regex(v.lower()) for v in sorted(words, key=len, reverse=True))
            theme.pattern = re.compile(alternation)
            grouped: dict[str, list[str]] = {}
            for v in sorted(words, key=len, reverse=True):
                grouped.setdefault(_first_word(v), []).append(_term_regex(v.lower(), leading_boundary=False))
            theme.by_first_word = {w: re.compile("|".join(rx)) for w, rx in grouped.items()}
        if acronyms:
            theme.acronym_words = frozenset(_first_word(v) for v in acronyms)
            alternation = "|".join(_term_regex(v) for v in sorted(acronyms, key=len, reverse=True))
            theme.acronyms = re.compile(alternation)
        themes.append(theme)
    passing = [str(p) for p in data.get("passing", [])]
    return Taxonomy(
        themes=themes,
        spelling=spelling,
        passing=re.compile("|".join(_term_regex(p.lower()) for p in passing), re.I) if passing else None,
        passing_words=tuple(frozenset(re.findall(r"[\w&]+", p.lower())) for p in passing),
    )
