"""The long fault battery (`make soak`): every long-running command, SIGKILL and SIGTERM,
at every point, for several rounds; reports/soak.md says how many kills were survived.

Each kill is a real subprocess of the CLI (the scheduler and the crawl included), and
after each the same invariants as the fast battery (tests/reliability/test_kills.py):
nothing of the killed run alive, no lock held, the next run completes in its normal
time without leftovers, counts as before, searches answering the same.
``OFSTED_FINDINGS_SOAK_KILL_ROUNDS`` (default 2) sets the rounds.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from common.lifetime import PAUSE_ENV
from tests.reliability.kills import (
    Run,
    assert_nothing_left,
    cli,
    leftovers,
    render_samples,
    snapshot,
    wait_until,
    workers_extracting,
)

pytestmark = [pytest.mark.soak, pytest.mark.timeout(3600)]
ROUNDS = int(os.environ.get("OFSTED_FINDINGS_SOAK_KILL_ROUNDS", "2"))
SIGNALS = {"SIGKILL": signal.SIGKILL, "SIGTERM": signal.SIGTERM}


@dataclass
class Bench:
    root: Path
    files: Path
    indexed: Path  # a data directory with the samples ingested and indexed
    index_seconds: float
    before: object
    site: Path
    crawled: object = None  # the Snapshot of a clean, complete crawl of the replica
    es_url: str | None = None
    counter: Counter = field(default_factory=Counter)
    _n: int = 0

    def copy(self, source: Path | None = None) -> Path:
        self._n += 1
        target = self.root / f"run-{self._n}"
        if source is None:
            target.mkdir()
            return target
        return Path(shutil.copytree(source, target))

    def next_run(
        self, data_dir: Path, *args: str, env: dict | None = None, normal: float | None = None
    ) -> None:
        done, seconds = cli(*args, data_dir=data_dir, env=env)
        assert done.returncode == 0, done.stderr[-2000:]
        normal = normal or self.index_seconds
        assert seconds < normal * 2 + 20, (args, seconds, normal)
        assert not leftovers(data_dir), leftovers(data_dir)


# -- the scenarios: each kills one command at one point, then checks what must hold ---------------
def kill_index(bench: Bench, sig: int, point: str) -> None:
    data_dir = bench.copy(bench.indexed)
    env = {PAUSE_ENV: "sqlite-swap"} if point == "swap" else {}
    with Run("index", "-q", "--workers", "2", data_dir=data_dir, env=env) as run:
        _reach(run, data_dir, point)
        run.signal(sig)
        run.wait()
        assert_nothing_left(run, data_dir)
    assert snapshot(data_dir) == bench.before
    bench.next_run(data_dir, "index", "-q", "--workers", "2", "--lock-timeout", "0")
    assert snapshot(data_dir) == bench.before


def kill_ingest(bench: Bench, sig: int, point: str) -> None:
    data_dir = bench.copy(bench.indexed)
    more = bench.root / f"more-{uuid.uuid4().hex[:8]}"
    render_samples(more)
    for path in more.iterdir():
        path.rename(path.with_name(f"new-{path.name}"))
    with Run("ingest", str(more), "-q", "--workers", "2", data_dir=data_dir) as run:
        _reach(run, data_dir, point)
        run.signal(sig)
        run.wait()
        assert_nothing_left(run, data_dir)
    assert snapshot(data_dir).searches == bench.before.searches
    bench.next_run(data_dir, "ingest", str(more), "-q", "--workers", "2", "--lock-timeout", "0")
    after = snapshot(data_dir)
    added = len(list(more.iterdir()))
    assert after.documents == after.indexed == bench.before.documents + added
    assert after.versions == bench.before.versions + added
    assert after.index_paragraphs == after.paragraphs


def kill_export(bench: Bench, sig: int, point: str) -> None:
    data_dir = bench.copy(bench.indexed)
    out = data_dir / "export.csv"
    if point == "stream":
        with Run("export", "the", data_dir=data_dir, stdout=subprocess.PIPE) as run:
            fcntl.fcntl(run.proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, 4096)  # it blocks mid-stream
            assert len(run.proc.stdout.read(4096)) == 4096
            run.signal(sig)
            run.wait()
            assert_nothing_left(run, data_dir)
    else:
        with Run("export", "the", "-o", str(out), data_dir=data_dir) as run:
            wait_until(lambda: out.with_name(f".{out.name}.part").exists() or out.exists(), 60, "the export")
            run.signal(sig)
            run.wait()
            assert_nothing_left(run, data_dir)
    whole, _ = cli("export", "the", data_dir=data_dir)
    assert not out.exists() or out.read_text() == whole.stdout  # never half a file under its name
    bench.next_run(data_dir, "export", "the", "-o", str(out))
    assert out.read_text() == whole.stdout and not out.with_name(f".{out.name}.part").exists()
    assert snapshot(data_dir) == bench.before


def kill_serve(bench: Bench, sig: int, point: str) -> None:
    data_dir = bench.copy(bench.indexed)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/v1/search?q=staying+put&limit=50"
    with Run("serve", "--port", str(port), data_dir=data_dir) as run:
        first = wait_until(lambda: _get(url), 60, "the web server")
        run.signal(sig)
        run.wait()
        assert_nothing_left(run, data_dir)
    with Run("serve", "--port", str(port), data_dir=data_dir):
        assert wait_until(lambda: _get(url), 60, "the restarted web server") == first
    assert snapshot(data_dir) == bench.before


def kill_crawl(bench: Bench, sig: int, point: str) -> None:
    from replica.server import ReplicaServer

    data_dir = bench.copy()
    with ReplicaServer(bench.site) as replica:
        args = (
            "crawl",
            "--env",
            "local",
            "--ofsted-url",
            replica.ofsted_url,
            "--files-url",
            replica.files_url,
            "-q",
            "--format",
            "json",
        )
        with Run(*args, data_dir=data_dir) as run:
            if point == "early":
                wait_until(
                    lambda: (
                        (data_dir / "locks" / "crawl-ofsted.lock").exists()
                        and str(run.pid) in (data_dir / "locks" / "crawl-ofsted.lock").read_text()
                    ),
                    60,
                    "the crawl lock",
                )
            else:
                wait_until(lambda: _stored(data_dir) >= 3, 120, "documents being stored")
            run.signal(sig)
            run.wait()
            assert_nothing_left(run, data_dir)
        bench.next_run(data_dir, *args, normal=60)
    bench.next_run(data_dir, "index", "-q", "--workers", "2", "--lock-timeout", "0")
    after = snapshot(data_dir)
    # Nothing collected lost, nothing stored twice.
    assert (after.documents, after.versions, after.paragraphs) == (
        bench.crawled.documents,
        bench.crawled.versions,
        bench.crawled.paragraphs,
    )
    # The replica listens on a new port each time, and a document's id comes from its URL.
    assert _by_path(data_dir, after.searches) == _by_path(bench.root / "crawled", bench.crawled.searches)


def _by_path(data_dir: Path, searches: dict) -> dict:
    """Searches' hits named by their document's URL path rather than its id."""
    from urllib.parse import urlsplit

    with sqlite3.connect(data_dir / "catalogue.sqlite3") as db:
        paths = {
            i: urlsplit(source).path for i, source in db.execute("SELECT document_id, source FROM documents")
        }
    return {q: sorted((paths[i], n) for i, n in hits) for q, hits in searches.items()}


def kill_scheduler(bench: Bench, sig: int, point: str) -> None:
    """The scheduler killed while its reindex job runs a full `index` in a child process."""
    data_dir = bench.copy(bench.indexed)
    full_index = ["{python}", "-m", "ofsted_findings", "index", "--format", "json", "-q", "--workers", "2"]
    jobs = {name: {"enabled": False} for name in ("ofsted-crawl", "councils-crawl", "integrity-check")}
    jobs["reindex"] = {"interval_seconds": 1, "index_command": full_index}
    (data_dir / "schedule.yaml").write_text(yaml.safe_dump({"jobs": jobs, "shutdown_grace_seconds": 5}))
    with sqlite3.connect(data_dir / "catalogue.sqlite3") as db:  # one document waits to be indexed
        db.execute(
            "UPDATE documents SET indexed_sha256 = NULL WHERE rowid = (SELECT min(rowid) FROM documents)"
        )
    with Run("schedule", "run", "--poll-seconds", "0.2", data_dir=data_dir) as run:
        wait_until(
            lambda: list(data_dir.glob("index.sqlite3.building-*")) and run.children("multiprocessing"),
            120,
            "the scheduled index at work",
        )
        run.signal(sig)
        run.wait(timeout=120)
        assert_nothing_left(run, data_dir, timeout=60)
    bench.next_run(data_dir, "index", "-q", "--workers", "2", "--lock-timeout", "0")
    assert snapshot(data_dir) == bench.before


def kill_es_index(bench: Bench, sig: int, point: str) -> None:
    from elasticsearch import Elasticsearch

    data_dir = bench.copy(bench.indexed)
    alias = f"soak-kills-{uuid.uuid4().hex[:10]}"
    env = {
        "OFSTED_FINDINGS_ENGINE": "elasticsearch",
        "OFSTED_FINDINGS_ES_URL": bench.es_url,
        "OFSTED_FINDINGS_ES_INDEX": alias,
    }
    overrides = {"engine": "elasticsearch", "es_url": bench.es_url, "es_index": alias}
    es = Elasticsearch(bench.es_url)
    try:
        bench.next_run(data_dir, "index", "-q", "--workers", "2", env=env)
        before = snapshot(data_dir, **overrides)
        live = es.indices.get_alias(name=alias)
        pause = {PAUSE_ENV: "elasticsearch-swap"} if point == "swap" else {}
        with Run("index", "-q", "--workers", "2", data_dir=data_dir, env={**env, **pause}) as run:
            if point == "swap":
                assert "paused at elasticsearch-swap" in run.read_stderr_line()
            else:
                wait_until(
                    lambda: len(es.indices.get(index=f"{alias}-*")) == 2 and workers_extracting(run),
                    60,
                    "a new index being loaded",
                )
            run.signal(sig)
            run.wait()
            assert_nothing_left(run, data_dir)
        assert es.indices.get_alias(name=alias) == live
        assert snapshot(data_dir, **overrides) == before
        bench.next_run(data_dir, "index", "-q", "--workers", "2", "--lock-timeout", "0", env=env)
        assert len(es.indices.get(index=f"{alias}-*")) == 2  # live and one rollback: no half-built one
        assert snapshot(data_dir, **overrides) == before
    finally:
        for name in es.indices.get(index=f"{alias}-*", allow_no_indices=True):  # by name: no wildcard deletes
            es.options(ignore_status=404).indices.delete(index=name)
        es.close()


def _reach(run: Run, data_dir: Path, point: str) -> None:
    if point == "early":
        wait_until(
            lambda: f'"pid": {run.pid}' in _read(data_dir / "locks" / "index.lock"), 60, "the index lock"
        )
    elif point == "extraction":
        wait_until(lambda: workers_extracting(run), 60, "extraction workers at work")
    elif point == "swap":
        assert "paused at sqlite-swap" in run.read_stderr_line()
    else:
        raise ValueError(point)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _get(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read()
    except OSError:
        return None


def _stored(data_dir: Path) -> int:
    try:
        with sqlite3.connect(f"file:{data_dir / 'catalogue.sqlite3'}?mode=ro", uri=True, timeout=5) as db:
            return db.execute("SELECT count(*) FROM documents WHERE status = 'ok'").fetchone()[0]
    except sqlite3.Error:
        return 0


SCENARIOS = [
    ("index", ("early", "extraction", "swap"), kill_index),
    ("ingest", ("early", "extraction"), kill_ingest),
    ("export", ("stream", "file"), kill_export),
    ("serve", ("serving",), kill_serve),
    ("crawl", ("early", "fetching"), kill_crawl),
    ("schedule run", ("mid-job",), kill_scheduler),
    ("index on Elasticsearch", ("bulk-load", "swap"), kill_es_index),
]


@pytest.fixture(scope="module")
def bench(tmp_path_factory, es_url) -> Bench:
    from replica.build import build_sample_site
    from replica.server import ReplicaServer

    root = tmp_path_factory.mktemp("soak-kills")
    files = render_samples(root / "files", copies=3)
    indexed = root / "indexed"
    done, seconds = cli("ingest", str(files), "-q", "--workers", "2", data_dir=indexed)
    assert done.returncode == 0, done.stderr
    bench = Bench(
        root=root,
        files=files,
        indexed=indexed,
        index_seconds=seconds,
        before=snapshot(indexed),
        site=build_sample_site(root / "site"),
        es_url=es_url,
    )
    crawled = root / "crawled"
    with ReplicaServer(bench.site) as replica:
        done, _ = cli(
            "crawl",
            "--env",
            "local",
            "--ofsted-url",
            replica.ofsted_url,
            "--files-url",
            replica.files_url,
            "-q",
            data_dir=crawled,
        )
    assert done.returncode == 0, done.stderr
    done, _ = cli("index", "-q", data_dir=crawled)
    assert done.returncode == 0, done.stderr
    bench.crawled = snapshot(crawled)
    return bench


KILLS: Counter = Counter()
FAILURES: list[str] = []


@pytest.fixture(scope="module")
def kill_report(soak_report):
    """Writes the section once every scenario of this module has run."""
    started = time.monotonic()
    yield
    tried = sum(v for k, v in KILLS.items() if k[3] == "tried")
    if not tried:
        return
    survived = sum(v for k, v in KILLS.items() if k[3] == "survived")
    minutes = (time.monotonic() - started) / 60
    rows = ["| command | killed at | signal | kills | survived |", "|---|---|---|---|---|"]
    for command, points, _ in SCENARIOS:
        for point in points:
            for name in SIGNALS:
                if KILLS[(command, point, name, "tried")]:
                    rows.append(
                        f"| `{command}` | {point} | {name} | {KILLS[(command, point, name, 'tried')]} | "
                        f"{KILLS[(command, point, name, 'survived')]} |"
                    )
    soak_report.add(
        "Kills survived",
        "\n".join(
            [
                f"**{survived} of {tried} kills survived** ({ROUNDS} rounds, {minutes:.1f} min): each a real "
                "`ofsted-findings` subprocess sent SIGKILL or SIGTERM at the named point, then checked: no process "
                "of the killed run left (extraction workers and scheduled commands included), no lock held, the next "
                "run complete in its normal time with no half-built index file or half-written blob left, document, "
                "version and paragraph counts as before, and the same answers to five searches.",
                "",
                *rows,
                *(["", "Failures:", *[f"- {f}" for f in FAILURES]] if FAILURES else []),
            ]
        ),
    )


@pytest.mark.parametrize(
    "command,point,scenario",
    [(c, p, f) for c, points, f in SCENARIOS for p in points],
    ids=[f"{c.replace(' ', '-')}-{p}" for c, points, _ in SCENARIOS for p in points],
)
def test_a_command_killed_at_a_point_recovers(bench, kill_report, command, point, scenario):
    failures = []
    for _ in range(ROUNDS):
        for name, sig in SIGNALS.items():
            KILLS[(command, point, name, "tried")] += 1
            try:
                scenario(bench, sig, point)
            except AssertionError as exc:
                failures.append(f"{command} / {point} / {name}: {str(exc)[:500]}")
            else:
                KILLS[(command, point, name, "survived")] += 1
    FAILURES.extend(failures)
    assert not failures, "\n".join(failures)
