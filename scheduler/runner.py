"""Run one command of a job in its own process group, with a time limit.

The child's output goes to log files in ``<data_dir>/logs/scheduler`` (never a
pipe, which a chatty crawl could fill and stall). Stopping is polite first:
SIGTERM lets Scrapy close the spider and save its state so the next run
resumes; SIGKILL follows if the child ignores it for ``grace`` seconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from common.config import ENV_PREFIX
from common.lifetime import child_dies_with_us

LOG_DIR = Path("logs") / "scheduler"
KEEP_LOGS = 400


@dataclass
class CommandResult:
    argv: list[str]
    returncode: int | None
    duration: float
    timed_out: bool = False
    interrupted: bool = False
    summary: dict | None = None  # the last JSON object the command printed
    stderr_tail: list[str] = field(default_factory=list)
    log: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not (self.timed_out or self.interrupted)

    @property
    def finished_with_failures(self) -> bool:
        """The CLI's exit 1 after a complete run in which some documents failed;
        a crash also exits 1 but prints no summary."""
        return self.returncode == 1 and self.summary is not None and not self.timed_out

    def describe(self) -> str:
        name = " ".join(Path(self.argv[0]).name.split() + self.argv[1:4])
        if self.timed_out:
            return f"{name}: stopped at its time limit after {self.duration:.0f} s"
        if self.interrupted:
            return f"{name}: stopped by a scheduler shutdown"
        tail = "; ".join(self.stderr_tail[-3:])
        return f"{name}: exit code {self.returncode}" + (f": {tail}" if tail else "")


def child_environment(settings, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The scheduler's environment plus its settings, so the child sees the same
    data directory, engine and site roots whatever the parent was given as flags."""
    env = dict(os.environ)
    for name in settings.__dataclass_fields__:
        env[ENV_PREFIX + name.upper()] = str(getattr(settings, name))
    env.update(extra or {})
    return env


def _last_json(path: Path) -> dict | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return None


def _tail(path: Path, lines: int = 20) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [line[:500] for line in text.splitlines()[-lines:] if line.strip()]


def _prune(log_dir: Path) -> None:
    logs = sorted(log_dir.glob("*.log"), key=lambda p: p.stat().st_mtime)
    for old in logs[:-KEEP_LOGS]:
        old.unlink(missing_ok=True)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def run_command(
    argv: list[str],
    *,
    settings,
    name: str,
    time_limit: float,
    stop: threading.Event,
    grace: float = 30.0,
    pass_fds: tuple[int, ...] = (),
    env_extra: dict[str, str] | None = None,
) -> CommandResult:
    log_dir = Path(settings.data_dir) / LOG_DIR
    log_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    out_path = log_dir / f"{stamp}-{name}-{os.getpid()}-{threading.get_ident()}.out.log"
    err_path = out_path.with_name(out_path.name.replace(".out.log", ".err.log"))
    started = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        # A new session: a Ctrl-C on the scheduler's terminal reaches the scheduler,
        # which then stops the child itself, in order. If the scheduler is killed, the
        # kernel sends the child SIGTERM (a crawl saves its state and resumes next run):
        # no command of a dead scheduler runs on. This thread waits for the child
        # below, so it outlives it, as the kernel's parent-death signal requires.
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=child_environment(settings, env_extra),
            pass_fds=pass_fds,
            start_new_session=True,
            preexec_fn=child_dies_with_us(signal.SIGTERM),
        )
        timed_out = interrupted = False
        deadline = started + time_limit
        while proc.poll() is None:
            if stop.wait(0.1):
                interrupted = True
            elif time.monotonic() >= deadline:
                timed_out = True
            else:
                continue
            _signal_group(proc, signal.SIGTERM)
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait()
            break
        # Whatever the child started in its group goes with it.
        _signal_group(proc, signal.SIGKILL)
    result = CommandResult(
        argv=list(argv),
        returncode=proc.returncode,
        duration=time.monotonic() - started,
        timed_out=timed_out,
        interrupted=interrupted,
        summary=_last_json(out_path),
        stderr_tail=_tail(err_path),
        log=str(err_path),
    )
    _prune(log_dir)
    return result
