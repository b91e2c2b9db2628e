"""How the project's processes live and die, so that a kill at any moment leaves nothing behind.

- ``die_with_parent`` makes a child process (an extraction worker, a scheduled
  command) receive a signal from the kernel the moment its parent dies, however the
  parent dies (SIGKILL, the OOM killer), so no child ever runs on orphaned.
- ``sigterm_as_exit`` turns the first SIGTERM into ``SystemExit`` so a command's
  clean-up (``finally`` blocks: half-built index files, half-loaded Elasticsearch
  indices, worker pools) runs; a second SIGTERM kills at once.
- ``pause_point`` lets the fault tests stop a command at a named moment that no
  timing can hit reliably (the instant of an index swap). It does nothing unless
  ``OFSTED_FINDINGS_TEST_PAUSE_AT`` names that point.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from typing import Iterator

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
PAUSE_ENV = "OFSTED_FINDINGS_TEST_PAUSE_AT"
EXIT_TERMINATED = 128 + signal.SIGTERM

_libc = None


def _prctl():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc.prctl


def die_with_parent(parent_pid: int, signum: int = signal.SIGKILL) -> None:
    """Ask the kernel to send ``signum`` to this process when its parent dies.

    Called first thing in the child. If the parent died before the request took
    effect, the child has already been handed to another parent: it exits at once."""
    prctl = _prctl()
    if prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(PR_SET_PDEATHSIG) failed: {os.strerror(err)}")
    if os.getppid() != parent_pid:
        os._exit(1)


def child_dies_with_us(signum: int = signal.SIGTERM):
    """A ``preexec_fn`` for ``subprocess.Popen``: the child gets ``signum`` if we die.

    The kernel sends it when the *thread* that started the child ends, so call
    Popen from a thread that outlives the child (one that waits for it)."""
    parent = os.getpid()
    _prctl()  # loaded here, before the fork: the child only calls it

    def preexec() -> None:
        die_with_parent(parent, signum)

    return preexec


@contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """Within the block, the first SIGTERM raises SystemExit(143) in the main thread, so
    clean-up runs; the handler then steps aside, so a second SIGTERM ends the process at
    once. The previous handler is back after the block (the CLI may run inside a test)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may handle signals
        return

    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise SystemExit(EXIT_TERMINATED)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def pause_point(name: str) -> None:
    """Stop here for good (until killed) if the fault tests asked for this point."""
    if os.environ.get(PAUSE_ENV) != name:
        return
    print(f"paused at {name} (pid {os.getpid()})", file=sys.stderr, flush=True)
    while True:
        time.sleep(3600)


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (a zombie counts: it is not yet reaped)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's: alive
        return True
    return True
