"""Run crawls in-process: ``run_crawl(settings, sources, progress) -> summary``.

Scrapy's Twisted reactor cannot be restarted, so call this once per process
(the CLI does; tests run it in a subprocess).
"""

from __future__ import annotations

import logging
from typing import Sequence

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings

from common.config import Settings
from common.store import DocumentStore

from . import summary
from .settings import MODULES
from .storage import DATA_DIR_SETTING

SPIDERS = {
    "ofsted": "crawler.spiders.ofsted.OfstedSpider",
    "councils": "crawler.spiders.councils.CouncilNewsSpider",
}


def _load(path: str):
    module, _, name = path.rpartition(".")
    return getattr(__import__(module, fromlist=[name]), name)


def scrapy_settings(settings: Settings, progress: bool = False) -> ScrapySettings:
    if settings.crawl_env not in MODULES:
        raise ValueError(
            f"unknown crawl environment {settings.crawl_env!r}: choose one of {', '.join(MODULES)}"
        )
    result = ScrapySettings()
    result.setmodule(MODULES[settings.crawl_env], priority="project")
    result.set("USER_AGENT", settings.user_agent, priority="cmdline")
    result.set(DATA_DIR_SETTING, str(settings.data_dir), priority="cmdline")
    # The council crawl's HTTP cache (its spider enables it): the last copy of each discovery
    # page, revalidated with conditional requests on the next crawl.
    result.set("HTTPCACHE_DIR", str(settings.data_dir / "http-cache"), priority="cmdline")
    result.set("OFSTED_FINDINGS_PROGRESS", progress, priority="cmdline")
    # The progress display and the final summary say what matters; keep Scrapy's chatter out.
    result.set("LOG_LEVEL", "WARNING", priority="cmdline")
    return result


def _resume_points(store: DocumentStore, sources: Sequence[str]) -> dict[str, str | None]:
    """For each source, when its interrupted crawls began: the start of the oldest run in
    the unbroken series of runs, newest first, that did not finish (killed, or stopped
    with Ctrl-C). None when the last run finished."""
    points: dict[str, str | None] = {}
    settled: set[str] = set()
    for run in store.runs(limit=200):
        interrupted = not run["finished_at"] or run["outcome"] != "finished"
        for source in run["source"].split("+"):
            if source not in sources or source in settled:
                continue
            if interrupted:
                points[source] = run["started_at"]
            else:
                settled.add(source)
                points.setdefault(source, None)
    return points


def _merge(summaries: list[dict]) -> dict:
    total: dict = {"errors": []}
    for part in summaries:
        for key, value in part.items():
            if key == "errors":
                total["errors"].extend(value)
            elif key == "seconds":  # the crawlers run side by side
                total[key] = max(total.get(key, 0.0), value)
            else:
                total[key] = total.get(key, 0) + value
    return total


def run_crawl(settings: Settings, sources: Sequence[str] = ("ofsted",), progress: bool = True) -> dict:
    """Crawl ``sources`` into the document store and return
    ``{"pages", "documents_new", "documents_changed", "documents_unchanged",
    "failed", "bytes", "errors", ...}`` (plus documents_resumed, documents_skipped,
    pages_failed, links, requests, outcome)."""
    sources = tuple(dict.fromkeys(sources))
    unknown = [s for s in sources if s not in SPIDERS]
    if unknown or not sources:
        raise ValueError(f"unknown crawl source(s) {unknown or sources}: choose from {', '.join(SPIDERS)}")
    scrapy_config = scrapy_settings(settings, progress)
    if "councils" in sources:
        from .sources import load_sources

        load_sources()  # a bad overrides file is a clear error (SourceListError) before any crawl
    with DocumentStore.open(settings) as store:
        store.remove_leftovers()  # half-written blobs of a crawl that was killed
        resume = _resume_points(store, sources)
        run_id = store.start_run("+".join(sources))
    # Scrapy resets its loggers to DEBUG when the process starts; keep them at WARNING
    # even when the caller has its own, more verbose, root handler (the CLI has).
    logging.disable(logging.INFO)
    try:
        process = CrawlerProcess(scrapy_config)
    finally:
        logging.disable(logging.NOTSET)
    for name in ("scrapy", "asyncio", "twisted", "py.warnings"):
        logging.getLogger(name).setLevel(logging.WARNING)
    crawlers = []
    for source in sources:
        crawler = process.create_crawler(_load(SPIDERS[source]))
        process.crawl(
            crawler,
            ofsted_url=settings.ofsted_url,
            files_url=settings.files_url,
            resume_since=resume.get(source),
        )
        crawlers.append(crawler)
    outcome = "finished"
    try:
        process.start()
    finally:
        parts = []
        for crawler in crawlers:
            parts.append(summary.snapshot(crawler.stats))
            reason = crawler.stats.get_value("finish_reason")
            if reason and reason != "finished":
                outcome = reason
            store = getattr(crawler, "_ofsted_findings_store", None)
            if store is not None:
                store.close()
        result = _merge(parts)
        result["outcome"] = outcome
        with DocumentStore.open(settings) as store:
            # Linking responses to letters is the indexer's step (indexer/linking.py): the
            # `crawl` command runs it once the crawl is over.
            store.finish_run(
                run_id,
                outcome,
                {k: v for k, v in result.items() if k != "errors"} | {"errors": result["errors"][:50]},
            )
    return result
