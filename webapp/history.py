"""An authority's history and the themes raised across authorities, gathered from the catalogue
and the index (issue 19). The arithmetic is indexer/history.py's; this module only asks.

Only Ofsted's paragraphs count (``kind`` ofsted): a council's response saying it has fixed
something is never Ofsted saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from indexer.engines.base import SearchRequest
from indexer.history import (
    FINDING_FIELDS,
    Finding,
    compare_documents,
    improvement_counts,
    improvements_over_time,
    judgements_over_time,
)
from webapp.findings import authority_records
from webapp.params import BadSearchParameters, SearchParams
from webapp.services import services

OFSTED = "ofsted"
STANCES = ["strength", "improvement"]


def findings(filters: dict[str, list[str]], date_from: str | None = None, date_to: str | None = None):
    """Ofsted's strengths and areas for improvement matching ``filters``, as Findings: one pass
    over the engine's scan, reading only the fields the history needs (either engine)."""
    searcher = services().searcher
    request = SearchRequest(
        filters={"stance": STANCES, **filters, "kind": [OFSTED]},
        facets=False,
        snippets=False,
        date_from=date_from,
        date_to=date_to,
    )
    # No words to parse or correct: the engine's scan directly, without the Searcher's probe.
    for values in searcher.engine.scan_values(request, searcher.parse(""), FINDING_FIELDS):
        yield Finding.from_values(values)


@dataclass
class History:
    authority: object  # common.authorities.Authority
    records: list  # every document about the authority, newest first
    neighbours: list[str]
    judgements: list[dict]
    improvements: list[dict]
    findings: list[Finding] = field(default_factory=list)

    @property
    def ofsted_documents(self) -> list:
        """Ofsted's documents about the authority, oldest first: what can be compared."""
        return sorted(
            (r for r in self.records if r.kind == OFSTED and r.status == "ok"),
            key=lambda r: (r.published or "", r.document_id),
        )

    def theme_counts(self) -> dict[str, dict[str, int]]:
        """theme -> {"strength": n, "improvement": n} over Ofsted's paragraphs: what
        webapp.findings.authority_themes counts with two faceted searches, from the findings
        already read (themes ordered as those facets order them: strengths' first)."""
        counted: dict[str, dict[str, int]] = {s: {} for s in STANCES}
        for f in self.findings:
            for theme in f.themes:
                counted[f.stance][theme] = counted[f.stance].get(theme, 0) + 1
        themes: dict[str, dict[str, int]] = {}
        for stance in STANCES:
            for theme, n in sorted(counted[stance].items(), key=lambda item: (-item[1], item[0])):
                themes.setdefault(theme, {"strength": 0, "improvement": 0})[stance] = n
        return themes

    def since_last(self) -> tuple | None:
        """(previous document, newest document, changes) for the newest of Ofsted's documents,
        or None when there are fewer than two."""
        documents = self.ofsted_documents
        if len(documents) < 2:
            return None
        before, after = documents[-2], documents[-1]
        return before, after, compare_documents(self.findings, before.document_id, after.document_id)

    def compare(self, before_id: str, after_id: str) -> tuple:
        """(before, after, changes) between two of the authority's documents; an id that is not
        one of them is a BadSearchParameters listing the valid ones."""
        by_id = {r.document_id: r for r in self.ofsted_documents}
        problems = [
            f"{name} {value!r} is not one of {self.authority.name}'s Ofsted documents: choose from "
            + ", ".join(f"{r.document_id} ({r.published or 'undated'})" for r in self.ofsted_documents)
            for name, value in (("from", before_id), ("to", after_id))
            if value not in by_id
        ]
        if problems:
            raise BadSearchParameters(problems)
        return by_id[before_id], by_id[after_id], compare_documents(self.findings, before_id, after_id)


def authority_history(authority) -> History:
    register = services().register
    records = authority_records(authority.name)
    found = list(findings({"authority": [authority.name]}))
    return History(
        authority=authority,
        records=records,
        neighbours=[n.name for n in register.neighbours_of(authority)],
        judgements=judgements_over_time(r for r in records if r.kind == OFSTED),
        improvements=improvements_over_time(found),
        findings=found,
    )


def theme_trends(params: SearchParams) -> list[dict]:
    """The themes most often raised as areas for improvement among the paragraphs a search's
    filters and date range select (words are not used: this counts findings, not matches)."""
    filters = params.request(facets=False).filters
    filters = {facet: values for facet, values in filters.items() if facet not in ("stance", "kind")}
    rows = findings({**filters, "stance": ["improvement"]}, params.date_from, params.date_to)
    return improvement_counts(rows)
