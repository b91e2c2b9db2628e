"""The one small interface every search engine implements.

The web app and the CLI speak only to this; SQLite FTS5 (embedded default) and
Elasticsearch implement it and pass the same contract tests (tests/indexer/engines).
"""

from __future__ import annotations

import html
import re
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

from bleach.sanitizer import Cleaner
from markupsafe import Markup

from indexer.explain import MARK_END, MARK_START, SNIPPET_CHARS, explain, marked_snippet, strip_markers
from indexer.model import Paragraph
from indexer.query import ParsedQuery

# Facet (and filter) names are part of the public API: /api/v1/search?theme=...
FACETS = ("authority", "region", "year", "document_type", "theme", "stance", "judgement", "kind")
# Which paragraph field each facet reads.
FACET_FIELDS = {
    "authority": "authority",
    "region": "region",
    "year": "year",
    "document_type": "document_type",
    "theme": "themes",
    "stance": "stance",
    "judgement": "judgement",
    "kind": "kind",
}
# The stance facet is Ofsted's finding: it counts Ofsted's paragraphs only (a council's words
# about itself are never Ofsted's praise or criticism), unless a kind filter says which to count.
STANCE_COUNTS_KIND = "ofsted"
SORTS = ("relevance", "date")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# How many values a facet returns, most frequent first: every authority (for the
# group-by-authority view), at most FACET_LIMIT of anything else.
FACET_LIMIT = 50
FACET_SIZES = {"authority": 200}
MAX_PAGE_SIZE = 100
# Ranking signals both engines multiply a paragraph's BM25 score by (never conditions):
# the typed words close together, and a theme the query's words name (indexer.search).
NEAR_BONUS = 0.3
THEME_BONUS = 0.5
MAX_OFFSET = 10_000  # deeper paging is what export is for

# Matches are wrapped in MARK_START / MARK_END (private-use characters, indexer.explain);
# ``render_marked`` turns them into <mark> only after the text itself has been escaped.
_ADJACENT_MARKS = re.compile(re.escape(MARK_END) + r"(\s+)" + re.escape(MARK_START))
_MARKERS = re.compile(f"[{MARK_START}{MARK_END}]")
# Characters HTML parsing rewrites or drops (controls, CR, surrogates, noncharacters, BOM;
# astral characters, to be safe): a snippet holding one goes through bleach.
_PARSER_REWRITES = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufeff\ufffe\uffff\U00010000-\U0010ffff]"
)


class EngineError(RuntimeError):
    """The search engine failed; the message says what and why."""


class EngineUnavailable(EngineError):
    """The engine cannot be reached or used right now (e.g. Elasticsearch is down)."""


class IndexWriteError(EngineError):
    """The index could not be written (e.g. a full disk); it still holds what it held before."""


@dataclass
class SearchRequest:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    offset: int = 0
    limit: int = 20
    facets: bool = True
    # False: the caller shows no snippets (e.g. the Atom feed), so an engine may skip
    # highlighting; each hit's "snippet" is then the escaped opening of its text, unmarked.
    snippets: bool = True
    # True: search the words as typed, even one no paragraph holds (no spelling correction).
    as_typed: bool = False
    # Published on or after / on or before these ISO dates (inclusive; None: open). Applies
    # to the hits and to every facet's counts alike. Undated paragraphs fall outside any range.
    date_from: str | None = None
    date_to: str | None = None

    def __post_init__(self):
        self.filters = {k: [v for v in vs if v] for k, vs in self.filters.items() if k in FACETS and any(vs)}
        if self.sort not in SORTS:
            self.sort = "relevance"
        self.limit = max(0, min(int(self.limit), MAX_PAGE_SIZE))
        self.offset = max(0, min(int(self.offset), MAX_OFFSET))
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value is not None and not ISO_DATE.match(value):
                raise ValueError(f"{name} must be a date as YYYY-MM-DD, not {value[:40]!r}")

    @property
    def has_date_range(self) -> bool:
        return bool(self.date_from or self.date_to)


@dataclass
class SearchResponse:
    total: int
    hits: list[dict]  # Paragraph.to_dict() + snippet + score
    # facet -> [(value, count)], most frequent first (ties by value), at most 50 values.
    # A facet's counts apply every filter except that facet's own, so several values
    # of one facet combine with OR while facets combine with AND ("disjunctive facets").
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    query: ParsedQuery | None = None
    # "Did you mean": the query with misspelt words replaced by words the index holds.
    suggestion: str | None = None
    # The search whose results these are, when it is not what was typed (the suggestion,
    # run because a typed word is in no paragraph).
    searched_for: str | None = None


_cleaners = threading.local()


def sanitise_snippet(html_text: str) -> Markup:
    """bleach with only <mark> allowed. The result is Markup, so templates know it
    has been through bleach and need not pay for a second pass."""
    return Markup(_clean(html_text))


# bleach parses HTML in pure Python (about 0.3 ms a snippet); render_marked spares it
# whenever the parse provably changes nothing, so only odd text comes this way.
def _clean(html_text: str) -> str:
    # One Cleaner per thread: building one per call costs a quarter of the work, and
    # a Cleaner must not be shared between threads.
    cleaner = getattr(_cleaners, "cleaner", None)
    if cleaner is None:
        cleaner = _cleaners.cleaner = Cleaner(tags=["mark"], attributes={}, strip=True)
    return cleaner.clean(html_text)


def shorten(text: str, limit: int = SNIPPET_CHARS) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def opening_snippet(text: str) -> Markup:
    """The escaped opening of a paragraph, without highlights: the snippet of an
    exported hit (exports do not highlight), the same from every engine."""
    return Markup(html.escape(shorten(strip_markers(text)), quote=False))


def render_marked(text: str) -> Markup:
    """Escape document text, then turn engine markers into <mark>; a matched
    phrase whose words were marked one by one becomes a single <mark>.

    Belt and braces, bleach then re-parses the result keeping only <mark>
    (``render_marked_through_bleach``). Where that parse provably changes nothing
    (the markers pair up in order and the text holds no character an HTML parser
    rewrites, so escaped text and balanced <mark> elements are all it would find),
    the result is built directly: about 0.003 ms instead of 0.3–0.5 ms a snippet,
    a sixth of a search page's time. The two paths are held equal on generated and
    real text in tests/indexer/engines/test_snippets.py."""
    markers = _MARKERS.findall(text)
    if _PARSER_REWRITES.search(text) or markers != [MARK_START, MARK_END] * (len(markers) // 2):
        return render_marked_through_bleach(text)
    escaped = html.escape(_ADJACENT_MARKS.sub(r"\1", text), quote=False)
    return Markup(escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def render_marked_through_bleach(text: str) -> Markup:
    """``render_marked`` with bleach's parse always."""
    text = _ADJACENT_MARKS.sub(r"\1", text)
    escaped = html.escape(text, quote=False)
    marked = escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return sanitise_snippet(marked)


def annotate(hit: dict, query: ParsedQuery, snippets: bool = True) -> dict:
    """Add what every engine shows with a hit: ``match_reasons`` (which of the query's
    terms it holds, and where) and ``snippet`` (the best window of its text, matches
    marked; the escaped opening when snippets are not wanted)."""
    text = hit.get("text") or ""
    if not query.positive:
        hit["match_reasons"] = []
        hit["snippet"] = opening_snippet(text)
        return hit
    spans, reasons = explain(text, hit.get("section") or "", query)
    hit["match_reasons"] = [r.to_dict() for r in reasons]
    hit["snippet"] = render_marked(marked_snippet(text, spans)) if snippets else opening_snippet(text)
    return hit


class SearchEngine(ABC):
    name: str = "engine"

    @abstractmethod
    def rebuild(self, paragraphs: Iterable[Paragraph]) -> int:
        """Replace the whole index with these paragraphs; the old index keeps
        serving until the new one is complete. Returns the number loaded."""

    @abstractmethod
    def replace_documents(self, document_ids: Iterable[str], paragraphs: Iterable[Paragraph]) -> int:
        """Incremental update: drop these documents' paragraphs, add the new ones."""

    @abstractmethod
    def delete_documents(self, document_ids: Iterable[str]) -> None: ...

    @abstractmethod
    def search(self, request: SearchRequest, query: ParsedQuery) -> SearchResponse: ...

    @abstractmethod
    def scan(self, request: SearchRequest, query: ParsedQuery) -> Iterator[dict]:
        """Every hit of the search, in the request's sort order, streamed (for export)."""

    def scan_values(
        self, request: SearchRequest, query: ParsedQuery, fields: Sequence[str]
    ) -> Iterator[tuple]:
        """``scan``, each hit as a tuple of the named stored fields (None where it has
        none). An engine may read these without making whole hits: exports run to
        100k rows, and the dict of each is a good part of their cost."""
        for hit in self.scan(request, query):
            yield tuple(hit.get(name) for name in fields)

    @abstractmethod
    def suggest(self, words: Sequence[str]) -> dict[str, str]:
        """For each folded word the index does not hold, the closest word it does hold
        (by edit distance, then frequency); words it holds, or with no close word, are left out."""

    @abstractmethod
    def document_paragraphs(self, document_id: str) -> list[dict]: ...

    def paragraph(self, document_id: str, paragraph_number: int) -> dict | None:
        """One paragraph of a document (None: no such paragraph). Engines may look it up directly."""
        for p in self.document_paragraphs(document_id):
            if p.get("paragraph_number") == paragraph_number:
                return p
        return None

    def similar(
        self,
        document_id: str,
        paragraph_number: int,
        *,
        limit: int = 10,
        neighbours_of: str | None = None,
        stance: str | None = None,
    ) -> list[dict]:
        """Similar practice in other councils (indexer.similar): the paragraphs of other
        authorities' Ofsted documents that describe what this paragraph describes, best first,
        at most two per authority, each a hit with its ``score``. ``neighbours_of``: only that
        authority and its statistical neighbours; ``stance``: only paragraphs of that stance.
        Raises indexer.similar.UnknownParagraph, UnknownAuthority, or ValueError (a bad stance)."""
        from indexer.similar import similar

        return similar(
            self, document_id, paragraph_number, limit=limit, neighbours_of=neighbours_of, stance=stance
        )

    def similar_candidates(self, source: dict, constraints, size: int) -> list[dict]:
        """The engine's half of ``similar``: up to ``size`` paragraphs meeting the
        constraints (indexer.similar.Constraints), ranked by the vocabulary they share with
        ``source``, each with its ``score``. Engines implement it in their *_similar module."""
        raise NotImplementedError(f"the {self.name} engine does not find similar paragraphs")

    @abstractmethod
    def document_ids(self) -> set[str]: ...

    @abstractmethod
    def stats(self) -> dict:
        """At least {"paragraphs": N, "documents": N}."""

    @abstractmethod
    def check(self) -> None:
        """Raise EngineUnavailable if the engine cannot serve searches."""

    def close(self) -> None:  # noqa: B027 - an engine with nothing to release need not override it
        pass
