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
    terms: list[str] = field(default_factory=list)          # words that tag a paragraph
    synonyms: list[list[str]] = field(default_factory=list)  # interchangeable in search
    pattern: re.Pattern | None = None

    def matches(self, text: str) -> list[str]:
        if self.pattern is None:
            return []
        found = []
        for m in self.pattern.finditer(text):
            term = m.group(0).lower()
            if term not in found:
                found.append(term)
        return found


def _term_regex(term: str) -> str:
    # Whole words; a space matches any run of spaces or hyphens; a trailing
    # plural or possessive is allowed ("flats", "leavers’").
    words = [re.escape(w) for w in re.split(r"[\s-]+", term.strip()) if w]
    return r"\b" + r"[\s\-]+".join(words) + r"(?:s|es|’s|'s|s’|s')?\b"


@dataclass
class Taxonomy:
    themes: list[Theme]
    spelling: list[list[str]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path | str | None = None) -> "Taxonomy":
        return _load(str(path or DEFAULT_TAXONOMY))

    def get(self, theme_id: str) -> Theme | None:
        return next((t for t in self.themes if t.id == theme_id), None)

    def labels(self) -> dict[str, str]:
        return {t.id: t.label for t in self.themes}

    def synonym_groups(self) -> list[list[str]]:
        return [g for t in self.themes for g in t.synonyms] + list(self.spelling)

    def tag(self, text: str) -> dict[str, list[str]]:
        """Theme id -> the terms that matched, in taxonomy order."""
        return {t.id: hits for t in self.themes if (hits := t.matches(text))}


@lru_cache(maxsize=8)
def _load(path: str) -> Taxonomy:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    spelling = [list(map(str, g)) for g in data.get("spelling", [])]
    themes = []
    for raw in data.get("themes", []):
        theme = Theme(id=raw["id"], label=raw["label"], description=raw.get("description", ""),
                      terms=[str(t) for t in raw.get("terms", [])],
                      synonyms=[list(map(str, g)) for g in raw.get("synonyms", [])])
        variants = set(theme.terms)
        for group in spelling:  # "personal adviser" also matches "personal advisor"
            for term in list(variants):
                for a in group:
                    if re.search(rf"\b{re.escape(a)}\b", term, re.I):
                        variants.update(re.sub(rf"\b{re.escape(a)}\b", b, term, flags=re.I) for b in group)
        if variants:
            alternation = "|".join(_term_regex(v) for v in sorted(variants, key=len, reverse=True))
            theme.pattern = re.compile(alternation, re.IGNORECASE)
        themes.append(theme)
    return Taxonomy(themes=themes, spelling=spelling)
