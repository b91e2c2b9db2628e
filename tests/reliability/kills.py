"""Killing the real commands, and what must hold afterwards (used by test_kills.py and the soak).

A ``Run`` is one `ofsted-findings …` command started as a user starts it, in its own
session and with a marker in its environment that every process it starts inherits
(extraction workers, scheduled commands in sessions of their own), so that after a
kill the test can look in /proc for anything of that run still alive.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Callable

from common.config import Settings
from common.locks import holding_pids, is_locked
from tests.reliability.conftest import CLI, clean_env

RUN_MARK = "OFSTED_FINDINGS_TEST_RUN"
COPIES = 1  # each sample letter once: twelve documents, a few seconds of extraction
QUERIES = ("care leavers", "staying put", '"personal advisers"', "accommodation -hotel", "health*")


def wait_until(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def _stat(pid: str) -> tuple[str, int] | None:
    """(state, process group) of a process, or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[2])


class Run:
    def __init__(
        self, *args: str, data_dir: Path, env: dict[str, str] | None = None, stdout=subprocess.DEVNULL
    ):
        self.mark = uuid.uuid4().hex
        self.args = args
        self.env = clean_env(OFSTED_FINDINGS_DATA_DIR=str(data_dir), **(env or {}), **{RUN_MARK: self.mark})
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [*CLI, *args],
            env=self.env,
            stdout=stdout,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.pid = self.proc.pid

    def processes(self) -> dict[int, str]:
        """Every live process of this run (pid -> command line), zombies excepted."""
        found = {}
        needle = f"{RUN_MARK}={self.mark}".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            stat = _stat(entry.name)
            if stat is None or stat[0] in ("Z", "X"):
                continue
            try:
                ours = stat[1] == self.pid or needle in (entry / "environ").read_bytes().split(b"\0")
                if ours:
                    found[int(entry.name)] = (
                        (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
                    )
            except OSError:
                continue
        return found

    def children(self, word: str) -> list[int]:
        """Processes of this run other than the command itself whose command line has ``word``."""
        return [pid for pid, cmd in self.processes().items() if pid != self.pid and word in cmd]

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout: float = 120) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill_all()
            raise

    def stderr(self) -> str:
        return self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""

    def read_stderr_line(self, timeout: float = 60) -> str:
        """The next line the command writes to stderr (blocking, with a guard thread)."""
        import threading

        timer = threading.Timer(timeout, self.kill_all)
        timer.start()
        try:
            return self.proc.stderr.readline().decode(errors="replace")
        finally:
            timer.cancel()

    def kill_all(self) -> None:
        for pid in self.processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill_all()
        self.proc.wait(timeout=30)
        if self.proc.stderr:
            self.proc.stderr.close()
        if self.proc.stdout:
            self.proc.stdout.close()


def cli(
    *args: str, data_dir: Path, env: dict | None = None, timeout: float = 180
) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean_env(OFSTED_FINDINGS_DATA_DIR=str(data_dir), **(env or {})),
    )
    return done, time.monotonic() - started


# -- what must hold after a kill -------------------------------------------------------------
def assert_nothing_left(run: Run, data_dir: Path, timeout: float = 15) -> None:
    """No process of the killed run is alive (workers die with their parent) and no lock
    is held, by anyone, in the data directory."""
    try:
        wait_until(lambda: not run.processes(), timeout, "the killed run's processes to end")
    except AssertionError:
        left = run.processes()
        run.kill_all()
        raise AssertionError(f"processes of the killed run are still alive: {left}") from None
    for lock in sorted((data_dir / "locks").glob("*.lock")):
        assert not holding_pids(lock), f"{lock.name} is still open in {holding_pids(lock)}"
        assert not is_locked(lock), f"{lock.name} is still held"


def leftovers(data_dir: Path) -> list[str]:
    """What a killed run may leave and the next run must clear: half-built index files
    and half-written blobs."""
    found = [p.name for p in data_dir.glob("index.sqlite3.building-*")]
    found += [str(p.relative_to(data_dir)) for p in (data_dir / "blobs").glob("*/.tmp-*")]
    return sorted(found)


@dataclasses.dataclass
class Snapshot:
    documents: int
    indexed: int
    paragraphs: int  # the catalogue's count
    index_paragraphs: int  # the engine's count
    versions: int
    searches: dict[str, list[tuple[str, int]]]


def snapshot(data_dir: Path, **settings_overrides) -> Snapshot:
    """Counts from the catalogue and the engine, and what each test query finds."""
    import sqlite3

    from common.store import DocumentStore
    from indexer.engines import SearchRequest
    from indexer.search import Searcher

    settings = Settings.from_env(environ={}, data_dir=data_dir, **settings_overrides)
    with DocumentStore.open(settings) as store:
        counts = store.counts()
    with sqlite3.connect(data_dir / "catalogue.sqlite3") as db:
        versions = db.execute("SELECT count(*) FROM versions").fetchone()[0]
    searcher = Searcher.open(settings)
    try:
        stats = searcher.engine.stats()
        searches = {}
        for query in QUERIES:
            response = searcher.search(SearchRequest(q=query, limit=200, facets=False))
            searches[query] = sorted((h["document_id"], h["paragraph_number"]) for h in response.hits)
    finally:
        searcher.close()
    return Snapshot(
        documents=counts["documents"],
        indexed=counts["indexed"],
        paragraphs=counts["paragraphs"],
        index_paragraphs=stats["paragraphs"],
        versions=versions,
        searches=searches,
    )


def render_samples(folder: Path, copies: int = COPIES) -> Path:
    from replica.documents import load_samples
    from replica.render import render_pdf

    folder.mkdir(parents=True, exist_ok=True)
    for doc in load_samples():
        for n in range(copies):
            # Each copy's paragraphs differ a little, so each is a document of its own.
            blocks = [
                dataclasses.replace(b, text=f"{b.text} Copy {n}.") if n and b.kind == "paragraph" else b
                for b in doc.blocks
            ]
            (folder / f"{doc.path.stem}-{n}.pdf").write_bytes(
                render_pdf(dataclasses.replace(doc, blocks=blocks))
            )
    return folder


def workers_extracting(run: Run) -> list[int]:
    """Worker processes that have loaded the PDF library: extraction is under way."""
    workers = run.children("multiprocessing.spawn")
    loaded = []
    for pid in workers:
        try:
            if "pdfium" in Path(f"/proc/{pid}/maps").read_text():
                loaded.append(pid)
        except OSError:
            continue
    return loaded
