"""Fixtures for the crawler tests: a built sample site (once per session) and a replica serving it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crawler.replica.build import build_sample_site
from crawler.replica.server import Faults, ReplicaServer

FIXTURES = Path(__file__).with_name("fixtures")


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> Path:
    return build_sample_site(tmp_path_factory.mktemp("sample-site"))


@pytest.fixture
def site_copy(sample_site, tmp_path) -> Path:
    """A private copy of the sample site, for tests that change files."""
    return Path(shutil.copytree(sample_site, tmp_path / "site"))


@pytest.fixture
def replica(sample_site):
    with ReplicaServer(sample_site) as server:
        yield server


@pytest.fixture
def make_replica():
    servers = []

    def start(site_dir: Path, faults: Faults | None = None) -> ReplicaServer:
        server = ReplicaServer(site_dir, faults=faults).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def crawl(
    replica: ReplicaServer, data_dir: Path, *sources: str, timeout: float = 120, extra_env: dict | None = None
) -> dict:
    """Run one crawl of ``replica`` into ``data_dir`` in a fresh process (Twisted's
    reactor cannot be restarted) and return its summary."""
    import json
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "OFSTED_FINDINGS_DATA_DIR": str(data_dir),
        "OFSTED_FINDINGS_OFSTED_URL": replica.ofsted_url,
        "OFSTED_FINDINGS_FILES_URL": replica.files_url,
        "OFSTED_FINDINGS_CRAWL_ENV": "local",
        **(extra_env or {}),
    }
    done = subprocess.run(
        [sys.executable, "-m", "crawler", *(sources or ("ofsted",))],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
