"""HTML and sitemaps of the replica council news sites, in three shapes.

Real council sites differ: some publish a sitemap, some a paginated news
listing, some bury the article in cookie banners and navigation. The council
spider must cope with all three, so the replica has one of each.
"""

from __future__ import annotations

from html import escape

from .site import CouncilPage, CouncilSite, long_date

PER_PAGE = 3

# Everyday council news that the spider must read and then ignore.
FILLER = [
    (
        "bin-collections-over-the-holidays",
        "Bin collections over the holidays",
        "2021-12-01",
        [
            "Bin collections will move by one day over the holiday period.",
            "Please put your bins out by 7am on your new collection day. Garden waste collections pause for two weeks.",
        ],
    ),
    (
        "new-library-opening-hours",
        "New library opening hours from April",
        "2022-03-02",
        [
            "Libraries across the borough will open later on Thursdays from April.",
            "The change follows a consultation in which residents asked for more evening opening.",
        ],
    ),
    (
        "roadworks-on-the-high-street",
        "Roadworks on the High Street",
        "2023-05-10",
        [
            "Resurfacing work on the High Street starts on Monday and will last three weeks.",
            "Diversions will be signposted, and bus stops will move temporarily.",
        ],
    ),
    (
        "fostering-information-evening",
        "Fostering information evening",
        "2023-09-14",
        [
            "Could you foster? Come along to our information evening at the town hall.",
            "Our fostering team will explain the support and allowances available to foster carers.",
        ],
    ),
    (
        "council-tax-bills-explained",
        "Council tax bills explained",
        "2024-03-01",
        [
            "Council tax bills for the new financial year are being delivered this week.",
            "The bill explains how the money is spent on services such as social care, roads and parks.",
        ],
    ),
]

_COOKIE_BANNER = """<div class="cookie-banner" role="region" aria-label="Cookies on this site">
<p>We use essential cookies to make this site work. We would also like to set analytics cookies
to help us improve it. We will not set optional cookies unless you enable them.</p>
<button class="cookie-accept">Accept analytics cookies</button>
<button class="cookie-reject">Reject analytics cookies</button> <a href="/cookies">View cookies</a>
</div>"""

_MEGA_NAV = """<nav class="mega-menu" aria-label="Main menu"><ul>
<li><a href="/bins">Bins, rubbish and recycling</a></li><li><a href="/council-tax">Council tax</a></li>
<li><a href="/benefits">Benefits</a></li><li><a href="/housing">Housing</a></li>
<li><a href="/schools">Schools and education</a></li><li><a href="/social-care">Adult social care</a></li>
<li><a href="/children">Children and families</a></li><li><a href="/parking">Parking and roads</a></li>
<li><a href="/planning">Planning and building control</a></li><li><a href="/jobs">Jobs and careers</a></li>
<li><a href="/libraries">Libraries</a></li><li><a href="/leisure">Leisure centres</a></li>
</ul></nav>"""


def council_name(council: CouncilSite) -> str:
    return f"{council.authority} Council"


def _frame(council: CouncilSite, title: str, body: str, head: str = "") -> str:
    boilerplate = council.shape == "boilerplate"
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{escape(title)} | {escape(council_name(council))} (sample site)</title>
{head}</head>
<body>
{_COOKIE_BANNER if boilerplate else ""}
<header class="site-header"><a class="logo" href="/{escape(council.slug)}/">{escape(council_name(council))}</a>
<form class="search" action="/search"><input name="q" aria-label="Search this site"></form></header>
{_MEGA_NAV if boilerplate else '<nav><a href="/' + escape(council.slug) + '/news">News</a></nav>'}
<main id="main-content">
{body}
</main>
<footer class="site-footer"><ul><li><a href="/accessibility">Accessibility statement</a></li>
<li><a href="/privacy">Privacy notice</a></li><li><a href="/cookies">Cookies</a></li></ul>
<p>Replica council news site for ofsted-findings tests (127.0.0.1 only).</p></footer>
</body>
</html>
"""


def article_page(
    council: CouncilSite, title: str, published: str, paragraphs: list[str], sample_notice: str | None = None
) -> str:
    notice = f"<p><em>{escape(sample_notice)}</em></p>" if sample_notice else ""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    head = (
        f'<meta property="article:published_time" content="{escape(published)}T09:00:00+00:00">\n'
        f'<meta name="description" content="{escape(paragraphs[0][:150] if paragraphs else title)}">'
    )
    return _frame(
        council,
        title,
        f"""<article class="news-article">
<h1>{escape(title)}</h1>
<p class="published">Published: <time datetime="{escape(published)}">{escape(long_date(published).lstrip("0"))}</time></p>
{notice}
{body}
</article>
<aside class="related"><h2>Related news</h2><ul><li><a href="/{escape(council.slug)}/news">All news</a></li></ul></aside>""",
        head,
    )


def _newest_first(council: CouncilSite) -> list[CouncilPage]:
    return sorted(council.pages, key=lambda p: (p.published, p.slug), reverse=True)


def listing_page(council: CouncilSite, page_number: int) -> str | None:
    pages = _newest_first(council)
    per_page = len(pages) if council.shape == "boilerplate" else PER_PAGE
    start = (page_number - 1) * per_page
    if page_number < 1 or (start >= len(pages) and page_number > 1):
        return None
    items = "\n".join(
        f'<li class="news-item"><a href="/{escape(council.slug)}/news/{escape(p.slug)}">{escape(p.title)}</a> '
        f'<time datetime="{escape(p.published)}">{escape(long_date(p.published))}</time></li>'
        for p in pages[start : start + per_page]
    )
    nav = ""
    if start + per_page < len(pages):
        nav = (
            f'<nav class="pager"><a class="next" rel="next" '
            f'href="/{escape(council.slug)}/news?page={page_number + 1}">Next page</a></nav>'
        )
    return _frame(
        council,
        "News",
        f"""<h1>News</h1>
<ul class="news-list">
{items}
</ul>
{nav}""",
    )


def sitemap_xml(council: CouncilSite, base_url: str) -> str:
    root = f"{base_url}/{council.slug}"
    urls = [(f"{root}/", None), (f"{root}/bins", None), (f"{root}/council-tax", None)]
    urls += [(f"{root}/news/{p.slug}", p.published) for p in _newest_first(council)]
    entries = "\n".join(
        f"  <url><loc>{escape(loc)}</loc>{f'<lastmod>{escape(mod)}</lastmod>' if mod else ''}</url>"
        for loc, mod in urls
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}\n</urlset>\n"
    )


def sitemap_index_xml(council: CouncilSite, base_url: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"  <sitemap><loc>{escape(base_url)}/{escape(council.slug)}/sitemap-pages.xml</loc></sitemap>\n"
        "</sitemapindex>\n"
    )
