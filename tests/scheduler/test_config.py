from pathlib import Path

import pytest
import yaml

from scheduler.config import ScheduleConfigError, load_config


def _override(tmp_path, data) -> Path:
    path = tmp_path / "override.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_the_default_schedule_has_the_four_jobs_with_fixed_ids():
    config = load_config()
    assert set(config.jobs) == {"ofsted-crawl", "councils-crawl", "reindex", "integrity-check"}
    assert config.jobs["ofsted-crawl"].source == "ofsted"
    assert config.jobs["councils-crawl"].source == "councils"
    assert config.crawled_sources() == ["councils", "ofsted"]
    crawl = config.jobs["ofsted-crawl"].crawl_argv()
    assert crawl[1:] == ["-m", "ofsted_findings", "crawl", "--source", "ofsted", "--format", "json", "-q"]
    assert "--incremental" in config.jobs["ofsted-crawl"].index_argv()
    assert "--incremental" not in config.jobs["ofsted-crawl"].index_argv(full=True)


def test_an_override_changes_only_what_it_names_and_an_interval_replaces_a_cron(tmp_path):
    config = load_config(
        path=_override(
            tmp_path,
            {
                "jobs": {"ofsted-crawl": {"interval_seconds": 2}, "councils-crawl": {"enabled": False}},
                "stale_after_hours": {"ofsted": 1},
            },
        )
    )
    assert config.jobs["ofsted-crawl"].cron is None
    assert config.jobs["ofsted-crawl"].interval_seconds == 2
    assert config.jobs["ofsted-crawl"].source == "ofsted"
    assert not config.jobs["councils-crawl"].enabled
    assert config.jobs["reindex"].cron == "45 6 * * *"
    assert config.stale_after_hours == {"ofsted": 1.0, "councils": 240.0}
    assert config.crawled_sources() == ["ofsted"]


def test_the_data_directory_schedule_file_is_found(settings):
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / "schedule.yaml").write_text("jobs: {reindex: {enabled: false}}\n")
    assert not load_config(settings).jobs["reindex"].enabled


def test_retry_backoff_doubles():
    spec = load_config().jobs["ofsted-crawl"]
    assert [spec.retry_delay(n) for n in (1, 2, 3)] == [900, 1800, 3600]


@pytest.mark.parametrize(
    "jobs, message",
    [
        ({"ofsted-crawl": {"cron": "0 6 * * 1"}}, "weekday"),  # APScheduler 3 counts from Monday
        ({"ofsted-crawl": {"cron": "0 6 * *"}}, "five fields"),
        ({"ofsted-crawl": {"cron": "0 61 * * *"}}, "bad cron"),
        ({"ofsted-crawl": {"cron": "0 6 * * *", "interval_seconds": 5}}, "exactly one"),
        ({"ofsted-crawl": {"schedule": "daily"}}, "unknown keys"),
        ({"ofsted-crawl": {"enabled": "yes"}}, "true or false"),
        ({"ofsted-crawl": {"source": "bbc"}}, "source"),
        ({"new-job": {"kind": "dance", "cron": "0 6 * * *"}}, "kind"),
        ({"ofsted-crawl": {"retries": -1}}, "retries"),
        ({"ofsted-crawl": {"command": "crawl everything"}}, "list of strings"),
    ],
)
def test_a_wrong_schedule_is_refused_with_a_message_that_says_where(tmp_path, jobs, message):
    with pytest.raises(ScheduleConfigError, match=message):
        load_config(path=_override(tmp_path, {"jobs": jobs}))


def test_unreadable_or_missing_files_are_clear_errors(tmp_path):
    with pytest.raises(ScheduleConfigError, match="does not exist"):
        load_config(path=tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("jobs: [unclosed")
    with pytest.raises(ScheduleConfigError, match="not valid YAML"):
        load_config(path=bad)
    with pytest.raises(ScheduleConfigError, match="timezone"):
        load_config(path=_override(tmp_path, {"timezone": "Mars/Olympus"}))
