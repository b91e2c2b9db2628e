import os
import subprocess
import sys

import pytest

from common.locks import (
    INHERITED_LOCK_ENV,
    CrawlLocked,
    LockHeld,
    SchedulerRunning,
    crawl_lock,
    holding_pids,
    index_lock,
    is_locked,
    lock_path,
    release,
    scheduler_lock,
    scheduler_pid,
    try_lock,
)

CHILD = """
import sys
from common.config import Settings
from common.locks import crawl_lock, CrawlLocked
try:
    with crawl_lock(Settings.from_env(), "ofsted"):
        print("crawling")
except CrawlLocked:
    print("locked")
"""


def _child(settings, env_extra=None, pass_fds=()):
    env = {**os.environ, "OFSTED_FINDINGS_DATA_DIR": str(settings.data_dir), **(env_extra or {})}
    env.pop(INHERITED_LOCK_ENV, None) if not env_extra else None
    return subprocess.run(
        [sys.executable, "-c", CHILD], env=env, pass_fds=pass_fds, capture_output=True, text=True, timeout=30
    ).stdout.strip()


def test_a_crawl_lock_is_exclusive_per_source_and_released_after(settings):
    with crawl_lock(settings, "ofsted") as path:
        assert is_locked(path)
        with pytest.raises(CrawlLocked) as caught:
            with crawl_lock(settings, "ofsted"):
                pass
        assert caught.value.source == "ofsted"
        with crawl_lock(settings, "councils"):
            pass  # another source is independent
        assert _child(settings) == "locked"
    assert not is_locked(path)
    assert _child(settings) == "crawling"


def test_a_child_handed_the_locked_descriptor_may_crawl_and_others_may_not(settings):
    path = lock_path(settings, "crawl-ofsted")
    fd = try_lock(path)
    try:
        assert _child(settings, {INHERITED_LOCK_ENV: str(fd)}, pass_fds=(fd,)) == "crawling"
        # Naming a descriptor without holding it proves nothing.
        assert _child(settings, {INHERITED_LOCK_ENV: "0"}) == "locked"
    finally:
        release(fd)


def test_the_lock_outlives_a_parent_while_the_child_that_inherited_it_runs(settings):
    path = lock_path(settings, "crawl-ofsted")
    fd = try_lock(path)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], pass_fds=(fd,))
    try:
        os.close(fd)  # the parent is gone without unlocking, as when the scheduler is killed
        assert is_locked(path)
    finally:
        child.kill()
        child.wait()
    assert not is_locked(path)


def test_index_lock_waits_then_gives_up(settings):
    with index_lock(settings):
        with pytest.raises(LockHeld):
            with index_lock(settings, timeout=0.3):
                pass


def test_one_scheduler_per_data_directory(settings):
    assert scheduler_pid(settings) is None
    with scheduler_lock(settings):
        assert scheduler_pid(settings) == os.getpid()
        with pytest.raises(SchedulerRunning, match=str(os.getpid())):
            with scheduler_lock(settings):
                pass
    assert scheduler_pid(settings) is None


def test_lock_names_cannot_escape_the_lock_folder(settings):
    with pytest.raises(ValueError):
        lock_path(settings, "../../etc/passwd")


def test_waiting_for_the_index_lock_stops_when_cancelled(settings):
    import threading
    import time

    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    started = time.monotonic()
    with index_lock(settings):
        with pytest.raises(LockHeld):
            with index_lock(settings, timeout=30, cancel=cancel):
                pass
    assert time.monotonic() - started < 5


HOLDER = """
import sys, time
from common.config import Settings
from common.locks import index_lock
with index_lock(Settings.from_env()):
    print("holding", flush=True)
    time.sleep(60)
"""


def _holder(settings):
    env = {**os.environ, "OFSTED_FINDINGS_DATA_DIR": str(settings.data_dir)}
    env.pop(INHERITED_LOCK_ENV, None)
    child = subprocess.Popen([sys.executable, "-c", HOLDER], env=env, stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "holding"
    return child


def test_a_lock_is_labelled_with_its_holder_and_status_lists_it(settings):
    from common.locks import describe_lock, lock_states, read_holder

    with index_lock(settings):
        holder = read_holder(lock_path(settings, "index"))
        assert holder.pid == os.getpid() and holder.since[:2] == "20"
        [state] = [s for s in lock_states(settings) if s["lock"] == "index"]
        assert state["held"] and state["pid"] == os.getpid()
        assert describe_lock(state).startswith(
            f"index: held by `{holder.command}`, pid {os.getpid()}, since 20"
        )
        assert holding_pids(lock_path(settings, "index")) == [os.getpid()]
    [state] = [s for s in lock_states(settings) if s["lock"] == "index"]
    assert not state["held"] and describe_lock(state) == "index: free"


def test_a_wait_is_announced_at_once_and_ends_at_its_limit(settings):
    import time

    from common.locks import LockTimeout

    child = _holder(settings)
    try:
        said = []
        started = time.monotonic()
        with pytest.raises(LockTimeout) as caught:
            with index_lock(settings, timeout=0.6, on_wait=said.append):
                pass
        assert time.monotonic() - started < 5
        [line] = said
        assert line.startswith(
            f"waiting for the index lock held by `ofsted-findings`, pid {child.pid}, since 20"
        )
        assert "OFSTED_FINDINGS_LOCK_TIMEOUT" in line
        assert "gave up after 0.6 s waiting for the index lock held by" in str(caught.value)
        assert f"pid {child.pid}" in str(caught.value)
    finally:
        child.kill()
        child.wait()


def test_a_lock_whose_holder_was_killed_is_taken_at_once(settings):
    import signal

    child = _holder(settings)
    child.send_signal(signal.SIGKILL)
    child.wait()
    said = []
    with index_lock(settings, timeout=30, on_wait=said.append):
        assert said == []  # never waited: the kernel released it with the holder
        assert read_holder_pid(settings) == os.getpid()


def read_holder_pid(settings):
    from common.locks import read_holder

    return read_holder(lock_path(settings, "index")).pid


def test_the_lock_timeout_comes_from_the_flag_then_the_environment(monkeypatch):
    from common.locks import DEFAULT_LOCK_TIMEOUT, LOCK_TIMEOUT_ENV, lock_timeout

    monkeypatch.delenv(LOCK_TIMEOUT_ENV, raising=False)
    assert lock_timeout() == DEFAULT_LOCK_TIMEOUT
    monkeypatch.setenv(LOCK_TIMEOUT_ENV, "2.5")
    assert lock_timeout() == 2.5 and lock_timeout("0") == 0.0
    for bad in ("soon", "-1", "nan", "inf"):
        monkeypatch.setenv(LOCK_TIMEOUT_ENV, bad)
        with pytest.raises(ValueError, match=LOCK_TIMEOUT_ENV):
            lock_timeout()
    with pytest.raises(ValueError, match="--lock-timeout"):
        lock_timeout("-3")


def test_an_inherited_lock_is_relabelled_by_the_child_that_uses_it(settings):
    path = lock_path(settings, "index")
    fd = try_lock(path)
    code = (
        "import os\nfrom common.config import Settings\nfrom common.locks import index_lock, read_holder\n"
        "with index_lock(Settings.from_env(), timeout=0) as fd:\n"
        "    print(read_holder(__import__('pathlib').Path(os.environ['P'])).pid == os.getpid())\n"
    )
    try:
        env = {
            **os.environ,
            "OFSTED_FINDINGS_DATA_DIR": str(settings.data_dir),
            INHERITED_LOCK_ENV: str(fd),
            "P": str(path),
        }
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, pass_fds=(fd,), capture_output=True, text=True, timeout=30
        )
        assert done.stdout.strip() == "True", done.stderr
    finally:
        release(fd)


ORPHANING = """
import os, subprocess, sys
from common.config import Settings
from common.locks import index_lock
with index_lock(Settings.from_env()) as fd:
    # What the old fork-started extraction workers did: inherit the lock, outlive the holder.
    orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], pass_fds=(fd,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(orphan.pid, flush=True)
    os._exit(0)
"""


def test_a_wait_on_a_lock_kept_by_an_orphan_names_the_orphan_not_the_dead_holder(settings):
    import signal

    env = {**os.environ, "OFSTED_FINDINGS_DATA_DIR": str(settings.data_dir)}
    env.pop(INHERITED_LOCK_ENV, None)
    done = subprocess.run(
        [sys.executable, "-c", ORPHANING], env=env, capture_output=True, text=True, timeout=30
    )
    orphan = int(done.stdout.strip())
    try:
        said = []
        with pytest.raises(LockHeld, match=f"held by pid {orphan} "):
            with index_lock(settings, timeout=0.3, on_wait=said.append):
                pass
        assert said[0].startswith(f"waiting for the index lock held by pid {orphan} (its label names")
        assert "which is gone" in said[0]
    finally:
        os.kill(orphan, signal.SIGKILL)
    import time

    deadline = time.monotonic() + 10
    while is_locked(lock_path(settings, "index")) and time.monotonic() < deadline:
        time.sleep(0.05)
    with index_lock(settings, timeout=0):
        pass
