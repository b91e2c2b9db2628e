"""Text analysis shared by every engine: what a word is, how it is folded and stemmed.

Both engines index and query the *output* of this module (space-separated stems), so
they agree on what counts as a hit: SQLite's FTS5 and a core-only Elasticsearch node
have no stemmer in common (FTS5 has Porter; the node has neither Porter nor Snowball),
and "the engines may differ in scores, not in what counts as a hit". The stems come
from Snowball's English stemmer (PyStemmer); the engines only split on spaces.

A token is a run of letters and digits with inner apostrophes ("people's", "don't"),
found in the original text with its offsets, so highlighting can mark the original
characters. Folding: NFKC (ligatures, full-width forms), accents removed, lower case,
apostrophes dropped. A hyphenated compound ("pre-tenancy", "well-being") is indexed as
its parts, in order, so the phrase "pre tenancy" finds it, and also joined
(``compounds``), so "pretenancy" finds it too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

# Curly quotes and dashes users paste from Word or PDFs, made plain: the one table of
# the project (the query parser and the engines use it through ``normalise``).
QUOTES = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2010": "-",
        "\u2011": "-",
    }
)
_TOKEN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
# Parts of a hyphenated compound: words joined by hyphens, nothing between.
_COMPOUND = re.compile(r"[^\W_]+(?:[-\u2010\u2011][^\W_]+)+")
_HYPHENS = re.compile(r"[-\u2010\u2011]")
_APOSTROPHES = re.compile(r"['\u2019]")

# Words a query of plain words does not need (a quoted phrase keeps them): "care
# leavers in custody" asks about care leavers and custody.
STOP_WORDS = frozenset(
    """
a an and are as at be been by for from has have in into is it its of on or our that the their
them they this to was were what when where which who will with within
""".split()
)

_stemmer = Stemmer.Stemmer("english")


@dataclass(frozen=True)
class Token:
    start: int  # offsets in the original text
    end: int
    word: str  # folded surface form ("leavers")
    stem: str  # what is indexed and matched ("leaver")


def normalise(text: str) -> str:
    """NFKC with curly quotes and dashes made plain (what users type)."""
    return unicodedata.normalize("NFKC", text).translate(QUOTES)


@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    """A surface word as matched: NFKC, accents off, lower case, no apostrophes."""
    word = unicodedata.normalize("NFKC", word).lower()
    if not word.isascii():
        word = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return _APOSTROPHES.sub("", word)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The stem of a folded word (Snowball English)."""
    return _stemmer.stemWord(word)


def tokens(text: str) -> list[Token]:
    return [Token(start, end, word, stemmed) for (start, end), word, stemmed in zip(*located(text))]


def located(text: str) -> tuple[list[tuple[int, int]], list[str], list[str]]:
    """The text's tokens as parallel lists (spans in the original, folded words, stems):
    ``tokens`` without an object per token, for highlighting every hit of a page."""
    spans, folded, stems = [], [], []
    for m in _TOKEN.finditer(text):
        word, stemmed = _folded_and_stemmed(m.group())
        if word:
            spans.append(m.span())
            folded.append(word)
            stems.append(stemmed)
    return spans, folded, stems


def words(text: str) -> tuple[str, ...]:
    """The folded surface words of a text, in order."""
    return tuple(t.word for t in tokens(text))


def stems_of(words_: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The stems of already folded words (one each, in order)."""
    return tuple(stem(fold_word(w)) for w in words_)


@lru_cache(maxsize=500_000)
def _folded_and_stemmed(raw: str) -> tuple[str, str]:
    word = fold_word(raw)
    return word, stem(word) if word else ""


@dataclass(frozen=True)
class Analysis:
    """A text as the engines index it, made in one pass (indexing reads every paragraph)."""

    stems: str  # space-separated, in order: what an engine indexes
    words: list[str]  # the surface words worth suggesting (letters only, 3+ long)
    count: int  # how many tokens


def analyse(text: str) -> Analysis:
    pairs = [_folded_and_stemmed(raw) for raw in _TOKEN.findall(text)]
    pairs = [(w, s) for w, s in pairs if w]
    return Analysis(
        " ".join(s for _, s in pairs), [w for w, _ in pairs if len(w) >= 3 and w.isalpha()], len(pairs)
    )


def index_form(text: str) -> str:
    """What an engine indexes for a text: its stems, space-separated, in order."""
    return analyse(text).stems


def compounds_with_offsets(text: str) -> list[tuple[int, int, str]]:
    """(start, end, stem) of each hyphenated compound of the text, joined and stemmed
    ("pre-tenancy" -> "preten")."""
    found = []
    for m in _COMPOUND.finditer(text):
        joined = fold_word(_HYPHENS.sub("", m.group()))
        if joined:
            found.append((m.start(), m.end(), stem(joined)))
    return found


def compounds(text: str) -> str:
    """The joined stems of the text's hyphenated compounds, space-separated: indexed
    apart from the text, so "pretenancy" finds "pre-tenancy"."""
    return " ".join(s for _, _, s in compounds_with_offsets(text))


def vocabulary(text: str) -> list[str]:
    """The folded surface words worth suggesting from a text (letters only, 3+ long)."""
    return analyse(text).words
