"""Fixtures for the extraction tests: the real corpus beside the project."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def pdf_dir(shared_dir) -> Path:
    return shared_dir / "corpus" / "ofsted-pdf"


@pytest.fixture(scope="session")
def manifest(pdf_dir) -> list[dict]:
    with open(pdf_dir / "MANIFEST.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="session")
def text_dir(shared_dir) -> Path:
    return shared_dir / "corpus" / "ofsted"
