"""An authority's history, and the themes raised across authorities (issue 19).

Pure functions over what the index and the catalogue already hold, so both engines give the
same answers: Ofsted's paragraphs (``kind`` ofsted: never a council's words about itself) with
their stance and themes, and each full report's judgements as the metadata readers found them
(indexer/judgements.py, every framework from the 2014 SIF to the 2026 ILACS).

- ``judgements_over_time``: the grades of each judged document, oldest first;
- ``improvements_over_time``: per theme, the documents that raised it as an area for
  improvement, and whether it recurs (raised in more than one document);
- ``compare_documents``: per theme, between two documents, what was resolved (an area for
  improvement in the first, a strength and not an area for improvement in the second), what
  persists, what is new, and what was not raised again;
- ``improvement_counts``: the themes raised as areas for improvement, counted by region and year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

# The fields of a paragraph these views read (an engine's scan_values gives them as tuples).
FINDING_FIELDS = ("document_id", "published", "paragraph_number", "themes", "stance", "region")
OUTCOMES = ("resolved", "persisting", "new", "not_raised_again")
# Grades from best to worst: the judgement chart's scale.
GRADE_ORDER = ("Outstanding", "Good", "Requires improvement to be good", "Requires improvement", "Inadequate")


@dataclass(frozen=True)
class Finding:
    """One of Ofsted's paragraphs, as the history views need it."""

    document_id: str
    published: str | None
    paragraph_number: int
    themes: tuple[str, ...]
    stance: str
    region: str = ""

    @classmethod
    def from_values(cls, values: tuple) -> "Finding":
        document_id, published, number, themes, stance, region = values
        return cls(document_id, published, int(number or 0), tuple(themes or ()), stance or "", region or "")


def judgements_over_time(records: Iterable) -> list[dict]:
    """``{document_id, published, grades}`` for each document whose metadata holds judgements,
    oldest first (undated last). 2026 reports have no overall grade: their grades simply lack it."""
    judged = [
        {"document_id": r.document_id, "published": r.published, "grades": dict(r.metadata["judgements"])}
        for r in records
        if isinstance((r.metadata or {}).get("judgements"), dict) and r.metadata["judgements"]
    ]
    return sorted(judged, key=lambda j: (j["published"] is None, j["published"] or "", j["document_id"]))


def judgement_areas(judgements: list[dict]) -> list[str]:
    """Every area judged, in the order the documents first judged them."""
    return list(dict.fromkeys(area for j in judgements for area in j["grades"]))


def improvements_over_time(findings: Iterable[Finding]) -> list[dict]:
    """``{theme, documents: [{document_id, published, paragraphs}], recurring}``: per theme, the
    documents (oldest first) whose paragraphs raised it as an area for improvement, with those
    paragraphs' numbers. Recurring themes first, then the most often raised, then by name."""
    by_theme: dict[str, dict[str, dict]] = {}
    for f in findings:
        if f.stance != "improvement":
            continue
        for theme in f.themes:
            documents = by_theme.setdefault(theme, {})
            entry = documents.setdefault(
                f.document_id, {"document_id": f.document_id, "published": f.published, "paragraphs": []}
            )
            entry["paragraphs"].append(f.paragraph_number)
    out = []
    for theme, documents in by_theme.items():
        ordered = sorted(documents.values(), key=lambda d: (d["published"] or "9999", d["document_id"]))
        for d in ordered:
            d["paragraphs"] = sorted(set(d["paragraphs"]))
        out.append({"theme": theme, "documents": ordered, "recurring": len(ordered) > 1})
    return sorted(out, key=lambda t: (not t["recurring"], -len(t["documents"]), t["theme"]))


@dataclass
class ThemeChange:
    theme: str
    outcome: str  # one of OUTCOMES
    before: dict[str, list[int]] = field(default_factory=dict)  # stance -> paragraph numbers
    after: dict[str, list[int]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"theme": self.theme, "outcome": self.outcome, "before": self.before, "after": self.after}


def compare_documents(findings: Iterable[Finding], before_id: str, after_id: str) -> list[ThemeChange]:
    """Per theme, what changed from one document to another: ``resolved`` (an area for
    improvement before; a strength, and not an area for improvement, after), ``persisting``
    (an area for improvement in both), ``new`` (an area for improvement after only) and
    ``not_raised_again`` (an area for improvement before, neither after). Themes that were
    never an area for improvement in either are left out."""
    stances: dict[str, dict[str, dict[str, list[int]]]] = {before_id: {}, after_id: {}}
    for f in findings:
        if f.document_id in stances and f.stance in ("strength", "improvement"):
            for theme in f.themes:
                stances[f.document_id].setdefault(theme, {}).setdefault(f.stance, []).append(
                    f.paragraph_number
                )
    before, after = stances[before_id], stances[after_id]
    changes = []
    for theme in sorted(set(before) | set(after)):
        was = "improvement" in before.get(theme, {})
        now = after.get(theme, {})
        if was and "improvement" in now:
            outcome = "persisting"
        elif was and "strength" in now:
            outcome = "resolved"
        elif was:
            outcome = "not_raised_again"
        elif "improvement" in now:
            outcome = "new"
        else:
            continue
        changes.append(
            ThemeChange(
                theme,
                outcome,
                {s: sorted(set(n)) for s, n in before.get(theme, {}).items()},
                {s: sorted(set(n)) for s, n in now.items()},
            )
        )
    return sorted(changes, key=lambda c: (OUTCOMES.index(c.outcome), c.theme))


def improvement_counts(findings: Iterable[Finding]) -> list[dict]:
    """The themes raised as areas for improvement, most often first: per theme, how many
    documents raised it (a letter raising it in five paragraphs counts once) and how many
    paragraphs, in all and by region and by year."""
    themes: dict[str, dict] = {}
    for f in findings:
        if f.stance != "improvement":
            continue
        year = (f.published or "")[:4] or "undated"
        for theme in f.themes:
            t = themes.setdefault(theme, {"documents": set(), "paragraphs": 0, "cells": {}})
            t["documents"].add(f.document_id)
            t["paragraphs"] += 1
            cell = t["cells"].setdefault((f.region or "Unknown region", year), [set(), 0])
            cell[0].add(f.document_id)
            cell[1] += 1
    out = []
    for theme, t in themes.items():
        by_region: dict[str, set] = {}
        by_year: dict[str, set] = {}
        for (region, year), (documents, _) in t["cells"].items():
            by_region.setdefault(region, set()).update(documents)
            by_year.setdefault(year, set()).update(documents)
        out.append(
            {
                "theme": theme,
                "documents": len(t["documents"]),
                "paragraphs": t["paragraphs"],
                "by_region": {r: len(d) for r, d in sorted(by_region.items())},
                "by_year": {y: len(d) for y, d in sorted(by_year.items())},
                "cells": [
                    {"region": region, "year": year, "documents": len(docs), "paragraphs": n}
                    for (region, year), (docs, n) in sorted(t["cells"].items())
                ],
            }
        )
    return sorted(out, key=lambda t: (-t["documents"], -t["paragraphs"], t["theme"]))
