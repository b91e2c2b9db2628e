"""What a scheduled job does when it fires.

``execute`` is the callable in the persistent job store: a module-level function
taking plain values, so the store can pickle a reference to it. It finds the
process's ``Runtime`` (settings, schedule, stop flag, scheduler) installed by
the service, or by ``schedule run-now`` when no service is running.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from common.locks import INHERITED_LOCK_ENV, LockHeld, index_lock, lock_path, release, try_lock, write_holder
from scheduler import history
from scheduler.config import SOURCE_KINDS, JobSpec, ScheduleConfig
from scheduler.runner import CommandResult, run_command

log = logging.getLogger("scheduler.jobs")

RETRY, RESUME, RUN_NOW = "retry", "resume", "run-now"
ONE_OFF = (RETRY, RESUME, RUN_NOW)


def one_off_id(job_id: str, what: str) -> str:
    return f"{job_id}:{what}"


def base_id(aps_job_id: str) -> str:
    return aps_job_id.split(":", 1)[0]


@dataclass
class Runtime:
    settings: object
    config: ScheduleConfig
    stop: threading.Event = field(default_factory=threading.Event)
    scheduler: object | None = None  # None: a foreground run, no retries to schedule
    _active: int = 0
    _idle: threading.Condition = field(default_factory=threading.Condition)

    @contextmanager
    def running(self):
        with self._idle:
            self._active += 1
        try:
            yield
        finally:
            with self._idle:
                self._active -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait for running jobs to end. The scheduler's shutdown must not begin
        before: it holds the job store's lock while a job may still need it."""
        with self._idle:
            return self._idle.wait_for(lambda: self._active == 0, timeout)


_runtime: Runtime | None = None


def install(runtime: Runtime | None) -> None:
    global _runtime
    _runtime = runtime


def execute(job_id: str, trigger: str = "schedule", attempt: int = 1) -> str:
    runtime = _runtime
    if runtime is None:
        raise RuntimeError("scheduler.jobs.execute called outside a scheduler process")
    spec = runtime.config.jobs.get(job_id)
    if spec is None or not spec.enabled:
        log.warning("job %s is no longer in the schedule; not running it", job_id)
        return "skipped"
    with runtime.running():
        if trigger in (RETRY, RESUME) and _paused(runtime, job_id):
            log.info("job %s is paused; its %s is dropped", job_id, trigger)
            return "skipped"
        if runtime.stop.is_set():
            # Fired just as the scheduler began to stop: run it after the restart instead.
            schedule_one_off(runtime, spec, RESUME, delay=0, attempt=attempt)
            return "interrupted"
        return run_job(runtime, spec, trigger=trigger, attempt=attempt)


def run_job(runtime: Runtime, spec: JobSpec, *, trigger: str = "schedule", attempt: int = 1) -> str:
    """Run one job now, record it, and arrange a retry if it failed. Returns the outcome."""
    runner = {"crawl": _crawl, "index": _reindex, "integrity": _integrity}[spec.kind]
    return runner(runtime, spec, trigger, attempt)


# -- retries ------------------------------------------------------------------------
def schedule_one_off(
    runtime: Runtime, spec: JobSpec, what: str, *, delay: float, attempt: int = 1
) -> datetime | None:
    if runtime.scheduler is None:
        return None
    if what != RUN_NOW and _paused(runtime, spec.id):
        return None  # an operator paused the job: no retries or resumptions either
    from apscheduler.triggers.date import DateTrigger

    run_at = datetime.now(timezone.utc) + timedelta(seconds=delay)
    runtime.scheduler.add_job(
        execute,
        DateTrigger(run_date=run_at),
        id=one_off_id(spec.id, what),
        name=f"{spec.id} ({what})",
        kwargs={"job_id": spec.id, "trigger": what, "attempt": attempt},
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=int(runtime.config.misfire_grace_seconds),
    )
    return run_at


def _paused(runtime: Runtime, job_id: str) -> bool:
    job = runtime.scheduler.get_job(job_id) if runtime.scheduler is not None else None
    return job is not None and job.next_run_time is None


def _cancel_retry(runtime: Runtime, spec: JobSpec) -> None:
    if runtime.scheduler is None:
        return
    from apscheduler.jobstores.base import JobLookupError

    try:
        runtime.scheduler.remove_job(one_off_id(spec.id, RETRY))
    except JobLookupError:
        pass


def _after(runtime: Runtime, spec: JobSpec, outcome: str, attempt: int, errors: list[str]) -> None:
    if outcome in history.SUCCESS:
        _cancel_retry(runtime, spec)
    elif outcome == "interrupted":
        schedule_one_off(runtime, spec, RESUME, delay=0, attempt=attempt)
    elif outcome in history.FAILURE:
        if attempt <= spec.retries:
            delay = spec.retry_delay(attempt)
            when = schedule_one_off(runtime, spec, RETRY, delay=delay, attempt=attempt + 1)
            if when:
                log.warning(
                    "job %s failed (%s); retry %d of %d at %s",
                    spec.id,
                    "; ".join(errors)[:300],
                    attempt,
                    spec.retries,
                    when.isoformat(),
                )
        else:
            log.error("job %s failed after %d retries: %s", spec.id, spec.retries, "; ".join(errors)[:300])


# -- steps --------------------------------------------------------------------------
def _outcome(result: CommandResult) -> str:
    if result.interrupted:
        return "interrupted"
    if result.timed_out:
        return "timeout"
    if result.ok:
        return "ok"
    return "partial" if result.finished_with_failures else "failed"


def _step_details(result: CommandResult) -> dict:
    return {
        "exit_code": result.returncode,
        "seconds": round(result.duration, 1),
        "summary": result.summary,
        "log": result.log,
    }


def _index_step(runtime: Runtime, spec: JobSpec, *, full: bool = False) -> tuple[str, dict, list[str]]:
    """Bring the index up to date with the store (incremental unless ``full``)."""
    settings = runtime.settings
    pending = history.pending_index_count(settings)
    if not full and pending == 0:
        return "ok", {"pending": 0, "ran": False}, []
    try:
        with index_lock(settings, timeout=spec.time_limit_seconds, cancel=runtime.stop) as fd:
            result = run_command(
                spec.index_argv(full=full),
                settings=settings,
                name=f"{spec.id}-index",
                time_limit=spec.time_limit_seconds,
                stop=runtime.stop,
                grace=runtime.config.shutdown_grace_seconds,
                pass_fds=(fd,),
                env_extra={INHERITED_LOCK_ENV: str(fd)},
            )
    except LockHeld as exc:
        outcome = "interrupted" if runtime.stop.is_set() else "failed"
        return outcome, {"pending": pending, "ran": False}, [str(exc)]
    outcome = _outcome(result)
    details = {"pending": pending, "ran": True, "full": full, **_step_details(result)}
    return outcome, details, ([] if outcome in history.SUCCESS else [result.describe()])


def _worst(*outcomes: str) -> str:
    order = ("ok", "partial", "interrupted", "timeout", "failed")
    return max(outcomes, key=order.index)


def _crawl(runtime: Runtime, spec: JobSpec, trigger: str, attempt: int) -> str:
    settings, source = runtime.settings, spec.source
    fd = try_lock(lock_path(settings, f"crawl-{source}"))
    if fd is None:
        reason = f"not started: a crawl of {source} is already running"
        history.record_skip(
            settings,
            job_id=spec.id,
            kind=spec.kind,
            source=source,
            trigger=trigger,
            reason=reason,
            attempt=attempt,
        )
        log.info("job %s %s", spec.id, reason)
        return "skipped"
    write_holder(fd)  # until the crawl it starts labels the lock with its own pid
    started = history.utcnow()
    run_id = history.start(
        settings,
        job_id=spec.id,
        kind=spec.kind,
        source=source,
        trigger=trigger,
        attempt=attempt,
        started_at=started,
    )
    log.info("job %s: crawling %s (run %d, attempt %d)", spec.id, source, run_id, attempt)
    outcome, errors, details, counts = "failed", [], {}, {}
    try:
        try:
            # The child inherits the locked descriptor: the lock lives as long as the crawl.
            result = run_command(
                spec.crawl_argv(),
                settings=settings,
                name=spec.id,
                time_limit=spec.time_limit_seconds,
                stop=runtime.stop,
                grace=runtime.config.shutdown_grace_seconds,
                pass_fds=(fd,),
                env_extra={INHERITED_LOCK_ENV: str(fd)},
            )
        finally:
            release(fd)
        outcome = _outcome(result)
        details["crawl"] = _step_details(result)
        if outcome not in history.SUCCESS:
            errors.append(result.describe())
        counts = history.catalogue_changes(settings, kind=SOURCE_KINDS[source], since=started)
        # Whatever the crawl stored, even before a time limit, is worth indexing now.
        if spec.index_after and outcome in ("ok", "partial", "timeout") and not runtime.stop.is_set():
            index_outcome, details["index"], index_errors = _index_step(runtime, spec)
            errors += index_errors
            outcome = _worst(outcome, index_outcome)
    except Exception as exc:  # a bug here must still end the run's record
        log.exception("job %s crashed", spec.id)
        errors.append(f"scheduler error: {type(exc).__name__}: {exc}")
        outcome = "failed"
    finally:
        history.finish(settings, run_id, outcome, counts=counts, errors=errors, details=details)
    log.info(
        "job %s: %s (new %s, changed %s, failed %s)",
        spec.id,
        outcome,
        counts.get("new", 0),
        counts.get("changed", 0),
        counts.get("failed", 0),
    )
    _after(runtime, spec, outcome, attempt, errors)
    return outcome


def _recorded_run(runtime: Runtime, spec: JobSpec, trigger: str, attempt: int, work) -> str:
    """Run ``work(details, errors) -> outcome`` as one run in the history: a crash is
    recorded as a failure with its reason, and a failure is retried (``_after``)."""
    settings = runtime.settings
    run_id = history.start(
        settings, job_id=spec.id, kind=spec.kind, source=None, trigger=trigger, attempt=attempt
    )
    outcome, errors, details = "failed", [], {}
    try:
        outcome = work(details, errors)
    except Exception as exc:
        log.exception("job %s crashed", spec.id)
        errors.append(f"scheduler error: {type(exc).__name__}: {exc}")
    finally:
        history.finish(settings, run_id, outcome, errors=errors, details=details)
    _after(runtime, spec, outcome, attempt, errors)
    return outcome


def _reindex(runtime: Runtime, spec: JobSpec, trigger: str, attempt: int) -> str:
    def work(details: dict, errors: list) -> str:
        outcome, details["index"], step_errors = _index_step(runtime, spec)
        errors.extend(step_errors)
        return outcome

    return _recorded_run(runtime, spec, trigger, attempt, work)


def _integrity(runtime: Runtime, spec: JobSpec, trigger: str, attempt: int) -> str:
    from indexer.engines import EngineUnavailable
    from scheduler.integrity import check_integrity

    settings = runtime.settings

    def work(details: dict, errors: list) -> str:
        try:
            with index_lock(settings, timeout=spec.time_limit_seconds, cancel=runtime.stop):
                report = details["check"] = check_integrity(settings)
            repair_outcome = "ok"
            if not report["consistent"] and spec.repair and not runtime.stop.is_set():
                repair_outcome, details["repair"], repair_errors = _index_step(runtime, spec, full=True)
                errors.extend(repair_errors)
                report = details["after_repair"] = check_integrity(settings)
            if not report["consistent"]:
                errors.append(
                    f"index differs from the catalogue: {report['missing']} missing, "
                    f"{report['orphaned']} orphaned, {report['pending']} not yet indexed"
                )
            return "ok" if report["consistent"] and repair_outcome in history.SUCCESS else "failed"
        except (EngineUnavailable, LockHeld) as exc:
            errors.append(str(exc))
            return "failed"

    return _recorded_run(runtime, spec, trigger, attempt, work)
