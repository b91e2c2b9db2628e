"""Run history of scheduled jobs, kept in the catalogue (``scheduled_runs``).

One row per run: when it started and ended, its outcome, how many documents it
added, changed or failed to fetch, how many bytes it stored, and its errors.
The web status page and ``schedule status`` read it through ``recent_runs`` and
``freshness``; neither ever creates the data directory.

Outcomes: ``running`` (no end yet), ``ok``, ``partial`` (finished; some documents
failed and are recorded in the catalogue), ``failed``, ``timeout``,
``interrupted`` (stopped by a scheduler shutdown; resumes next time),
``abandoned`` (the scheduler died during the run), ``skipped`` (not started:
another crawl of the source or another run of the job was going on).
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

from common.store import DocumentStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS scheduled_runs (
    run_id            INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id            TEXT NOT NULL,
    kind              TEXT NOT NULL,      -- crawl | index | integrity
    source            TEXT,               -- crawls: ofsted | councils
    trigger           TEXT NOT NULL,      -- schedule | retry | run-now | resume
    attempt           INTEGER NOT NULL DEFAULT 1,
    pid               INTEGER,
    started_at        TEXT NOT NULL,
    finished_at       TEXT,
    outcome           TEXT NOT NULL DEFAULT 'running',
    new_documents     INTEGER NOT NULL DEFAULT 0,
    changed_documents INTEGER NOT NULL DEFAULT 0,
    failed_documents  INTEGER NOT NULL DEFAULT 0,
    bytes             INTEGER NOT NULL DEFAULT 0,
    errors            TEXT NOT NULL DEFAULT '[]',
    details           TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS scheduled_runs_job ON scheduled_runs(job_id, run_id);
"""
SUCCESS = ("ok", "partial")
FAILURE = ("failed", "timeout", "abandoned")  # "interrupted" resumes by itself
# Manual crawls are recorded by the crawler in the store's own ``crawl_runs``.
_MANUAL_SUCCESS = ("ok", "partial", "finished", "success", "completed")


def utcnow() -> str:
    # The store's format, so times from both compare as strings.
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def connect(settings) -> sqlite3.Connection:
    """A read-write connection, creating the table (the scheduler's side)."""
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(settings.catalogue_path, timeout=30, isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA)
    return db


def _read_only(settings) -> sqlite3.Connection | None:
    path = settings.catalogue_path
    if not path.exists():
        return None
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    db.row_factory = sqlite3.Row
    return db


def _has_table(db, name: str) -> bool:
    return (
        db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone()
        is not None
    )


# -- writing (the scheduler) -------------------------------------------------------
def start(
    settings,
    *,
    job_id: str,
    kind: str,
    source: str | None,
    trigger: str,
    attempt: int = 1,
    started_at: str | None = None,
) -> int:
    with closing(connect(settings)) as db:
        cur = db.execute(
            "INSERT INTO scheduled_runs (job_id, kind, source, trigger, attempt, pid, started_at) "
            "VALUES (?,?,?,?,?,?,?)",
            (job_id, kind, source, trigger, attempt, os.getpid(), started_at or utcnow()),
        )
        return cur.lastrowid


def finish(
    settings,
    run_id: int,
    outcome: str,
    *,
    counts: dict | None = None,
    errors: list[str] | None = None,
    details: dict | None = None,
) -> None:
    counts = counts or {}
    with closing(connect(settings)) as db:
        db.execute(
            "UPDATE scheduled_runs SET finished_at=?, outcome=?, new_documents=?, "
            "changed_documents=?, failed_documents=?, bytes=?, errors=?, details=? WHERE run_id=?",
            (
                utcnow(),
                outcome,
                counts.get("new", 0),
                counts.get("changed", 0),
                counts.get("failed", 0),
                counts.get("bytes", 0),
                json.dumps([str(e) for e in errors or []]),
                json.dumps(details or {}, default=str),
                run_id,
            ),
        )


def record_skip(
    settings, *, job_id: str, kind: str, source: str | None, trigger: str, reason: str, attempt: int = 1
) -> int:
    run_id = start(settings, job_id=job_id, kind=kind, source=source, trigger=trigger, attempt=attempt)
    finish(settings, run_id, "skipped", errors=[reason])
    return run_id


def unfinished(settings) -> list[dict]:
    with closing(connect(settings)) as db:
        rows = db.execute("SELECT * FROM scheduled_runs WHERE outcome='running' ORDER BY run_id")
        return [_row(r) for r in rows]


def mark_abandoned(settings, run_id: int, reason: str) -> None:
    with closing(connect(settings)) as db:
        db.execute(
            "UPDATE scheduled_runs SET outcome='abandoned', finished_at=?, errors=? "
            "WHERE run_id=? AND outcome='running'",
            (utcnow(), json.dumps([reason]), run_id),
        )


def catalogue_changes(settings, *, kind: str | None, since: str) -> dict:
    """What the store gained since ``since``: documents new, changed and failed,
    bytes of new content. Read from the catalogue, so it holds whatever ran."""
    store = DocumentStore.open_existing(settings)
    if store is None:
        return {"new": 0, "changed": 0, "failed": 0, "bytes": 0}
    with store:
        return store.changes_since(since, kind=kind)


def pending_index_count(settings) -> int:
    """Stored documents whose current content is not yet indexed."""
    store = DocumentStore.open_existing(settings)
    if store is None:
        return 0
    with store:
        return store.pending_index_count()


# -- reading (status command, web status page) ----------------------------------------
def _row(r: sqlite3.Row) -> dict:
    run = dict(r)
    run["errors"] = json.loads(run["errors"] or "[]")
    run["details"] = json.loads(run["details"] or "{}")
    run["duration_seconds"] = None
    if run["finished_at"]:
        run["duration_seconds"] = (
            datetime.fromisoformat(run["finished_at"]) - datetime.fromisoformat(run["started_at"])
        ).total_seconds()
    return run


def recent_runs(settings, limit: int = 20, *, job_id: str | None = None) -> list[dict]:
    """The latest runs, newest first: run_id, job_id, kind, source, trigger, attempt,
    started_at, finished_at (ISO, UTC), outcome, new_documents, changed_documents,
    failed_documents, bytes, errors (list), details (dict), duration_seconds."""
    db = _read_only(settings)
    if db is None:
        return []
    with closing(db):
        if not _has_table(db, "scheduled_runs"):
            return []
        sql, args = "SELECT * FROM scheduled_runs", []
        if job_id:
            sql, args = sql + " WHERE job_id=?", [job_id]
        rows = db.execute(sql + " ORDER BY run_id DESC LIMIT ?", [*args, int(limit)])
        return [_row(r) for r in rows]


def last_runs(settings) -> dict[str, dict]:
    """Each job's latest run that was not skipped."""
    db = _read_only(settings)
    if db is None:
        return {}
    with closing(db):
        if not _has_table(db, "scheduled_runs"):
            return {}
        rows = db.execute(
            "SELECT * FROM scheduled_runs WHERE run_id IN (SELECT max(run_id) FROM scheduled_runs "
            "WHERE outcome != 'skipped' GROUP BY job_id)"
        )
        return {r["job_id"]: _row(r) for r in rows}


def _last_success(db, store, source: str) -> str | None:
    found = []
    if _has_table(db, "scheduled_runs"):
        found.append(
            db.execute(
                "SELECT max(finished_at) FROM scheduled_runs WHERE kind='crawl' AND source=? "
                f"AND outcome IN ({','.join('?' * len(SUCCESS))})",
                (source, *SUCCESS),
            ).fetchone()[0]
        )
    if store is not None:
        # The crawler names a run by its sources joined with "+", e.g. "ofsted+councils".
        runs = store.last_finished_runs(_MANUAL_SUCCESS)
        found += [finished for sources, finished in runs.items() if source in sources.split("+")]
    found = [f for f in found if f]
    return max(found) if found else None


def freshness(settings, config=None, *, now: datetime | None = None) -> dict[str, dict]:
    """For each source an enabled job crawls: ``{"last_success": iso | None,
    "stale": bool, "stale_after_hours": float}``. A source never crawled
    successfully is stale."""
    from scheduler.config import load_config

    config = config or load_config(settings)
    now = now or datetime.now(timezone.utc)
    db = _read_only(settings)
    store = DocumentStore.open_existing(settings)
    report = {}
    try:
        for source in config.crawled_sources():
            hours = config.stale_after_hours.get(source, 48.0)
            last = _last_success(db, store, source) if db is not None else None
            stale = last is None or now - datetime.fromisoformat(last) > timedelta(hours=hours)
            report[source] = {"last_success": last, "stale": stale, "stale_after_hours": hours}
    finally:
        if db is not None:
            db.close()
        if store is not None:
            store.close()
    return report
