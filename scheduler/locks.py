"""Exclusive, non-blocking OS file locks in ``<data_dir>/locks``.

A lock is an ``fcntl.flock`` on a file, so the kernel releases it when its
holder dies however it dies: a crashed crawl never leaves a stale lock behind.

The scheduler takes a source's crawl lock and hands the locked descriptor to
the crawl subprocess it starts (``pass_fds``), naming it in the environment
variable ``OFSTED_FINDINGS_CRAWL_LOCK_FD``. The lock then lasts as long as
either process lives (if the scheduler is killed, the orphaned crawl still holds
it), and ``crawl_lock`` in the child recognises the inherited lock as its own
instead of refusing to crawl.
"""
from __future__ import annotations

import fcntl
import os
import re
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

INHERITED_LOCK_ENV = "OFSTED_FINDINGS_CRAWL_LOCK_FD"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class LockHeld(RuntimeError):
    """Someone else holds the lock."""

    def __init__(self, name: str, path: Path, message: str | None = None):
        self.name, self.path = name, path
        super().__init__(message or f"{name} is locked by another process ({path})")


class CrawlLocked(LockHeld):
    """A crawl of this source is already running (scheduled or manual)."""

    def __init__(self, source: str, path: Path | None = None):
        self.source = source
        super().__init__(f"crawl-{source}", path or Path(),
                         f"a crawl of {source!r} is already running (lock {path})")


class SchedulerRunning(LockHeld):
    """Another scheduler process serves this data directory."""


def lock_path(settings, name: str) -> Path:
    if not _NAME.match(name):
        raise ValueError(f"invalid lock name {name!r}")
    return Path(settings.data_dir) / "locks" / f"{name}.lock"


def _open(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)


def try_lock(path: Path, *, timeout: float = 0.0, poll: float = 0.2,
             cancel: threading.Event | None = None) -> int | None:
    """Open and lock ``path``; return the locked descriptor, or None if it stays
    held by someone else for ``timeout`` seconds (0: do not wait) or ``cancel`` is set."""
    fd = _open(path)
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline or (cancel is not None and cancel.is_set()):
                os.close(fd)
                return None
            time.sleep(poll)
        except BaseException:
            os.close(fd)
            raise


def release(fd: int) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def is_locked(path: Path) -> bool:
    """Whether some process holds ``path`` right now (briefly tries it)."""
    if not path.exists():
        return False
    fd = try_lock(path)
    if fd is None:
        return True
    release(fd)
    return False


def _inherited_fd(path: Path) -> int | None:
    """The descriptor a parent handed down for exactly this lock file, if any."""
    raw = os.environ.get(INHERITED_LOCK_ENV, "")
    for item in filter(None, raw.split(",")):
        try:
            fd = int(item)
            held, wanted = os.fstat(fd), os.stat(path)
        except (ValueError, OSError):
            continue
        if (held.st_dev, held.st_ino) == (wanted.st_dev, wanted.st_ino):
            return fd
    return None


@contextmanager
def crawl_lock(settings, source: str) -> Iterator[Path]:
    """Hold the crawl lock of ``source`` for the duration of the block.

    Raises ``CrawlLocked(source)`` at once if another process holds it."""
    path = lock_path(settings, f"crawl-{source}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(exist_ok=True)
    inherited = _inherited_fd(path)
    if inherited is not None:
        # Locking our own open file description again is a no-op that succeeds;
        # the parent that took it releases it.
        fcntl.flock(inherited, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield path
        return
    fd = try_lock(path)
    if fd is None:
        raise CrawlLocked(source, path)
    try:
        yield path
    finally:
        release(fd)


@contextmanager
def index_lock(settings, *, timeout: float = 3600.0,
               cancel: threading.Event | None = None) -> Iterator[int]:
    """Serialise index updates (scheduled incremental indexing, integrity repair).
    Waits up to ``timeout`` seconds (or until ``cancel`` is set), then raises ``LockHeld``."""
    path = lock_path(settings, "index")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(exist_ok=True)
    inherited = _inherited_fd(path)
    if inherited is not None:
        # A scheduled index run: the scheduler took the lock and handed it down.
        yield inherited
        return
    fd = try_lock(path, timeout=timeout, cancel=cancel)
    if fd is None:
        raise LockHeld("index", path, f"the index is being updated by another process ({path})")
    try:
        yield fd
    finally:
        release(fd)


@contextmanager
def scheduler_lock(settings) -> Iterator[int]:
    """One scheduler per data directory: its job store cannot be shared."""
    path = lock_path(settings, "scheduler")
    # A few seconds' patience: `schedule status` tests the lock by taking it for an instant.
    fd = try_lock(path, timeout=2.0)
    if fd is None:
        pid = path.read_text().strip() if path.exists() else "?"
        raise SchedulerRunning("scheduler", path,
                               f"a scheduler (pid {pid or '?'}) already serves {settings.data_dir}")
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield fd
    finally:
        release(fd)


def scheduler_pid(settings) -> int | None:
    """The pid of the scheduler serving this data directory, or None if none runs."""
    path = lock_path(settings, "scheduler")
    if not is_locked(path):
        return None
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return -1
