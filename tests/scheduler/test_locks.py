import os
import subprocess
import sys

import pytest

from scheduler.locks import (INHERITED_LOCK_ENV, CrawlLocked, LockHeld, SchedulerRunning, crawl_lock,
                             index_lock, is_locked, lock_path, release, scheduler_lock, scheduler_pid,
                             try_lock)

CHILD = """
import sys
from ofsted_findings.config import Settings
from scheduler.locks import crawl_lock, CrawlLocked
try:
    with crawl_lock(Settings.from_env(), "ofsted"):
        print("crawling")
except CrawlLocked:
    print("locked")
"""


def _child(settings, env_extra=None, pass_fds=()):
    env = {**os.environ, "OFSTED_FINDINGS_DATA_DIR": str(settings.data_dir), **(env_extra or {})}
    env.pop(INHERITED_LOCK_ENV, None) if not env_extra else None
    return subprocess.run([sys.executable, "-c", CHILD], env=env, pass_fds=pass_fds,
                          capture_output=True, text=True, timeout=30).stdout.strip()


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
