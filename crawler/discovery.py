"""How the councils crawl decides, from a URL and a title alone, what is worth a request.

A council's sitemap lists thousands of pages and its news listing hundreds of stories; only a
few are its responses to Ofsted. Before fetching a page the crawl asks: is it news (a news,
press or media address, or a host that holds only news), could it be about Ofsted, children's
services or care leavers (its title, or its address's words when no title is known), and is it
none of the pages that look alike but are not a council's answer to its own inspection (school
inspections, SEND area inspections, job adverts, committee papers)? The page it then fetches is
kept only if ``indexer.attribution.is_about_ofsted`` says it is about an Ofsted inspection or visit.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

# Paths of news, press and media pages in the CMSs councils use (Jadu, Drupal, WordPress,
# Umbraco, GOSS, Granicus newsrooms): /news/..., /newsroom/..., /press-releases/..., /media-centre/...
NEWS_PATH = re.compile(
    r"(?:^|/)(?:news|newsroom|news-room|latest-news|press|press-releases?|press-office|pressreleases|"
    r"media|media-centre|media-releases?|mediareleases|stories|blog|announcements)(?:/|$|[-_.?])",
    re.I,
)
# Words of a page about Ofsted, children's services or care leavers (title or address).
TOPIC = re.compile(
    r"ofsted|inspect|\bhmi\b|inspectors?|focus+ed[- ]visit|monitoring[- ]visit|children|childrens|"
    r"\bchild\b|care[- ]leavers?|leaving[- ]care|young[- ]people|looked[- ]after|social[- ]care|"
    r"social[- ]work|corporate[- ]parent|outstanding|inadequate|requires[- ]improvement|\brated\b|\bgood\b",
    re.I,
)
# Pages about Ofsted that are not a council's response to its own inspection or visit.
NOT_A_RESPONSE = re.compile(
    r"\bschools?\b|\bacadem(?:y|ies)\b|\bnurser(?:y|ies)\b|\bcolleges?\b|\bsend\b|"
    r"special educational needs|\bjobs?\b|vacanc|\bcareers?\b|recruit|\bagendas?\b|\bminutes\b|"
    r"\bcommittee\b|\bmeetings?\b|\bconsultations?\b",
    re.I,
)
# Addresses never worth a request: job boards, committee systems, documents and feeds.
EXCLUDED_PATH = re.compile(
    r"(?:^|/)(?:jobs?|vacancies|careers|recruitment|council-and-democracy|democracy|committees?|"
    r"meetings|moderngov|mgissuehistory|mgconvert2pdf|ieListDocuments|documents|downloads|search|"
    r"events|planning|tag|tags|category|author|feed|rss|wp-json)(?:/|$|\.)|[?&](?:s|q)=",
    re.I,
)
SKIPPED_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".csv", ".zip", ".jpg", ".png", ".mp4")
# Home-page links that lead to a council's news listing, best first.
NEWS_LINK_TEXT = re.compile(
    r"^\s*(?:latest\s+)?(?:news(?:room)?|news\s+room|news\s+(?:and|&)\s+(?:media|events|press)|"
    r"press\s+(?:releases?|office|centre)|media\s+(?:centre|releases?|hub)|council\s+news)\s*$",
    re.I,
)
NEXT_LINK_TEXT = re.compile(
    r"^\s*(?:next|next\s+page|older|older\s+(?:news|posts|stories|press releases)|›|»)", re.I
)


def words_of(url: str) -> str:
    """A URL's path as words ("/news/ofsted-praises-care-leavers" -> "news ofsted praises care leavers")."""
    return re.sub(r"[-_/+.]+", " ", unquote(urlsplit(url).path)).strip()


def is_news_url(url: str) -> bool:
    return bool(NEWS_PATH.search(urlsplit(url).path))


def is_excluded(url: str, extra: tuple[str, ...] = ()) -> bool:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return (
        bool(EXCLUDED_PATH.search(path))
        or parts.path.lower().endswith(SKIPPED_EXTENSIONS)
        or any(fragment in url for fragment in extra)
    )


def may_be_a_response(url: str, title: str | None = None) -> bool:
    """Worth fetching: about Ofsted, children's services or care leavers by its title (or, when
    no title is known, by its address's words), and not a page that only looks like a response."""
    text = title if title else words_of(url)
    if NOT_A_RESPONSE.search(text):
        return False
    if not title and not re.search(r"[a-z]{3,}", urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1], re.I):
        return True  # an address without words (/news/article/1234) says nothing: read the page
    return bool(TOPIC.search(text))


def title_says_not_a_response(title: str | None) -> bool:
    """After fetching: the page's own title says it is about a school, SEND, a job or a meeting."""
    return bool(title and NOT_A_RESPONSE.search(title))
