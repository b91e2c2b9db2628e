"""run_crawl's contract, checked without starting a reactor, and the entry points' errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from common.store import DocumentStore
from crawler.extensions import progress_line
from crawler.run import run_crawl, scrapy_settings

ROOT = Path(__file__).parents[2]


def test_unknown_source_is_refused_before_anything_runs(settings):
    with pytest.raises(ValueError, match="unknown crawl source"):
        run_crawl(settings, sources=("ofsted", "tiktok"))
    assert not settings.catalogue_path.exists()


def test_settings_follow_the_environment_and_identify_the_project(settings):
    local = scrapy_settings(settings.with_(crawl_env="local"))
    prod = scrapy_settings(settings.with_(crawl_env="prod"))
    for config in (local, prod):
        assert config.getbool("ROBOTSTXT_OBEY")
        assert config.get("USER_AGENT") == settings.user_agent and settings.contact_url in config.get(
            "USER_AGENT"
        )
        assert config.get("OFSTED_FINDINGS_DATA_DIR") == str(settings.data_dir)
    assert prod.getbool("AUTOTHROTTLE_ENABLED") and prod.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert prod.getfloat("DOWNLOAD_DELAY") >= 1
    assert not local.getbool("AUTOTHROTTLE_ENABLED") and local.getint("CONCURRENT_REQUESTS_PER_DOMAIN") > 2
    with pytest.raises(ValueError, match="unknown crawl environment"):
        scrapy_settings(settings.with_(crawl_env="staging"))


def test_progress_line_reports_pages_documents_bytes_errors_and_rate():
    line = progress_line(
        {
            "pages": 10,
            "documents_new": 3,
            "documents_changed": 1,
            "documents_unchanged": 6,
            "bytes": 2_500_000,
            "failed": 2,
        },
        elapsed=2.0,
    )
    assert line == ("crawl: 10 pages, 10 documents (3 new, 1 changed, 6 unchanged), 2.5 MB, 2 errors, 10.0/s")


def test_module_entry_point_explains_bad_arguments(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "nosuch"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 2 and "unknown source(s) nosuch" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "crawler"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            "OFSTED_FINDINGS_OFSTED_URL": "reports.ofsted.gov.uk",
            "OFSTED_FINDINGS_DATA_DIR": str(tmp_path),
            "PATH": "",
        },
    )
    assert done.returncode == 2 and "must be an http(s) URL" in done.stderr
    with DocumentStore(tmp_path) as store:
        assert store.runs() == []


def test_resume_point_is_the_start_of_the_interrupted_series(settings):
    from crawler.run import _resume_points

    with DocumentStore(settings.data_dir) as store:
        assert _resume_points(store, ("ofsted",)) == {}
        done = store.start_run("ofsted")
        store.finish_run(done, "finished", {})
        assert _resume_points(store, ("ofsted",)) == {"ofsted": None}
        killed = store.start_run("ofsted+councils")  # never finished: SIGKILL
        stopped = store.start_run("ofsted")
        store.finish_run(stopped, "shutdown", {})  # Ctrl-C
        started = {r["run_id"]: r["started_at"] for r in store.runs()}
        points = _resume_points(store, ("ofsted", "councils"))
        assert points == {"ofsted": started[killed], "councils": started[killed]}


def test_the_crawl_summary_names_failed_pages_and_whether_they_were_retried():
    from crawler.summary import describe

    lines = describe(
        {
            "pages": 40,
            "documents_new": 3,
            "documents_changed": 1,
            "documents_unchanged": 5,
            "documents_skipped": 7,
            "failed": 3,
            "bytes": 2_000_000,
            "seconds": 4.0,
            "outcome": "finished",
            "errors": [
                "http://x.test/provider/1: HTTP 500",
                "http://x.test/a.pdf: HTTP 404",
                "http://x.test/b.pdf: timed out",
            ],
        }
    )
    text = "\n".join(lines)
    assert "Documents stored: 4 (3 new, 1 changed); 5 unchanged" in text
    assert "Passed over: 7" in text and "documents_skipped" not in text
    assert "Failed: 3" in text and "everything else was collected" in text
    assert "next crawl asks for each of them again" in text
    assert "  - http://x.test/provider/1: HTTP 500 (retried 3 times)" in lines
    assert "  - http://x.test/a.pdf: HTTP 404 (not retried: it would fail the same way)" in lines
    assert "  - http://x.test/b.pdf: timed out (retried 3 times)" in lines
    assert describe({"pages": 1, "errors": []})[-1] == "Failed: none."
