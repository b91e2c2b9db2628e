"""The scheduler as its own process, with jobs every second or so and cheap commands."""

from __future__ import annotations

import os
import signal
import time

from common.locks import crawl_lock
from scheduler import history
from tests.scheduler.conftest import (
    assert_no_overlap,
    cli,
    events,
    fake_command,
    intervals,
    stored_job_ids,
    wait_until,
    write_schedule,
)


def _runs(settings, outcome=None, job="ofsted-crawl"):
    runs = [r for r in history.recent_runs(settings, 500) if r["job_id"] == job]
    return [r for r in reversed(runs) if outcome is None or r["outcome"] == outcome]


def test_jobs_fire_record_history_and_index_what_changed(
    data_dir, tmp_path, sched_settings, scheduler_process
):
    crawl_log, index_log = tmp_path / "crawl.log", tmp_path / "index.log"
    write_schedule(
        data_dir,
        {
            "ofsted-crawl": {
                "interval_seconds": 1,
                "command": fake_command(crawl_log, put=2, source="ofsted"),
                "index_command": fake_command(index_log, mark_indexed=True),
            }
        },
    )
    proc = scheduler_process()
    wait_until(lambda: len(_runs(sched_settings, "ok")) >= 2, message="two runs")
    assert proc.stop() == 0
    ok = _runs(sched_settings, "ok")
    for run in ok:
        assert run["trigger"] == "schedule" and run["attempt"] == 1
        assert run["new_documents"] >= 2 and run["bytes"] > 0 and run["failed_documents"] == 0
        assert run["details"]["crawl"]["summary"] == {"documents": 2}
        assert run["details"]["index"]["ran"] is True
        assert run["finished_at"] >= run["started_at"]
    # Every crawl was followed by an incremental index of what it stored.
    assert history.pending_index_count(sched_settings) == 0
    assert len(intervals(index_log)) >= len(ok)
    assert history.freshness(sched_settings)["ofsted"]["stale"] is False


def test_overlapping_triggers_never_start_a_second_run(data_dir, tmp_path, sched_settings, scheduler_process):
    log = tmp_path / "crawl.log"
    write_schedule(
        data_dir,
        {"ofsted-crawl": {"interval_seconds": 0.4, "command": fake_command(log, sleep=1.2, source="ofsted")}},
    )
    proc = scheduler_process()
    wait_until(lambda: len(_runs(sched_settings, "ok")) >= 2, message="two runs")
    proc.stop()
    assert_no_overlap(intervals(log))
    skipped = _runs(sched_settings, "skipped")
    assert skipped and all("previous run" in r["errors"][0] for r in skipped)


def test_a_crawl_already_running_elsewhere_is_not_started_again(
    data_dir, tmp_path, sched_settings, scheduler_process
):
    log = tmp_path / "crawl.log"
    write_schedule(
        data_dir, {"ofsted-crawl": {"interval_seconds": 0.5, "command": fake_command(log, source="ofsted")}}
    )
    with crawl_lock(sched_settings, "ofsted"):  # a manual `ofsted-findings crawl` holds it
        proc = scheduler_process()
        wait_until(lambda: len(_runs(sched_settings, "skipped")) >= 2, message="skipped runs")
        assert not log.exists()
        assert "already running" in _runs(sched_settings, "skipped")[0]["errors"][0]
    wait_until(lambda: _runs(sched_settings, "ok"), message="a run once the lock is free")
    proc.stop()


def test_a_killed_scheduler_restarts_with_its_jobs_and_history_and_resumes_the_crawl(
    data_dir, tmp_path, sched_settings, scheduler_process
):
    log = tmp_path / "crawl.log"
    write_schedule(
        data_dir,
        {"ofsted-crawl": {"interval_seconds": 1, "command": fake_command(log, sleep=0.3, source="ofsted")}},
    )
    first = scheduler_process()
    wait_until(lambda: len(_runs(sched_settings, "ok")) >= 2, message="two runs")
    jobs_before = stored_job_ids(data_dir)
    # Kill it in the middle of a crawl.
    wait_until(
        lambda: events(log) and events(log)[-1][0] == "start", interval=0.02, message="a crawl in progress"
    )
    killed_at = time.time()
    first.kill()
    # The kernel tells the crawl to stop as its scheduler dies: it never runs on orphaned
    # (unless it happened to end just before the kill).
    wait_until(lambda: events(log)[-1][0] in ("end", "term"), message="the crawl to stop")
    last, _, when = events(log)[-1]
    assert last == "term" or when < killed_at + 0.05, (last, when - killed_at)
    cut = max(r["run_id"] for r in history.recent_runs(sched_settings, 500))
    before = {r["run_id"]: r for r in history.recent_runs(sched_settings, 500)}

    second = scheduler_process()
    wait_until(
        lambda: len([r for r in _runs(sched_settings, "ok") if r["run_id"] > cut]) >= 2,
        message="crawls after the restart",
    )
    assert second.stop() == 0
    # The abandoned run was resumed at once; if the regular run got the lock first,
    # the resumption stood aside rather than overlap it.
    [resume] = [r for r in _runs(sched_settings) if r["trigger"] == "resume"]
    assert resume["outcome"] in ("ok", "skipped")
    assert stored_job_ids(data_dir) == jobs_before == ["ofsted-crawl"]
    after = {r["run_id"]: r for r in history.recent_runs(sched_settings, 500)}
    abandoned = [r for r in after.values() if r["outcome"] == "abandoned"]
    assert len(abandoned) == 1 and before[abandoned[0]["run_id"]]["outcome"] == "running"
    assert all(after[i]["started_at"] == before[i]["started_at"] for i in before)
    assert_no_overlap(intervals(log))
    assert not [r for r in after.values() if r["outcome"] == "running"]


def test_sigterm_stops_the_running_crawl_cleanly_and_it_resumes_after_restart(
    data_dir, tmp_path, sched_settings, scheduler_process
):
    log = tmp_path / "crawl.log"
    write_schedule(
        data_dir,
        {"ofsted-crawl": {"interval_seconds": 3600, "command": fake_command(log, sleep=60, source="ofsted")}},
    )
    proc = scheduler_process()
    assert cli(data_dir, "run-now", "ofsted-crawl").returncode == 0
    wait_until(lambda: events(log), message="the crawl to start")
    assert proc.stop(signal.SIGTERM, timeout=20) == 0
    assert [e for e, _, _ in events(log)][-1] == "term"  # the child was asked to stop
    [run] = _runs(sched_settings, "interrupted")
    assert "shutdown" in run["errors"][0]
    assert "ofsted-crawl:resume" in stored_job_ids(data_dir)

    write_schedule(
        data_dir, {"ofsted-crawl": {"interval_seconds": 3600, "command": fake_command(log, source="ofsted")}}
    )
    proc = scheduler_process()
    wait_until(
        lambda: [r for r in _runs(sched_settings, "ok") if r["trigger"] == "resume"],
        message="the resumed run",
    )
    assert proc.stop(signal.SIGINT) == 0
    assert stored_job_ids(data_dir) == ["ofsted-crawl"]


def test_a_manual_crawl_is_refused_while_a_scheduled_crawl_runs(
    data_dir, tmp_path, sched_settings, scheduler_process
):
    import subprocess
    import sys

    from tests.scheduler.conftest import ROOT

    log = tmp_path / "crawl.log"
    write_schedule(
        data_dir,
        {"ofsted-crawl": {"interval_seconds": 3600, "command": fake_command(log, sleep=30, source="ofsted")}},
    )
    proc = scheduler_process()
    assert cli(data_dir, "run-now", "ofsted-crawl").returncode == 0
    wait_until(lambda: events(log), message="the scheduled crawl to start")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFSTED_FINDINGS_")}
    manual = subprocess.run(
        [
            sys.executable,
            "-m",
            "ofsted_findings",
            "crawl",
            "--source",
            "ofsted",
            "--data-dir",
            str(data_dir),
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )
    from ofsted_findings.cli import EXIT_BUSY

    assert manual.returncode == EXIT_BUSY and "already running" in manual.stderr
    assert proc.stop() == 0
    assert [e for e, _, _ in events(log)] == ["start", "term"]
