"""Pytest plugin: a real Elasticsearch node on loopback for the tests that need one.

``es_url`` starts one node per test session, only when a test first asks for it,
and stops it when the session ends (also after failures or Ctrl-C). If the node
cannot start, the tests that need it fail with the node's own log tail: a missing
search engine is a broken build, not a reason to skip.

``OFSTED_FINDINGS_TEST_ES_URL=http://127.0.0.1:9200`` reuses a node that is
already running (e.g. one from ``make es``); tests then create and delete
indices of their own on it and touch nothing else.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV_URL = "OFSTED_FINDINGS_TEST_ES_URL"


# One loader for deploy/es_node.py (not a package: it runs before anything is installed),
# shared with the load generator.
from tests.support.load_generator import _es_node_module  # noqa: E402


def _health(url: str) -> str:
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/_cluster/health?timeout=5s", timeout=10) as r:
            return json.load(r).get("status", "unknown")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return f"unreachable ({exc})"


def pytest_collection_modifyitems(items):
    # Anything that needs the node carries the marker, so `-m "not elasticsearch"` works.
    for item in items:
        if "es_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.elasticsearch)


@pytest.fixture(scope="session")
def es_url() -> str:
    """The URL of a running Elasticsearch node (started once per session)."""
    existing = os.environ.get(ENV_URL)
    if existing:
        status = _health(existing)
        if status not in ("green", "yellow"):
            pytest.fail(f"{ENV_URL}={existing} is not a healthy Elasticsearch node: {status}", pytrace=False)
        yield existing.rstrip("/")
        return
    es_node = _es_node_module()
    try:
        node = es_node.start_node()
    except es_node.NodeError as exc:
        pytest.fail(f"the test Elasticsearch node could not start: {exc}", pytrace=False)
    try:
        yield node.url
    finally:
        node.stop()
