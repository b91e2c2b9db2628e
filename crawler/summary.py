"""The crawl's numbers, kept in Scrapy's stats so every component can add to them."""

from __future__ import annotations

PREFIX = "ofsted_findings/"
MAX_ERRORS = 200  # enough to act on; a broken site should not fill memory with messages

COUNTERS = (
    "pages",
    "documents_new",
    "documents_changed",
    "documents_unchanged",
    "documents_resumed",
    "documents_skipped",
    "failed",
    "pages_failed",
    "bytes_stored",
    "links",
)


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


# -- the summary a person reads (the CLI's and the demo's) --------------------------------


def _will_be_retried(reason: str, retry_codes: frozenset[int]) -> bool:
    """Was a failure of this kind retried during the crawl (HTTP 5xx-like codes and network
    failures are; a 404, a refusal by robots.txt or an unreadable page are not)?"""
    if reason.startswith("HTTP "):
        code = reason.split()[1]
        return code.isdigit() and int(code) in retry_codes
    return reason in ("timed out", "DNS lookup failed") or "Connection" in reason


def describe(result: dict) -> list[str]:
    """The crawl's summary as a few lines of plain English (run_crawl's dict in)."""
    from .settings.base import RETRY_HTTP_CODES, RETRY_TIMES  # what both environments use

    retry_times, retry_codes = RETRY_TIMES, frozenset(RETRY_HTTP_CODES)
    found = result.get("documents_new", 0) + result.get("documents_changed", 0)
    lines = [
        f"Crawl {result.get('outcome', 'finished')} in {result.get('seconds', 0):.1f} s: "
        f"{result.get('pages', 0)} pages read, {result.get('bytes', 0) / 1e6:.1f} MB.",
        f"Documents stored: {found} ({result.get('documents_new', 0)} new, "
        f"{result.get('documents_changed', 0)} changed); "
        f"{result.get('documents_unchanged', 0)} unchanged since the last crawl"
        + (
            f", {result['documents_resumed']} already stored by the interrupted crawl it resumed"
            if result.get("documents_resumed")
            else ""
        )
        + ".",
    ]
    if result.get("documents_skipped"):
        lines.append(
            f"Passed over: {result['documents_skipped']} listed publications or news "
            "articles that are not about care leavers' services (other inspection types, "
            "news not about Ofsted)."
        )
    if result.get("links"):
        lines.append(f"Council responses linked to Ofsted's letters: {result['links']}.")
    errors = result.get("errors") or []
    if not result.get("failed") and not errors:
        lines.append("Failed: none.")
        return lines
    lines.append(
        f"Failed: {result.get('failed', len(errors))} page(s) or document(s); everything "
        "else was collected. The next crawl asks for each of them again."
    )
    for error in errors[:50]:
        url, _, reason = error.partition(": ")
        retried = (
            f"retried {retry_times} times"
            if _will_be_retried(reason, retry_codes)
            else "not retried: it would fail the same way"
        )
        lines.append(f"  - {url or error}: {reason} ({retried})")
    if len(errors) > 50:
        lines.append(f"  … and {len(errors) - 50} more (ofsted-findings status lists them)")
    return lines


def council_site_lines(sites: list[dict]) -> list[str]:
    """`status`'s account of the council sites (the store's council_sites rows): when each was
    last read, what its last crawl found and kept, and what failed; failing councils first."""
    failing = [s for s in sites if s["failures"]]
    lines = [
        f"Council sites: {len(sites)} crawled, {len(sites) - len(failing)} without failures, "
        f"{len(failing)} with failures."
    ]
    for site in sorted(sites, key=lambda s: (not s["failures"], s["authority"])):
        lines.append(
            f"  - {site['authority']} ({site['website']}): last read {site['last_read'] or 'never'}; "
            f"last crawl {site['checked_at']}: {site['pages']} pages, {site['found']} news pages found, "
            f"{site['kept']} releases about Ofsted"
            + (f"; {len(site['failures'])} failed:" if site["failures"] else "")
        )
        lines += [f"      {failure}" for failure in site["failures"][:5]]
    return lines
