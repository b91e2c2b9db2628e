"""The schedule: which jobs run when, read from YAML and checked before use."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from datetime import timezone as dt_timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

DEFAULT_FILE = Path(__file__).with_name("schedule.yaml")
SCHEDULE_FILE_ENV = "OFSTED_FINDINGS_SCHEDULE_FILE"
KINDS = ("crawl", "index", "integrity")
SOURCES = ("ofsted", "councils")
# The catalogue's ``kind`` for each crawl source.
SOURCE_KINDS = {"ofsted": "ofsted", "councils": "council"}

_TOP_KEYS = {
    "timezone",
    "misfire_grace_seconds",
    "shutdown_grace_seconds",
    "stale_after_hours",
    "defaults",
    "jobs",
}
_JOB_KEYS = {
    "kind",
    "source",
    "cron",
    "interval_seconds",
    "enabled",
    "time_limit_seconds",
    "retries",
    "retry_backoff_seconds",
    "index_after",
    "repair",
    "command",
    "index_command",
}


class ScheduleConfigError(ValueError):
    """The schedule file is wrong; the message says where."""


@dataclass(frozen=True)
class JobSpec:
    id: str
    kind: str
    cron: str | None = None
    interval_seconds: float | None = None
    source: str | None = None
    enabled: bool = True
    time_limit_seconds: float = 14400
    retries: int = 3
    retry_backoff_seconds: float = 900
    index_after: bool = True
    repair: bool = False
    # argv templates; ``{python}`` and ``{source}`` are filled in. None: the project's CLI.
    command: tuple[str, ...] | None = None
    index_command: tuple[str, ...] | None = None

    @property
    def schedule(self) -> str:
        return f"cron {self.cron}" if self.cron else f"every {self.interval_seconds:g} s"

    def trigger(self, timezone):
        if self.cron:
            return CronTrigger.from_crontab(self.cron, timezone=timezone)
        return IntervalTrigger(seconds=self.interval_seconds, timezone=timezone)

    def crawl_argv(self) -> list[str]:
        template = self.command or (
            "{python}",
            "-m",
            "ofsted_findings",
            "crawl",
            "--source",
            "{source}",
            "--format",
            "json",
            "-q",
        )
        return _fill(template, source=self.source or "")

    def index_argv(self, *, full: bool = False) -> list[str]:
        template = self.index_command or (
            "{python}",
            "-m",
            "ofsted_findings",
            "index",
            "--format",
            "json",
            "-q",
            *(() if full else ("--incremental",)),
        )
        return _fill(template, source=self.source or "")

    def retry_delay(self, attempt: int) -> float:
        """Seconds before retry number ``attempt`` (1, 2, ...): doubling backoff."""
        return self.retry_backoff_seconds * 2 ** (attempt - 1)


def _fill(template, **values) -> list[str]:
    return [
        part.replace("{python}", sys.executable).replace("{source}", values["source"]) for part in template
    ]


@dataclass(frozen=True)
class ScheduleConfig:
    jobs: dict[str, JobSpec]
    timezone: str = "UTC"
    misfire_grace_seconds: float = 21600
    shutdown_grace_seconds: float = 60
    stale_after_hours: dict[str, float] = field(default_factory=dict)
    files: tuple[str, ...] = ()

    @property
    def tz(self):
        return _zone(self.timezone)

    def enabled_jobs(self) -> list[JobSpec]:
        return [j for j in self.jobs.values() if j.enabled]

    def job(self, job_id: str) -> JobSpec:
        try:
            return self.jobs[job_id]
        except KeyError:
            raise ScheduleConfigError(f"no job {job_id!r}; the jobs are: {', '.join(self.jobs)}") from None

    def crawled_sources(self) -> list[str]:
        """Sources some enabled job crawls: the ones whose freshness matters."""
        return sorted({j.source for j in self.enabled_jobs() if j.kind == "crawl"})


def _zone(name: str):
    # UTC needs no time zone database (slim container images may lack one).
    return dt_timezone.utc if name.upper() == "UTC" else ZoneInfo(name)


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ScheduleConfigError(f"cannot read the schedule file {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ScheduleConfigError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ScheduleConfigError(f"{path}: expected a mapping at the top level")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ScheduleConfigError(f"{path}: unknown keys {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}")
    return data


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def override_file(settings, explicit: str | os.PathLike | None = None) -> Path | None:
    """The operator's schedule file: the flag, else the environment, else
    ``schedule.yaml`` in the data directory if there is one."""
    if explicit:
        return Path(explicit)
    if os.environ.get(SCHEDULE_FILE_ENV):
        return Path(os.environ[SCHEDULE_FILE_ENV]).expanduser()
    candidate = Path(settings.data_dir) / "schedule.yaml"
    return candidate if candidate.is_file() else None


def load_config(settings=None, path: str | os.PathLike | None = None) -> ScheduleConfig:
    data, files = _read(DEFAULT_FILE), [str(DEFAULT_FILE)]
    extra = override_file(settings, path) if settings is not None else (Path(path) if path else None)
    if extra is not None:
        if not extra.is_file():
            raise ScheduleConfigError(f"the schedule file {extra} does not exist")
        override = _read(extra)
        for job_id, raw in (override.get("jobs") or {}).items():
            # A job given a new kind of trigger drops the default's other kind.
            if isinstance(raw, dict) and isinstance(data["jobs"].get(job_id), dict):
                for key, other in (("cron", "interval_seconds"), ("interval_seconds", "cron")):
                    if key in raw and other not in raw:
                        data["jobs"][job_id] = {k: v for k, v in data["jobs"][job_id].items() if k != other}
        data, files = _merge(data, override), files + [str(extra)]
    return _build(data, tuple(files))


def _number(where: str, value, *, minimum: float = 0, integer: bool = False):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise ScheduleConfigError(f"{where} must be a number >= {minimum}, not {value!r}")
    if integer and int(value) != value:
        raise ScheduleConfigError(f"{where} must be a whole number, not {value!r}")
    return int(value) if integer else float(value)


def _build(data: dict, files: tuple[str, ...]) -> ScheduleConfig:
    timezone = str(data.get("timezone") or "UTC")
    try:
        tz = _zone(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleConfigError(f"unknown timezone {timezone!r}") from None
    defaults = data.get("defaults") or {}
    jobs_data = data.get("jobs") or {}
    if not isinstance(defaults, dict) or not isinstance(jobs_data, dict):
        raise ScheduleConfigError("`defaults` and `jobs` must be mappings")
    jobs = {}
    for job_id, raw in jobs_data.items():
        jobs[str(job_id)] = _job(str(job_id), {**defaults, **(raw or {})}, tz)
    stale = data.get("stale_after_hours") or {}
    if not isinstance(stale, dict):
        raise ScheduleConfigError("`stale_after_hours` must map sources to hours")
    return ScheduleConfig(
        jobs=jobs,
        timezone=timezone,
        misfire_grace_seconds=_number(
            "misfire_grace_seconds", data.get("misfire_grace_seconds", 21600), minimum=1
        ),
        shutdown_grace_seconds=_number("shutdown_grace_seconds", data.get("shutdown_grace_seconds", 60)),
        stale_after_hours={str(k): _number(f"stale_after_hours.{k}", v, minimum=0) for k, v in stale.items()},
        files=files,
    )


def _job(job_id: str, raw: dict, tz) -> JobSpec:
    where = f"job {job_id!r}"
    if not job_id.replace("-", "").replace("_", "").isalnum():
        raise ScheduleConfigError(f"{where}: ids are letters, digits, '-' and '_'")
    unknown = set(raw) - _JOB_KEYS
    if unknown:
        raise ScheduleConfigError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_JOB_KEYS)}")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ScheduleConfigError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    source = raw.get("source")
    if kind == "crawl" and source not in SOURCES:
        raise ScheduleConfigError(f"{where}: a crawl needs source: one of {', '.join(SOURCES)}")
    cron, interval = raw.get("cron"), raw.get("interval_seconds")
    if (cron is None) == (interval is None):
        raise ScheduleConfigError(f"{where}: give exactly one of `cron` or `interval_seconds`")
    for key in ("command", "index_command"):
        value = raw.get(key)
        if value is not None and (
            not isinstance(value, list) or not value or not all(isinstance(p, str) for p in value)
        ):
            raise ScheduleConfigError(f"{where}: {key} must be a non-empty list of strings")
    for key in ("enabled", "index_after", "repair"):
        if key in raw and not isinstance(raw[key], bool):
            raise ScheduleConfigError(f"{where}: {key} must be true or false, not {raw[key]!r}")
    spec = JobSpec(
        id=job_id,
        kind=kind,
        source=source if kind == "crawl" else None,
        cron=str(cron) if cron is not None else None,
        interval_seconds=_number(f"{where} interval_seconds", interval, minimum=0.1)
        if interval is not None
        else None,
        enabled=raw.get("enabled", True),
        time_limit_seconds=_number(
            f"{where} time_limit_seconds", raw.get("time_limit_seconds", 14400), minimum=1
        ),
        retries=_number(f"{where} retries", raw.get("retries", 3), integer=True),
        retry_backoff_seconds=_number(
            f"{where} retry_backoff_seconds", raw.get("retry_backoff_seconds", 900)
        ),
        index_after=raw.get("index_after", True),
        repair=raw.get("repair", False),
        command=tuple(raw["command"]) if raw.get("command") else None,
        index_command=tuple(raw["index_command"]) if raw.get("index_command") else None,
    )
    if cron is not None:
        fields = str(cron).split()
        if len(fields) != 5:
            raise ScheduleConfigError(
                f"{where}: a cron expression has five fields (minute hour day month weekday), not {cron!r}"
            )
        if any(ch.isdigit() for ch in fields[4].split("/")[0]):
            # APScheduler 3 counts weekdays from Monday = 0, cron from Sunday = 0: a number
            # would silently run on the wrong day, so only names are accepted.
            raise ScheduleConfigError(
                f"{where}: write the weekday of {cron!r} as a name "
                "(mon, tue, ... sun, or a range such as mon-fri)"
            )
    try:
        spec.trigger(tz)
    except ValueError as exc:
        raise ScheduleConfigError(f"{where}: bad cron expression {cron!r}: {exc}") from None
    return spec
