"""Helpers for scheduler tests: a schedule of cheap jobs, a scheduler process, waiting."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from common.config import Settings

FAKE_JOB = Path(__file__).with_name("fake_job.py")
ROOT = Path(__file__).resolve().parents[2]
DEFAULT_JOBS = ("ofsted-crawl", "councils-crawl", "reindex", "integrity-check")


def fake_command(log: Path, **options) -> list[str]:
    argv = ["{python}", str(FAKE_JOB), "--log", str(log)]
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        argv += [flag] if value is True else [flag, str(value)]
    return argv


def write_schedule(data_dir: Path, jobs: dict, **top) -> Path:
    """A schedule in the data directory: the given jobs, every other default disabled."""
    data_dir.mkdir(parents=True, exist_ok=True)
    all_jobs = {name: {"enabled": False} for name in DEFAULT_JOBS}
    all_jobs.update(jobs)
    path = data_dir / "schedule.yaml"
    path.write_text(yaml.safe_dump({"jobs": all_jobs, "shutdown_grace_seconds": 5, **top}))
    return path


def events(log: Path) -> list[tuple[str, int, float]]:
    if not log.exists():
        return []
    out = []
    for line in log.read_text().splitlines():
        event, pid, stamp = line.split()
        out.append((event, int(pid), float(stamp)))
    return out


def intervals(log: Path) -> list[tuple[float, float]]:
    """(start, end) of each completed fake run, in order."""
    starts, spans = {}, []
    for event, pid, stamp in events(log):
        if event == "start":
            starts[pid] = stamp
        elif event in ("end", "term") and pid in starts:
            spans.append((starts.pop(pid), stamp))
    return sorted(spans)


def assert_no_overlap(spans):
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert start >= end, f"two runs overlapped: {spans}"


def wait_until(predicate, timeout: float = 15.0, interval: float = 0.1, message: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting: {message or predicate}")


def cli(data_dir: Path, *args, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scheduler", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=_env(data_dir),
    )


def _env(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFSTED_FINDINGS_")}
    env["OFSTED_FINDINGS_DATA_DIR"] = str(data_dir)
    return env


def stored_job_ids(data_dir: Path) -> list[str]:
    with sqlite3.connect(data_dir / "scheduler.sqlite3") as db:
        return sorted(r[0] for r in db.execute("SELECT id FROM apscheduler_jobs"))


class SchedulerProcess:
    def __init__(self, data_dir: Path, log_path: Path):
        self.data_dir, self.log_path = data_dir, log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> "SchedulerProcess":
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scheduler",
                "run",
                "--data-dir",
                str(self.data_dir),
                "--poll-seconds",
                "0.2",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=_env(self.data_dir),
        )
        wait_until(
            lambda: b"scheduler started" in self.log_path.read_bytes() or self.proc.poll() is not None,
            timeout=30,
            message="scheduler start",
        )
        assert self.proc.poll() is None, self.output()
        return self

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout: float = 30) -> int:
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        self._log.close()
        return code

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)  # reaped: its pid is gone, as after a real crash
        self._log.close()


@pytest.fixture
def data_dir(tmp_path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def sched_settings(data_dir) -> Settings:
    return Settings.from_env(environ={}, data_dir=data_dir)


@pytest.fixture
def scheduler_process(data_dir, tmp_path):
    started = []

    def start() -> SchedulerProcess:
        proc = SchedulerProcess(data_dir, tmp_path / f"scheduler-{len(started)}.log").start()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.proc.poll() is None:
            proc.proc.kill()
            proc.proc.wait()
