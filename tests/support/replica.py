"""Fixtures for tests that serve the replica sites (tests/replica, tests/crawler): a built sample
site (once per session) and replica servers that are stopped after each test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from replica.build import build_sample_site
from replica.server import Faults, ReplicaServer


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
