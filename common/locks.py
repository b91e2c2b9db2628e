"""Exclusive, non-blocking OS file locks in ``<data_dir>/locks``.

A lock is an ``fcntl.flock`` on a file, so the kernel releases it when its
holder dies however it dies: a crashed crawl never leaves a stale lock behind.

The scheduler takes a source's crawl lock and hands the locked descriptor to
the crawl subprocess it starts (``pass_fds``), naming it in the environment
variable ``OFSTED_FINDINGS_CRAWL_LOCK_FD``. The lock then lasts as long as
either process lives (if the scheduler is killed, the crawl, told to stop by the
kernel, holds it until it has saved its state), and ``crawl_lock`` in the child
recognises the inherited lock as its own instead of refusing to crawl. Nothing
else inherits a lock: descriptors are opened close-on-exec and the indexer's
extraction workers are spawned, never forked.

Whoever takes a lock writes into the file who they are (pid, command, since when),
so a command that must wait can say whom it waits for, and ``status`` can show
who holds which lock. The file's content is only a label: the ``flock`` decides.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

INHERITED_LOCK_ENV = "OFSTED_FINDINGS_CRAWL_LOCK_FD"
LOCK_TIMEOUT_ENV = "OFSTED_FINDINGS_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 600.0  # seconds a command waits for a lock before giving up
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class Holder:
    """Who took a lock, as they wrote it into the lock file."""

    pid: int | None
    command: str
    since: str

    def describe(self) -> str:
        return f"`{self.command}`, pid {self.pid if self.pid else '?'}, since {self.since}"


def this_command() -> str:
    """How this process is named in lock files: ``ofsted-findings index``, say."""
    words = [a for a in sys.argv[1:] if not a.startswith("-")]
    # The subcommand, and the scheduler's own (`schedule run`); never paths or queries.
    words = words[:2] if words[:1] == ["schedule"] else words[:1]
    first = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    if first in ("__main__.py", "-m", "-c") or first.startswith("python"):
        first = "ofsted-findings"
    return " ".join([first, *words])


def write_holder(fd: int, command: str | None = None) -> None:
    """Label a lock we hold with our pid, command and the time (best effort: the
    label is for people, a full disk must not stop the work)."""
    label = {
        "pid": os.getpid(),
        "command": command or this_command(),
        "since": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
    }
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(label).encode(), 0)
    except OSError:
        pass


def read_holder(path: Path) -> Holder | None:
    """The label in a lock file, or None if it has none (or an unreadable one)."""
    try:
        raw = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    if raw.isdigit():  # written by an older version: the pid alone
        return Holder(int(raw), "?", "?")
    try:
        data = json.loads(raw)
        return Holder(
            int(data["pid"]) if data.get("pid") else None,
            str(data.get("command") or "?"),
            str(data.get("since") or "?"),
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def lock_timeout(value: float | str | None = None) -> float:
    """Seconds to wait for a busy lock: ``value`` (a flag), else $OFSTED_FINDINGS_LOCK_TIMEOUT,
    else DEFAULT_LOCK_TIMEOUT. 0 means: do not wait at all."""
    where = "--lock-timeout"
    if value is None:
        value, where = os.environ.get(LOCK_TIMEOUT_ENV) or None, LOCK_TIMEOUT_ENV
    if value is None:
        return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not seconds >= 0 or seconds == float("inf"):
        raise ValueError(f"{where} must be a number of seconds (0 or more), not {value!r}")
    return seconds


class LockHeld(RuntimeError):
    """Someone else holds the lock."""

    def __init__(self, name: str, path: Path, message: str | None = None):
        self.name, self.path = name, path
        super().__init__(message or f"{name} is locked by another process ({path})")


class CrawlLocked(LockHeld):
    """A crawl of this source is already running (scheduled or manual)."""

    def __init__(self, source: str, path: Path | None = None, holder: "Holder | None" = None):
        self.source, self.holder = source, holder
        who = f": {holder.describe()}" if holder else f" (lock {path})"
        super().__init__(f"crawl-{source}", path or Path(), f"a crawl of {source!r} is already running{who}")


class SchedulerRunning(LockHeld):
    """Another scheduler process serves this data directory."""


class LockTimeout(LockHeld):
    """A command waited its limit for a lock and gave up."""


def lock_path(settings, name: str) -> Path:
    if not _NAME.match(name):
        raise ValueError(f"invalid lock name {name!r}")
    return Path(settings.data_dir) / "locks" / f"{name}.lock"


def _open(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)


def try_lock(
    path: Path,
    *,
    timeout: float = 0.0,
    poll: float = 0.2,
    cancel: threading.Event | None = None,
    on_wait: Callable[[Holder | None], None] | None = None,
) -> int | None:
    """Open and lock ``path``; return the locked descriptor, or None if it stays
    held by someone else for ``timeout`` seconds (0: do not wait) or ``cancel`` is set.
    ``on_wait`` is called once, with the holder's label, when waiting begins."""
    fd = _open(path)
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if on_wait is not None and timeout > 0:
                on_wait(read_holder(path))
                on_wait = None
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
        write_holder(inherited)
        yield path
        return
    fd = try_lock(path)
    if fd is None:
        raise CrawlLocked(source, path, read_holder(path))
    try:
        write_holder(fd)
        yield path
    finally:
        release(fd)


def _who(path: Path, holder: Holder | None) -> str:
    """Whom a held lock is held by: its label, checked against the living."""
    from common.lifetime import pid_alive

    if holder and holder.pid and pid_alive(holder.pid):
        return f"held by {holder.describe()}"
    # The labelled holder is gone, so a process that inherited the descriptor holds it.
    pids = [p for p in holding_pids(path) if p != os.getpid()]
    named = ", ".join(map(str, pids)) or "unknown"
    gone = f" (its label names {holder.describe()}, which is gone)" if holder else ""
    return f"held by pid {named}{gone}"


def waiting_message(name: str, path: Path, holder: Holder | None, timeout: float) -> str:
    who = _who(path, holder)
    return (
        f"waiting for the {name} lock {who} (giving up after {timeout:g} s; "
        f"set {LOCK_TIMEOUT_ENV} or --lock-timeout to change that)"
    )


@contextmanager
def index_lock(
    settings,
    *,
    timeout: float | None = None,
    cancel: threading.Event | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[int]:
    """Serialise index updates (indexing, ingesting, integrity repair).

    Waits up to ``timeout`` seconds (default: ``lock_timeout()``) or until ``cancel``
    is set, then raises ``LockTimeout``. ``on_wait`` gets, once and at once, a line
    saying whom the wait is for."""
    timeout = lock_timeout() if timeout is None else timeout
    path = lock_path(settings, "index")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(exist_ok=True)
    inherited = _inherited_fd(path)
    if inherited is not None:
        # A scheduled index run: the scheduler took the lock and handed it down.
        write_holder(inherited)
        yield inherited
        return
    tell = (lambda holder: on_wait(waiting_message("index", path, holder, timeout))) if on_wait else None
    fd = try_lock(path, timeout=timeout, cancel=cancel, on_wait=tell)
    if fd is None:
        who = _who(path, read_holder(path))
        if cancel is not None and cancel.is_set():
            raise LockHeld("index", path, f"stopped waiting for the index lock {who}")
        raise LockTimeout("index", path, f"gave up after {timeout:g} s waiting for the index lock {who}")
    try:
        write_holder(fd)
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
        holder = read_holder(path)
        pid = holder.pid if holder and holder.pid else "?"
        raise SchedulerRunning(
            "scheduler", path, f"a scheduler (pid {pid}) already serves {settings.data_dir}"
        )
    try:
        write_holder(fd, "ofsted-findings schedule run")
        yield fd
    finally:
        release(fd)


def scheduler_pid(settings) -> int | None:
    """The pid of the scheduler serving this data directory, or None if none runs."""
    path = lock_path(settings, "scheduler")
    if not is_locked(path):
        return None
    holder = read_holder(path)
    return holder.pid if holder and holder.pid else -1


def holding_pids(path: Path) -> list[int]:
    """The processes that have ``path`` open, found in /proc (ours to read: the same
    user's). A held lock is held by one of them; after a kill, none must be left."""
    try:
        wanted = os.stat(path)
    except OSError:
        return []
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                try:
                    st = os.stat(fd)
                except OSError:
                    continue
                if (st.st_dev, st.st_ino) == (wanted.st_dev, wanted.st_ino):
                    pids.append(int(entry.name))
                    break
        except OSError:  # gone, or another user's
            continue
    return sorted(pids)


def lock_states(settings) -> list[dict]:
    """Every lock of the data directory: whether it is held, and by whom.
    ``holder`` is the label its taker wrote; ``pids`` the processes holding the file."""
    folder = Path(settings.data_dir) / "locks"
    states = []
    for path in sorted(folder.glob("*.lock")) if folder.is_dir() else []:
        held = is_locked(path)
        holder = read_holder(path) if held else None
        states.append(
            {
                "lock": path.stem,
                "held": held,
                "pid": holder.pid if holder else None,
                "command": holder.command if holder else None,
                "since": holder.since if holder else None,
            }
        )
    return states


def describe_lock(state: dict) -> str:
    """One line for `status`: ``index: held by `ofsted-findings index`, pid 12, since …``."""
    if not state["held"]:
        return f"{state['lock']}: free"
    if state["pid"] is None:
        return f"{state['lock']}: held by another process"
    return f"{state['lock']}: held by {Holder(state['pid'], state['command'], state['since']).describe()}"
