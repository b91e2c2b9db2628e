"""`python -m benchmarks NAME --flags` hands the flags to the named benchmark's own parser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.__main__ import main, split_arguments

ROOT = Path(__file__).resolve().parents[2]


def test_names_come_before_flags():
    assert split_arguments(["load", "--engine", "sqlite"]) == (["load"], ["--engine", "sqlite"])
    assert split_arguments(["crawl", "webapp"]) == (["crawl", "webapp"], [])
    assert split_arguments([]) == ([], [])


def test_flags_reach_the_named_benchmark():
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "load", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "python -m benchmarks.load" in result.stdout and "--engine" in result.stdout


def test_flags_without_a_name_are_refused():
    with pytest.raises(SystemExit, match="name the benchmark"):
        main(["--engine", "sqlite"])


def test_a_benchmark_without_flags_refuses_them():
    with pytest.raises(SystemExit, match="takes no flags"):
        main(["crawl", "--fast"])
