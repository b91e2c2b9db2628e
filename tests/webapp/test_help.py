"""/help explains how themes and stance are assigned and shows their measured accuracy,
read from the figures `make quality` checked in (indexer/quality/figures.json)."""

from __future__ import annotations

import html as html_lib

from common.formatting import long_date
from indexer.quality import FIGURES_FILE, load_figures


def help_text(client) -> str:
    response = client.get("/help")
    assert response.status_code == 200
    return html_lib.unescape(response.get_data(as_text=True))


def test_help_shows_the_measured_figures_from_the_checked_in_file(client):
    figures = load_figures()
    assert figures is not None, f"{FIGURES_FILE} is missing: run make quality"
    text = help_text(client)
    assert f"Measured on {long_date(figures['measured'])}" in text
    row = text[text.index(f"All {figures['paragraphs']} labelled") :]
    for name in ("stance_accuracy", "improvement_recall", "theme_precision", "theme_recall"):
        assert f"{figures['all'][name]:.1%}" in row[:600], name
    assert figures["heldout"], "the figures hold no held-out batch"
    for held in figures["heldout"]:
        label = "all held-out batches" if held["file"] == "all held-out" else held["file"]
        row = text[text.index(f"Held out: {label} ({held['paragraphs']})") :]
        assert (
            f"{held['stance_accuracy']:.1%}" in row[:600] and f"{held['improvement_recall']:.1%}" in row[:600]
        )


def test_help_explains_themes_stance_and_whose_words(client):
    text = help_text(client)
    for words in (
        "How themes are assigned",
        "How strengths and areas for improvement are assigned",
        "not used as widely as it could be",
        "What needs to improve",
        "Council's own words",
        "include_responses=1",
    ):
        assert words in text, words


def test_help_says_so_when_nothing_was_measured(client, monkeypatch):
    import webapp.pages

    monkeypatch.setattr(webapp.pages, "load_figures", lambda: None)
    text = help_text(client)
    assert "has not been measured for this version" in text and "Measured on" not in text


def test_unreadable_figures_are_not_shown(tmp_path):
    broken = tmp_path / "figures.json"
    broken.write_text("{not json", encoding="utf-8")
    assert load_figures(broken) is None
    assert load_figures(tmp_path / "absent.json") is None
