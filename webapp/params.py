"""Reading a search from a URL's query string, the same way for pages, API,
exports and feeds, so every view of a search is addressable by its URL."""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from indexer.engines.base import FACETS, ISO_DATE, MAX_OFFSET, MAX_PAGE_SIZE, SORTS, SearchRequest
from indexer.filter_values import (
    NEIGHBOURS_OF,
    UnknownFilterValue,
    limit_to_neighbours,
    neighbour_group,
    resolve,
)

DEFAULT_PER_PAGE = 20
MAX_FILTER_VALUES = 50
MAX_VALUE_CHARS = 200
VIEWS = ("paragraphs", "authorities")
NO_AUTHORITY = "(none of the chosen neighbours)"  # an authority filter value that matches nothing


class BadSearchParameters(ValueError):
    """A parameter that cannot be read; ``problems`` says which and why."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class SearchParams:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    offset: int = 0
    view: str = "paragraphs"
    as_typed: bool = False  # no spelling correction ("search instead for" what was typed)
    date_from: str | None = None  # published on or after (the "from" argument)
    date_to: str | None = None  # published on or before (the "to" argument)
    notices: list[str] = field(default_factory=list)
    # Authorities whose statistical neighbours (and themselves) limit the search (issue 19).
    neighbours_of: list[str] = field(default_factory=list)

    def request(
        self,
        *,
        facets: bool = True,
        limit: int | None = None,
        offset: int | None = None,
        snippets: bool = True,
        **filters: list[str],
    ) -> SearchRequest:
        merged = {**self.filters, **filters}
        if self.neighbours_of:
            try:
                merged = limit_to_neighbours(merged, self.neighbours_of)
            except UnknownFilterValue:
                # Checked when the parameters were read (the API refused it; a page said so):
                # an authority outside the group matches nothing.
                merged["authority"] = [NO_AUTHORITY]
        if merged.get("stance") and "kind" not in merged:
            # A stance is Ofsted's finding: filtering by one keeps to Ofsted's paragraphs.
            merged["kind"] = ["ofsted"]
        return SearchRequest(
            q=self.q,
            filters=merged,
            sort=self.sort,
            offset=self.offset if offset is None else offset,
            limit=self.per_page if limit is None else limit,
            facets=facets,
            snippets=snippets,
            as_typed=self.as_typed,
            date_from=self.date_from,
            date_to=self.date_to,
        )

    def query_args(self, **changes) -> MultiDict:
        """The URL arguments for this search, with some changed: for links
        that toggle a facet value, change the sort or go to another page."""
        args = MultiDict()
        state = {
            "q": self.q,
            "sort": self.sort if self.sort != "relevance" else None,
            "view": self.view if self.view != "paragraphs" else None,
            "page": self.page if self.page > 1 else None,
            "per_page": self.per_page if self.per_page != DEFAULT_PER_PAGE else None,
            "as_typed": "1" if self.as_typed else None,
            "from": self.date_from,
            "to": self.date_to,
        }
        state.update(changes)
        for value in state.pop(NEIGHBOURS_OF, self.neighbours_of) or []:
            args.add(NEIGHBOURS_OF, value)
        for facet in FACETS:
            for value in state.pop(facet, self.filters.get(facet, [])) or []:
                args.add(facet, value)
        for key, value in state.items():
            if value not in (None, ""):
                args.add(key, value)
        return args

    def toggled(self, facet: str, value: str) -> MultiDict:
        current = list(self.filters.get(facet, []))
        current = [v for v in current if v != value] if value in current else current + [value]
        return self.query_args(**{facet: current, "page": None})

    @property
    def has_filters(self) -> bool:
        return any(self.filters.values()) or bool(self.date_from or self.date_to or self.neighbours_of)


def _int(args: MultiDict, name: str, default: int, problems: list[str]) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        problems.append(f"{name} must be a whole number, not {raw[:40]!r}")
        return default


def parse_search_args(args: MultiDict, *, strict: bool = False) -> SearchParams:
    """Read a search. Out-of-range values are clamped with a notice; values
    that cannot be read raise BadSearchParameters when ``strict`` (the API),
    and otherwise fall back to defaults with a notice (the pages)."""
    problems: list[str] = []
    notices: list[str] = []
    params = SearchParams(q=args.get("q", ""))

    for facet in FACETS:
        values = [v.strip()[:MAX_VALUE_CHARS] for v in args.getlist(facet) if v.strip()]
        if len(values) > MAX_FILTER_VALUES:
            notices.append(f"Only the first {MAX_FILTER_VALUES} {facet} filters were used.")
            values = values[:MAX_FILTER_VALUES]
        resolved = []
        for value in values:
            try:
                resolved.append(resolve(facet, value))
            except UnknownFilterValue as exc:
                # The API refuses it (400, with the valid values); a page keeps it, matching
                # nothing, and says why.
                problems.append(str(exc)) if strict else notices.append(
                    str(exc)[0].upper() + str(exc)[1:] + "."
                )
                resolved.append(value)
        if resolved:
            params.filters[facet] = list(dict.fromkeys(resolved))

    _read_neighbours_of(
        args,
        params,
        problems.append if strict else lambda p: notices.append(_sentence(p)),
        lambda p: notices.append(_sentence(p)),
    )

    for name, attribute in (("from", "date_from"), ("to", "date_to")):
        raw = args.get(name, "").strip()
        if raw and not ISO_DATE.match(raw):
            problems.append(f"{name} must be a date as YYYY-MM-DD, not {raw[:40]!r}")
        elif raw:
            setattr(params, attribute, raw)
    if params.date_from and params.date_to and params.date_from > params.date_to:
        # An empty range, not an error: nothing was published in it.
        notices.append(f"No date is both on or after {params.date_from} and on or before {params.date_to}.")

    sort = args.get("sort", "relevance") or "relevance"
    if sort not in SORTS:
        problems.append(f"sort must be one of {', '.join(SORTS)}, not {sort[:40]!r}")
        sort = "relevance"
    params.sort = sort

    params.as_typed = args.get("as_typed", "").strip().lower() in ("1", "true", "yes")

    view = args.get("view", "paragraphs") or "paragraphs"
    params.view = view if view in VIEWS else "paragraphs"

    per_page = _int(args, "per_page", _int(args, "limit", DEFAULT_PER_PAGE, problems), problems)
    if per_page < 1 or per_page > MAX_PAGE_SIZE:
        notices.append(f"Results per page must be between 1 and {MAX_PAGE_SIZE}.")
        per_page = min(max(per_page, 1), MAX_PAGE_SIZE)
    params.per_page = per_page

    if "offset" in args and "page" not in args:
        offset = _int(args, "offset", 0, problems)
    else:
        page = _int(args, "page", 1, problems)
        if page < 1:
            notices.append("Page numbers start at 1.")
            page = 1
        offset = (page - 1) * per_page
    if offset < 0:
        notices.append("offset cannot be negative.")
        offset = 0
    if offset > MAX_OFFSET:
        notices.append(
            f"Only the first {MAX_OFFSET:,} results can be paged through; "
            "download the whole result set to see them all."
        )
        offset = MAX_OFFSET - MAX_OFFSET % per_page
    params.offset = offset
    params.page = offset // per_page + 1

    if problems and strict:
        raise BadSearchParameters(problems)
    params.notices = notices + [p[0].upper() + p[1:] + "." for p in problems]
    return params


def _read_neighbours_of(args: MultiDict, params: SearchParams, problem, notice) -> None:
    """``neighbours_of=<authority>``: the search limited to the authority and its statistical
    neighbours. An authority that names nothing is a problem listing the valid values (the API's
    400; a page's notice). An authority filter outside every group is two valid filters that no
    paragraph meets together, like a date range that ends before it starts: it matches nothing,
    and a notice lists the group."""
    values = [v.strip()[:MAX_VALUE_CHARS] for v in args.getlist(NEIGHBOURS_OF) if v.strip()]
    anchors, known = [], True
    for value in values[:MAX_FILTER_VALUES]:
        try:
            anchors.append(neighbour_group(value)[0])
        except UnknownFilterValue as exc:
            problem(str(exc))
            anchors.append(value)  # a page keeps it, matching nothing, as with other filters
            known = False
    params.neighbours_of = list(dict.fromkeys(anchors))
    if params.neighbours_of and known:
        try:
            limit_to_neighbours(params.filters, params.neighbours_of)
        except UnknownFilterValue as exc:
            notice(str(exc))


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + "."
