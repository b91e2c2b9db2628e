"""Fixtures shared by the whole suite. Each folder's conftest adds its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from common import config
from common.config import Settings

ROOT = Path(__file__).resolve().parents[1]
# The shared research material sits beside the project (and beside CI's clone).
SHARED = config.shared_dir()

pytest_plugins = ["tests.support.elasticsearch"]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "corpus").is_dir():
        pytest.skip(f"the shared corpus is not beside the project ({SHARED} is absent)")
    return SHARED


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings with a private, empty data directory."""
    return Settings.from_env(environ={}, data_dir=tmp_path / "data")
