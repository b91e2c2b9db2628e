"""Geometry for the compare page's bar charts, drawn as plain SVG in the
template (no script, so the chart works with JavaScript off and under our CSP)."""

from __future__ import annotations

from dataclasses import dataclass

LABEL_WIDTH = 220
BAR_AREA = 360
BAR_HEIGHT = 12
ROW_GAP = 10
TOP = 8
CHARTED_THEMES = 6


@dataclass
class Bar:
    x: int
    y: int
    width: int
    height: int
    value: int
    stance: str


@dataclass
class Row:
    label: str
    label_y: int
    bars: list[Bar]


@dataclass
class Chart:
    theme: str
    width: int
    height: int
    rows: list[Row]
    scale_max: int


def theme_charts(comparison) -> list[Chart]:
    """One small chart per theme: for each authority, a bar for strengths and one
    for areas for improvement, on a scale shared by all charts so they compare."""
    scale_max = max(comparison.largest, 1)
    charts = []
    for theme in comparison.themes[:CHARTED_THEMES]:
        rows, y = [], TOP
        for authority in comparison.authorities:
            bars = []
            for i, stance in enumerate(("strength", "improvement")):
                value = comparison.cell(authority, theme, stance)
                width = round(BAR_AREA * value / scale_max)
                bars.append(
                    Bar(
                        LABEL_WIDTH,
                        y + i * BAR_HEIGHT,
                        max(width, 1 if value else 0),
                        BAR_HEIGHT - 1,
                        value,
                        stance,
                    )
                )
            rows.append(Row(authority, y + BAR_HEIGHT + 4, bars))
            y += 2 * BAR_HEIGHT + ROW_GAP
        charts.append(Chart(theme, LABEL_WIDTH + BAR_AREA + 40, y + TOP, rows, scale_max))
    return charts


# -- an authority's judgements over time, and counts of themes (issue 19) -----------------
# Grade levels from best (top) to worst; the SIF's "Requires improvement" and ILACS's
# "Requires improvement to be good" are the same level.
GRADE_LEVELS = ("Outstanding", "Good", "Requires improvement", "Inadequate")
LEVEL_GAP = 22
STEP = 90  # between two judged documents


@dataclass
class Point:
    x: int
    y: int
    grade: str
    published: str | None
    document_id: str


@dataclass
class TimeChart:
    area: str
    width: int
    height: int
    levels: list[tuple[str, int]]  # (grade, y) for the scale
    points: list[Point]
    dates: list[tuple[str, int]]  # (date, x) under the axis

    @property
    def line(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


def grade_level(grade: str) -> int | None:
    text = grade.lower()
    for i, level in enumerate(GRADE_LEVELS):
        if text.startswith(level.lower()):
            return i
    return None


def judgement_charts(judgements: list[dict]) -> list[TimeChart]:
    """One small line chart per judged area: each judged document a point at its grade's level,
    documents evenly spaced in date order on an axis all the charts share (so they line up)."""
    xs = {j["document_id"]: LABEL_WIDTH + 20 + i * STEP for i, j in enumerate(judgements)}
    width = LABEL_WIDTH + 40 + max(len(judgements) - 1, 0) * STEP + 40
    levels = [(grade, TOP + 10 + i * LEVEL_GAP) for i, grade in enumerate(GRADE_LEVELS)]
    height = levels[-1][1] + 34
    dates = [(j["published"] or "undated", xs[j["document_id"]]) for j in judgements]
    areas = list(dict.fromkeys(area for j in judgements for area in j["grades"]))
    charts = []
    for area in areas:
        points = []
        for j in judgements:
            grade = j["grades"].get(area)
            level = grade_level(grade) if grade else None
            if level is not None:
                points.append(
                    Point(xs[j["document_id"]], levels[level][1], grade, j["published"], j["document_id"])
                )
        if points:
            charts.append(TimeChart(area, width, height, levels, points, dates))
    return charts


def count_chart(title: str, counts: list[tuple[str, int]]) -> Chart:
    """A bar per label (e.g. a theme and how many documents raised it), longest first."""
    scale_max = max((n for _, n in counts), default=0) or 1
    rows, y = [], TOP
    for label, value in counts:
        width = round(BAR_AREA * value / scale_max)
        bar = Bar(LABEL_WIDTH, y, max(width, 1 if value else 0), BAR_HEIGHT + 2, value, "improvement")
        rows.append(Row(label, y + BAR_HEIGHT, [bar]))
        y += BAR_HEIGHT + ROW_GAP + 2
    return Chart(title, LABEL_WIDTH + BAR_AREA + 50, y + TOP, rows, scale_max)
