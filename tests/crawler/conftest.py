"""Fixtures for the crawler tests: the replica fixtures (tests/support/replica.py) and a crawl of
a replica in a fresh process."""

from __future__ import annotations

from pathlib import Path

from replica.server import ReplicaServer
from tests.support.replica import make_replica, replica, sample_site, site_copy  # noqa: F401

FIXTURES = Path(__file__).with_name("fixtures")


def crawl(
    server: ReplicaServer, data_dir: Path, *sources: str, timeout: float = 120, extra_env: dict | None = None
) -> dict:
    """Run one crawl of the replica ``server`` into ``data_dir`` in a fresh process (Twisted's
    reactor cannot be restarted) and return its summary."""
    import json
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "OFSTED_FINDINGS_DATA_DIR": str(data_dir),
        "OFSTED_FINDINGS_OFSTED_URL": server.ofsted_url,
        "OFSTED_FINDINGS_FILES_URL": server.files_url,
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
