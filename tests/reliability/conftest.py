"""Fixtures of the fast reliability battery: the CLI run as a user runs it, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from common.config import ENV_PREFIX, Settings
from tests.reliability.battery import Battery, add_good_files, build_battery

CLI = [sys.executable, "-m", "ofsted_findings"]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any OFSTED_FINDINGS_* a developer may have set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env.update(extra)
    return env


def run_cli(*args: str, timeout: float = 120, **popen) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=popen.pop("env", clean_env()),
        **popen,
    )


def json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@dataclass
class IngestedBattery:
    battery: Battery
    paths: dict[str, Path]  # file name -> path it was ingested from
    data_dir: Path
    result: subprocess.CompletedProcess
    seconds: float
    summary: dict
    status: dict
    documents: dict[str, dict]  # source -> `documents --format json` row

    @property
    def settings(self) -> Settings:
        return Settings.from_env(environ={}, data_dir=self.data_dir)

    def source(self, name: str) -> str:
        return str(self.paths[name].resolve())


@pytest.fixture(scope="session")
def ingested_battery(tmp_path_factory) -> IngestedBattery:
    """The whole battery, bad and good files together, through one `ingest --format json`."""
    root = tmp_path_factory.mktemp("battery")
    battery = add_good_files(build_battery())
    paths = battery.write(root / "files")
    data_dir = root / "data"
    started = time.monotonic()
    result = run_cli(
        "ingest", str(root / "files"), "--data-dir", str(data_dir), "--format", "json", "-q", timeout=240
    )
    seconds = time.monotonic() - started
    assert result.stdout.strip(), (
        f"ingest printed no summary (exit {result.returncode}): {result.stderr[-3000:]}"
    )
    summary = json.loads(result.stdout)
    status = run_cli("status", "--data-dir", str(data_dir), "--format", "json")
    assert status.returncode == 0, status.stderr
    documents = run_cli("documents", "--data-dir", str(data_dir), "--format", "json")
    assert documents.returncode == 0, documents.stderr
    return IngestedBattery(
        battery=battery,
        paths=paths,
        data_dir=data_dir,
        result=result,
        seconds=seconds,
        summary=summary,
        status=json.loads(status.stdout),
        documents={row["source"]: row for row in json_lines(documents.stdout)},
    )


@pytest.fixture(scope="session")
def small_index(tmp_path_factory) -> Settings:
    """A small real SQLite index: a few sample letters and a council page, ingested in-process."""
    from indexer.pipeline import ingest

    root = tmp_path_factory.mktemp("small-index")
    battery = add_good_files(Battery())
    battery.write(root / "files")
    settings = Settings.from_env(environ={}, data_dir=root / "data")
    summary = ingest(settings, [root / "files"], progress=False, workers=1)
    assert summary.index and summary.index.indexed == len(battery.good), summary.to_dict()
    return settings
