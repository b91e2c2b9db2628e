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
