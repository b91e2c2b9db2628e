"""The replica council sites: one 127.0.0.1 port per host, each shape served as its CMS would."""

from __future__ import annotations

import gzip
import time
import urllib.error
import urllib.request

import pytest
import yaml

from replica.councils import SECOND_HOST, SHAPES, build_council_sites
from replica.server import Faults, ReplicaServer
from replica.site import Site


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url, headers=None, follow=True, timeout=10):
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.fixture(scope="module")
def council_sites(tmp_path_factory):
    site_dir = build_council_sites(tmp_path_factory.mktemp("council-sites"))
    with ReplicaServer(site_dir, faults=Faults(council_slow_seconds=1.5)) as server:
        yield server


def url_of(server, shape, role="main"):
    council = next(c for c in server.site.councils if c.shape == shape)
    return server.council_site_url(council.slug, role)


def test_every_council_host_is_its_own_loopback_port_and_the_pages_are_labelled_sample(council_sites):
    site = council_sites.site
    assert len(site.councils) >= 20 and {c.shape for c in site.councils} == set(SHAPES)
    roots = [council_sites.council_site_url(c.slug) for c in site.councils]
    assert all(r.startswith("http://127.0.0.1:") for r in roots) and len(set(roots)) == len(roots)
    page = next(p for c in site.councils for p in c.pages if p.kind == "response")
    assert "SAMPLE DATA" in (council_sites.site_dir / page.path).read_text(encoding="utf-8")
    config = council_sites.councils_config()
    assert config["only_listed"] is True and len(config["councils"]) == len(site.councils)
    with_news_hosts = {e["authority"]: e["news_hosts"] for e in config["councils"] if "news_hosts" in e}
    assert with_news_hosts == {
        c.authority: [council_sites.council_site_url(c.slug, "news")]
        for c in site.councils
        if c.shape == "news-host"
    }


def test_sitemap_shapes(council_sites):
    root = url_of(council_sites, "sitemap-index")
    _, _, robots = get(root + "/robots.txt")
    assert f"Sitemap: {root}/sitemap_index.xml".encode() in robots
    _, _, news = get(root + "/news-sitemap.xml")
    assert b"<news:title>" in news and b"<lastmod>" in news
    gz_root = url_of(council_sites, "sitemap-gzip")
    status, headers, body = get(gz_root + "/sitemap.xml.gz")
    assert status == 200 and headers["Content-Type"] == "application/x-gzip"
    assert b"<sitemapindex" in gzip.decompress(body)
    default = url_of(council_sites, "sitemap")
    assert b"Sitemap:" not in get(default + "/robots.txt")[2]
    assert b"sitemap-pages.xml" in get(default + "/sitemap.xml")[2]
    forbidding = url_of(council_sites, "robots-forbids-news")
    assert b"Disallow: /news/" in get(forbidding + "/robots.txt")[2]


def test_listing_shapes_link_news_from_the_home_page_and_paginate(council_sites):
    paginated = url_of(council_sites, "paginated")
    assert b'href="/newsroom">Newsroom</a>' in get(paginated + "/")[2]
    first = get(paginated + "/newsroom")[2]
    assert first.count(b'class="news-item"') == 3 and b'href="/newsroom?page=2">Next</a>' in first
    assert get(paginated + "/sitemap.xml")[0] == 404
    boilerplate = url_of(council_sites, "boilerplate")
    assert b"Press releases" in get(boilerplate + "/")[2]
    assert b'rel="next"' in get(boilerplate + "/council/press-releases")[2]
    news_main, news_host = url_of(council_sites, "news-host"), url_of(council_sites, "news-host", "news")
    assert f'href="{news_host}/"'.encode() in get(news_main + "/")[2]
    assert b"<urlset" in get(news_host + "/sitemap.xml")[2]


def test_misbehaving_shapes(council_sites):
    moved, new = url_of(council_sites, "moved"), url_of(council_sites, "moved", "new")
    status, headers, _ = get(moved + "/robots.txt", follow=False)
    assert status == 301 and headers["Location"] == new + "/robots.txt"
    assert get(url_of(council_sites, "server-error") + "/robots.txt")[0] == 500
    loop = url_of(council_sites, "redirect-loop")
    status, headers, _ = get(loop + "/", follow=False)
    assert status == 302 and headers["Location"] == "/home"
    status, headers, body = get(url_of(council_sites, "huge") + "/")
    assert status == 200 and len(body) > 3 * 1024 * 1024
    slow = url_of(council_sites, "timeout")
    assert get(slow + "/robots.txt")[0] == 404
    started = time.monotonic()
    assert get(slow + "/")[0] == 200 and time.monotonic() - started >= 1.4


def test_every_council_page_has_validators_and_answers_304(council_sites):
    root = url_of(council_sites, "sitemap-index")
    status, headers, _ = get(root + "/news-sitemap.xml")
    assert status == 200 and headers["ETag"] and headers["Cache-Control"] == "max-age=0, must-revalidate"
    assert get(root + "/news-sitemap.xml", {"If-None-Match": headers["ETag"]})[0] == 304
    assert get(root + "/news-sitemap.xml", {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert get(root + "/news-sitemap.xml", {"If-None-Match": '"other"'})[0] == 200


def test_the_same_ports_can_be_served_again(council_sites):
    first = ReplicaServer(council_sites.site_dir).start()
    ports = first.council_ports
    first.stop()
    again = ReplicaServer(council_sites.site_dir, council_ports=ports).start()
    try:
        councils = council_sites.site.councils
        second_hosts = sum(1 for c in councils if c.shape in SECOND_HOST)
        assert again.council_ports == ports and len(ports) == len(councils) + second_hosts
    finally:
        again.stop()


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"authority": "Atlantis", "shape": "listing"}, "not in the authority register"),
        ({"authority": "Leeds", "shape": "carrier-pigeon"}, "unknown shape"),
    ],
)
def test_a_bad_sites_file_is_explained(tmp_path, entry, message):
    path = tmp_path / "sites.yaml"
    path.write_text(yaml.safe_dump({"sites": [entry]}), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        build_council_sites(tmp_path / "out", path)


def test_build_is_reloadable(tmp_path):
    site = Site.load(build_council_sites(tmp_path))
    kinds = {p.kind for c in site.councils for p in c.pages}
    assert kinds == {"response", "school", "send", "jobs", "agenda", "filler"}
    assert sum(1 for _ in site.releases()) >= 20
