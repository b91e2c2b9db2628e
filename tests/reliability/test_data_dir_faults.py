"""An unusable data directory: read-only, full, not a directory, or corrupt.

Each case must end in a clear error (a one-line "error: ..." and a non-zero exit, no
traceback) and leave the store as it was: same documents, same blobs, databases intact,
and everything searchable again once the fault is gone.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability.battery import PARAGRAPH
from tests.reliability.conftest import CLI, clean_env, json_lines, run_cli

EXIT_FAILURES, EXIT_ERROR, EXIT_UNAVAILABLE = 1, 2, 3
# Root ignores file permissions through CAP_DAC_OVERRIDE; the commands under test run
# without it, as the unprivileged service user of a real deployment would.
DROP_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []


def letter(marker: str, paragraphs: int = 2) -> str:
    return f"Letter {marker}\n\n" + "".join(
        f"{PARAGRAPH} {marker} paragraph {i}.\n\n" for i in range(paragraphs)
    )


@pytest.fixture
def store(tmp_path) -> Path:
    """A data directory holding two indexed text letters."""
    files = tmp_path / "files"
    files.mkdir()
    for name in ("zqfirstletter", "zqsecondletter"):
        (files / f"{name}.txt").write_text(letter(name))
    data_dir = tmp_path / "data"
    result = run_cli("ingest", str(files), "--data-dir", str(data_dir), "--format", "json", "-q")
    assert result.returncode == 0, result.stderr
    return data_dir


def snapshot(data_dir: Path) -> dict:
    """What must survive a fault: catalogue rows, blob contents, database integrity."""
    state = {}
    for name in ("catalogue.sqlite3", "index.sqlite3"):
        db = sqlite3.connect(f"file:{data_dir / name}?mode=ro", uri=True)
        try:
            state[name] = db.execute("PRAGMA integrity_check").fetchone()[0]
            if name == "catalogue.sqlite3":
                state["documents"] = sorted(
                    db.execute(
                        "SELECT source, sha256, status, index_status, paragraphs FROM documents"
                    ).fetchall()
                )
        finally:
            db.close()
    blobs = {}
    for blob in (data_dir / "blobs").rglob("*"):
        if blob.is_file() and not blob.name.startswith(".tmp-"):
            blobs[blob.name] = hashlib.sha256(blob.read_bytes()).hexdigest()
    state["blobs_intact"] = all(name == digest for name, digest in blobs.items())
    state["blobs"] = sorted(blobs)
    state["temporary_files"] = sorted(p.name for p in (data_dir / "blobs").rglob(".tmp-*"))
    return state


def assert_intact(data_dir: Path, before: dict) -> None:
    after = snapshot(data_dir)
    assert after["catalogue.sqlite3"] == "ok" and after["index.sqlite3"] == "ok", after
    assert after["blobs_intact"] and not after["temporary_files"], after
    assert after == before


def assert_clear_error(result: subprocess.CompletedProcess, *codes: int) -> None:
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode in codes, (result.returncode, result.stderr)
    assert result.stderr.startswith("error: "), result.stderr


def searchable(data_dir: Path, word: str) -> bool:
    result = run_cli("search", word, "--data-dir", str(data_dir), "--format", "json")
    assert result.returncode == 0, result.stderr
    return any(word in hit["text"] for hit in json_lines(result.stdout))


# -- read-only ---------------------------------------------------------------------------
def _set_writable(path: Path, writable: bool) -> None:
    for item in [path, *path.rglob("*")]:
        mode = item.stat().st_mode
        item.chmod(mode | 0o200 if writable else mode & ~0o222)


def test_a_read_only_data_dir_gives_clear_errors_and_loses_nothing(store, tmp_path):
    new = tmp_path / "zqthirdletter.txt"
    new.write_text(letter("zqthirdletter"))
    before = snapshot(store)
    _set_writable(store, False)
    try:

        def cli(*args):
            return subprocess.run(
                [*DROP_DAC, *CLI, *args, "--data-dir", str(store)],
                capture_output=True,
                text=True,
                timeout=120,
                env=clean_env(),
            )

        ingest = cli("ingest", str(new), "-q", "--format", "json")
        if ingest.returncode == EXIT_FAILURES:  # the store opened for reading; the file is refused
            assert "Traceback" not in ingest.stderr, ingest.stderr[-3000:]
            unreadable = json.loads(ingest.stdout)["unreadable"]
            assert [u["source"] for u in unreadable] == [str(new.resolve())]
            assert "cannot write" in unreadable[0]["reason"] and "ermission denied" in unreadable[0]["reason"]
        else:
            assert_clear_error(ingest, EXIT_ERROR)
        assert_clear_error(cli("index", "-q"), EXIT_ERROR, EXIT_UNAVAILABLE)
        # Reading may work (SQLite can read a WAL database in a read-only folder when its
        # shared-memory file exists) or fail clearly; it must not crash.
        for read in (cli("search", "zqfirstletter", "--format", "json"), cli("status", "--format", "json")):
            if read.returncode != 0:
                assert_clear_error(read, EXIT_ERROR, EXIT_UNAVAILABLE)
            else:
                assert "Traceback" not in read.stderr and read.stdout.strip()
        # The web app stays up and answers searches, or says it is not ready with a 503.
        probe = (
            "import json, sys\nfrom webapp import create_app\nfrom common.config import Settings\n"
            f"client = create_app(Settings.from_env(environ={{}}, data_dir={str(store)!r})).test_client()\n"
            "print(json.dumps({p: client.get(p).status_code for p in "
            "['/healthz', '/readyz', '/api/v1/search?q=care', '/search?q=care']}))\n"
        )
        web = subprocess.run(
            [*DROP_DAC, sys.executable, "-c", probe],
            capture_output=True,
            text=True,
            timeout=120,
            env=clean_env(),
        )
        assert web.returncode == 0, web.stderr
        codes = json.loads(web.stdout.splitlines()[-1])
        assert codes.pop("/healthz") == 200
        assert len(set(codes.values())) == 1 and set(codes.values()) <= {200, 503}, codes
    finally:
        _set_writable(store, True)
    assert_intact(store, before)
    assert searchable(store, "zqfirstletter")
    result = run_cli("ingest", str(new), "--data-dir", str(store), "--format", "json", "-q")
    assert result.returncode == 0, result.stderr
    assert searchable(store, "zqthirdletter") and searchable(store, "zqsecondletter")


# -- full disk -----------------------------------------------------------------------------
def _run_with_file_size_limit(limit: int, *args: str) -> subprocess.CompletedProcess:
    """A full disk, as the process sees it: writes past `limit` bytes fail (EFBIG)."""

    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write instead of killing us
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=120, env=clean_env(), preexec_fn=limited
    )


def test_a_full_disk_while_storing_a_file_reports_it_and_loses_nothing(store, tmp_path):
    big = tmp_path / "zqbigletter.txt"
    big.write_text(letter("zqbigletter", paragraphs=4000))  # ~0.7 MB
    before = snapshot(store)
    result = _run_with_file_size_limit(
        256 * 1024, "ingest", str(big), "--data-dir", str(store), "--format", "json", "-q"
    )
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode == EXIT_FAILURES, result.stderr
    summary = json.loads(result.stdout)
    assert [u["source"] for u in summary["unreadable"]] == [str(big.resolve())]
    assert "cannot write" in summary["unreadable"][0]["reason"]
    assert_intact(store, before)
    result = run_cli("ingest", str(big), "--data-dir", str(store), "--format", "json", "-q")
    assert result.returncode == 0, result.stderr
    assert searchable(store, "zqbigletter")


def test_a_full_disk_while_writing_the_index_gives_a_clear_error_and_a_consistent_store(store, tmp_path):
    big = tmp_path / "zqbigindex.txt"
    big.write_text(letter("zqbigindex", paragraphs=9000))  # ~1.5 MB: its blob fits, its index rows do not
    result = _run_with_file_size_limit(
        2_000_000, "ingest", str(big), "--data-dir", str(store), "--format", "json", "-q"
    )
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode in (EXIT_FAILURES, EXIT_ERROR, EXIT_UNAVAILABLE)
    state = snapshot(store)
    assert state["catalogue.sqlite3"] == "ok" and state["index.sqlite3"] == "ok"
    status = json.loads(run_cli("status", "--data-dir", str(store), "--format", "json").stdout)
    assert status["store"]["paragraphs"] == status["index"]["paragraphs"], "catalogue and index disagree"
    result = run_cli("ingest", str(big), "--data-dir", str(store), "--format", "json", "-q")
    assert result.returncode == 0, result.stderr
    assert searchable(store, "zqbigindex")


# -- not a directory, or not a store -------------------------------------------------------
@pytest.mark.parametrize("command", [["status"], ["search", "care"], ["index", "-q"], ["documents"]])
def test_a_data_dir_that_is_a_file_gives_a_clear_error_and_is_left_alone(tmp_path, command):
    not_a_dir = tmp_path / "data"
    not_a_dir.write_bytes(b"my thesis notes, not a data directory\n")
    result = run_cli(*command, "--data-dir", str(not_a_dir))
    assert_clear_error(result, EXIT_ERROR, EXIT_UNAVAILABLE)
    assert str(not_a_dir) in result.stderr
    assert not_a_dir.read_bytes() == b"my thesis notes, not a data directory\n"


def test_a_corrupt_catalogue_gives_a_clear_error_and_is_left_alone(store):
    catalogue = store / "catalogue.sqlite3"
    for leftover in (store / "catalogue.sqlite3-wal", store / "catalogue.sqlite3-shm"):
        leftover.unlink(missing_ok=True)
    garbage = b"this is not an SQLite database " * 100
    catalogue.write_bytes(garbage)
    for command in (["status"], ["ingest", str(store.parent / "files"), "-q"], ["documents"]):
        result = run_cli(*command, "--data-dir", str(store))
        assert_clear_error(result, EXIT_ERROR)
        assert "not a database" in result.stderr, result.stderr
    assert catalogue.read_bytes() == garbage
