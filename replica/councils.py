"""Replica council websites, each on its own 127.0.0.1 port, in the shapes councils really use.

A council's news is found in many ways: a sitemap index with a news sitemap, a gzipped sitemap,
the default /sitemap.xml, a news listing linked from the home page (one page, or paginated),
news on a separate host, and some sites misbehave (500s, timeouts, redirect loops, huge pages,
a move to a new domain, robots.txt forbidding the news). ``SHAPES`` names each; ``respond``
answers a request for one site the way such a CMS would. The pages are SAMPLE data
(``sample/council-sites.yaml`` and the templates below), labelled as such on every page.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import parse_qs

import yaml

from common.authorities import Register

from .council_markup import COOKIE_BANNER, FILLER, MEGA_NAV, article_page, council_name
from .documents import SAMPLE_DIR
from .site import CouncilPage, CouncilSite, Site, long_date

COUNCIL_SITES_FILE = SAMPLE_DIR / "council-sites.yaml"
# (It does not name the project: a page's own words must decide whether it is about Ofsted.)
SAMPLE_NOTICE = "SAMPLE DATA: an invented news page written for this project's tests, not a real council's."

SHAPES = {
    # the first three are the demo's sample site's shapes
    "sitemap": "no Sitemap line in robots.txt; /sitemap.xml is an index of /sitemap-pages.xml",
    "listing": "no sitemap; the home page links 'News' to /news, one page of items with <time>",
    "boilerplate": "cookie banner and mega menu; 'Press releases' → /council/press-releases, rel=next pages",
    "sitemap-index": "robots.txt names /sitemap_index.xml: a page sitemap and a Google News sitemap",
    "sitemap-gzip": "robots.txt names /sitemap.xml.gz: a gzipped index of gzipped sitemaps",
    "paginated": "no sitemap; 'Newsroom' → /newsroom?page=N, three items a page, a 'Next' link",
    "news-host": "the news lives on a second host (its own port): robots.txt + sitemap + listing there",
    "moved": "every URL answers 301 to the same path on a new host, which is a sitemap-index site",
    "robots-forbids-news": "robots.txt disallows /news/ and names a sitemap that lists /news/ pages",
    "server-error": "every request, robots.txt included, answers 500",
    "timeout": "robots.txt is missing; every other request answers only after the download timeout",
    "redirect-loop": "robots.txt is missing; the sitemap and the home page redirect in circles",
    "huge": "robots.txt and sitemap missing; the home page is far larger than a crawl accepts",
}
# Shapes served on two hosts: the second host's role name.
SECOND_HOST = {"news-host": "news", "moved": "new"}
HUGE_BYTES = 3 * 1024 * 1024
LAST_MODIFIED = "Wed, 01 Oct 2025 09:00:00 GMT"  # every replica council page's validator date
PER_PAGE = {"paginated": 3, "boilerplate": 4}


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict = field(default_factory=dict)
    slow: bool = False  # answer only after the replica's council_slow_seconds


# -- the pages that must NOT be kept: about Ofsted, but not a council's own inspection -------------
def _other_pages(council: CouncilSite, year: int) -> list[tuple[str, str, str, str, list[str]]]:
    """(kind, url path, title, date, paragraphs) for a school inspection story, a SEND area
    inspection story, a job advert and a committee agenda."""
    name = council_name(council)
    return [
        (
            "school",
            "/news/{slug}",
            f"Ofsted rates {council.authority} Park Primary School good",
            f"{year}-06-12",
            [
                f"Park Primary School in {council.authority} has been rated good by Ofsted after an "
                "inspection in May.",
                "Inspectors praised the school's reading curriculum and its pupils' behaviour.",
            ],
        ),
        (
            "send",
            "/news/{slug}",
            f"Ofsted and CQC local area SEND inspection of {council.authority}",
            f"{year}-03-09",
            [
                "Ofsted and the Care Quality Commission have inspected the local area partnership's "
                "special educational needs and disabilities (SEND) arrangements.",
                "The area SEND inspection found that children with an education, health and care plan "
                "wait too long for assessments.",
            ],
        ),
        (
            "jobs",
            "/jobs/{slug}",
            f"Social workers - children in care and care leavers ({name})",
            f"{year}-01-20",
            [
                "Join our Ofsted-rated good children's services. We are recruiting social workers and "
                "personal advisers for our care leavers team after a recent inspection visit.",
                "Salary: Grade 10. Closing date: end of next month.",
            ],
        ),
        (
            "agenda",
            "/council-and-democracy/meetings/{slug}",
            "Children and Young People Scrutiny Committee agenda",
            f"{year}-02-15",
            [
                "Agenda item 5: Ofsted focused visit – report of the Director of Children's Services.",
                "Agenda item 6: Minutes of the previous meeting. Agenda item 7: Work programme.",
            ],
        ),
    ]


_OTHER_SLUGS = {
    "school": "park-primary-school-rated-good",
    "send": "local-area-send-inspection-outcome",
    "jobs": "social-workers-children-in-care",
    "agenda": "children-scrutiny-committee-agenda",
}


def _paragraphs(text: str) -> list[str]:
    return [" ".join(block.split()) for block in text.strip().split("\n\n") if block.strip()]


def build_council_sites(out_dir: Path, sites_file: Path = COUNCIL_SITES_FILE) -> Path:
    """Write the replica council sites (pages + ``site.json``) into ``out_dir``; returns it."""
    out_dir = Path(out_dir)
    register = Register.load()
    data = yaml.safe_load(Path(sites_file).read_text(encoding="utf-8"))
    councils = []
    for entry in data["sites"]:
        authority = register.find(entry["authority"])
        if authority is None:
            raise ValueError(f"{sites_file}: {entry['authority']!r} is not in the authority register")
        if entry["shape"] not in SHAPES:
            raise ValueError(f"{sites_file}: unknown shape {entry['shape']!r}; choose from {sorted(SHAPES)}")
        council = CouncilSite(slug=authority.slug, authority=authority.name, shape=entry["shape"])
        pages: list[tuple[CouncilPage, list[str], str]] = []
        for release in entry.get("releases") or []:
            page = CouncilPage(
                slug=release["slug"],
                title=release["title"],
                published=release["published"],
                path=f"council/{council.slug}/{release['slug']}.html",
                about_ofsted=True,
                kind="response",
                url_path=f"/news/{release['slug']}",
            )
            pages.append((page, _paragraphs(release["text"]), release.get("dated_by", "meta")))
        years = [int(p.published[:4]) for p, _, _ in pages] or [2023]
        for kind, path, title, published, paragraphs in _other_pages(council, max(years)):
            slug = _OTHER_SLUGS[kind]
            page = CouncilPage(
                slug=slug,
                title=title,
                published=published,
                path=f"council/{council.slug}/{slug}.html",
                kind=kind,
                url_path=path.format(slug=slug),
            )
            pages.append((page, paragraphs, "meta"))
        for slug, title, published, paragraphs in FILLER[:3]:
            page = CouncilPage(
                slug=slug,
                title=title,
                published=published,
                path=f"council/{council.slug}/{slug}.html",
                url_path=f"/news/{slug}",
            )
            pages.append((page, paragraphs, "meta"))
        for page, paragraphs, dated_by in pages:
            target = out_dir / page.path
            target.parent.mkdir(parents=True, exist_ok=True)
            html = article_page(council, page.title, page.published, paragraphs, SAMPLE_NOTICE, dated_by)
            target.write_text(html, encoding="utf-8")
            council.pages.append(page)
        councils.append(council)
    Site(name="councils", providers=[], councils=councils).save(out_dir)
    return out_dir


# -- answering requests ------------------------------------------------------------------------
def _html(body: str, status: int = 200) -> Reply:
    return Reply(status, body.encode("utf-8"))


def _xml(body: str, gz: bool = False) -> Reply:
    if gz:
        return Reply(200, gzip.compress(body.encode("utf-8"), mtime=0), "application/x-gzip")
    return Reply(200, body.encode("utf-8"), "application/xml")


def _not_found() -> Reply:
    return _html("<!DOCTYPE html><html><body><h1>Page not found</h1></body></html>", 404)


def _redirect(location: str, status: int = 302) -> Reply:
    return Reply(status, b"", "text/plain", {"Location": location})


def news_pages(council: CouncilSite) -> list[CouncilPage]:
    """The pages a news listing shows, newest first (jobs and agendas live elsewhere)."""
    pages = [p for p in council.pages if p.kind not in ("jobs", "agenda")]
    return sorted(pages, key=lambda p: (p.published, p.slug), reverse=True)


def page_path(council: CouncilSite, page: CouncilPage) -> str:
    if council.shape == "news-host" and page.kind not in ("jobs", "agenda"):
        return f"/{page.published[:4]}/{page.published[5:7]}/{page.slug}"
    return page.url_path or f"/news/{page.slug}"


def _urlset(entries: list[tuple[str, str | None, str | None]]) -> str:
    """A <urlset>; a title makes it a Google News sitemap entry."""
    rows = []
    for loc, lastmod, title in entries:
        row = f"  <url><loc>{escape(loc)}</loc>"
        if lastmod:
            row += f"<lastmod>{escape(lastmod)}</lastmod>"
        if title:
            row += (
                "<news:news><news:publication><news:name>Council news</news:name>"
                "<news:language>en</news:language></news:publication>"
                f"<news:publication_date>{escape(lastmod or '')}</news:publication_date>"
                f"<news:title>{escape(title)}</news:title></news:news>"
            )
        rows.append(row + "</url>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n' + "\n".join(rows) + "\n</urlset>\n"
    )


def _index(locs: list[str]) -> str:
    rows = "\n".join(f"  <sitemap><loc>{escape(loc)}</loc></sitemap>" for loc in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + rows + "\n</sitemapindex>\n"
    )


def _robots(disallow: list[str] = (), sitemaps: list[str] = ()) -> Reply:
    lines = ["User-agent: *", "Disallow: /admin/", *(f"Disallow: {d}" for d in disallow)]
    lines += [f"Sitemap: {s}" for s in sitemaps]
    return Reply(200, ("\n".join(lines) + "\n").encode(), "text/plain; charset=utf-8")


def _frame(council: CouncilSite, title: str, body: str, nav: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(title)} | {escape(council_name(council))} (sample site)</title></head>
<body>{COOKIE_BANNER}<header><a href="/">{escape(council_name(council))}</a>
<nav><ul>{nav}<li><a href="/bins">Bins and recycling</a></li><li><a href="/council-tax">Council tax</a></li>
<li><a href="/jobs">Jobs and careers</a></li><li><a href="/council-and-democracy">Council and democracy</a></li>
</ul></nav>{MEGA_NAV}</header>
<main id="main-content">{body}</main>
<footer><p>{escape(SAMPLE_NOTICE)} Replica council site on 127.0.0.1.</p></footer></body></html>
"""


def _home(council: CouncilSite, news_link: str, label: str) -> Reply:
    nav = f'<li><a href="{escape(news_link)}">{escape(label)}</a></li>'
    body = "<h1>Welcome</h1><p>Find information about council services.</p>"
    return _html(_frame(council, "Home", body, nav))


def _listing(council: CouncilSite, base: str, listing_path: str, query: dict, item_base: str = "") -> Reply:
    pages = news_pages(council)
    per_page = PER_PAGE.get(council.shape, len(pages) or 1)
    try:
        number = int(query.get("page", ["1"])[0])
    except ValueError:
        return _not_found()
    start = (number - 1) * per_page
    if number < 1 or (start >= len(pages) and number > 1):
        return _not_found()
    items = "\n".join(
        f'<li class="news-item"><h2><a href="{escape(item_base + page_path(council, p))}">'
        f"{escape(p.title)}</a></h2>"
        f'<p><time datetime="{escape(p.published)}">{escape(long_date(p.published))}</time></p></li>'
        for p in pages[start : start + per_page]
    )
    pager = ""
    if start + per_page < len(pages):
        next_href = f"{listing_path}?page={number + 1}"
        if council.shape == "boilerplate":
            pager = f'<a rel="next" href="{escape(next_href)}">Older press releases</a>'
        else:
            pager = f'<a class="pager-next" href="{escape(next_href)}">Next</a>'
        pager = f'<nav class="pagination">{pager}</nav>'
    body = f'<h1>News</h1><ul class="news-listing">{items}</ul>{pager}'
    return _html(_frame(council, "News", body, ""))


def respond(
    council: CouncilSite, role: str, path: str, query: str, urls: dict[str, str], site_dir: Path
) -> Reply:
    """The reply of ``council``'s site (its ``role``: "main", or its second host's role) to a GET."""
    shape = council.shape
    q = parse_qs(query)
    if role == "main" and shape == "moved":
        return _redirect(urls["new"] + path + (f"?{query}" if query else ""), 301)
    if shape == "moved":  # the new domain is a sitemap-index site
        shape = "sitemap-index"
    if shape == "server-error":
        return _html("<h1>Internal Server Error</h1>", 500)
    if shape in ("timeout", "redirect-loop", "huge") and path == "/robots.txt":
        return _not_found()
    if shape == "timeout":
        if path != "/":
            return _not_found()
        reply = _home(council, "/news", "News")
        reply.slow = True
        return reply
    if shape == "redirect-loop":
        if path in ("/", "/home"):
            return _redirect("/home" if path == "/" else "/")
        if path == "/sitemap.xml":
            hop = int(q.get("r", ["0"])[0] or 0) + 1
            return _redirect(f"/sitemap.xml?r={hop}")
        return _not_found()
    if shape == "huge":
        if path == "/":
            filler = "<p>" + "Council services and information. " * 40 + "</p>\n"
            body = _frame(council, "Home", filler * (HUGE_BYTES // len(filler) + 1), "")
            return _html(body)
        return _not_found()
    base = urls[role]
    by_path = {page_path(council, p): p for p in council.pages}
    if shape == "news-host" and role == "main":
        if path == "/robots.txt":
            return _robots()
        if path == "/":
            return _home(council, urls["news"] + "/", "News")
        # jobs and agendas stay on the main host
        page = by_path.get(path)
        if page and page.kind in ("jobs", "agenda"):
            return Reply(200, (site_dir / page.path).read_bytes())
        return _not_found()
    if shape == "news-host" and role == "news":
        if path == "/robots.txt":
            return _robots(sitemaps=[base + "/sitemap.xml"])
        if path == "/sitemap.xml":
            news = [p for p in news_pages(council)]
            return _xml(_urlset([(base + page_path(council, p), p.published, None) for p in news]))
        if path == "/":
            return _listing(council, base, "/", q)
    if path == "/robots.txt":
        if shape == "sitemap-index":
            return _robots(sitemaps=[base + "/sitemap_index.xml"])
        if shape == "sitemap-gzip":
            return _robots(sitemaps=[base + "/sitemap.xml.gz"])
        if shape == "robots-forbids-news":
            return _robots(disallow=["/news/"], sitemaps=[base + "/sitemap.xml"])
        return _robots()
    if path == "/":
        label, link = {
            "paginated": ("Newsroom", "/newsroom"),
            "boilerplate": ("Press releases", "/council/press-releases"),
        }.get(shape, ("News", "/news"))
        return _home(council, link, label)
    news = news_pages(council)
    others = [p for p in council.pages if p.kind in ("jobs", "agenda")]
    everything = [(base + page_path(council, p), p.published, None) for p in council.pages]
    everything += [(base + "/", None, None), (base + "/bins", None, None)]
    if shape == "sitemap-index" and path == "/sitemap_index.xml":
        return _xml(_index([base + "/page-sitemap.xml", base + "/news-sitemap.xml"]))
    if shape == "sitemap-index" and path == "/page-sitemap.xml":
        pages = [(base + page_path(council, p), p.published, None) for p in others]
        return _xml(_urlset([(base + "/", None, None), *pages]))
    if shape == "sitemap-index" and path == "/news-sitemap.xml":
        return _xml(_urlset([(base + page_path(council, p), p.published, p.title) for p in news]))
    if shape == "sitemap-gzip" and path == "/sitemap.xml.gz":
        return _xml(_index([base + "/sitemaps/news-1.xml.gz", base + "/sitemaps/pages-1.xml.gz"]), gz=True)
    if shape == "sitemap-gzip" and path == "/sitemaps/news-1.xml.gz":
        return _xml(_urlset([(base + page_path(council, p), p.published, None) for p in news]), gz=True)
    if shape == "sitemap-gzip" and path == "/sitemaps/pages-1.xml.gz":
        pages = [(base + page_path(council, p), p.published, None) for p in others]
        return _xml(_urlset(pages), gz=True)
    if shape in ("sitemap", "robots-forbids-news") and path == "/sitemap.xml":
        if shape == "robots-forbids-news":
            return _xml(_urlset(everything))
        return _xml(_index([base + "/sitemap-pages.xml"]))
    if shape == "sitemap" and path == "/sitemap-pages.xml":
        return _xml(_urlset(everything))
    listing_path = {"paginated": "/newsroom", "boilerplate": "/council/press-releases"}.get(shape, "/news")
    if path == listing_path and shape in ("listing", "paginated", "boilerplate", "sitemap"):
        return _listing(council, base, listing_path, q)
    page = by_path.get(path)
    if page is not None:
        return Reply(200, (site_dir / page.path).read_bytes())
    return _not_found()
