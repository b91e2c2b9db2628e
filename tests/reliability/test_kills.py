"""The fault battery: every long-running command killed (SIGKILL, SIGTERM) at several
moments, as real subprocesses of the CLI, then what must hold:

- no process of the killed run is left (extraction workers die with their command);
- no lock is held, and the next run starts at once and finishes in its normal time;
- leftovers (half-built index files, half-written blobs) are gone after the next run;
- document and paragraph counts are as before, and searches answer the same.

The whole matrix (every command, both signals at every point, several rounds, the
crawl and the scheduler included) is in tests/soak/test_kills.py (`make soak`).
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from common.lifetime import PAUSE_ENV
from common.locks import holding_pids, lock_path
from indexer.exports import COLUMNS
from tests.reliability.conftest import CLI, clean_env
from tests.reliability.kills import (
    COPIES,
    Run,
    assert_nothing_left,
    cli,
    leftovers,
    render_samples,
    snapshot,
    wait_until,
    workers_extracting,
)


@dataclasses.dataclass
class Indexed:
    files: Path
    data_dir: Path
    index_seconds: float  # indexing everything on this machine, now
    before: object  # the Snapshot every killed run must leave intact


@pytest.fixture(scope="session")
def indexed(tmp_path_factory) -> Indexed:
    root = tmp_path_factory.mktemp("kills")
    files = render_samples(root / "files")
    data_dir = root / "data"
    # Ingesting is storing plus indexing everything: an upper bound on a full index's time.
    done, seconds = cli("ingest", str(files), "-q", "--workers", "2", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    before = snapshot(data_dir)
    assert (
        before.documents == before.indexed == 12 * COPIES and before.index_paragraphs == before.paragraphs > 0
    )
    return Indexed(files, data_dir, seconds, before)


@pytest.fixture
def data_dir(indexed, tmp_path) -> Path:
    """A private copy of the indexed data directory, to kill commands in."""
    return Path(shutil.copytree(indexed.data_dir, tmp_path / "data"))


def _next_run_completes(indexed: Indexed, data_dir: Path, *args: str) -> None:
    done, seconds = cli(
        *(args or ("index", "-q", "--workers", "2")), "--lock-timeout", "0", data_dir=data_dir
    )
    assert done.returncode == 0, done.stderr
    # "Its normal time", with room for a machine shared by parallel test runs.
    assert seconds < indexed.index_seconds * 2 + 15, (seconds, indexed.index_seconds)
    assert not leftovers(data_dir)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_index_killed_during_extraction_leaves_nothing_and_the_next_run_completes(indexed, data_dir, sig):
    with Run("index", "-q", "--workers", "2", data_dir=data_dir) as run:
        wait_until(lambda: workers_extracting(run), 60, "extraction workers at work")
        assert list(data_dir.glob("index.sqlite3.building-*"))
        # The workers never hold the command's lock: only the command has the file open.
        assert holding_pids(lock_path(_settings(data_dir), "index")) == [run.pid]
        run.signal(sig)
        assert run.wait() == (-signal.SIGKILL if sig == signal.SIGKILL else 143)
        assert_nothing_left(run, data_dir)
    assert snapshot(data_dir) == indexed.before  # the live index was never touched
    if sig == signal.SIGTERM:
        assert not leftovers(data_dir)  # it cleaned up as it stopped
        _next_run_completes(indexed, data_dir)
    else:
        # A SIGKILL leaves the half-built file; the next run clears it, even an incremental one.
        assert leftovers(data_dir)
        _next_run_completes(indexed, data_dir, "index", "--incremental", "-q", "--workers", "2")
    assert snapshot(data_dir) == indexed.before


def test_index_killed_at_the_swap_while_another_waits_then_gives_up(indexed, data_dir):
    with Run("index", "-q", "--workers", "2", data_dir=data_dir, env={PAUSE_ENV: "sqlite-swap"}) as run:
        assert "paused at sqlite-swap" in run.read_stderr_line()
        # Another index says at once whom it waits for, and gives up at its limit.
        started = time.monotonic()
        waiting, _ = cli("index", "-q", "--lock-timeout", "1", data_dir=data_dir)
        assert waiting.returncode == 4, waiting.stderr
        assert (
            f"waiting for the index lock held by `ofsted-findings index`, pid {run.pid}, since "
            in waiting.stderr
        ), waiting.stderr
        assert "gave up after 1 s" in waiting.stderr
        assert time.monotonic() - started < 15
        status, _ = cli("status", "--format", "json", data_dir=data_dir)
        [lock] = [s for s in json.loads(status.stdout)["locks"] if s["lock"] == "index"]
        assert lock["held"] and lock["pid"] == run.pid and lock["command"] == "ofsted-findings index"
        text, _ = cli("status", data_dir=data_dir)
        assert f"index: held by `ofsted-findings index`, pid {run.pid}, since" in text.stdout
        run.signal(signal.SIGKILL)
        run.wait()
        assert_nothing_left(run, data_dir)
    assert snapshot(data_dir) == indexed.before
    text, _ = cli("status", data_dir=data_dir)
    assert "index: free" in text.stdout
    _next_run_completes(indexed, data_dir)
    assert snapshot(data_dir) == indexed.before


def test_ingest_killed_during_extraction_loses_and_duplicates_nothing(indexed, data_dir, tmp_path):
    more = render_samples(tmp_path / "more")
    for path in more.iterdir():  # new documents: another name, other bytes
        path.rename(path.with_name(f"new-{path.name}"))
    with Run("ingest", str(more), "-q", "--workers", "2", data_dir=data_dir) as run:
        wait_until(lambda: workers_extracting(run), 60, "extraction workers at work")
        run.signal(signal.SIGKILL)
        run.wait()
        assert_nothing_left(run, data_dir)
    # The new documents are stored but not yet indexed: the index is as it was.
    killed = snapshot(data_dir)
    assert killed.searches == indexed.before.searches
    assert killed.index_paragraphs == indexed.before.index_paragraphs
    _next_run_completes(indexed, data_dir, "ingest", str(more), "-q", "--workers", "2")
    after = snapshot(data_dir)
    assert after.documents == after.indexed == indexed.before.documents + 12 * COPIES
    assert after.versions == indexed.before.versions + 12 * COPIES  # each new file stored once
    assert after.index_paragraphs == after.paragraphs


def test_export_killed_mid_stream_then_exports_whole(indexed, data_dir, tmp_path):
    with Run("export", "the", "--format", "csv", data_dir=data_dir, stdout=subprocess.PIPE) as run:
        # A pipe of one page: the export blocks mid-stream as soon as the test stops reading.
        fcntl.fcntl(run.proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, 4096)
        head = run.proc.stdout.read(4096)
        assert head.startswith(f'\ufeff"{COLUMNS[0]}",'.encode()) and len(head) == 4096
        run.signal(signal.SIGKILL)
        run.wait()
        assert_nothing_left(run, data_dir)
    whole = subprocess.run(
        [*CLI, "export", "the"], capture_output=True, env=clean_env(OFSTED_FINDINGS_DATA_DIR=str(data_dir))
    ).stdout
    assert whole.startswith(head) and len(whole) > 8 * 4096  # far more than the pipe held: cut short
    out = tmp_path / "the.csv"
    part = out.with_name(f".{out.name}.part")
    with Run("export", "the", "-o", str(out), data_dir=data_dir) as run:
        wait_until(lambda: part.exists() or out.exists(), 30, "the export to begin")
        run.signal(signal.SIGTERM)
        run.wait()
        assert_nothing_left(run, data_dir)
    # Never half a file under the name asked for; stopped early, it took its .part away.
    assert not part.exists()
    assert not out.exists() or out.read_bytes() == whole
    done, _ = cli("export", "the", "-o", str(out), data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == whole
    assert snapshot(data_dir) == indexed.before


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def test_the_web_server_killed_serves_the_same_after_a_restart(indexed, data_dir):
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api/v1/search?q=staying+put&limit=50"
    with Run("serve", "--port", str(port), data_dir=data_dir) as run:
        first = wait_until(lambda: _try_get(url), 60, "the web server to answer")
        run.signal(signal.SIGKILL)
        run.wait()
        assert_nothing_left(run, data_dir)
    with Run("serve", "--port", str(port), data_dir=data_dir) as run:
        again = wait_until(lambda: _try_get(url), 60, "the restarted web server to answer")
    assert _hits(again) == _hits(first)
    assert snapshot(data_dir) == indexed.before


def _try_get(url: str) -> bytes | None:
    try:
        return _get(url)
    except OSError:
        return None


def _hits(body: bytes) -> list:
    return [(h["document_id"], h["paragraph_number"]) for h in json.loads(body)["results"]]


def _settings(data_dir: Path):
    from common.config import Settings

    return Settings.from_env(environ={}, data_dir=data_dir)


# -- Elasticsearch ---------------------------------------------------------------------------
@pytest.fixture
def es_data_dir(data_dir, es_url):
    """The copied data directory indexed into a fresh alias of the test node."""
    import uuid

    from elasticsearch import Elasticsearch

    alias = f"kills-{uuid.uuid4().hex[:10]}"
    env = {
        "OFSTED_FINDINGS_ENGINE": "elasticsearch",
        "OFSTED_FINDINGS_ES_URL": es_url,
        "OFSTED_FINDINGS_ES_INDEX": alias,
    }
    done, _ = cli("index", "-q", "--workers", "2", data_dir=data_dir, env=env)
    assert done.returncode == 0, done.stderr
    es = Elasticsearch(es_url)
    yield data_dir, env, alias, es
    for name in _es_indices(es, alias)[0]:  # by name: the node refuses wildcard deletes
        es.options(ignore_status=404).indices.delete(index=name)
    es.close()


def _es_indices(es, alias: str) -> tuple[list[str], list[str]]:
    """(every index of the alias, the ones it points at)."""
    found = es.indices.get(index=f"{alias}-*", expand_wildcards="open,closed", allow_no_indices=True)
    return sorted(found), sorted(name for name, info in found.items() if alias in info.get("aliases", {}))


def test_elasticsearch_rebuilds_killed_while_loading_and_before_the_swap_keep_the_alias_on_a_complete_index(
    indexed, es_data_dir, es_url
):
    data_dir, env, alias, es = es_data_dir
    overrides = {"engine": "elasticsearch", "es_url": es_url, "es_index": alias}
    before = snapshot(data_dir, **overrides)
    assert before.index_paragraphs == before.paragraphs == indexed.before.paragraphs
    _, [live] = _es_indices(es, alias)
    # Killed during the bulk load, then (another rebuild) with the new index complete but not yet live.
    for point, sig in (("bulk-load", signal.SIGKILL), ("swap", signal.SIGTERM)):
        pause = {PAUSE_ENV: "elasticsearch-swap"} if point == "swap" else {}
        with Run("index", "-q", "--workers", "2", data_dir=data_dir, env={**env, **pause}) as run:
            if point == "swap":
                assert "paused at elasticsearch-swap" in run.read_stderr_line()
            else:
                wait_until(
                    lambda: len(_es_indices(es, alias)[0]) == 2 and workers_extracting(run),
                    60,
                    "a new index being loaded",
                )
            run.signal(sig)
            run.wait()
            assert_nothing_left(run, data_dir)
        indices, pointed = _es_indices(es, alias)
        assert pointed == [live], point
        assert snapshot(data_dir, **overrides) == before, point
    assert len(indices) > 1  # what the killed rebuilds left is for the next one to clear
    done, _ = cli("index", "-q", "--workers", "2", "--lock-timeout", "0", data_dir=data_dir, env=env)
    assert done.returncode == 0, done.stderr
    indices, [new] = _es_indices(es, alias)
    # The new live index and the one kept for a rollback; the killed runs' indices are gone.
    assert new != live and indices == sorted([live, new])
    assert snapshot(data_dir, **overrides) == before
