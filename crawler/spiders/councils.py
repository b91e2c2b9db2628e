"""The council news spider: every authority's website -> its releases about Ofsted.

For each council (crawler/sources.py: the authority register's websites, councils.yaml's
overrides) the spider reads, per host of its site:

1. robots.txt, for the sitemaps it names (else /sitemap.xml);
2. those sitemaps: indexes are followed (nested, gzipped), and the news pages they list are
   kept when their address or title may be about Ofsted, children's services or care leavers
   (crawler/discovery.py); a sitemap's <lastmod> travels with the page;
3. only when no sitemap lists any news: the home page, for its News / Newsroom / Press releases
   link, and that listing, page after page; a listing's <time datetime> travels with the page.

Each page found is fetched (conditionally, when stored before) and kept only when
``indexer.attribution.is_about_ofsted`` says it is about an Ofsted inspection or visit;
linking each release to its letter is the indexer's step (indexer/linking.py), after the crawl. Dates
are not guessed here: the page's own article:published_time, the sitemap's lastmod and the
listing's date are passed on for the indexer to choose from. One council's dead or hostile
site only fails that council: each failure is recorded against it (the store's
council_sites table, shown by ``ofsted-findings status``) and the crawl goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy.http import TextResponse, XmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from indexer.attribution import is_about_ofsted

from .. import summary
from ..discovery import (
    NEWS_LINK_TEXT,
    NEXT_LINK_TEXT,
    is_excluded,
    is_news_url,
    may_be_a_response,
    title_says_not_a_response,
)
from ..items import CouncilRelease
from ..sources import CouncilSource, load_sources
from ..storage import store_for
from .ofsted import failure_reason

ARTICLE_PRIORITY = 10
MAX_LISTING_PAGES = 30  # a listing that never ends (a calendar, a hostile site) stops here
MAX_FAILURES_KEPT = 20  # per council, for status


def iso_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value).strip()[:10]).isoformat()
    except ValueError:
        return None


@dataclass
class SiteState:
    """What the crawl knows and has done for one council's site."""

    source: CouncilSource
    hosts: set[str] = field(default_factory=set)  # host:port of its site, learnt from redirects too
    pending: int = 0  # robots.txt and sitemap requests not yet answered
    news_seen: int = 0  # news pages its sitemaps or listings named
    home_read: bool = False
    listing_pages: int = 0
    pages: int = 0  # pages read (answered 200 or 304)
    kept: int = 0  # releases kept
    failures: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.hosts = set(self.source.hosts)

    def in_scope(self, url: str) -> bool:
        """On the council's site: one of its hosts or a subdomain of one (news.<council>.gov.uk)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        for known in self.hosts:
            base = urlsplit(f"//{known}")
            if parts.port != base.port:
                continue
            domain = (base.hostname or "").removeprefix("www.")
            if (
                parts.hostname == base.hostname
                or parts.hostname == domain
                or parts.hostname.endswith("." + domain)
            ):
                return True
        return False

    def on_news_host(self, url: str) -> bool:
        return urlsplit(url).netloc.lower() in {urlsplit(h).netloc.lower() for h in self.source.news_hosts}

    def fail(self, message: str) -> None:
        if len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append(message)


class CouncilNewsSpider(scrapy.Spider):
    name = "councils"
    # Discovery pages (robots.txt, sitemaps, home pages, listings) are read on every crawl; the
    # HTTP cache keeps their last copy and revalidates it (If-None-Match / If-Modified-Since,
    # RFC 2616 policy), so an unchanged page costs a bodiless 304 and still yields its links.
    # HTTPCACHE_DIR is set by run_crawl, inside the data directory.
    custom_settings = {
        "HTTPCACHE_ENABLED": True,
        "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.RFC2616Policy",
        "HTTPCACHE_STORAGE": "scrapy.extensions.httpcache.FilesystemCacheStorage",
        "HTTPCACHE_GZIP": True,
    }

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
        self.sites = [SiteState(source) for source in self.sources]
        # Scope is per council (SiteState.in_scope): a site that moved to a new domain is
        # followed there, so no spider-wide list of domains.
        self.allowed_domains = None
        self.resume_since = resume_since

    # -- requests --------------------------------------------------------------------------
    def _request(self, url: str, index: int, callback, errback=None, **meta) -> scrapy.Request:
        settings = self.crawler.settings
        return scrapy.Request(
            url,
            callback=callback,
            errback=errback or self.page_failed,
            meta={
                "council": index,
                "download_timeout": settings.getfloat("COUNCIL_PAGE_TIMEOUT", 30),
                "download_maxsize": settings.getint("COUNCIL_PAGE_MAXSIZE", 10 * 1024 * 1024),
                **meta,
            },
        )

    async def start(self):
        for index, site in enumerate(self.sites):
            for root in site.source.roots:
                site.pending += 1
                yield self._request(
                    root + "/robots.txt", index, self.parse_robots, self.robots_failed, probe=True, root=root
                )
            for url in site.source.sitemaps:
                site.pending += 1
                yield self._request(url, index, self.parse_sitemap, self.sitemap_failed)
            if site.source.listing:
                yield self._request(site.source.listing.url, index, self.parse_listing, override=True)

    def _site(self, response_or_failure) -> tuple[int, SiteState]:
        request = getattr(response_or_failure, "request", None)
        meta = request.meta if request is not None else response_or_failure.meta
        index = meta["council"]
        return index, self.sites[index]

    def _read(self, response) -> tuple[int, SiteState]:
        """Count a page read for its council, and learn the host it was redirected to."""
        index, site = self._site(response)
        site.pages += 1
        summary.inc(self.crawler.stats, "pages")
        if response.meta.get("redirect_urls") and not site.in_scope(response.url):
            site.hosts.add(urlsplit(response.url).netloc.lower())
        return index, site

    # -- robots.txt and sitemaps -----------------------------------------------------------
    def parse_robots(self, response):
        index, site = self._read(response)
        # The sitemaps robots.txt names (sitemap_urls_from_robots: Scrapy's SitemapSpider's own reader).
        named = list(sitemap_urls_from_robots(response.body, base_url=response.url))
        root = f"{urlsplit(response.url).scheme}://{urlsplit(response.url).netloc}"
        yield from self._sitemaps(index, site, named or [root + "/sitemap.xml"], probe=not named)

    def robots_failed(self, failure):
        index, site = self._site(failure)
        if not self._absent(failure):
            self._failed(failure)
        yield from self._sitemaps(index, site, [failure.request.meta["root"] + "/sitemap.xml"], probe=True)

    def _sitemaps(self, index: int, site: SiteState, urls: list[str], probe: bool):
        for url in dict.fromkeys(urls):
            if is_excluded(url, site.source.exclude):
                continue
            site.pending += 1
            yield self._request(url, index, self.parse_sitemap, self.sitemap_failed, probe=probe)
        site.pending -= 1  # the robots.txt (or sitemap index) that named them is done
        yield from self._after_sitemaps(index, site)

    def _after_sitemaps(self, index: int, site: SiteState):
        """When every sitemap has answered and none named a news page: the home page."""
        if site.pending > 0 or site.news_seen or site.home_read:
            return
        site.home_read = True
        for root in site.source.roots:
            yield self._request(root + "/", index, self.parse_home)

    def sitemap_body(self, response) -> bytes | None:
        """The XML of a sitemap response, gunzipped when it is a .xml.gz (as SitemapSpider does)."""
        if gzip_magic_number(response):
            try:
                return gunzip(response.body, max_size=response.meta.get("download_maxsize") or 0)
            except Exception:  # noqa: BLE001 - truncated or too large: not a usable sitemap
                return None
        if isinstance(response, XmlResponse) or response.body.lstrip()[:5] in (b"<?xml", b"<urls", b"<site"):
            return response.body
        return None

    def parse_sitemap(self, response):
        index, site = self._read(response)
        body = self.sitemap_body(response)
        sitemap = None
        if body:
            try:
                sitemap = Sitemap(body)
            except Exception:  # noqa: BLE001 - lxml raises several types for broken XML
                sitemap = None
        if sitemap is None:
            if not response.meta.get("probe"):
                self._fail(site, response.url, "not a readable sitemap")
            site.pending -= 1
            yield from self._after_sitemaps(index, site)
            return
        if sitemap.type == "sitemapindex":
            locs = [entry["loc"] for entry in sitemap if entry.get("loc")]
            yield from self._sitemaps(index, site, [response.urljoin(loc) for loc in locs], probe=False)
            return
        titles = news_titles(body) if b"sitemap-news" in body else {}
        for entry in sitemap:
            loc = entry.get("loc")
            if not loc:
                continue
            url = response.urljoin(loc)
            title = titles.get(loc)
            if not (title or is_news_url(url) or site.on_news_host(url)):
                continue
            yield from self._candidate(
                index, site, url, title, sitemap_lastmod=iso_date(entry.get("lastmod"))
            )
        site.pending -= 1
        yield from self._after_sitemaps(index, site)

    def sitemap_failed(self, failure):
        index, site = self._site(failure)
        if not (failure.request.meta.get("probe") and self._absent(failure)):
            self._failed(failure)
        site.pending -= 1
        yield from self._after_sitemaps(index, site)

    # -- home page and news listings -------------------------------------------------------
    def parse_home(self, response):
        index, site = self._read(response)
        if not isinstance(response, TextResponse):
            return
        found = []
        for link in response.css("a[href]"):
            text = " ".join(" ".join(link.css("::text").getall()).split())
            url = response.urljoin(link.attrib["href"])
            if NEWS_LINK_TEXT.match(text) and url not in found and self._allowed(site, url):
                found.append(url)
        if not found:
            self._fail(
                site, response.url, "no news found: no sitemap lists news, no news link on the home page"
            )
        for url in found[:2]:
            yield self._request(url, index, self.parse_listing)

    def parse_listing(self, response):
        index, site = self._read(response)
        if not isinstance(response, TextResponse):
            return
        site.listing_pages += 1
        listing = site.source.listing if response.meta.get("override") else None
        here = urlsplit(response.url)
        links = response.css(listing.links) if listing and listing.links else response.css("a[href]")
        for link in links:
            href = link.attrib.get("href")
            if not href:
                continue
            url = response.urljoin(href)
            parts = urlsplit(url)
            if parts.path.rstrip("/") == here.path.rstrip("/") or not self._allowed(site, url):
                continue
            under_listing = parts.path.startswith(here.path.rstrip("/") + "/")
            if not (listing and listing.links) and not (
                is_news_url(url) or under_listing or site.on_news_host(url)
            ):
                continue
            title = " ".join(" ".join(link.css("::text").getall()).split()) or None
            when = link.xpath(
                "ancestor::*[self::li or self::article or self::tr or self::div][1]//time/@datetime"
            ).get()
            yield from self._candidate(index, site, url, title, listed_date=iso_date(when))
        next_url = self._next_page(response, listing)
        if next_url and site.listing_pages < MAX_LISTING_PAGES and self._allowed(site, next_url):
            yield self._request(next_url, index, self.parse_listing, override=bool(listing))

    @staticmethod
    def _next_page(response, listing) -> str | None:
        if listing and listing.next:
            href = response.css(listing.next).attrib.get("href")
            return response.urljoin(href) if href else None
        href = response.css("a[rel~=next]::attr(href), link[rel=next]::attr(href)").get()
        if not href:
            for link in response.css("a[href]"):
                if NEXT_LINK_TEXT.match(" ".join(link.css("::text").getall())):
                    href = link.attrib["href"]
                    break
        return response.urljoin(href) if href else None

    def _allowed(self, site: SiteState, url: str) -> bool:
        return site.in_scope(url) and not is_excluded(url, site.source.exclude)

    def _candidate(self, index: int, site: SiteState, url: str, title: str | None, **dates):
        """A news page: requested when it may be a response (crawler/discovery.py)."""
        if not self._allowed(site, url):
            return
        site.news_seen += 1
        if not may_be_a_response(url, title):
            return
        if self.resume_since:
            record = store_for(self.crawler).get_by_source(url)
            if record and record.status == "ok" and (record.checked_at or "") >= self.resume_since:
                summary.inc(self.crawler.stats, "documents_resumed")
                return
        request = self._request(
            url,
            index,
            self.parse_article,
            self.page_failed,
            conditional=url,
            handle_httpstatus_list=[304],
            **{k: v for k, v in dates.items() if v},
        )
        yield request.replace(priority=ARTICLE_PRIORITY)

    # -- articles ----------------------------------------------------------------------------
    def _release(self, response, site: SiteState, **fields) -> CouncilRelease:
        authority = site.source.authority
        return CouncilRelease(
            source=response.meta.get("conditional") or response.url,
            council_site=site.source.website,
            authority=authority.name,
            ons_code=authority.ons_code,
            region=authority.region,
            **fields,
        )

    def parse_article(self, response):
        from indexer.html import read_html

        index, site = self._read(response)
        stored = store_for(self.crawler).get_by_source(response.meta.get("conditional") or response.url)
        if response.status == 304 or ("cached" in response.flags and stored and stored.status == "ok"):
            # Unchanged since it was stored (a 304, or the HTTP cache's copy revalidated by one).
            if stored and stored.status == "ok":
                site.kept += 1
                yield self._release(
                    response, site, title=stored.title, published=stored.published, status=304
                )
            return
        if not isinstance(response, TextResponse):
            return
        page = read_html(response.text)
        text = "\n".join(block.text for block in page.blocks)
        title = page.title or response.css("h1::text").get()
        if title_says_not_a_response(title) or not is_about_ofsted(title, text):
            summary.inc(self.crawler.stats, "documents_skipped")
            return
        header = lambda name: (response.headers.get(name) or b"").decode("latin-1") or None  # noqa: E731
        extra = {
            key: response.meta[key] for key in ("sitemap_lastmod", "listed_date") if response.meta.get(key)
        }
        site.kept += 1
        yield self._release(
            response,
            site,
            # The page's own structured date only; the indexer weighs it against extra's dates.
            title=title,
            published=iso_date(response.css('meta[property="article:published_time"]::attr(content)').get()),
            status=response.status,
            body=response.body,
            content_type=header("Content-Type"),
            etag=header("ETag"),
            last_modified=header("Last-Modified"),
            quotes=page.quotes,
            extra=extra,
        )

    # -- failures ----------------------------------------------------------------------------
    @staticmethod
    def _absent(failure) -> bool:
        """A probe that found nothing (no robots.txt, no /sitemap.xml): not a failure."""
        return failure.check(HttpError) and failure.value.response.status in (404, 410)

    def _fail(self, site: SiteState, url: str, reason: str) -> None:
        summary.inc(self.crawler.stats, "pages_failed")
        summary.add_error(self.crawler.stats, f"{url}: {reason}")
        site.fail(f"{url}: {reason}")
        self.logger.warning("council page failed %s: %s", url, reason)

    def _failed(self, failure) -> None:
        _, site = self._site(failure)
        self._fail(site, failure.request.url, failure_reason(failure))

    def page_failed(self, failure):
        self._failed(failure)

    # -- the end: what each council's site gave --------------------------------------------
    def closed(self, reason):
        now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        store = store_for(self.crawler)
        for site in self.sites:
            store.record_council_site(
                site.source.authority.name,
                site.source.website,
                read_at=now if site.pages else None,
                pages=site.pages,
                found=site.news_seen,
                kept=site.kept,
                failures=site.failures,
            )


def news_titles(body: bytes) -> dict[str, str]:
    """loc -> <news:title> of a Google News sitemap (Scrapy's Sitemap keeps only flat fields)."""
    from parsel import Selector

    selector = Selector(body=body, type="xml")
    selector.remove_namespaces()
    titles = {}
    for url in selector.xpath("//url"):
        loc, title = url.xpath("loc/text()").get(), url.xpath("news/title/text()").get()
        if loc and title:
            titles[loc.strip()] = " ".join(title.split())
    return titles


__all__ = ["CouncilNewsSpider", "iso_date", "news_titles"]
