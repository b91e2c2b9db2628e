"""The searches behind the views: one page of hits, hits grouped by
authority, and the theme × authority comparison. All go through the Searcher."""

from __future__ import annotations

from dataclasses import dataclass, field

from indexer.engines.base import SearchResponse
from webapp.params import SearchParams
from webapp.services import services

GROUPS_PER_PAGE = 20
HITS_PER_GROUP = 3
COMPARE_AUTHORITIES = 12
STANCES_COMPARED = ("strength", "improvement")


def search(params: SearchParams) -> SearchResponse:
    response = services().searcher.search(params.request())
    response.notices = list(dict.fromkeys(params.notices + response.notices))
    return within_neighbours(params, response)


def within_neighbours(params: SearchParams, response: SearchResponse) -> SearchResponse:
    """With ``neighbours_of``, the authority facet lists the group's authorities only: a facet's
    counts ignore its own filter (so ticks combine with OR), and the group is that filter."""
    if params.neighbours_of and "authority" in response.facets:
        group = set(params.request(facets=False).filters.get("authority", ()))
        response.facets["authority"] = [(a, n) for a, n in response.facets["authority"] if a in group]
    return response


@dataclass
class AuthorityGroup:
    authority: str
    count: int
    hits: list[dict]
    region: str = ""


def group_by_authority(params: SearchParams) -> tuple[SearchResponse, list[AuthorityGroup]]:
    """One row per authority with its count and best paragraphs (TheyWorkForYou's
    "group by person"). Authorities come from the facet, most matches first."""
    searcher = services().searcher
    overview = within_neighbours(params, searcher.search(params.request(limit=0, offset=0)))
    overview.notices = list(dict.fromkeys(params.notices + overview.notices))
    authorities = overview.facets.get("authority", [])
    start = (params.page - 1) * GROUPS_PER_PAGE
    groups = []
    for name, count in authorities[start : start + GROUPS_PER_PAGE]:
        # Within a group only this authority counts, whatever authorities were ticked.
        best = searcher.search(params.request(limit=HITS_PER_GROUP, offset=0, facets=False, authority=[name]))
        region = best.hits[0].get("region", "") if best.hits else ""
        groups.append(AuthorityGroup(name, count, best.hits, region))
    return overview, groups


@dataclass
class Comparison:
    authorities: list[str]
    themes: list[str]
    counts: dict = field(default_factory=dict)  # (authority, theme, stance) -> n
    totals: dict = field(default_factory=dict)  # authority -> paragraphs matching

    def cell(self, authority: str, theme: str, stance: str) -> int:
        return self.counts.get((authority, theme, stance), 0)

    def rows(self) -> list[dict]:
        return [
            {
                "authority": a,
                "theme": t,
                "strength": self.cell(a, t, "strength"),
                "improvement": self.cell(a, t, "improvement"),
            }
            for a in self.authorities
            for t in self.themes
        ]

    @property
    def largest(self) -> int:
        return max(self.counts.values(), default=0)


def compare(params: SearchParams) -> tuple[SearchResponse, Comparison]:
    """Per authority and theme, how many matching paragraphs are strengths and
    how many areas for improvement. One faceted search picks the authorities;
    one pass over their matching paragraphs counts (a search per authority and
    stance would cost a full set of facets each)."""
    searcher = services().searcher
    overview = within_neighbours(params, searcher.search(params.request(limit=0, offset=0)))
    overview.notices = list(dict.fromkeys(params.notices + overview.notices))
    top = overview.facets.get("authority", [])[:COMPARE_AUTHORITIES]
    authorities = [name for name, _ in top]
    chosen_themes = params.filters.get("theme")
    themes = [t for t, _ in overview.facets.get("theme", []) if not chosen_themes or t in chosen_themes]
    comparison = Comparison(authorities=authorities, themes=themes, totals=dict(top))
    if not authorities or not themes:
        return overview, comparison
    wanted = set(themes)
    counts = comparison.counts
    for hit in searcher.scan(params.request(facets=False, offset=0, authority=authorities)):
        stance = hit.get("stance")
        if stance in STANCES_COMPARED:
            for theme in wanted.intersection(hit.get("themes") or ()):
                key = (hit.get("authority"), theme, stance)
                counts[key] = counts.get(key, 0) + 1
    return overview, comparison
