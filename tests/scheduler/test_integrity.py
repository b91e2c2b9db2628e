"""The weekly integrity check against the real SQLite engine and a real index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from indexer.engines import open_engine
from indexer.pipeline import ingest
from scheduler import history
from scheduler.config import load_config
from scheduler.integrity import check_integrity
from scheduler.jobs import Runtime, run_job

SAMPLES = Path(__file__).resolve().parents[2] / "replica" / "sample" / "ofsted"


@pytest.fixture
def indexed(settings):
    files = sorted(SAMPLES.glob("fv-*.txt"))[:3]
    summary = ingest(settings, files, progress=False, workers=1)
    assert summary.index.indexed == 3
    return settings


def _break_index(settings) -> tuple[str, str]:
    """Drop one document from the index and one from the catalogue."""
    with sqlite3.connect(settings.catalogue_path) as db:
        ids = [r[0] for r in db.execute("SELECT document_id FROM documents ORDER BY document_id")]
        db.execute("DELETE FROM versions WHERE document_id=?", (ids[1],))
        db.execute("DELETE FROM documents WHERE document_id=?", (ids[1],))
    engine = open_engine(settings)
    try:
        engine.delete_documents([ids[0]])
    finally:
        engine.close()
    return ids[0], ids[1]


def test_a_consistent_index_passes(indexed):
    report = check_integrity(indexed)
    assert report["consistent"] and report["documents"] == report["indexed_documents"] == 3


def test_missing_and_orphaned_documents_are_found(indexed):
    missing, orphan = _break_index(indexed)
    report = check_integrity(indexed)
    assert not report["consistent"]
    assert report["missing_ids"] == [missing] and report["orphaned_ids"] == [orphan]


def _integrity_spec(tmp_path, repair: bool):
    override = tmp_path / "schedule.yaml"
    override.write_text(f"jobs: {{integrity-check: {{repair: {str(repair).lower()}, retries: 0}}}}\n")
    return load_config(path=override)


def test_the_integrity_job_repairs_a_broken_index(indexed, tmp_path):
    _break_index(indexed)
    config = _integrity_spec(tmp_path, repair=True)
    assert run_job(Runtime(indexed, config), config.jobs["integrity-check"]) == "ok"
    [run] = history.recent_runs(indexed, 1)
    assert run["details"]["check"]["missing"] == 1 and run["details"]["check"]["orphaned"] == 1
    assert run["details"]["repair"]["ran"] is True
    assert run["details"]["after_repair"]["consistent"] is True
    assert check_integrity(indexed)["consistent"]


def test_without_repair_a_broken_index_fails_the_run_and_says_why(indexed, tmp_path):
    _break_index(indexed)
    config = _integrity_spec(tmp_path, repair=False)
    assert run_job(Runtime(indexed, config), config.jobs["integrity-check"]) == "failed"
    [run] = history.recent_runs(indexed, 1)
    assert "1 missing, 1 orphaned" in run["errors"][0]
