"""indexer/history.py: judgements over time, areas for improvement by theme, what changed between
two documents and the themes counted across authorities, on hand-made findings."""

from __future__ import annotations

from types import SimpleNamespace

from indexer.history import (
    Finding,
    compare_documents,
    improvement_counts,
    improvements_over_time,
    judgement_areas,
    judgements_over_time,
)


def f(document_id, published, n, themes, stance, region="North West"):
    return Finding(document_id, published, n, tuple(themes), stance, region)


FINDINGS = [
    f("a", "2019-01-01", 1, ["pathway-plans"], "improvement"),
    f("a", "2019-01-01", 4, ["pathway-plans", "staying-put"], "improvement"),
    f("a", "2019-01-01", 2, ["health-histories"], "improvement"),
    f("a", "2019-01-01", 3, ["personal-advisers"], "strength"),
    f("b", "2022-01-01", 1, ["pathway-plans"], "improvement"),
    f("b", "2022-01-01", 2, ["health-histories"], "strength"),
    f("b", "2022-01-01", 5, ["personal-advisers"], "improvement"),
    f("c", "2025-01-01", 7, ["pathway-plans"], "improvement", region="London"),
    f("c", "2025-01-01", 8, ["staying-put"], "neutral", region="London"),
]


def test_improvements_are_grouped_by_theme_over_time_and_recurring_when_raised_twice():
    by_theme = {t["theme"]: t for t in improvements_over_time(FINDINGS)}
    pathway = by_theme["pathway-plans"]
    assert pathway["recurring"] is True
    assert [(d["document_id"], d["published"], d["paragraphs"]) for d in pathway["documents"]] == [
        ("a", "2019-01-01", [1, 4]),
        ("b", "2022-01-01", [1]),
        ("c", "2025-01-01", [7]),
    ]
    assert by_theme["staying-put"]["recurring"] is False  # a neutral mention is not raising it
    assert by_theme["personal-advisers"]["documents"][0]["document_id"] == "b"  # the strength is not one
    # Recurring themes first, the most raised first among them.
    assert [t["theme"] for t in improvements_over_time(FINDINGS)][0] == "pathway-plans"


def test_compare_documents_says_what_was_resolved_persists_is_new_or_not_raised_again():
    changes = {c.theme: c for c in compare_documents(FINDINGS, "a", "b")}
    assert changes["health-histories"].outcome == "resolved"
    assert changes["health-histories"].before == {"improvement": [2]}
    assert changes["health-histories"].after == {"strength": [2]}
    assert changes["pathway-plans"].outcome == "persisting"
    assert changes["personal-advisers"].outcome == "new"  # a strength before, an improvement now
    assert changes["staying-put"].outcome == "not_raised_again"
    # Both ways round, and a theme never an area for improvement is left out.
    back = {c.theme: c.outcome for c in compare_documents(FINDINGS, "b", "a")}
    assert back == {
        "pathway-plans": "persisting",
        "personal-advisers": "resolved",
        "health-histories": "new",
        "staying-put": "new",
    }


def test_a_theme_both_praised_and_criticised_now_is_still_persisting():
    both = FINDINGS + [f("b", "2022-01-01", 9, ["pathway-plans"], "strength")]
    assert {c.theme: c.outcome for c in compare_documents(both, "a", "b")}["pathway-plans"] == "persisting"


def test_judgements_over_time_oldest_first_across_frameworks():
    records = [
        SimpleNamespace(
            document_id="new", published="2026-05-01", metadata={"judgements": {"Care leavers": "Good"}}
        ),
        SimpleNamespace(document_id="fv", published="2022-01-01", metadata={}),
        SimpleNamespace(
            document_id="sif",
            published="2015-06-01",
            metadata={"judgements": {"Overall effectiveness": "Inadequate"}},
        ),
    ]
    judged = judgements_over_time(records)
    assert judged == [
        {"document_id": "sif", "published": "2015-06-01", "grades": {"Overall effectiveness": "Inadequate"}},
        {"document_id": "new", "published": "2026-05-01", "grades": {"Care leavers": "Good"}},
    ]
    assert judgement_areas(judged) == ["Overall effectiveness", "Care leavers"]


def test_improvement_counts_count_documents_once_by_region_and_year():
    counts = {t["theme"]: t for t in improvement_counts(FINDINGS)}
    pathway = counts["pathway-plans"]
    assert (pathway["documents"], pathway["paragraphs"]) == (3, 4)  # document a raised it twice
    assert pathway["by_region"] == {"London": 1, "North West": 2}
    assert pathway["by_year"] == {"2019": 1, "2022": 1, "2025": 1}
    assert counts["health-histories"]["documents"] == 1  # a strength in b is not counted
    assert "staying-put" in counts and counts["staying-put"]["documents"] == 1
    assert [t["theme"] for t in improvement_counts(FINDINGS)][0] == "pathway-plans"
