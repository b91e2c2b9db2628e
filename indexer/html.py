"""Council pages: the main text (via trafilatura), its paragraphs and who said what."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
    published = meta.date if meta and meta.date else None
    blocks = _blocks(markdown, title)
    return HtmlDocument(
        title=title,
        published=published,
        blocks=blocks,
        quotes=attribute_quotes([b.text for b in blocks if b.kind != "heading"]),
        ofsted_links=_ofsted_links(text),
    )


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


def _ofsted_links(text: str) -> list[str]:
    try:
        tree = lxml.html.fromstring(text)
    except (lxml.etree.ParserError, ValueError):
        return []
    links = []
    for href in tree.xpath("//a/@href"):
        href = str(href).strip()
        if OFSTED_LINK.match(href) and href not in links:
            links.append(href)
    return links
