"""A live progress display on stderr: pages, documents, bytes, errors, rate."""

from __future__ import annotations

import time

from rich.console import Console
from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from . import summary


def progress_line(values: dict, elapsed: float) -> str:
    documents = values["documents_new"] + values["documents_changed"] + values["documents_unchanged"]
    rate = (values["pages"] + documents) / elapsed if elapsed > 0 else 0.0
    return (
        f"crawl: {values['pages']} pages, {documents} documents "
        f"({values['documents_new']} new, {values['documents_changed']} changed, "
        f"{values['documents_unchanged']} unchanged), {values['bytes'] / 1e6:.1f} MB, "
        f"{values['failed']} errors, {rate:.1f}/s"
    )


class CrawlProgress:
    def __init__(self, crawler):
        self.crawler = crawler
        self.console = Console(stderr=True)
        self.started = time.monotonic()
        self.loop = None
        self.status = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("OFSTED_FINDINGS_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def _line(self) -> str:
        return progress_line(summary.snapshot(self.crawler.stats), time.monotonic() - self.started)

    def tick(self) -> None:
        if self.status is not None:
            self.status.update(self._line())
        else:
            self.console.print(self._line())

    def opened(self, spider):
        self.started = time.monotonic()
        # A spinner that rewrites itself on a terminal; plain lines every 10 s in logs.
        if self.console.is_terminal:
            self.status = self.console.status(self._line())
            self.status.start()
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(0.5 if self.status is not None else 10.0, now=False)

    def closed(self, spider, reason):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.status is not None:
            self.status.stop()
        self.console.print(self._line() + f" [{reason}]")
