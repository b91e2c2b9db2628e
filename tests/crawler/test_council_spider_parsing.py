"""The council spider on saved pages, offline: robots.txt, sitemaps (nested, gzipped, news),
home pages, listings and articles, and which pages it asks for."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import yaml
from scrapy.http import HtmlResponse, Request, Response, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.items import CouncilRelease
from crawler.spiders.councils import CouncilNewsSpider

FIXTURES = Path(__file__).with_name("fixtures")
SITE = "https://www.example-council.gov.uk"


@pytest.fixture
def spider(tmp_path):
    path = tmp_path / "councils.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "only_listed": True,
                "councils": [{"authority": "Leeds", "website": SITE, "exclude": ["/secret/"]}],
            }
        )
    )
    crawler = get_crawler(CouncilNewsSpider, {"OFSTED_FINDINGS_DATA_DIR": str(tmp_path / "data")})
    crawler.stats.open_spider()
    return CouncilNewsSpider.from_crawler(crawler, councils_file=str(path))


def request(url, **meta):
    return Request(url, meta={"council": 0, **meta})


def xml(name_or_body, url, **meta):
    body = name_or_body if isinstance(name_or_body, bytes) else (FIXTURES / name_or_body).read_bytes()
    return XmlResponse(url=url, body=body, request=request(url, **meta))


def html(name_or_body, url, **meta):
    body = name_or_body if isinstance(name_or_body, bytes) else (FIXTURES / name_or_body).read_bytes()
    return HtmlResponse(
        url=url,
        body=body,
        encoding="utf-8",
        request=request(url, **meta),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )


def urls(results, callback=None):
    return [r.url for r in results if isinstance(r, Request) and (callback is None or r.callback == callback)]


def test_start_asks_each_host_for_robots_txt(spider):
    import asyncio

    async def collect():
        return [r async for r in spider.start()]

    [robots] = asyncio.run(collect())
    assert robots.url == f"{SITE}/robots.txt" and robots.callback == spider.parse_robots
    assert robots.meta["download_timeout"] == 30 and robots.meta["council"] == 0
    assert spider.allowed_domains is None  # scope is per council, not spider-wide


def test_robots_txt_sitemaps_are_read_else_the_default_sitemap(spider):
    body = b"User-agent: *\nDisallow: /admin/\nSitemap: /sitemap_index.xml\nsitemap: https://cdn.example.org/news.xml\n"
    response = TextResponse(url=f"{SITE}/robots.txt", body=body, request=request(f"{SITE}/robots.txt"))
    spider.sites[0].pending = 1
    assert urls(spider.parse_robots(response)) == [
        f"{SITE}/sitemap_index.xml",
        "https://cdn.example.org/news.xml",
    ]
    bare = TextResponse(
        url=f"{SITE}/robots.txt", body=b"User-agent: *\n", request=request(f"{SITE}/robots.txt")
    )
    [default] = list(spider.parse_robots(bare))
    assert default.url == f"{SITE}/sitemap.xml" and default.meta["probe"] is True


def test_sitemap_index_is_followed_and_news_pages_about_ofsted_are_requested(spider):
    site = spider.sites[0]
    site.pending = 1
    [child] = list(spider.parse_sitemap(xml("council-sitemap-index.xml", f"{SITE}/sitemap.xml")))
    assert child.url == f"{SITE}/sitemap-pages.xml" and child.callback == spider.parse_sitemap
    articles = list(spider.parse_sitemap(xml("council-sitemap-pages.xml", child.url)))
    # /news/roadworks is news but not about Ofsted, children or care leavers: never requested.
    assert [(r.url, r.meta["sitemap_lastmod"]) for r in articles] == [
        (f"{SITE}/news/ofsted-praises-care-leavers-service", "2024-03-15")
    ]
    [article] = articles
    assert article.meta["conditional"] == article.url and article.callback == spider.parse_article
    assert site.news_seen == 2 and site.pending == 0


def test_gzipped_sitemap_and_news_sitemap_titles(spider):
    spider.sites[0].pending = 1
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{SITE}/article/1234</loc><lastmod>2023-05-02T10:00:00Z</lastmod>
<news:news><news:title>Inspectors praise care leavers service</news:title></news:news></url>
<url><loc>{SITE}/article/1235</loc><news:news><news:title>Ofsted rates Park Primary School good</news:title></news:news></url>
<url><loc>{SITE}/jobs/social-worker-ofsted-good</loc></url>
<url><loc>{SITE}/secret/ofsted-news</loc></url>
</urlset>""".encode()
    response = Response(url=f"{SITE}/sitemap.xml.gz", body=gzip.compress(body), request=request(f"{SITE}/x"))
    [article] = list(spider.parse_sitemap(response))
    # Titled by the news sitemap (so /article/1234 counts as news); a school story, a job advert
    # and an excluded address are not requested.
    assert article.url == f"{SITE}/article/1234" and article.meta["sitemap_lastmod"] == "2023-05-02"


def test_no_news_in_the_sitemaps_means_the_home_page_and_its_news_link(spider):
    site = spider.sites[0]
    site.pending = 1
    empty = xml(
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>', SITE + "/s"
    )
    [home] = list(spider.parse_sitemap(empty))
    assert home.url == SITE + "/" and home.callback == spider.parse_home
    page = b"""<html><body><nav><a href="/bins">Bins</a> <a href="/council/press-releases">Press releases</a>
    <a href="https://elsewhere.example.org/news">News</a></nav></body></html>"""
    [listing] = list(spider.parse_home(html(page, SITE + "/")))
    assert listing.url == f"{SITE}/council/press-releases" and listing.callback == spider.parse_listing


def test_listing_yields_articles_with_their_dates_and_the_next_page(spider):
    results = list(spider.parse_listing(html("council-listing.html", f"{SITE}/news")))
    articles = [r for r in results if r.callback == spider.parse_article]
    assert [(r.url, r.meta["listed_date"]) for r in articles] == [
        (f"{SITE}/news/ofsted-praises-care-leavers-service", "2024-03-15")
    ]
    assert urls(results, spider.parse_listing) == [f"{SITE}/news?page=2"]


def test_listing_next_link_found_by_its_words(spider):
    page = b"""<html><body><ul><li><a href="/newsroom/ofsted-visit-to-our-care-leavers">Ofsted visit</a>
    <time datetime="2022-02-03">3 Feb</time></li></ul><a class="x" href="/newsroom?page=3">Next</a></body></html>"""
    results = list(spider.parse_listing(html(page, f"{SITE}/newsroom?page=2")))
    assert urls(results, spider.parse_article) == [f"{SITE}/newsroom/ofsted-visit-to-our-care-leavers"]
    assert urls(results, spider.parse_listing) == [f"{SITE}/newsroom?page=3"]


def test_scope_covers_subdomains_and_a_host_the_site_moved_to(spider):
    site = spider.sites[0]
    assert site.in_scope(f"{SITE}/news/x") and site.in_scope("https://news.example-council.gov.uk/a")
    assert not site.in_scope("https://www.other-council.gov.uk/news/x")
    moved = html(b"<html></html>", "https://www.new-council.gov.uk/", redirect_urls=[SITE + "/"])
    list(spider.parse_home(moved))
    assert site.in_scope("https://www.new-council.gov.uk/news/y")


def test_article_about_ofsted_becomes_a_release_with_the_dates_the_site_gave(spider):
    url = f"{SITE}/news/ofsted-praises-care-leavers-service"
    response = html("council-article.html", url, conditional=url, sitemap_lastmod="2024-03-16")
    [release] = list(spider.parse_article(response))
    assert isinstance(release, CouncilRelease)
    assert (release.authority, release.ons_code, release.published) == ("Leeds", "E08000035", "2024-03-15")
    assert release.extra == {"sitemap_lastmod": "2024-03-16"}
    assert release.title == "Ofsted praises care leavers service"
    assert release.quotes and release.quotes[0]["speaker"] == "Councillor Priya Shah"
    assert release.body.startswith(b"<!DOCTYPE html>")


def test_undated_article_gets_no_guessed_date(spider):
    url = f"{SITE}/news/undated"
    page = b"""<!DOCTYPE html><html><head><title>Ofsted focused visit letter</title></head><body><main>
    <h1>Ofsted focused visit letter</h1><p>Ofsted inspectors visited our care leavers service on 1 January 2020
    and their focused visit letter was published in March.</p></main></body></html>"""
    [release] = list(spider.parse_article(html(page, url, conditional=url, listed_date="2020-03-05")))
    assert release.published is None and release.extra == {"listed_date": "2020-03-05"}


def test_article_not_about_ofsted_or_about_a_school_is_skipped(spider):
    url = f"{SITE}/news/roadworks"
    assert list(spider.parse_article(html("council-listing.html", url, conditional=url))) == []
    school = b"""<html><head><title>Ofsted rates Park Primary School good</title></head><body><main>
    <h1>Ofsted rates Park Primary School good</h1><p>Ofsted inspectors visited the school in May.</p></main>
    </body></html>"""
    assert list(spider.parse_article(html(school, f"{SITE}/news/school", conditional=url))) == []
    assert spider.crawler.stats.get_value("ofsted_findings/documents_skipped") == 2


def test_a_failure_is_recorded_against_its_council_and_the_crawl_goes_on(spider):
    from twisted.internet.error import DNSLookupError
    from twisted.python.failure import Failure

    failure = Failure(DNSLookupError("www.example-council.gov.uk"))
    failure.request = request(f"{SITE}/")
    spider.page_failed(failure)
    assert spider.sites[0].failures == [f"{SITE}/: DNS lookup failed"]
    # A missing robots.txt is no failure: the default sitemap is tried instead.
    from scrapy.http import Response as Plain
    from scrapy.spidermiddlewares.httperror import HttpError

    missing = Failure(HttpError(Plain(f"{SITE}/robots.txt", status=404)))
    missing.request = request(f"{SITE}/robots.txt", probe=True, root=SITE)
    spider.sites[0].pending = 1
    [sitemap] = list(spider.robots_failed(missing))
    assert sitemap.url == f"{SITE}/sitemap.xml" and len(spider.sites[0].failures) == 1


def test_the_council_crawl_is_polite_and_revalidates_what_it_read():
    from scrapy.settings import Settings as ScrapySettings

    from common.config import Settings
    from crawler.run import scrapy_settings

    settings = scrapy_settings(Settings.from_env(environ={}, data_dir=Path("/tmp/x"), crawl_env="prod"))
    settings.setdict(CouncilNewsSpider.custom_settings, priority="spider")
    assert isinstance(settings, ScrapySettings)
    assert settings.getbool("ROBOTSTXT_OBEY") and settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2 and settings["USER_AGENT"].startswith(
        "ofsted"
    )
    assert settings.getbool("HTTPCACHE_ENABLED") and settings["HTTPCACHE_POLICY"].endswith("RFC2616Policy")
    assert settings["HTTPCACHE_DIR"] == "/tmp/x/http-cache"
