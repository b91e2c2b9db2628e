"""HTML of the replica council news articles (the sites around them: replica/councils.py).

Real council pages differ: some bury the article in cookie banners and navigation, and each
CMS states the date its own way; the council spider must cope with all of them.
"""

from __future__ import annotations

import json
from html import escape

from .site import CouncilSite, long_date

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

COOKIE_BANNER = """<div class="cookie-banner" role="region" aria-label="Cookies on this site">
<p>We use essential cookies to make this site work. We would also like to set analytics cookies
to help us improve it. We will not set optional cookies unless you enable them.</p>
<button class="cookie-accept">Accept analytics cookies</button>
<button class="cookie-reject">Reject analytics cookies</button> <a href="/cookies">View cookies</a>
</div>"""

MEGA_NAV = """<nav class="mega-menu" aria-label="Main menu"><ul>
<li><a href="/bins">Bins, rubbish and recycling</a></li><li><a href="/council-tax">Council tax</a></li>
<li><a href="/benefits">Benefits</a></li><li><a href="/housing">Housing</a></li>
<li><a href="/schools">Schools and education</a></li><li><a href="/social-care">Adult social care</a></li>
<li><a href="/children">Children and families</a></li><li><a href="/parking">Parking and roads</a></li>
<li><a href="/planning">Planning and building control</a></li><li><a href="/jobs">Jobs and careers</a></li>
<li><a href="/libraries">Libraries</a></li><li><a href="/leisure">Leisure centres</a></li>
</ul></nav>"""


def council_name(council: CouncilSite) -> str:
    return f"{council.authority} Council"


# The demo's plain shapes; every other site carries the cookie banner and mega menu most
# council CMSs put around each page.
PLAIN_SHAPES = ("sitemap", "listing")


def _frame(council: CouncilSite, title: str, body: str, head: str = "") -> str:
    boilerplate = council.shape not in PLAIN_SHAPES
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{escape(title)} | {escape(council_name(council))} (sample site)</title>
{head}</head>
<body>
{COOKIE_BANNER if boilerplate else ""}
<header class="site-header"><a class="logo" href="/">{escape(council_name(council))}</a>
<form class="search" action="/search"><input name="q" aria-label="Search this site"></form></header>
{MEGA_NAV if boilerplate else '<nav><a href="/news">News</a></nav>'}
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
    council: CouncilSite,
    title: str,
    published: str,
    paragraphs: list[str],
    sample_notice: str | None = None,
    dated_by: str = "meta",
) -> str:
    """A news article. ``dated_by`` says where the page states its date, as CMSs differ:
    "meta" (article:published_time and a <time>), "jsonld" (schema.org NewsArticle),
    "time" (a <time datetime> only) or "none" (nowhere: only a listing or sitemap dates it)."""
    notice = f"<p><em>{escape(sample_notice)}</em></p>" if sample_notice else ""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    head = f'<meta name="description" content="{escape(paragraphs[0][:150] if paragraphs else title)}">'
    if dated_by == "meta":
        head += f'\n<meta property="article:published_time" content="{escape(published)}T09:00:00+00:00">'
    if dated_by == "jsonld":
        data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title}
        data["datePublished"] = published
        head += f'\n<script type="application/ld+json">{escape(json.dumps(data), quote=False)}</script>'
    shown = ""
    if dated_by in ("meta", "time"):
        shown = (
            f'<p class="published">Published: <time datetime="{escape(published)}">'
            f"{escape(long_date(published).lstrip('0'))}</time></p>"
        )
    return _frame(
        council,
        title,
        f"""<article class="news-article">
<h1>{escape(title)}</h1>
{shown}
{notice}
{body}
</article>
<aside class="related"><h2>Related news</h2><ul><li><a href="/news">All news</a></li></ul></aside>""",
        head,
    )
