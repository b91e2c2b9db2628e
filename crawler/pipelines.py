"""Item pipeline: every fetched document goes into the document store.

A response that is not really a PDF (wrong content type, wrong magic bytes,
empty, cut short) is recorded as a failure with its reason, never stored as a
document and never allowed to stop the crawl.
"""

from __future__ import annotations

import logging

from common.store import StoreError

from . import summary
from .items import CouncilRelease, OfstedDocument
from .storage import store_for

logger = logging.getLogger(__name__)

PDF_CONTENT_TYPES = ("application/pdf", "application/x-pdf", "application/octet-stream")


def pdf_problem(body: bytes, content_type: str | None) -> str | None:
    """Why these bytes are not a usable PDF, or None if they look like one."""
    if not body:
        return "empty response (0 bytes) instead of a PDF"
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type and media_type not in PDF_CONTENT_TYPES:
        return f"served as {media_type}, not application/pdf"
    if b"%PDF-" not in body[:1024]:
        start = body[:40].decode("latin-1", "replace").strip()
        return f"not a PDF: content starts with {start!r}"
    if b"%%EOF" not in body[-2048:]:
        return f"truncated PDF: no %%EOF marker at the end ({len(body)} bytes)"
    return None


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        if not isinstance(item, (OfstedDocument, CouncilRelease)):
            return item
        try:
            if isinstance(item, CouncilRelease):
                self._store_release(item)
            else:
                self._store(item)
        except StoreError as exc:
            # A full or read-only disk: report it and keep crawling (later items may fit).
            logger.error("could not store %s: %s", item.source, exc)
            summary.inc(self.stats, "failed")
            summary.add_error(self.stats, f"{item.source}: {exc}")
        item.body = b""  # the bytes are stored; do not keep them in memory or feeds
        return item

    def _fail(self, item, reason: str, kind: str = "ofsted") -> None:
        store_for(self.crawler).record_failure(item.source, reason, kind=kind, **item.descriptive)
        summary.inc(self.stats, "failed")
        summary.add_error(self.stats, f"{item.source}: {reason}")
        logger.warning("failed %s: %s", item.source, reason)

    def _store(self, item: OfstedDocument) -> None:
        store = store_for(self.crawler)
        if item.error:
            return self._fail(item, item.error)
        if item.status == 304:
            if store.touch(item.source, **item.descriptive) is None:
                return self._fail(item, "HTTP 304 for a document the store does not hold")
            summary.inc(self.stats, "documents_unchanged")
            return None
        problem = pdf_problem(item.body, item.content_type)
        if problem:
            return self._fail(item, problem)
        extra = {"provider_url": item.provider_url, "ofsted_name": item.ofsted_name, **item.extra}
        if item.url and item.url != item.source:
            extra["fetched_from"] = item.url
        self._count(
            store,
            item,
            lambda: store.put(
                item.source,
                item.body,
                kind="ofsted",
                extra=extra,
                content_type=item.content_type,
                etag=item.etag,
                last_modified=item.last_modified,
                **item.descriptive,
            ),
        )
        return None

    def _store_release(self, item: CouncilRelease) -> None:
        store = store_for(self.crawler)
        if item.error:
            return self._fail(item, item.error, kind="council")
        if item.status == 304:
            store.touch(item.source)
            summary.inc(self.stats, "documents_unchanged")
            return None
        media_type = (item.content_type or "").split(";")[0].strip().lower()
        if not item.body or media_type not in ("text/html", "application/xhtml+xml", ""):
            return self._fail(item, f"not an HTML page ({media_type or 'empty'})", kind="council")
        self._count(
            store,
            item,
            lambda: store.put(
                item.source,
                item.body,
                kind="council",
                content_type=item.content_type,
                etag=item.etag,
                last_modified=item.last_modified,
                extra={"council_site": item.council_site, "quotes": item.quotes, **item.extra},
                **item.descriptive,
            ),
        )
        return None

    def _count(self, store, item, put) -> None:
        before = store.get_by_source(item.source)
        _, changed = put()
        if not changed:
            summary.inc(self.stats, "documents_unchanged")
        elif before is None or not before.sha256:
            summary.inc(self.stats, "documents_new")
        else:
            summary.inc(self.stats, "documents_changed")
        summary.inc(self.stats, "bytes_stored", len(item.body))
