"""The council news spider: sitemaps and news listings -> releases about Ofsted.

Sources come from councils.yaml (crawler/sources.py). Each article's main text,
date and quoted people are read with trafilatura (through the indexer's HTML
reader, so crawl and index agree); only releases about an Ofsted inspection or
visit are kept. Linking each release to its letter happens after the crawl
(indexer/linking.py), when every letter is in the store.
"""

from __future__ import annotations

from datetime import date

import scrapy
from scrapy.utils.sitemap import Sitemap

from indexer.attribution import is_about_ofsted

from .. import summary
from ..items import CouncilRelease
from ..sources import CouncilSource, load_sources
from ..storage import store_for
from .ofsted import failure_reason

ARTICLE_PRIORITY = 10


def iso_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        return None


class CouncilNewsSpider(scrapy.Spider):
    name = "councils"

    def __init__(
        self,
        councils_file: str | None = None,
        resume_since: str | None = None,
        ofsted_url: str | None = None,
        files_url: str | None = None,
        *args,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.sources = load_sources(councils_file)
        self.allowed_domains = sorted({d for s in self.sources for d in s.allowed_domains})
        self.resume_since = resume_since

    async def start(self):
        for index, source in enumerate(self.sources):
            for url in source.sitemaps:
                yield scrapy.Request(
                    url, callback=self.parse_sitemap, errback=self.page_failed, cb_kwargs={"index": index}
                )
            if source.listing:
                yield scrapy.Request(
                    source.listing.url,
                    callback=self.parse_listing,
                    errback=self.page_failed,
                    cb_kwargs={"index": index},
                )

    # -- finding articles ----------------------------------------------------------
    def parse_sitemap(self, response, index: int):
        summary.inc(self.crawler.stats, "pages")
        source = self.sources[index]
        try:
            sitemap = Sitemap(response.body)
        except Exception as exc:  # lxml raises several types for broken XML
            summary.inc(self.crawler.stats, "pages_failed")
            summary.add_error(self.crawler.stats, f"{response.url}: not a readable sitemap ({exc})")
            return
        for entry in sitemap:
            loc = entry.get("loc")
            if not loc:
                continue
            if sitemap.type == "sitemapindex":
                yield response.follow(
                    loc, callback=self.parse_sitemap, errback=self.page_failed, cb_kwargs={"index": index}
                )
            elif source.news_url_pattern in loc:
                yield from self._article_request(response.urljoin(loc), index, iso_date(entry.get("lastmod")))

    def parse_listing(self, response, index: int):
        summary.inc(self.crawler.stats, "pages")
        source = self.sources[index]
        for link in response.css(source.listing.links):
            href = link.attrib.get("href")
            if href:
                when = link.xpath("following-sibling::time[1]/@datetime").get()
                yield from self._article_request(response.urljoin(href), index, iso_date(when))
        if source.listing.next:
            next_href = response.css(source.listing.next).attrib.get("href")
            if next_href:
                yield response.follow(
                    next_href,
                    callback=self.parse_listing,
                    errback=self.page_failed,
                    cb_kwargs={"index": index},
                )

    def _article_request(self, url: str, index: int, listed_date: str | None):
        if self.resume_since:
            record = store_for(self.crawler).get_by_source(url)
            if record and record.status == "ok" and (record.checked_at or "") >= self.resume_since:
                summary.inc(self.crawler.stats, "documents_resumed")
                return
        yield scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            priority=ARTICLE_PRIORITY,
            meta={
                "conditional": url,
                "handle_httpstatus_list": [304],
                "council": index,
                "listed_date": listed_date,
            },
        )

    # -- articles ----------------------------------------------------------------
    def _release(self, response_or_request, **fields) -> CouncilRelease:
        source: CouncilSource = self.sources[response_or_request.meta["council"]]
        authority = source.authority
        return CouncilRelease(
            source=response_or_request.url,
            council_site=source.website,
            authority=authority.name,
            ons_code=authority.ons_code,
            region=authority.region,
            **fields,
        )

    def parse_article(self, response):
        from indexer.html import read_html

        headers = response.headers

        def header(name):
            value = headers.get(name)
            return value.decode("latin-1") if value else None

        if response.status == 304:
            record = store_for(self.crawler).get_by_source(response.url)
            yield self._release(
                response,
                title=record.title if record else None,
                published=record.published if record else None,
                status=304,
            )
            return
        summary.inc(self.crawler.stats, "pages")
        if not isinstance(response, scrapy.http.TextResponse):
            return
        page = read_html(response.text)
        text = "\n".join(block.text for block in page.blocks)
        title = page.title or response.css("h1::text").get()
        if not is_about_ofsted(title, text):
            summary.inc(self.crawler.stats, "documents_skipped")
            return
        published = (
            iso_date(response.css('meta[property="article:published_time"]::attr(content)').get())
            or iso_date(page.published)
            or response.meta.get("listed_date")
        )
        yield self._release(
            response,
            title=title,
            published=published,
            status=response.status,
            body=response.body,
            content_type=header("Content-Type"),
            etag=header("ETag"),
            last_modified=header("Last-Modified"),
            quotes=page.quotes,
        )

    def article_failed(self, failure):
        reason = failure_reason(failure)
        summary.add_error(self.crawler.stats, f"{failure.request.url}: {reason}")
        summary.inc(self.crawler.stats, "pages_failed")
        self.logger.warning("article failed %s: %s", failure.request.url, reason)

    def page_failed(self, failure):
        reason = failure_reason(failure)
        summary.inc(self.crawler.stats, "pages_failed")
        summary.add_error(self.crawler.stats, f"{failure.request.url}: {reason}")
        self.logger.warning("page failed %s: %s", failure.request.url, reason)
