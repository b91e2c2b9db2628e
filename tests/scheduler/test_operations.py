"""Operating the scheduler: failures and retries, time limits, status, pause/resume/run-now."""

from __future__ import annotations

import json
import time

from scheduler import history
from tests.scheduler.conftest import cli, events, fake_command, stored_job_ids, wait_until, write_schedule


def _runs(settings, job="ofsted-crawl"):
    return [r for r in reversed(history.recent_runs(settings, 500)) if r["job_id"] == job]


def test_a_failing_crawl_is_retried_with_backoff_then_surfaced(
    data_dir, tmp_path, sched_settings, scheduler_process
):
    log = tmp_path / "crawl.log"
    write_schedule(
        data_dir,
        {
            "ofsted-crawl": {
                "interval_seconds": 3600,
                "retries": 2,
                "retry_backoff_seconds": 0.5,
                "command": fake_command(log, exit=3, source="ofsted"),
            }
        },
    )
    proc = scheduler_process()
    started = cli(data_dir, "run-now", "ofsted-crawl")
    assert started.returncode == 0, started.stderr
    wait_until(
        lambda: len([r for r in _runs(sched_settings) if r["finished_at"]]) >= 3, message="three attempts"
    )
    runs = _runs(sched_settings)
    assert [(r["trigger"], r["attempt"], r["outcome"]) for r in runs] == [
        ("run-now", 1, "failed"),
        ("retry", 2, "failed"),
        ("retry", 3, "failed"),
    ]
    assert "exit code 3" in runs[0]["errors"][0]
    gaps = [(b["started_at"], a["finished_at"]) for a, b in zip(runs, runs[1:])]
    assert all(later >= earlier for later, earlier in gaps)
    assert "ofsted-crawl:retry" not in stored_job_ids(data_dir)  # retries exhausted
    status = cli(data_dir, "status", "--format", "json")
    assert status.returncode == 1
    report = json.loads(status.stdout)
    assert any("ofsted-crawl failed" in p for p in report["problems"])
    assert report["scheduler"]["running"] is True
    proc.stop()


def test_a_crawl_over_its_time_limit_is_stopped(data_dir, tmp_path, sched_settings):
    log = tmp_path / "crawl.log"
    write_schedule(
        data_dir,
        {
            "councils-crawl": {
                "interval_seconds": 3600,
                "time_limit_seconds": 1,
                "retries": 0,
                "command": fake_command(log, sleep=60, source="councils"),
            }
        },
    )
    # No scheduler running: run-now runs the job here, in the foreground.
    result = cli(data_dir, "run-now", "councils-crawl")
    assert result.returncode == 1
    [run] = _runs(sched_settings, "councils-crawl")
    assert run["outcome"] == "timeout" and run["trigger"] == "run-now"
    assert "time limit" in run["errors"][0]
    assert [e for e, _, _ in events(log)] == ["start", "term"]


def test_status_is_clean_after_a_good_run_and_warns_when_a_source_goes_stale(
    data_dir, tmp_path, sched_settings
):
    log = tmp_path / "crawl.log"
    write_schedule(
        data_dir,
        {
            "ofsted-crawl": {
                "interval_seconds": 3600,
                "command": fake_command(log, put=1, source="ofsted"),
                "index_after": False,
            }
        },
    )
    assert cli(data_dir, "status").returncode == 1  # never crawled: stale
    assert cli(data_dir, "run-now", "ofsted-crawl").returncode == 0
    status = cli(data_dir, "status", "--format", "json")
    assert status.returncode == 0, status.stdout
    report = json.loads(status.stdout)
    assert report["freshness"]["ofsted"]["stale"] is False
    assert report["recent_runs"][0]["new_documents"] == 1
    write_schedule(
        data_dir,
        {"ofsted-crawl": {"interval_seconds": 3600, "command": fake_command(log, source="ofsted")}},
        stale_after_hours={"ofsted": 0},
    )
    stale = cli(data_dir, "status")
    assert stale.returncode == 1 and "ofsted is stale" in stale.stderr


def test_pause_resume_and_run_now_with_and_without_a_running_scheduler(
    data_dir, tmp_path, sched_settings, scheduler_process
):
    log = tmp_path / "crawl.log"
    write_schedule(
        data_dir, {"ofsted-crawl": {"interval_seconds": 0.5, "command": fake_command(log, source="ofsted")}}
    )
    paused = cli(data_dir, "pause", "ofsted-crawl")
    assert paused.returncode == 0 and "paused" in paused.stdout
    listing = [json.loads(line) for line in cli(data_dir, "list", "--format", "json").stdout.splitlines()]
    assert {r["job"]: r["state"] for r in listing}["ofsted-crawl"] == "paused"
    table = cli(data_dir, "list").stdout.splitlines()
    assert table[0].split() == ["JOB", "WHAT", "SCHEDULE", "STATE", "NEXT", "RUN"]
    assert len(table) == len(listing) + 1 and any(line.startswith("ofsted-crawl ") for line in table[1:])

    proc = scheduler_process()  # a paused job stays paused across a (re)start
    time.sleep(1.0)
    assert _runs(sched_settings) == []

    now = cli(data_dir, "run-now", "ofsted-crawl")
    assert now.returncode == 0 and "started" in now.stdout
    wait_until(lambda: _runs(sched_settings), message="the run-now")
    time.sleep(1.0)
    assert len(_runs(sched_settings)) == 1  # once, and still paused

    assert cli(data_dir, "resume", "ofsted-crawl").returncode == 0
    wait_until(lambda: len(_runs(sched_settings)) >= 3, message="scheduled runs again")
    assert cli(data_dir, "pause", "ofsted-crawl").returncode == 0
    assert proc.stop() == 0
    count = len(_runs(sched_settings))
    proc = scheduler_process()
    time.sleep(1.0)
    assert proc.stop() == 0
    assert len(_runs(sched_settings)) == count
    assert {r["outcome"] for r in _runs(sched_settings)} <= {"ok", "interrupted", "skipped"}


def test_operator_mistakes_get_clear_errors(data_dir, tmp_path):
    write_schedule(data_dir, {})
    unknown = cli(data_dir, "pause", "nightly-crawl")
    assert unknown.returncode == 2 and "no job 'nightly-crawl'" in unknown.stderr
    disabled = cli(data_dir, "run-now", "councils-crawl")
    assert disabled.returncode == 2 and "disabled" in disabled.stderr
    (data_dir / "schedule.yaml").write_text("jobs: {ofsted-crawl: {cron: '0 6 * * 1'}}\n")
    bad = cli(data_dir, "list")
    assert bad.returncode == 2 and "weekday" in bad.stderr


def test_a_command_that_cannot_start_is_a_recorded_failure(data_dir, sched_settings):
    write_schedule(
        data_dir,
        {"ofsted-crawl": {"interval_seconds": 3600, "retries": 0, "command": ["/nonexistent/crawler"]}},
    )
    result = cli(data_dir, "run-now", "ofsted-crawl")
    assert result.returncode == 1 and "FileNotFoundError" in result.stderr
    [run] = _runs(sched_settings)
    assert run["outcome"] == "failed" and run["finished_at"]
