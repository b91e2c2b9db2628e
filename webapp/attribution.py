"""Ofsted's findings are Ofsted's words only (issue 17).

The views that count findings as Ofsted's — compare ("paragraphs Ofsted wrote as
strengths"), the authority page ("Themes Ofsted praised or criticised") and their
API equivalents — count paragraphs whose ``kind`` is ``ofsted`` unless the user ticks
"Include councils' responses" (``include_responses=1``). A council's press release
("Staying put is something we are very proud of") is then never Ofsted's praise.
"""

from __future__ import annotations

from webapp.params import BadSearchParameters, SearchParams

PARAMETER = "include_responses"
OFSTED_ONLY = ["ofsted"]
_YES = frozenset({"1", "true", "on", "yes"})
_NO = frozenset({"", "0", "false", "off", "no"})


def include_responses(args, *, strict: bool = False) -> bool:
    """Whether the user chose to count councils' responses too. The API (``strict``)
    refuses a value it cannot read; a page reads it as "no"."""
    raw = (args.get(PARAMETER) or "").strip().lower()
    if raw in _YES:
        return True
    if strict and raw not in _NO:
        raise BadSearchParameters([f"{PARAMETER} must be 1 or 0, not {raw[:40]!r}"])
    return False


def counted_filters(include: bool) -> dict[str, list[str]]:
    """The filter that keeps a count to Ofsted's documents, or none."""
    return {} if include else {"kind": list(OFSTED_ONLY)}


def restrict(params: SearchParams, include: bool) -> SearchParams:
    """Keep a search to Ofsted's documents unless councils' responses are included.
    Set on the parameters, so every link the page builds from them (to the paragraphs
    behind a count) shows the same paragraphs the count was made from."""
    params.filters.update(counted_filters(include))
    return params
