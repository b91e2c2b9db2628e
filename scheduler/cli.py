"""`ofsted-findings schedule ...`: run the scheduler and operate it."""

from __future__ import annotations

import json
import logging
import signal
import sys

from common.config import Settings
from common.locks import SchedulerRunning, scheduler_lock, scheduler_pid
from scheduler import control, history
from scheduler.config import ScheduleConfigError, load_config

EXIT_OK, EXIT_ATTENTION, EXIT_ERROR, EXIT_NO_ANSWER = 0, 1, 2, 3


def add_schedule_parser(subparsers, common_parent) -> None:
    options = _options_parser()
    p = subparsers.add_parser(
        "schedule", help="scheduled re-crawls: run the scheduler, see and steer its jobs"
    )
    sub = p.add_subparsers(dest="schedule_command", metavar="ACTION", required=True)

    q = sub.add_parser(
        "run",
        parents=[common_parent, options],
        help="run the scheduler in the foreground until SIGTERM/SIGINT (a service)",
    )
    q.add_argument(
        "--poll-seconds",
        type=float,
        default=1.0,
        help="how often operator commands are picked up (default 1)",
    )
    q.set_defaults(func=cmd_run)

    q = sub.add_parser(
        "status",
        parents=[common_parent, options],
        help="jobs, last runs and freshness; exit 1 if a job's last run failed or a source is stale",
    )
    q.add_argument("--format", choices=("text", "json"), default="text")
    q.add_argument("--limit", type=int, default=10, help="recent runs to show (default 10)")
    q.set_defaults(func=cmd_status)

    q = sub.add_parser(
        "list", parents=[common_parent, options], help="the jobs, their schedules and next runs"
    )
    q.add_argument("--format", choices=("text", "json"), default="text")
    q.set_defaults(func=cmd_list)

    for name, helptext in (
        ("run-now", "run a job now (in the scheduler if one runs, else here)"),
        ("pause", "pause a job (kept paused across restarts)"),
        ("resume", "resume a paused job"),
    ):
        q = sub.add_parser(name, parents=[common_parent, options], help=helptext)
        q.add_argument("job", metavar="JOB")
        q.set_defaults(func=cmd_job_command, schedule_action=name)


def _options_parser():
    import argparse

    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "--config",
        metavar="FILE",
        help="schedule file merged over the defaults (env OFSTED_FINDINGS_SCHEDULE_FILE; "
        "default: schedule.yaml in the data directory, if any)",
    )
    return options


def _settings(args) -> Settings:
    return Settings.from_env(data_dir=args.data_dir, engine=args.engine, es_url=args.es_url)


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_ERROR


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, default=str))


# -- run ----------------------------------------------------------------------------------
def cmd_run(args) -> int:
    from scheduler.service import SchedulerService

    try:
        settings = _settings(args)
        config = load_config(settings, args.config)
    except ValueError as exc:
        return _error(str(exc))
    level = logging.WARNING if args.quiet else logging.INFO
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    for name in ("scheduler", "apscheduler"):
        logging.getLogger(name).setLevel(logging.DEBUG if args.verbose else level)
    # APScheduler announces every job it runs; our own log lines say more.
    logging.getLogger("apscheduler.executors").setLevel(
        logging.WARNING if not args.verbose else logging.DEBUG
    )
    try:
        return SchedulerService(settings, config, poll_seconds=args.poll_seconds).run()
    except SchedulerRunning as exc:
        return _error(str(exc))


# -- list and status -------------------------------------------------------------------------
def _job_rows(settings, config) -> list[dict]:
    from scheduler.jobs import ONE_OFF, base_id
    from scheduler.service import open_jobstore

    stored = {}
    if control.database_path(settings).exists():
        with open_jobstore(settings, config) as scheduler:
            stored = {job.id: job for job in scheduler.get_jobs()}
    rows = []
    for spec in config.jobs.values():
        job = stored.get(spec.id)
        if not spec.enabled:
            state = "disabled"
        elif job is None:
            state = "not started"  # in the job store once the scheduler has run
        else:
            state = "paused" if job.next_run_time is None else "scheduled"
        pending = {
            j.id.split(":", 1)[1]: j.next_run_time.isoformat()
            for j in stored.values()
            if base_id(j.id) == spec.id
            and ":" in j.id
            and j.next_run_time
            and j.id.split(":", 1)[1] in ONE_OFF
        }
        rows.append(
            {
                "job": spec.id,
                "kind": spec.kind,
                "source": spec.source,
                "schedule": spec.schedule,
                "enabled": spec.enabled,
                "state": state,
                "next_run": job.next_run_time.isoformat() if job and job.next_run_time else None,
                "pending": pending,
                "time_limit_seconds": spec.time_limit_seconds,
                "retries": spec.retries,
            }
        )
    return rows


def cmd_list(args) -> int:
    try:
        settings = _settings(args)
        config = load_config(settings, args.config)
    except ValueError as exc:
        return _error(str(exc))
    rows = _job_rows(settings, config)
    if args.format == "json":
        for row in rows:
            _print_json(row)
        return EXIT_OK
    print(_LIST_ROW.format("JOB", "WHAT", "SCHEDULE", "STATE", "NEXT RUN"))
    for r in rows:
        pending = ", ".join(f"{k} at {v}" for k, v in r["pending"].items())
        what = r["kind"] + (f" {r['source']}" if r["source"] else "")
        print(
            _LIST_ROW.format(r["job"], what, r["schedule"], r["state"], r["next_run"] or "-")
            + (f"  ({pending})" if pending else "")
        )
    return EXIT_OK


_LIST_ROW = "{:<18} {:<16} {:<22} {:<12} {}"  # `schedule list`: a header row, then one per job


def status_report(settings, config, limit: int = 10) -> dict:
    """Everything `schedule status` shows, and whether it needs attention."""
    last = history.last_runs(settings)
    fresh = history.freshness(settings, config)
    problems = []
    for spec in config.enabled_jobs():
        run = last.get(spec.id)
        if run and run["outcome"] in history.FAILURE:
            problems.append(
                f"the last run of {spec.id} {run['outcome']} ({run['started_at']}): "
                + "; ".join(run["errors"])[:300]
            )
    for source, info in fresh.items():
        if info["stale"]:
            since = info["last_success"] or "never"
            problems.append(
                f"{source} is stale: last successful crawl {since} "
                f"(threshold {info['stale_after_hours']:g} h)"
            )
    pid = scheduler_pid(settings)
    return {
        "scheduler": {"running": pid is not None, "pid": pid},
        "jobs": _job_rows(settings, config),
        "last_runs": last,
        "freshness": fresh,
        "recent_runs": history.recent_runs(settings, limit),
        "problems": problems,
        "config_files": list(config.files),
    }


def cmd_status(args) -> int:
    try:
        settings = _settings(args)
        config = load_config(settings, args.config)
    except ValueError as exc:
        return _error(str(exc))
    report = status_report(settings, config, args.limit)
    if args.format == "json":
        _print_json(report)
    else:
        _print_status(report)
    return EXIT_ATTENTION if report["problems"] else EXIT_OK


def _print_status(report: dict) -> None:
    sched = report["scheduler"]
    print(f"scheduler: {'running, pid ' + str(sched['pid']) if sched['running'] else 'not running'}")
    print("jobs:")
    for job in report["jobs"]:
        run = report["last_runs"].get(job["job"])
        last = f"last {run['outcome']} {run['started_at']}" if run else "never run"
        nxt = f"next {job['next_run']}" if job["next_run"] else job["state"]
        print(f"  {job['job']:<18} {job['schedule']:<22} {nxt}; {last}")
    print("freshness:")
    for source, info in report["freshness"].items():
        flag = "STALE" if info["stale"] else "fresh"
        print(f"  {source:<10} {flag}: last successful crawl {info['last_success'] or 'never'}")
    print("recent runs:")
    for run in report["recent_runs"]:
        print(
            f"  #{run['run_id']} {run['job_id']} {run['trigger']} {run['started_at']} {run['outcome']}"
            f" new={run['new_documents']} changed={run['changed_documents']}"
            f" failed={run['failed_documents']} bytes={run['bytes']}"
            + (f" errors: {'; '.join(run['errors'])[:200]}" if run["errors"] else "")
        )
    for problem in report["problems"]:
        print(f"PROBLEM: {problem}", file=sys.stderr)


# -- run-now, pause, resume ----------------------------------------------------------------
def cmd_job_command(args) -> int:
    action = args.schedule_action
    try:
        settings = _settings(args)
        config = load_config(settings, args.config)
        spec = config.job(args.job)
        if not spec.enabled:
            raise ScheduleConfigError(f"job {args.job!r} is disabled in the schedule")
    except ValueError as exc:
        return _error(str(exc))
    if scheduler_pid(settings) is not None:
        return _ask_scheduler(settings, action, args.job)
    if action == "run-now":
        return _run_in_foreground(settings, config, spec)
    from scheduler.service import apply_command, open_jobstore, reconcile

    try:
        with scheduler_lock(settings), open_jobstore(settings, config) as scheduler:
            reconcile(scheduler, config)
            print(apply_command(scheduler, config, action, args.job))
    except SchedulerRunning:
        return _ask_scheduler(settings, action, args.job)
    except ValueError as exc:
        return _error(str(exc))
    return EXIT_OK


def _ask_scheduler(settings, action: str, job_id: str) -> int:
    command_id = control.enqueue(settings, action, job_id)
    answer = control.wait_for(settings, command_id)
    if answer is None:
        control.cancel(settings, command_id)
        print("error: the scheduler did not answer; is it stuck? (see its log)", file=sys.stderr)
        return EXIT_NO_ANSWER
    ok, message = answer
    print(message if ok else f"error: {message}", file=sys.stdout if ok else sys.stderr)
    return EXIT_OK if ok else EXIT_ERROR


def _run_in_foreground(settings, config, spec) -> int:
    """No scheduler is running: run the job here, under the same locks and history."""
    from scheduler.jobs import RUN_NOW, Runtime, run_job

    runtime = Runtime(settings, config)
    previous = {
        sig: signal.signal(sig, lambda *_: runtime.stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        outcome = run_job(runtime, spec, trigger=RUN_NOW)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    run = history.recent_runs(settings, 1, job_id=spec.id)
    print(f"{spec.id}: {outcome}")
    if run and run[0]["errors"]:
        for error in run[0]["errors"]:
            print(f"  {error}", file=sys.stderr)
    return EXIT_OK if outcome in history.SUCCESS else EXIT_ATTENTION
