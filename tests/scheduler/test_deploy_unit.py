"""The systemd unit agrees with the scheduler it runs (systemd-analyze checks it in tests/deploy)."""

import configparser
from pathlib import Path

from scheduler.config import load_config

UNIT = Path(__file__).resolve().parents[2] / "deploy" / "systemd" / "ofsted-findings-scheduler.service"


def _service() -> dict:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string(UNIT.read_text())
    return dict(parser["Service"])


def test_the_unit_runs_the_scheduler_and_gives_it_time_to_stop_a_crawl_cleanly():
    service = _service()
    assert service["ExecStart"] == "/opt/ofsted-findings/bin/ofsted-findings schedule run"
    # SIGTERM to the scheduler only; it stops its own children in order.
    assert service["KillMode"] == "mixed" and service["KillSignal"] == "SIGTERM"
    grace = load_config().shutdown_grace_seconds
    # A crawl and then an index step may each use the grace time before being killed.
    assert int(service["TimeoutStopSec"]) > 2 * grace
    assert service["Restart"] == "on-failure"
