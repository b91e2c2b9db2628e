"""HTML of the replica's pages, in the markup of reports.ofsted.gov.uk.

Only the parts that scrapers rely on are reproduced (see
../shared/research/ofsted-site.md §1.2–1.3); every value is HTML-escaped.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from .site import Provider, Publication, long_date

LISTING_QUERY = {
    "q": "",
    "location": "",
    "lat": "",
    "lon": "",
    "radius": "",
    "level_1_types": "3",
    "level_2_types[]": "12",
}


def listing_url(start: int, rows: int) -> str:
    return "/search?" + urlencode({**LISTING_QUERY, "start": start, "rows": rows})


def _page(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><title>{escape(title)} - Ofsted</title></head>
<body>
<a class="skip-link" href="#main-content">Skip to main content</a>
<header class="header"><div class="header__logo"><a href="/">Ofsted</a></div>
<nav class="header__nav"><ul><li><a href="/">Find an inspection report</a></li>
<li><a href="/about">About</a></li></ul></nav></header>
<main id="main-content" class="main">
{body}
</main>
<footer class="footer"><p>Replica of reports.ofsted.gov.uk for ofsted-findings tests (127.0.0.1 only).</p></footer>
</body>
</html>
"""


def listing_page(providers: list[Provider], total: int, start: int, rows: int) -> str:
    items = []
    for p in providers:
        latest = p.publications[0].published if p.publications else None
        latest_li = f"<li>Latest report: {escape(long_date(latest))}</li>" if latest else ""
        items.append(f"""<li class="search-result">
  <h3 class="search-result__title"><a href="/provider/44/{escape(p.urn)}">{escape(p.ofsted_name)}</a></h3>
  <address class="search-result__address">{escape(p.name)}</address>
  <ul class="search-result__provider-info">
    <li>URN: {escape(p.urn)}</li>
    <li>Category: Local Authority Children's Services</li>
    {latest_li}
  </ul>
</li>""")
    nav = []
    if start > 0:
        nav.append(
            f'<li class="previous"><a class="pagination__prev" '
            f'href="{escape(listing_url(max(start - rows, 0), rows))}">Previous</a></li>'
        )
    if start + rows < total:
        nav.append(
            f'<li class="next"><a class="pagination__next" '
            f'href="{escape(listing_url(start + rows, rows))}">Next</a></li>'
        )
    body = f"""<h1 class="heading--title">Search results</h1>
<p class="search-results__count"><span class="count">{total}</span> results</p>
<ul class="results-list">
{chr(10).join(items)}
</ul>
<nav class="pagination-nav" aria-label="Pagination"><ul class="pagination">{"".join(nav)}</ul></nav>"""
    return _page("Search results", body)


def _publication_item(pub: Publication, files_url: str) -> str:
    event = (
        f'<p class="timeline__date"><time>{escape(long_date(pub.event_date))}</time></p>'
        if pub.event_date
        else ""
    )
    href = f"{files_url}/v1/file/{pub.file_id}"
    return f"""<li class="timeline__day">
  <div class="event">
    {event}
    <span class="event__title heading--sub">
      <a class="publication-link" href="{escape(href)}" target="_blank">{escape(pub.title)} <span class="nonvisual">{escape(pub.nonvisual)}</span></a>
      <div class="event__metadata">Published <time pubdate="">{escape(long_date(pub.published))}</time></div>
    </span>
  </div>
</li>"""


def provider_page(provider: Provider, files_url: str, duplicate_links: bool = False) -> str:
    pubs = list(provider.publications)
    if duplicate_links and pubs:
        pubs.append(pubs[0])  # real pages sometimes list a document twice
    items = [_publication_item(pub, files_url) for pub in pubs]
    items.append(
        '<li class="timeline__day timeline__day--opened"><div class="event">'
        '<p class="timeline__date"><time>01 April 1974</time></p>'
        '<span class="event__title">Provider opened</span></div></li>'
    )
    body = f"""<h1 class="heading--title">{escape(provider.ofsted_name)}</h1>
<div class="provider-info"><p>URN: {escape(provider.urn)}</p>
<p>Local Authority Children's Services</p></div>
<h2>Reports and letters</h2>
<ol class="timeline">
{chr(10).join(items)}
</ol>"""
    return _page(provider.ofsted_name, body)


def not_found_page() -> str:
    return _page("Page not found", '<h1 class="heading--title">Page not found</h1>')
