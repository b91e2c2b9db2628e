"""The Ofsted spider: listing -> provider pages -> publication links -> PDFs.

Works unchanged against https://reports.ofsted.gov.uk and the replica: the
site roots are arguments and the allowed domains are derived from them.
Markup: ../shared/research/ofsted-site.md §1.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import scrapy
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError, TCPTimedOutError, TimeoutError

from common.authorities import Register

from .. import summary
from ..items import OfstedDocument
from ..publications import classify, normalise_title, parse_long_date, parse_nonvisual
from ..storage import store_for

LISTING_QUERY = {
    "q": "",
    "location": "",
    "lat": "",
    "lon": "",
    "radius": "",
    "level_1_types": "3",
    "level_2_types[]": "12",
}
MAX_ROWS = 100  # Ofsted caps rows at 100 (since February 2025)
DOCUMENT_PRIORITY = 10  # fetch documents before more pages, so progress is stored early


def _query_int(url: str, name: str, default: int) -> int:
    try:
        return int(parse_qs(urlsplit(url).query).get(name, [default])[0])
    except (TypeError, ValueError):
        return default


def _result_count(response) -> int | None:
    """The listing's "153 results" count, if the page shows one."""
    text = " ".join(response.css(".search-results__count ::text, .results-count ::text").getall())
    match = re.search(r"(\d[\d,]*)\s+results?", text)
    return int(match.group(1).replace(",", "")) if match else None


def failure_reason(failure) -> str:
    """A short, human reason for a failed request."""
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    if failure.check(IgnoreRequest):
        message = str(failure.value) or "request ignored"
        return "forbidden by robots.txt" if "robots" in message.lower() else message
    if failure.check(DNSLookupError):
        return "DNS lookup failed"
    if failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
        return "timed out"
    if failure.check(DownloadConnectionRefusedError):
        return "Connection refused"
    if failure.check(DownloadCancelledError):
        return "larger than the download size limit (not read)"
    return f"{type(failure.value).__name__}: {failure.value}"


class OfstedSpider(scrapy.Spider):
    name = "ofsted"

    def __init__(
        self,
        ofsted_url: str = "https://reports.ofsted.gov.uk",
        files_url: str = "https://files.ofsted.gov.uk",
        rows: int | str = MAX_ROWS,
        resume_since: str | None = None,
        *args,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.ofsted_url = ofsted_url.rstrip("/")
        self.files_url = files_url.rstrip("/")
        hosts = {urlsplit(u).hostname for u in (self.ofsted_url, self.files_url)}
        if any(h and h.endswith(".ofsted.gov.uk") for h in hosts):
            # Older pages link PDFs on files.api.ofsted.gov.uk; allow Ofsted's whole domain.
            hosts.add("ofsted.gov.uk")
        self.allowed_domains = sorted(hosts)
        self.rows = max(1, min(int(rows), MAX_ROWS))
        self.resume_since = resume_since
        self.register = Register.load()

    def listing_url(self, start: int) -> str:
        return f"{self.ofsted_url}/search?{urlencode({**LISTING_QUERY, 'start': start, 'rows': self.rows})}"

    async def start(self):
        yield scrapy.Request(
            self.listing_url(0), callback=self.parse_listing, errback=self.page_failed, cb_kwargs={"start": 0}
        )

    # -- listing ---------------------------------------------------------------
    def parse_listing(self, response, start: int = 0):
        summary.inc(self.crawler.stats, "pages")
        start = _query_int(response.url, "start", start)
        links = response.css("ul.results-list > li.search-result > h3 > a")
        if not links:  # markup drift: fall back to any provider link, as the D2I scrapers do
            links = response.xpath('//a[contains(@href, "/provider/44/")]')
        for link in links:
            href = link.attrib.get("href", "")
            if "/provider/44/" not in href:
                continue
            yield response.follow(
                href,
                callback=self.parse_provider,
                errback=self.page_failed,
                cb_kwargs={"ofsted_name": normalise_title(" ".join(link.css("::text").getall()))},
            )
        next_href = response.css("a.pagination__next::attr(href)").get()
        if next_href:
            yield response.follow(
                next_href,
                callback=self.parse_listing,
                errback=self.page_failed,
                cb_kwargs={"start": start + len(links)},
            )
            return
        total = _result_count(response)
        seen = start + len(links)
        # No next link: go on while the page's own count says there is more (or, with no
        # count, while pages come back full); the dupe filter stops any loop.
        if links and ((total is not None and seen < total) or (total is None and len(links) >= self.rows)):
            yield scrapy.Request(
                self.listing_url(seen),
                callback=self.parse_listing,
                errback=self.page_failed,
                cb_kwargs={"start": seen},
            )

    # -- provider page -----------------------------------------------------------
    def parse_provider(self, response, ofsted_name: str | None = None):
        summary.inc(self.crawler.stats, "pages")
        urn = urlsplit(response.url).path.rstrip("/").rsplit("/", 1)[-1]
        heading = normalise_title(" ".join(response.css("h1.heading--title ::text").getall()))
        name = heading or ofsted_name or ""
        authority = self.register.by_urn(urn) or self.register.find(name)
        for link in response.css("a.publication-link"):
            document = self._publication(response, link, urn, name, authority)
            if document is None:
                continue
            if self._already_done(document["source"]):
                summary.inc(self.crawler.stats, "documents_resumed")
                continue
            yield scrapy.Request(
                document["source"],
                callback=self.parse_document,
                errback=self.document_failed,
                priority=DOCUMENT_PRIORITY,
                meta={
                    "conditional": document["source"],
                    "handle_httpstatus_list": [304],
                    "document": document,
                },
            )

    def _publication(self, response, link, urn, name, authority) -> dict | None:
        href = link.attrib.get("href")
        if not href:
            return None
        label = link.css("span.nonvisual::text").get() or " ".join(link.css("::text").getall())
        title, published = parse_nonvisual(label)
        document_type = classify(title)
        if document_type is None:
            summary.inc(self.crawler.stats, "documents_skipped")
            return None
        day = link.xpath("ancestor::li[contains(concat(' ', @class, ' '), ' timeline__day ')][1]")
        event_date = parse_long_date(day.css("p.timeline__date time::text").get()) if day else None
        if published is None:
            published = parse_long_date(
                link.xpath(
                    "ancestor::*[contains(@class, 'event')][1]"
                    "//*[contains(@class, 'event__metadata')]//time/text()"
                ).get()
                or (day.css("time[pubdate]::text").get() if day else None)
            )
        return {
            "source": response.urljoin(href),
            "provider_url": response.url,
            "ofsted_name": name,
            "authority": authority.name if authority else None,
            "urn": urn,
            "ons_code": authority.ons_code if authority else None,
            "region": authority.region if authority else None,
            "document_type": document_type,
            "title": title,
            "published": published,
            "event_date": event_date,
        }

    def _already_done(self, source: str) -> bool:
        """After an interrupted crawl, documents it already stored are not asked for again."""
        if not self.resume_since:
            return False
        record = store_for(self.crawler).get_by_source(source)
        return bool(
            record and record.status == "ok" and record.checked_at and record.checked_at >= self.resume_since
        )

    # -- documents -----------------------------------------------------------
    def parse_document(self, response):
        headers = response.headers

        def header(name):
            value = headers.get(name)
            return value.decode("latin-1") if value else None

        document = response.meta["document"]
        yield OfstedDocument(
            **document,
            status=response.status,
            body=response.body if response.status == 200 else b"",
            content_type=header("Content-Type"),
            etag=header("ETag"),
            last_modified=header("Last-Modified"),
            url=response.url,
        )

    def document_failed(self, failure):
        document = failure.request.meta.get("document")
        if document is None:
            return self.page_failed(failure)
        yield OfstedDocument(**document, error=failure_reason(failure))

    def page_failed(self, failure):
        reason = failure_reason(failure)
        summary.inc(self.crawler.stats, "pages_failed")
        summary.add_error(self.crawler.stats, f"{failure.request.url}: {reason}")
        self.logger.warning("page failed %s: %s", failure.request.url, reason)
        return None
