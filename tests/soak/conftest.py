"""The long battery (`make soak`): fuzzing at volume, load against gunicorn, long documents.

Its figures go to reports/soak.md (and a latency plot beside it), written when the
session ends from the sections the tests add.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from pathlib import Path

import pytest

from common.config import Settings

ROOT = Path(__file__).resolve().parents[2]
REPORTS = Path(os.environ.get("OFSTED_FINDINGS_SOAK_REPORTS", ROOT / "reports"))


class SoakReport:
    def __init__(self, folder: Path):
        self.folder = folder
        self.sections: dict[str, str] = {}

    def add(self, title: str, body: str) -> None:
        self.sections[title] = body.strip()

    def write(self) -> Path | None:
        """Merge this run's sections over the last run's, so running one soak test
        updates its own figures and keeps the others."""
        if not self.sections:
            return None
        self.folder.mkdir(parents=True, exist_ok=True)
        store = self.folder / "soak-sections.json"
        sections = json.loads(store.read_text()) if store.exists() else {}
        stamp = f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC"
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        for title, text in self.sections.items():
            sections[title] = {"text": text, "when": stamp, "load": load}
        store.write_text(json.dumps(sections, indent=2, ensure_ascii=False))
        head = [
            "# ofsted-findings soak report",
            "",
            f"Written by `make soak` (tests/soak/) on {platform.node() or 'this machine'}: {os.cpu_count()} "
            f"cores, Python {platform.python_version()}. The figures depend on the machine and on what else "
            "it was doing, so each section says when it ran and the load average then.",
            "",
        ]
        body = [
            f"## {title}\n\n_{s['when']}, load average {s['load']}._\n\n{s['text']}\n"
            for title, s in sections.items()
        ]
        path = self.folder / "soak.md"
        path.write_text("\n".join(head + body))
        return path


@pytest.fixture(scope="session")
def soak_report():
    report = SoakReport(REPORTS)
    yield report
    report.write()


@pytest.fixture(scope="session")
def soak_index(tmp_path_factory) -> Settings:
    """The real focused-visit letters (or, without the shared corpus, the sample letters)
    ingested into a SQLite index."""
    from tests.support.load_generator import build_index

    settings = Settings.from_env(environ={}, data_dir=tmp_path_factory.mktemp("soak") / "data")
    summary = build_index(settings)
    assert summary["index"]["paragraphs"] > 0, summary
    return settings
