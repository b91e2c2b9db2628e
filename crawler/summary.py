"""The crawl's numbers, kept in Scrapy's stats so every component can add to them."""
from __future__ import annotations

PREFIX = "ofsted_findings/"
MAX_ERRORS = 200  # enough to act on; a broken site should not fill memory with messages

COUNTERS = ("pages", "documents_new", "documents_changed", "documents_unchanged",
            "documents_resumed", "documents_skipped", "failed", "pages_failed", "bytes_stored",
            "links")


def inc(stats, name: str, count: int = 1) -> None:
    stats.inc_value(PREFIX + name, count)


def add_error(stats, message: str) -> None:
    errors = stats.get_value(PREFIX + "errors")
    if errors is None:
        errors = []
        stats.set_value(PREFIX + "errors", errors)
    if len(errors) < MAX_ERRORS:
        errors.append(message)


def snapshot(stats) -> dict:
    """The summary run_crawl returns (keys documented there)."""
    values = {name: stats.get_value(PREFIX + name, 0) for name in COUNTERS}
    return {
        "pages": values["pages"],
        "documents_new": values["documents_new"],
        "documents_changed": values["documents_changed"],
        "documents_unchanged": values["documents_unchanged"],
        "documents_resumed": values["documents_resumed"],
        "documents_skipped": values["documents_skipped"],
        "failed": values["failed"] + values["pages_failed"],
        "pages_failed": values["pages_failed"],
        "links": values["links"],
        "bytes": stats.get_value("downloader/response_bytes", 0),
        "requests": stats.get_value("downloader/request_count", 0),
        "seconds": _elapsed(stats),
        "errors": list(stats.get_value(PREFIX + "errors") or []),
    }


def _elapsed(stats) -> float:
    start = stats.get_value("start_time")
    end = stats.get_value("finish_time")
    if start is None:
        return 0.0
    if end is None:
        from datetime import datetime, timezone
        end = datetime.now(tz=start.tzinfo or timezone.utc)
    return round((end - start).total_seconds(), 3)
