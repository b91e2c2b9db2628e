"""Extraction quality against the hand-labelled gold set (``python -m indexer.quality``).

``FIGURES_FILE`` holds the last measured figures, written by ``make quality`` and checked
in; the web app's /help page reads it with ``load_figures`` (cheaply: no extraction code)."""

from __future__ import annotations

import json
from pathlib import Path

FIGURES_FILE = Path(__file__).with_name("figures.json")


def load_figures(path: Path = FIGURES_FILE) -> dict | None:
    """The last measured figures, or None when they have never been measured or the
    file cannot be read (the page then says so rather than showing a guess)."""
    try:
        figures = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return figures if isinstance(figures, dict) and isinstance(figures.get("all"), dict) else None
