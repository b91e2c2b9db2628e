"""One end-to-end run: the real crawler and indexer against the sample replica.

A letter published on the replica after the first scheduled crawl is searchable
after the next scheduled run, with no manual step in between.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

from common.config import Settings
from common.store import DocumentStore
from indexer.engines import SearchRequest
from indexer.search import Searcher
from replica.build import build_sample_site
from replica.server import ReplicaServer
from scheduler import history
from tests.scheduler.conftest import ROOT, wait_until, write_schedule

SAMPLE = ROOT / "replica" / "sample"
HELD_BACK = "fv-2025-devon.txt"  # file id 59100004: published on the replica half-way through


def _search(settings, query: str) -> list[dict]:
    searcher = Searcher.open(settings)
    try:
        return searcher.search(SearchRequest(q=query, limit=20)).hits
    finally:
        searcher.close()


def _letter(settings):
    with DocumentStore.open(settings) as store:
        found = [r for r in store.documents(kind="ofsted") if r.source.endswith("/59100004")]
    return found[0] if found else None


def test_a_letter_published_on_the_replica_is_searchable_after_the_next_scheduled_run(tmp_path):
    before = tmp_path / "sample-before"
    shutil.copytree(SAMPLE, before)
    (before / "ofsted" / HELD_BACK).unlink()
    site_before = build_sample_site(tmp_path / "site-before", sample_dir=before)
    site_after = build_sample_site(tmp_path / "site-after")
    data_dir = tmp_path / "data"
    settings = Settings.from_env(environ={}, data_dir=data_dir)
    write_schedule(data_dir, {"ofsted-crawl": {"interval_seconds": 2, "time_limit_seconds": 120}})

    replica = ReplicaServer(site_before).start()
    ports = [int(url.rsplit(":", 1)[1].split("/")[0]) for url in (replica.ofsted_url, replica.files_url)]
    council_ports = replica.council_ports
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFSTED_FINDINGS_")}
    env.update(
        OFSTED_FINDINGS_DATA_DIR=str(data_dir),
        OFSTED_FINDINGS_OFSTED_URL=replica.ofsted_url,
        OFSTED_FINDINGS_FILES_URL=replica.files_url,
        OFSTED_FINDINGS_CRAWL_ENV="local",
    )
    log = open(tmp_path / "scheduler.log", "wb")
    # Started as operators start it: the project's own command.
    proc = subprocess.Popen(
        [sys.executable, "-m", "ofsted_findings", "schedule", "run", "--poll-seconds", "0.2"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:

        def ok_runs():
            return [r for r in history.recent_runs(settings, 100) if r["outcome"] in ("ok", "partial")]

        [first] = wait_until(ok_runs, timeout=90, message="the first scheduled crawl")
        assert first["new_documents"] >= 10 and first["details"]["index"]["ran"]
        assert _letter(settings) is None

        # Ofsted publishes a new letter: the replica now serves the full sample site.
        replica.stop()
        replica = ReplicaServer(
            site_after, port=ports[0], files_port=ports[1], council_ports=council_ports
        ).start()
        second = wait_until(
            lambda: [r for r in ok_runs() if r["run_id"] > first["run_id"] and r["new_documents"] >= 1],
            timeout=90,
            message="the next scheduled crawl",
        )[0]
        assert second["trigger"] == "schedule"
        letter = _letter(settings)
        hits = _search(settings, '"holiday lets"')
        assert letter.document_id in {h["document_id"] for h in hits}
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        replica.stop()
        log.close()
    assert code == 0, (tmp_path / "scheduler.log").read_text()
    assert history.freshness(settings)["ofsted"]["stale"] is False
