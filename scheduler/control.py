"""Operator commands (pause, resume, run-now) for a scheduler in another process.

APScheduler's job store cannot be shared between processes, so the CLI never
edits it under a running scheduler: it queues a command in
``<data_dir>/scheduler.sqlite3`` and the scheduler applies it through its own
API within a second or two, then writes back the result.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

from scheduler.history import utcnow

SCHEMA = """
CREATE TABLE IF NOT EXISTS scheduler_commands (
    command_id INTEGER PRIMARY KEY AUTOINCREMENT,
    command    TEXT NOT NULL,             -- pause | resume | run-now
    job_id     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    done_at    TEXT,
    ok         INTEGER,
    result     TEXT
);
"""
COMMANDS = ("pause", "resume", "run-now")


def database_path(settings) -> Path:
    return Path(settings.data_dir) / "scheduler.sqlite3"


def jobstore_url(settings) -> str:
    return f"sqlite:///{database_path(settings)}"


def _connect(settings) -> sqlite3.Connection:
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(database_path(settings), timeout=30, isolation_level=None)
    db.row_factory = sqlite3.Row
    db.executescript(SCHEMA)
    return db


def enqueue(settings, command: str, job_id: str) -> int:
    if command not in COMMANDS:
        raise ValueError(f"unknown command {command!r}")
    with closing(_connect(settings)) as db:
        return db.execute(
            "INSERT INTO scheduler_commands (command, job_id, created_at) VALUES (?,?,?)",
            (command, job_id, utcnow()),
        ).lastrowid


def wait_for(settings, command_id: int, timeout: float = 15.0) -> tuple[bool, str] | None:
    """The scheduler's answer (ok, message), or None if it did not answer in time."""
    deadline = time.monotonic() + timeout
    with closing(_connect(settings)) as db:
        while True:
            row = db.execute(
                "SELECT ok, result FROM scheduler_commands WHERE command_id=? AND done_at IS NOT NULL",
                (command_id,),
            ).fetchone()
            if row is not None:
                return bool(row["ok"]), row["result"]
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.2)


def take_pending(settings) -> list[dict]:
    with closing(_connect(settings)) as db:
        rows = db.execute(
            "SELECT * FROM scheduler_commands WHERE done_at IS NULL ORDER BY command_id"
        ).fetchall()
        return [dict(r) for r in rows]


def mark_done(settings, command_id: int, ok: bool, result: str) -> None:
    with closing(_connect(settings)) as db:
        db.execute(
            "UPDATE scheduler_commands SET done_at=?, ok=?, result=? WHERE command_id=?",
            (utcnow(), int(ok), result, command_id),
        )


def cancel(settings, command_id: int) -> None:
    """Withdraw an unanswered command, so a later scheduler does not act on it late."""
    with closing(_connect(settings)) as db:
        db.execute(
            "UPDATE scheduler_commands SET done_at=?, ok=0, result='expired: no answer' "
            "WHERE command_id=? AND done_at IS NULL",
            (utcnow(), command_id),
        )
