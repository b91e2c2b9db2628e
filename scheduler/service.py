"""The scheduler process: job store, jobs, signals, operator commands.

``SchedulerService(settings, config).run()`` blocks until SIGTERM or SIGINT.
Jobs are (re)added at start-up under their fixed ids with ``replace_existing``:
a job keeps its stored next run time while its trigger is unchanged (so a run
missed while the scheduler was down still happens within the misfire grace
time) and stays paused if an operator paused it.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from contextlib import contextmanager
from datetime import datetime, timezone

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from common.locks import lock_path, scheduler_lock
from scheduler import control, history, jobs
from scheduler.config import ScheduleConfig, ScheduleConfigError

log = logging.getLogger("scheduler")
RECOVERY_EVERY = 30  # polls between looks for runs abandoned by a dead scheduler


class _Scheduler(BackgroundScheduler):
    def _process_jobs(self):
        # APScheduler's loop runs once more after shutdown() and would then submit and
        # advance due jobs, losing a run that fell due while stopping; a stopped
        # scheduler must touch nothing.
        if self.state != STATE_RUNNING:
            return None
        return super()._process_jobs()


def build_scheduler(settings, config: ScheduleConfig) -> BackgroundScheduler:
    return _Scheduler(
        jobstores={"default": SQLAlchemyJobStore(url=control.jobstore_url(settings))},
        executors={"default": ThreadPoolExecutor(max_workers=max(4, len(config.jobs) * 2))},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": int(config.misfire_grace_seconds),
        },
        timezone=config.tz,
    )


@contextmanager
def open_jobstore(settings, config: ScheduleConfig):
    """A scheduler on the job store that runs nothing: for reading and editing jobs
    from the CLI."""
    scheduler = build_scheduler(settings, config)
    scheduler.start(paused=True)
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)


def _same_trigger(old, new) -> bool:
    if type(old) is not type(new) or str(old.timezone) != str(new.timezone):
        return False
    if isinstance(new, IntervalTrigger):
        return old.interval == new.interval
    return isinstance(new, CronTrigger) and str(old) == str(new)


def reconcile(scheduler, config: ScheduleConfig) -> list[str]:
    """Make the job store hold exactly the enabled jobs of the schedule (plus their
    pending retries). Returns what changed, for the log."""
    changes = []
    stored = {job.id: job for job in scheduler.get_jobs()}
    enabled = {spec.id for spec in config.enabled_jobs()}
    for spec in config.enabled_jobs():
        trigger = spec.trigger(config.tz)
        options = dict(
            id=spec.id,
            name=spec.id,
            trigger=trigger,
            kwargs={"job_id": spec.id},
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=int(config.misfire_grace_seconds),
        )
        old = stored.get(spec.id)
        if old is None:
            changes.append(f"added {spec.id} ({spec.schedule})")
        elif old.next_run_time is None:
            options["next_run_time"] = None  # paused by an operator: stays paused
        elif _same_trigger(old.trigger, trigger):
            options["next_run_time"] = old.next_run_time
        else:
            changes.append(f"rescheduled {spec.id} ({spec.schedule})")
        scheduler.add_job(jobs.execute, **options)
    for job_id in stored:
        if jobs.base_id(job_id) not in enabled:
            scheduler.remove_job(job_id)
            changes.append(f"removed {job_id}")
    return changes


def apply_command(scheduler, config: ScheduleConfig, command: str, job_id: str) -> str:
    """pause / resume / run-now one job; raises ScheduleConfigError on a bad job."""
    spec = config.job(job_id)
    if not spec.enabled:
        raise ScheduleConfigError(f"job {job_id!r} is disabled in the schedule ({', '.join(config.files)})")
    if command == "pause":
        scheduler.pause_job(job_id)
        for what in jobs.ONE_OFF:  # a paused job runs nothing, retries included
            try:
                scheduler.remove_job(jobs.one_off_id(job_id, what))
            except JobLookupError:
                pass
        return f"paused {job_id}"
    if command == "resume":
        job = scheduler.resume_job(job_id)
        when = job.next_run_time.isoformat() if job and job.next_run_time else "?"
        return f"resumed {job_id}; next run {when}"
    if command == "run-now":
        scheduler.add_job(
            jobs.execute,
            DateTrigger(run_date=datetime.now(timezone.utc)),
            id=jobs.one_off_id(job_id, jobs.RUN_NOW),
            name=f"{job_id} (run-now)",
            kwargs={"job_id": job_id, "trigger": jobs.RUN_NOW},
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=int(config.misfire_grace_seconds),
        )
        return f"started {job_id}"
    raise ValueError(f"unknown command {command!r}")


def _pid_alive(pid: int | None) -> bool:
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SchedulerService:
    def __init__(self, settings, config: ScheduleConfig, *, poll_seconds: float = 1.0):
        self.settings, self.config, self.poll_seconds = settings, config, poll_seconds
        self.stop = threading.Event()
        self.scheduler: BackgroundScheduler | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def run(self) -> int:
        with scheduler_lock(self.settings):
            previous = self._install_signal_handlers()
            try:
                self._start()
                polls = 0
                while not self.stop.wait(self.poll_seconds):
                    self._process_commands()
                    polls += 1
                    if polls % RECOVERY_EVERY == 0:
                        self._recover_abandoned_runs()
            finally:
                self._shutdown()
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
        return 0

    def request_stop(self, signum=None, frame=None) -> None:
        if signum is not None:
            log.info(
                "received %s: stopping (running crawls are stopped cleanly and resume next time)",
                signal.Signals(signum).name,
            )
        self.stop.set()

    def _install_signal_handlers(self) -> dict:
        previous = {}
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, self.request_stop)
        return previous

    def _start(self) -> None:
        self.scheduler = build_scheduler(self.settings, self.config)
        jobs.install(jobs.Runtime(self.settings, self.config, self.stop, self.scheduler))
        self.scheduler.add_listener(
            self._on_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED | EVENT_JOB_ERROR
        )
        self.scheduler.start(paused=True)
        for change in reconcile(self.scheduler, self.config):
            log.info("schedule: %s", change)
        self._recover_abandoned_runs()
        self.scheduler.resume()
        for job in self.scheduler.get_jobs():
            log.info(
                "job %s: next run %s",
                job.id,
                job.next_run_time.isoformat() if job.next_run_time else "paused",
            )
        log.info("scheduler started (pid %d, data directory %s)", os.getpid(), self.settings.data_dir)

    def _shutdown(self) -> None:
        self.stop.set()
        if self.scheduler is None:
            return
        # Paused first, so nothing new starts while running jobs stop their children
        # and record themselves (and their resumption) in the job store.
        self.scheduler.pause()
        runtime = jobs._runtime
        # Children get the grace time to stop; index steps after them, a little more.
        if runtime and not runtime.wait_idle(self.config.shutdown_grace_seconds * 3 + 10):
            log.error("jobs did not stop in time; shutting down regardless")
        self.scheduler.shutdown(wait=False)
        jobs.install(None)
        log.info("scheduler stopped")

    # -- start-up recovery ------------------------------------------------------------------
    def _recover_abandoned_runs(self) -> None:
        """Runs left 'running' by a scheduler that died are marked abandoned, and
        their jobs resume now. A crawl orphaned by the death and still running keeps
        its lock, so the resumed run waits its turn rather than overlapping it."""
        me = os.getpid()
        resumed = set()
        for run in history.unfinished(self.settings):
            if run["pid"] == me or _pid_alive(run["pid"]):
                continue  # ours, or a `schedule run-now` in the foreground, still going
            if run["kind"] == "crawl" and _locked_by_orphan(self.settings, run["source"]):
                continue  # looked at again later, when the orphan is gone
            history.mark_abandoned(
                self.settings, run["run_id"], f"the scheduler (pid {run['pid']}) stopped during this run"
            )
            spec = self.config.jobs.get(run["job_id"])
            if spec and spec.enabled and spec.id not in resumed and not self._paused(spec.id):
                jobs.schedule_one_off(jobs._runtime, spec, jobs.RESUME, delay=0, attempt=run["attempt"])
                resumed.add(spec.id)
                log.warning("run %d of %s was abandoned; resuming it now", run["run_id"], spec.id)

    def _paused(self, job_id: str) -> bool:
        job = self.scheduler.get_job(job_id)
        return job is not None and job.next_run_time is None

    # -- events and commands ----------------------------------------------------------------
    def _on_event(self, event) -> None:
        spec = self.config.jobs.get(jobs.base_id(event.job_id))
        if spec is None:
            return
        if event.code == EVENT_JOB_MAX_INSTANCES:
            reason = "not started: the previous run of this job is still going"
        elif event.code == EVENT_JOB_MISSED:
            reason = (
                f"missed: the scheduler was not running at {event.scheduled_run_time} "
                f"(beyond the misfire grace time)"
            )
        else:
            log.error("job %s raised %r", event.job_id, event.exception)
            return
        log.warning("job %s %s", event.job_id, reason)
        try:
            history.record_skip(
                self.settings,
                job_id=spec.id,
                kind=spec.kind,
                source=spec.source,
                trigger="schedule",
                reason=reason,
            )
        except Exception:  # a listener must never take the scheduler down
            log.exception("could not record the skipped run of %s", spec.id)

    def _process_commands(self) -> None:
        for cmd in control.take_pending(self.settings):
            try:
                message = apply_command(self.scheduler, self.config, cmd["command"], cmd["job_id"])
                ok = True
            except (ScheduleConfigError, JobLookupError, ValueError) as exc:
                message, ok = str(exc), False
            log.info("command %s %s: %s", cmd["command"], cmd["job_id"], message)
            control.mark_done(self.settings, cmd["command_id"], ok, message)


def _locked_by_orphan(settings, source: str | None) -> bool:
    from common.locks import is_locked

    return bool(source) and is_locked(lock_path(settings, f"crawl-{source}"))
