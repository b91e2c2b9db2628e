"""Council pages: the main text (via trafilatura), its paragraphs, who said what, and when.

A page's date comes from what the site states, in this order: structured data (JSON-LD
``datePublished``, ``article:published_time``, ``<time datetime>``), then a date printed near
the title ("Published: 3 March 2024"). A date found only in the prose is a guess: it is
returned as ``date_guess`` with ``published_source`` "guess", never as ``published``, because
a wrong guess (often 1 January of some year) is worse than no date. The crawl's sitemap
``lastmod`` and listing date, which the page cannot know, are weighed in indexer/extract.py.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

import lxml.html

from indexer.paragraphs import Block, Line

OFSTED_LINK = re.compile(r"^https?://(?:files(?:\.api)?\.ofsted\.gov\.uk|reports\.ofsted\.gov\.uk)/", re.I)

_SPEAKER = (
    r"(?:(?:Cllr\.?|Councillor|Dr\.?|Mr\.?|Mrs\.?|Ms\.?|Miss|Professor|Sir|Dame)\s+)?"
    r"[A-Z][\w’'\-]+(?:\s+[A-Z][\w’'\-]+){0,3}"
)
SAID = r"(?:said|says|added|commented|explained|stated)"
PRONOUNS = {"he", "she", "they"}
# Councillor Kamaljit Nagpal, the council's cabinet member for a fairer start, said: "We ...
SPEAKER_FIRST = re.compile(
    rf"^(?:[^“\"]*?\b)?(?P<speaker>{_SPEAKER})(?:,\s*(?P<role>[^“\",][^“\"]{{2,200}}?))?,?\s+{SAID}\s*:?\s*"
    r"[“\"](?P<quote>.+?)[”\"]?\s*$"
)
# "The report is a credit to the team," said Cllr Jane Smith, lead member for children.
QUOTE_FIRST = re.compile(
    rf"^[“\"](?P<quote>.+?)[,.]?[”\"],?\s+{SAID}\s+(?P<speaker>{_SPEAKER})(?:,\s*(?P<role>[^.]{{2,200}}))?\.?\s*$"
)
# "...," Cllr Smith said.
QUOTE_SPEAKER_SAID = re.compile(
    rf"^[“\"](?P<quote>.+?)[,.]?[”\"],?\s+(?P<speaker>{_SPEAKER})(?:,\s*(?P<role>[^.]{{2,200}}?),?)?\s+{SAID}\.?\s*$"
)


@dataclass
class HtmlDocument:
    title: str | None
    published: str | None
    blocks: list[Block]
    quotes: list[dict] = field(default_factory=list)
    ofsted_links: list[str] = field(default_factory=list)
    # Where ``published`` came from: json-ld | meta | time | printed; None when unknown.
    published_source: str | None = None
    date_guess: str | None = None  # a date read from the prose, kept apart from ``published``


class HtmlReaderMissing(RuntimeError):
    """trafilatura (or the lxml_html_clean it needs) is not installed."""


def read_html(text: str) -> HtmlDocument:
    # Imported here so that PDFs and text still extract on a machine where
    # trafilatura's dependencies are incomplete.
    try:
        import trafilatura
    except ImportError as exc:
        raise HtmlReaderMissing(f"HTML pages need trafilatura and lxml_html_clean ({exc})") from exc
    markdown = (
        trafilatura.extract(
            text,
            output_format="markdown",
            include_formatting=True,
            include_links=False,
            include_tables=False,
            favor_recall=True,
        )
        or ""
    )
    meta = trafilatura.extract_metadata(text)
    title = meta.title if meta and meta.title else None
    blocks = _blocks(markdown, title)
    tree = _tree(text)
    published, source = stated_date(tree) if tree is not None else (None, None)
    guess = None
    if published is None:
        # trafilatura's date search reads URLs and prose as well: only ever a guess.
        guess = _iso_day(meta.date) if meta and meta.date else None
    return HtmlDocument(
        title=title,
        published=published,
        blocks=blocks,
        quotes=attribute_quotes([b.text for b in blocks if b.kind != "heading"]),
        ofsted_links=_ofsted_links(tree),
        published_source=source,
        date_guess=guess,
    )


def _tree(text: str):
    try:
        return lxml.html.fromstring(text)
    except (lxml.etree.ParserError, ValueError):
        return None


def _iso_day(value) -> str | None:
    """YYYY-MM-DD from an ISO date or date-time ("2024-03-05T09:00:00+00:00"), else None."""
    m = re.match(r"^\s*(\d{4})-(\d{2})-(\d{2})", str(value or ""))
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datePublished",
    "dcterms.issued",
    "DC.date.issued",
    "dc.date",
    "DC.date",
    "dcterms.date",
    "date",
    "pubdate",
    "publishdate",
)


def stated_date(tree) -> tuple[str | None, str | None]:
    """(ISO date, where it came from) as the page states it, or (None, None)."""
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        found = _json_ld_date(script)
        if found:
            return found, "json-ld"
    for name in PUBLISHED_META:
        for value in tree.xpath(
            f'//meta[@property="{name}" or @name="{name}" or @itemprop="{name}"]/@content'
        ):
            if found := _iso_day(value):
                return found, "meta"
    for value in tree.xpath("//time/@datetime"):
        if found := _iso_day(value):
            return found, "time"
    if found := _printed_near_title(tree):
        return found, "printed"
    return None, None


def _json_ld_date(script: str) -> str | None:
    try:
        data = json.loads(script)
    except ValueError:
        return None
    stack = [data]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if found := _iso_day(item.get("datePublished")):
                return found
            stack.extend(v for k, v in item.items() if k == "@graph" or isinstance(v, (dict, list)))
    return None


_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)"
)
PRINTED_DATE = re.compile(
    rf"^(?:(?:date\s+)?(?:published|posted|released|issued|last updated|updated|date)\s*(?:on)?\s*:?\s*)?"
    rf"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
    rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH})\.?,?\s+(?P<year>\d{{4}})\.?$",
    re.I,
)
_MONTHS = [m.lower() for m in ("jan feb mar apr may jun jul aug sep oct nov dec".split())]


def _printed_near_title(tree) -> str | None:
    """A date standing as a line of its own just after the page's main heading ("12 March 2024",
    "Published: 12 March 2024"): what a reader sees as the page's date."""
    heading = next(iter(tree.xpath("//h1")), None)
    if heading is None:
        return None
    # The text after the heading in reading order; a byline or date line comes within a few lines.
    lines = (re.sub(r"\s+", " ", str(t)).strip() for t in heading.xpath("following::text()"))
    for line in [line for line in lines if line][:4]:
        m = PRINTED_DATE.match(line)
        if m:
            try:
                month = _MONTHS.index(m.group("month").lower()[:3]) + 1
                return date(int(m.group("year")), month, int(m.group("day"))).isoformat()
            except ValueError:
                return None
    return None


def _blocks(markdown: str, title: str | None) -> list[Block]:
    blocks = []
    for raw in markdown.split("\n"):
        text = raw.strip()
        if not text:
            continue
        heading = re.match(r"^#{1,6}\s+(.*)$", text)
        bullet = re.match(r"^(?:[-*•]|\d+\.)\s+(.*)$", text)
        if heading:
            if title and heading.group(1).strip() == title.strip() and not blocks:
                continue  # the page title again, as the first heading
            blocks.append(Block("heading", [Line(heading.group(1).strip())]))
        elif bullet:
            blocks.append(Block("bullet", [Line("• " + _plain(bullet.group(1)))]))
        else:
            blocks.append(Block("paragraph", [Line(_plain(text))]))
    return blocks


def _plain(text: str) -> str:
    # trafilatura's markdown keeps emphasis markers; the index wants words.
    return re.sub(r"(\*\*|__|(?<!\w)\*(?!\s)|(?<!\s)\*(?!\w))", "", text).strip()


def attribute_quotes(paragraphs: list[str]) -> list[dict]:
    """Quotes with their speaker and role; a quote that runs on over several
    paragraphs (each opening with a quotation mark) stays with its speaker."""
    quotes: list[dict] = []
    open_quote: dict | None = None
    for text in paragraphs:
        text = text.strip()
        match = SPEAKER_FIRST.match(text) or QUOTE_FIRST.match(text) or QUOTE_SPEAKER_SAID.match(text)
        if match:
            speaker, role = _tidy_speaker(match.group("speaker")), _tidy_role(match.group("role"))
            if speaker.lower() in PRONOUNS:
                if not quotes:
                    continue  # "She said: ..." with nobody named before
                speaker, role = quotes[-1]["speaker"], quotes[-1]["role"]
            entry = {
                "speaker": speaker,
                "role": role,
                "quote": match.group("quote").strip().rstrip('”"').strip(),
            }
            quotes.append(entry)
            # "X said: “…" may go on over the next paragraphs, each opening with “.
            open_quote = entry if match.re is SPEAKER_FIRST else None
            continue
        if open_quote is not None and text[:1] in '“"':
            open_quote["quote"] += " " + text.strip('“”" ')
            continue
        open_quote = None
    return quotes


def _tidy_speaker(speaker: str) -> str:
    return re.sub(r"\s+", " ", speaker).strip()


def _tidy_role(role: str | None) -> str | None:
    if not role:
        return None
    role = re.sub(r"^(?:the|a)\s+", "", role.strip(" ,"), flags=re.I)
    return role or None


def _ofsted_links(tree) -> list[str]:
    if tree is None:
        return []
    links = []
    for href in tree.xpath("//a/@href"):
        href = str(href).strip()
        if OFSTED_LINK.match(href) and href not in links:
            links.append(href)
    return links
