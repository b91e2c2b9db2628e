"""Crawl throughput (issue 5): the project's crawl of the replica with every
middleware on (robots.txt, retries with backoff, conditional requests, the
store pipeline, progress stats), against a bare Scrapy crawl of the same pages
in the same run. Prints pages/s for both and the ratio.

    python -m benchmarks crawl
Uses the corpus replica (../shared/corpus/ofsted-pdf, all 153 authorities) when
it is there, the sample replica otherwise. Each crawl runs in its own process
(Twisted's reactor cannot be restarted).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from common.config import shared_dir

ROOT = Path(__file__).resolve().parents[1]
SHARED = shared_dir()
TARGET_PAGES_PER_S = 100
TARGET_RATIO = 0.3


def bare_crawl(ofsted_url: str, files_url: str) -> None:
    """Listing -> provider pages -> PDFs with stock Scrapy settings and nothing else:
    no robots.txt, no retry backoff, no store, no conditional requests."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self):
            yield scrapy.Request(
                f"{ofsted_url}/search?level_1_types=3&level_2_types%5B%5D=12&start=0&rows=100"
            )

        def parse(self, response):
            for href in response.css(
                "ul.results-list a::attr(href), a.pagination__next::attr(href)"
            ).getall():
                yield response.follow(href)
            for href in response.css("a.publication-link::attr(href)").getall():
                yield response.follow(href, callback=self.pdf)

        def pdf(self, response):
            return None

    process = CrawlerProcess(
        {
            "LOG_LEVEL": "WARNING",
            "CONCURRENT_REQUESTS": 32,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
            "ROBOTSTXT_OBEY": False,
            "TELNETCONSOLE_ENABLED": False,
        }
    )
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats
    seconds = (stats.get_value("finish_time") - stats.get_value("start_time")).total_seconds()
    print(
        json.dumps(
            {
                "requests": stats.get_value("downloader/request_count", 0),
                "seconds": seconds,
                "bytes": stats.get_value("downloader/response_bytes", 0),
            }
        )
    )


def _run(args: list[str], env: dict | None = None) -> dict:
    done = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=900,
    )
    if done.returncode not in (0, 1):
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    from replica.build import build_corpus_site, build_sample_site
    from replica.server import ReplicaServer

    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        tmp = Path(tmp)
        corpus = SHARED / "corpus" / "ofsted-pdf"
        if (corpus / "MANIFEST.csv").is_file():
            site, label = build_corpus_site(corpus, tmp / "site"), "corpus replica (153 authorities)"
        else:
            site, label = build_sample_site(tmp / "site"), "sample replica"
        with ReplicaServer(site) as replica:
            bare = _run(
                [
                    "-c",
                    f"from benchmarks.crawl import bare_crawl; "
                    f"bare_crawl({replica.ofsted_url!r}, {replica.files_url!r})",
                ]
            )
            full = _run(
                ["-m", "crawler", "ofsted"],
                {
                    "OFSTED_FINDINGS_DATA_DIR": str(tmp / "data"),
                    "OFSTED_FINDINGS_CRAWL_ENV": "local",
                    "OFSTED_FINDINGS_OFSTED_URL": replica.ofsted_url,
                    "OFSTED_FINDINGS_FILES_URL": replica.files_url,
                },
            )
    bare_rate = bare["requests"] / bare["seconds"]
    full_rate = full["requests"] / full["seconds"]
    ratio = full_rate / bare_rate
    print(f"site: {label}")
    print(
        f"bare Scrapy:      {bare['requests']:5d} requests in {bare['seconds']:6.2f} s = {bare_rate:7.1f} pages/s "
        f"({bare['bytes'] / 1e6:.1f} MB)"
    )
    print(
        f"ofsted-findings:  {full['requests']:5d} requests in {full['seconds']:6.2f} s = {full_rate:7.1f} pages/s "
        f"({full['bytes'] / 1e6:.1f} MB, {full['documents_new']} documents stored, {full['failed']} failed)"
    )
    print(
        f"ratio: {ratio:.2f}x bare (goal >= {TARGET_RATIO}x); "
        f"throughput goal >= {TARGET_PAGES_PER_S} pages/s: {'met' if full_rate >= TARGET_PAGES_PER_S else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
