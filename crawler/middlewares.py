"""Downloader middlewares: conditional requests from the store, and retries
that back off and honour Retry-After."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task

from .storage import store_for

logger = logging.getLogger(__name__)


class ConditionalRequestMiddleware:
    """Adds If-None-Match / If-Modified-Since to document requests whose source
    is already stored, so an unchanged document comes back as a bodiless 304."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        source = request.meta.get("conditional")
        if not source:
            return None
        record = store_for(self.crawler).get_by_source(source)
        if record is None or record.status != "ok" or not record.sha256:
            return None
        if record.etag:
            request.headers.setdefault("If-None-Match", record.etag)
        if record.last_modified:
            request.headers.setdefault("If-Modified-Since", record.last_modified)
        return None


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - (now or datetime.now(timezone.utc))).total_seconds(), 0.0)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, plus a wait before each retry: the server's Retry-After
    when it sends one (capped by RETRY_AFTER_MAX), else exponential backoff
    (RETRY_BACKOFF_BASE * 2**attempt, capped by RETRY_BACKOFF_MAX). Only the
    retried request waits; the rest of the crawl goes on."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 120.0)

    def _delay(self, request, response=None) -> float:
        attempt = request.meta.get("retry_times", 0)
        if response is not None:
            advised = retry_after_seconds(response.headers.get("Retry-After"))
            if advised is not None:
                return min(advised, self.retry_after_max)
        return min(self.backoff_base * (2**attempt), self.backoff_max)

    def _will_retry(self, request) -> bool:
        if request.meta.get("dont_retry", False):
            return False
        return request.meta.get("retry_times", 0) < request.meta.get("max_retry_times", self.max_retry_times)

    async def _wait(self, seconds: float) -> None:
        if seconds > 0:
            from twisted.internet import reactor

            await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))

    async def process_response(self, request, response, spider=None):
        if response.status in self.retry_http_codes and self._will_retry(request):
            delay = self._delay(request, response)
            logger.info("retrying %s after HTTP %s in %.1fs", request.url, response.status, delay)
            await self._wait(delay)
        return super().process_response(request, response)

    async def process_exception(self, request, exception, spider=None):
        if isinstance(exception, self.exceptions_to_retry) and self._will_retry(request):
            await self._wait(self._delay(request))
        return super().process_exception(request, exception)
