"""An authority's findings: its documents, and its paragraphs counted by theme and stance
(what its page and /api/v1/authorities/<slug> show)."""

from __future__ import annotations

from indexer.engines.base import SearchRequest
from webapp.attribution import counted_filters
from webapp.searching import STANCES_COMPARED
from webapp.services import services


def authority_records(name: str) -> list:
    return sorted(
        services().store.documents(authority=name),
        key=lambda r: r.published or "",
        reverse=True,
    )


def authority_themes(name: str, include_responses: bool) -> dict[str, dict[str, int]]:
    """theme -> {"strength": n, "improvement": n}: the authority's paragraphs by theme and
    stance, Ofsted's alone unless councils' responses are included."""
    searcher = services().searcher
    themes: dict[str, dict[str, int]] = {}
    for stance in STANCES_COMPARED:
        filters = {"authority": [name], "stance": [stance], **counted_filters(include_responses)}
        response = searcher.search(SearchRequest(filters=filters, limit=0))
        for theme, n in response.facets.get("theme", []):
            themes.setdefault(theme, {"strength": 0, "improvement": 0})[stance] = n
    return themes
