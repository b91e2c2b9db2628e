from datetime import datetime, timedelta, timezone

from common.store import DocumentStore
from scheduler import history
from scheduler.config import load_config


def test_reading_an_empty_data_directory_creates_nothing(settings):
    assert history.recent_runs(settings, 5) == []
    assert history.last_runs(settings) == {}
    fresh = history.freshness(settings, load_config())
    assert fresh == {
        "councils": {"last_success": None, "stale": True, "stale_after_hours": 240.0},
        "ofsted": {"last_success": None, "stale": True, "stale_after_hours": 48.0},
    }
    assert not settings.data_dir.exists()


def test_a_run_is_recorded_from_start_to_finish(settings):
    run_id = history.start(settings, job_id="ofsted-crawl", kind="crawl", source="ofsted", trigger="schedule")
    [running] = history.recent_runs(settings, 5)
    assert running["outcome"] == "running" and running["finished_at"] is None
    history.finish(
        settings,
        run_id,
        "partial",
        counts={"new": 2, "changed": 1, "failed": 1, "bytes": 99},
        errors=["one PDF was truncated"],
        details={"crawl": {"exit_code": 1}},
    )
    [run] = history.recent_runs(settings, 5)
    assert (
        run["outcome"],
        run["new_documents"],
        run["changed_documents"],
        run["failed_documents"],
        run["bytes"],
    ) == ("partial", 2, 1, 1, 99)
    assert run["errors"] == ["one PDF was truncated"]
    assert run["details"] == {"crawl": {"exit_code": 1}}
    assert run["duration_seconds"] >= 0


def test_freshness_follows_the_last_successful_crawl_and_its_threshold(settings):
    config = load_config()
    run_id = history.start(settings, job_id="ofsted-crawl", kind="crawl", source="ofsted", trigger="schedule")
    history.finish(settings, run_id, "ok")
    failed = history.start(settings, job_id="ofsted-crawl", kind="crawl", source="ofsted", trigger="retry")
    history.finish(settings, failed, "failed", errors=["exit code 2"])
    fresh = history.freshness(settings, config)
    assert fresh["ofsted"]["stale"] is False
    assert fresh["ofsted"]["last_success"] == history.recent_runs(settings, 5)[1]["finished_at"]
    later = datetime.now(timezone.utc) + timedelta(hours=49)
    assert history.freshness(settings, config, now=later)["ofsted"]["stale"] is True
    assert fresh["councils"]["stale"] is True
    assert history.last_runs(settings)["ofsted-crawl"]["outcome"] == "failed"


def test_a_manual_crawl_recorded_by_the_crawler_counts_for_freshness(settings):
    with DocumentStore.open(settings) as store:
        store.finish_run(store.start_run("councils"), "ok", {})
    assert history.freshness(settings, load_config())["councils"]["stale"] is False


def test_catalogue_changes_counts_new_changed_failed_and_bytes_of_one_kind(settings):
    with DocumentStore.open(settings) as store:
        store.put("https://files.example.test/old", b"old", kind="ofsted")
        since = history.utcnow()
        store.put("https://files.example.test/a", b"12345", kind="ofsted")
        store.put("https://files.example.test/old", b"new content", kind="ofsted")
        store.record_failure("https://files.example.test/broken", "HTTP 500", kind="ofsted")
        store.put("https://council.example.test/news", b"release", kind="council")
    changes = history.catalogue_changes(settings, kind="ofsted", since=since)
    # "old" was stored in the same second as ``since``, so it may count as new too.
    assert changes["changed"] == 1 and changes["failed"] == 1
    assert changes["new"] in (1, 2)
    assert changes["bytes"] >= len(b"12345") + len(b"new content")
    assert history.catalogue_changes(settings, kind="council", since=since)["new"] == 1
    assert history.pending_index_count(settings) == 3  # old, a, news: the failure has no content
