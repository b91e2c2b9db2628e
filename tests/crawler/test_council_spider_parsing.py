"""The council spider on saved pages: sitemaps, listings and articles, offline."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from scrapy.http import HtmlResponse, Request, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.items import CouncilRelease
from crawler.spiders.councils import CouncilNewsSpider

FIXTURES = Path(__file__).with_name("fixtures")
SITE = "https://www.example-council.gov.uk"


@pytest.fixture(scope="module")
def spider(tmp_path_factory):
    path = tmp_path_factory.mktemp("councils") / "councils.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "councils": [
                    {
                        "authority": "Leeds",
                        "website": SITE,
                        "sitemaps": [f"{SITE}/sitemap.xml"],
                        "news_url_pattern": "/news/",
                        "listing": {
                            "url": f"{SITE}/news",
                            "links": "ul.news-list li a",
                            "next": "a[rel=next]",
                        },
                    }
                ]
            }
        )
    )
    crawler = get_crawler(CouncilNewsSpider)
    crawler.stats.open_spider()
    return CouncilNewsSpider.from_crawler(crawler, councils_file=str(path))


def xml(name, url):
    return XmlResponse(url=url, body=(FIXTURES / name).read_bytes(), request=Request(url))


def html(name, url, **meta):
    return HtmlResponse(
        url=url,
        body=(FIXTURES / name).read_bytes(),
        encoding="utf-8",
        request=Request(url, meta=meta),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )


def test_allowed_domains_come_from_the_source_list(spider):
    assert spider.allowed_domains == ["www.example-council.gov.uk"]


def test_sitemap_index_is_followed_and_only_news_urls_are_read(spider):
    [child] = list(spider.parse_sitemap(xml("council-sitemap-index.xml", f"{SITE}/sitemap.xml"), index=0))
    assert child.url == f"{SITE}/sitemap-pages.xml" and child.callback == spider.parse_sitemap
    articles = list(spider.parse_sitemap(xml("council-sitemap-pages.xml", child.url), index=0))
    assert [(r.url, r.meta["listed_date"]) for r in articles] == [
        (f"{SITE}/news/ofsted-praises-care-leavers-service", "2024-03-15"),
        (f"{SITE}/news/roadworks", "2024-03-01"),
    ]
    assert all(r.meta["conditional"] == r.url and r.callback == spider.parse_article for r in articles)


def test_listing_yields_articles_and_the_next_page(spider):
    results = list(spider.parse_listing(html("council-listing.html", f"{SITE}/news"), index=0))
    articles = [r for r in results if r.callback == spider.parse_article]
    assert [r.url for r in articles] == [
        f"{SITE}/news/ofsted-praises-care-leavers-service",
        f"{SITE}/news/roadworks",
    ]
    assert articles[0].meta["listed_date"] == "2024-03-15"
    [next_page] = [r for r in results if r.callback == spider.parse_listing]
    assert next_page.url == f"{SITE}/news?page=2"


def test_article_about_ofsted_becomes_a_release_with_date_and_quotes(spider):
    url = f"{SITE}/news/ofsted-praises-care-leavers-service"
    [release] = list(spider.parse_article(html("council-article.html", url, council=0, listed_date=None)))
    assert isinstance(release, CouncilRelease)
    assert (release.authority, release.ons_code, release.published) == ("Leeds", "E08000035", "2024-03-15")
    assert release.title == "Ofsted praises care leavers service"
    assert release.quotes and release.quotes[0]["speaker"] == "Councillor Priya Shah"
    assert "We are proud of our personal advisers" in release.quotes[0]["quote"]
    assert release.body.startswith(b"<!DOCTYPE html>")


def test_article_not_about_ofsted_is_skipped(spider):
    url = f"{SITE}/news/roadworks"
    body = (FIXTURES / "council-listing.html").read_bytes()  # a page with no Ofsted in it
    response = HtmlResponse(url=url, body=body, encoding="utf-8", request=Request(url, meta={"council": 0}))
    assert list(spider.parse_article(response)) == []
