"""Extraction: one stored document's bytes -> its metadata and cited paragraphs.

``extract_document`` is what the pipeline calls, in worker processes: it
decides what the bytes are by their content (not their name), reads them,
and either returns an ExtractedDocument or raises ExtractionError with a
reason a person can act on. Nothing else escapes it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import yaml

from common.authorities import Register
from indexer import metadata as meta
from indexer.attribution import COUNCIL, is_about_ofsted, whose_words
from indexer.html import HtmlReaderMissing, attribute_quotes, read_html
from indexer.model import Paragraph
from indexer.paragraphs import SAMPLE_FOOTER, Block, Line, body_window, build_blocks, strip_furniture
from indexer.pdf import MAX_PAGES, PdfError, read_lines
from indexer.stance import stance_of
from indexer.themes import Taxonomy

log = logging.getLogger(__name__)

MAX_TEXT_BYTES = 20 * 1024 * 1024  # far beyond any letter; a bigger "text" file is not one


class ExtractionError(Exception):
    """The document cannot be turned into paragraphs. ``status`` is
    "failed" (unreadable, wrong kind of file) or "needs_ocr" (scanned pages)."""

    def __init__(self, reason: str, status: str = "failed"):
        super().__init__(reason)
        self.reason = reason
        self.status = status

    def __reduce__(self):  # keep the status across process boundaries
        return (type(self), (self.reason, self.status))

    def __str__(self) -> str:
        return self.reason


@dataclass
class ExtractedDocument:
    metadata: dict
    paragraphs: list[Paragraph]


def extract_document(record, data: bytes, max_pages: int = MAX_PAGES) -> ExtractedDocument:
    try:
        return _extract(record, data, max_pages)
    except ExtractionError:
        raise
    except Exception as exc:  # a reader's bug must cost one document, not the run
        log.exception("extraction of %s failed unexpectedly", getattr(record, "source", "?"))
        raise ExtractionError(
            f"unexpected error while reading the document ({type(exc).__name__}: {exc})"
        ) from None


# --------------------------------------------------------------------------- dispatch


def sniff(data: bytes) -> str:
    """pdf | html | text, from the bytes themselves."""
    head = data[:2048]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    probe = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if probe.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml")) or (
        probe.startswith(b"<") and re.search(rb"<(?:html|body|p|div|article)\b", head.lower())
    ):
        return "html"
    return "text"


def _claims_pdf(record) -> bool:
    source = (getattr(record, "source", "") or "").lower()
    content_type = (getattr(record, "content_type", "") or "").lower()
    # Ofsted publishes its letters and reports only as PDFs: HTML from the
    # files host is an error or login page.
    return (
        source.endswith(".pdf")
        or "application/pdf" in content_type
        or getattr(record, "kind", "") == "ofsted"
    )


def _extract(record, data: bytes, max_pages: int) -> ExtractedDocument:
    if data is None or len(data) == 0:
        raise ExtractionError("the file is empty (0 bytes)")
    kind = sniff(data)
    if kind == "pdf":
        return _from_pdf(record, data, max_pages)
    if _claims_pdf(record):
        what = "HTML (perhaps an error or login page)" if kind == "html" else "no PDF data"
        raise ExtractionError(f"named or served as a PDF but holds {what}; the first bytes are {data[:16]!r}")
    if kind == "html":
        return _from_html(record, _decode(data))
    return _from_text(record, _decode(data))


def _decode(data: bytes) -> str:
    if len(data) > MAX_TEXT_BYTES:
        raise ExtractionError(
            f"the text is {len(data) // 1048576} MB, more than the {MAX_TEXT_BYTES // 1048576} MB limit"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ExtractionError(f"the text claims UTF-16 but is not valid UTF-16 ({exc.reason})") from None
    if b"\x00" in data[:4096]:
        raise ExtractionError("the file is binary data of an unknown kind, not a PDF, HTML page or text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Older council pages and Word exports are Windows-1252; that decoding
    # only fails on its five undefined bytes.
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ExtractionError(
            f"the text is neither UTF-8 nor Windows-1252 (byte {exc.start}: "
            f"{data[exc.start : exc.start + 1]!r})"
        ) from None
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\r\n\t\f")
    if controls > 0.01 * min(len(text), 20000):
        raise ExtractionError("the file is not text: too many control characters for UTF-8 or Windows-1252")
    return text


# --------------------------------------------------------------------------- readers


def _from_pdf(record, data: bytes, max_pages: int) -> ExtractedDocument:
    try:
        lines, pages = read_lines(data, max_pages=max_pages)
    except PdfError as exc:
        raise ExtractionError(exc.reason, exc.status) from None
    body = strip_furniture(lines)
    start, end = body_window(body)
    blocks = build_blocks(body[start:end])
    facts = _ofsted_metadata(record, [ln.text for ln in body], letterhead=_first_page_as_printed(lines))
    facts["pages"] = pages
    facts["kind"] = whose_words(record.kind, [ln.text for ln in lines])
    _label_sample(facts, any(SAMPLE_FOOTER.match(ln.text) for ln in lines))
    return _document(record, facts, blocks)


def _first_page_as_printed(lines: list[Line]) -> list[str]:
    """The first page's lines top to bottom: a letterhead block drawn after the body still comes
    before the salutation, as the reader sees it."""
    first = [ln for ln in lines if ln.page == lines[0].page] if lines else []
    if first and first[0].positioned:
        first = sorted(first, key=lambda ln: -(ln.y or 0.0))
    return [ln.text for ln in first]


def _from_text(record, text: str) -> ExtractedDocument:
    text, front = _front_matter(text)
    lines = _text_lines(text)
    if not lines:
        raise ExtractionError("the text file holds no words")
    whose = whose_words(record.kind, [ln.text for ln in lines], front.get("kind"))
    sample = any(SAMPLE_FOOTER.match(ln.text) for ln in lines)
    body = strip_furniture(lines)
    if whose == COUNCIL:
        dated = [ln for ln in body if meta.parse_date(ln.text)]
        body = [ln for ln in body if not meta.parse_date(ln.text)]
        source = "stated" if front.get("published") else None
        if dated and not front.get("published"):
            front["published"], source = meta.parse_date(dated[0].text), "printed"
        blocks = build_blocks(body)
        quotes = attribute_quotes([b.text for b in blocks if b.kind != "heading"])
        first = body[0].text if body and len(body[0].text) < 120 else None
        facts = _council_metadata(
            record, blocks, front.get("title") or first, front.get("published"), quotes, source
        )
        if front.get("responds_to"):
            facts["responds_to"] = front["responds_to"]
        if front.get("authority") and not facts.get("authority"):
            _set_authority(facts, Register.load().find(str(front["authority"])))
        facts["kind"] = whose
        _label_sample(facts, sample)
        return _document(record, facts, blocks)
    start, end = body_window(body)
    blocks = build_blocks(body[start:end])
    facts = _ofsted_metadata(
        record, [ln.text for ln in body], hints=front, letterhead=[ln.text for ln in lines]
    )
    facts["kind"] = whose
    _label_sample(facts, sample)
    return _document(record, facts, blocks)


def _from_html(record, text: str) -> ExtractedDocument:
    try:
        page = read_html(text)
    except HtmlReaderMissing as exc:
        raise ExtractionError(str(exc)) from None
    if sum(len(b.text) for b in page.blocks if b.kind != "heading") < 40:
        raise ExtractionError("the HTML page has no main text (nothing but navigation or scripts)")
    # The sample label is a line of its own: it marks the document, never a paragraph.
    blocks = [b for b in page.blocks if not SAMPLE_FOOTER.match(b.text.strip("*_ "))]
    published, source = page.published, page.published_source
    if not published:
        published, source = _crawl_date(record)
    facts = _council_metadata(record, blocks, page.title, published, page.quotes, source)
    if not facts.get("published") and page.date_guess:
        # Recorded as what it is: a guess never stands as the page's date.
        facts["published_guess"], facts["published_source"] = page.date_guess, "guess"
    if record.kind == "file":
        _refuse_unrelated_page(page.title, blocks, facts)
    facts["ofsted_links"] = page.ofsted_links
    facts["kind"] = whose_words(record.kind, [b.text for b in blocks])
    _label_sample(facts, len(blocks) < len(page.blocks))
    return _document(record, facts, blocks)


def _refuse_unrelated_page(title: str | None, blocks: list[Block], facts: dict) -> None:
    """An HTML file given to ``ingest`` is kept as a council's response only when it is one:
    it names an English authority and speaks of an Ofsted inspection or visit (the test
    the council crawler applies). Anything else (a saved search page, this app's own home
    page) is skipped with the reason, never stored as a "Council response" by "?"."""
    missing = []
    if not facts.get("authority"):
        missing.append("names no English local authority in its title or opening")
    if not is_about_ofsted(title, "\n".join(b.text for b in blocks)):
        missing.append("does not speak of an Ofsted inspection or visit")
    if missing:
        raise ExtractionError(
            "neither an Ofsted document nor a council response: the page " + " and ".join(missing), "skipped"
        )


SAMPLE_TITLE_PREFIX = "Sample: "


def _label_sample(facts: dict, labelled: bool) -> None:
    """A document carrying the project's sample label ("Sample document written for
    ofsted-findings …": the demo's documents) says so in its title, so that every result,
    citation and export of it reads "Sample", and in ``facts["sample"]``."""
    if not labelled:
        return
    facts["sample"] = True
    title = facts.get("title") or ""
    if not title.lower().startswith("sample"):
        facts["title"] = SAMPLE_TITLE_PREFIX + title if title else "Sample document"


def _front_matter(text: str) -> tuple[str, dict]:
    """Strip a YAML front matter block or a "SOURCE:/KIND:" header; return its facts."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    front: dict = {}
    m = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    if m:
        try:
            loaded = yaml.safe_load(m.group(1))
            front = loaded if isinstance(loaded, dict) else {}
        except yaml.YAMLError:
            front = {}
        text = text[m.end() :]
    header = re.match(r"^(?:(?:SOURCE|KIND):[^\n]*\n)+", text)
    if header:
        for line in header.group(0).splitlines():
            key, _, value = line.partition(":")
            front[key.strip().lower()] = value.strip()
        text = text[header.end() :]
    if front.get("published") is not None:  # YAML reads 2021-11-30 as a date
        front["published"] = str(front["published"])
    return text, front


def _text_lines(text: str) -> list[Line]:
    lines = []
    for page, page_text in enumerate(text.split("\f")):
        blank = False
        for raw in page_text.split("\n"):
            stripped = raw.strip()
            if not stripped:
                blank = True
                continue
            # Text saved from markdown: "## Main findings", "**Dear James**".
            heading = re.match(r"^#{1,6}\s+", stripped)
            stripped = re.sub(r"\*\*|__", "", stripped[heading.end() :] if heading else stripped).strip()
            if stripped:
                lines.append(
                    Line(
                        text=stripped.replace("\uf06e", "◼").replace("\u00ad", ""),
                        page=page,
                        heading=bool(heading),
                        gap_before=blank,
                    )
                )
                blank = False
    return lines


# --------------------------------------------------------------------------- metadata


def _ofsted_metadata(
    record, texts: list[str], hints: dict | None = None, letterhead: list[str] | None = None
) -> dict:
    """``texts`` are the body's lines; ``letterhead`` the same page before furniture was dropped,
    read only for a letter date printed in the letterhead block."""
    hints = hints or {}
    register = Register.load()
    head = meta.opening_text(texts, 80)
    facts: dict = {
        "authority": None,
        "ons_code": None,
        "region": None,
        "document_type": meta.document_type(head, record.kind, meta.subject_line(texts))
        or record.document_type,
        "title": meta.subject_line(texts) or record.title,
        "letter_date": meta.letter_date(texts, letterhead),
        "inspectors": meta.inspectors(texts),
        "scope": meta.scope(texts),
        "judgements": {},
        "published": None,
    }
    if facts["document_type"] == meta.INSPECTION:
        facts["judgements"] = meta.judgements(texts)
        facts["framework"] = meta.framework(texts, facts["judgements"])
    anchor = facts["letter_date"] or record.published or hints.get("published")
    year = int(anchor[:4]) if anchor and re.match(r"\d{4}", str(anchor)) else None
    start, end = meta.visit_dates(texts, default_year=year)
    if start and facts["letter_date"] and start > facts["letter_date"] and year:
        # "on 30 and 31 January" in a letter of February: the year is the
        # letter's; in a letter of January about December, the year before.
        start, end = meta.visit_dates(texts, default_year=year - 1)
    facts["visit_start"], facts["visit_end"] = start, end
    facts["letter_date"] = meta.correct_year_slip(facts["letter_date"], end)

    from_content = meta.find_authority(texts, register)
    from_record = register.find(record.authority) if record.kind != "file" and record.authority else None
    if from_record and from_content and from_record != from_content:
        log.warning(
            "%s: the crawl says %s but the document names %s; keeping the crawl's",
            record.source,
            from_record.name,
            from_content.name,
        )
    if from_record is None and from_content is None and hints.get("authority"):
        from_content = register.find(str(hints["authority"]))
    _set_authority(facts, from_record or from_content)

    facts["published"] = _published(
        record, facts["letter_date"] or meta.report_published(texts) or _iso(hints.get("published"))
    )
    return facts


def _crawl_date(record) -> tuple[str | None, str | None]:
    """What the crawl learnt of a page's date without reading it: its sitemap ``lastmod`` or
    the date its news listing printed beside the link (kept in the record's ``extra``)."""
    extra = getattr(record, "extra", None) or {}
    for key, source in (("sitemap_lastmod", "sitemap"), ("listed_date", "listing")):
        if found := _iso(extra.get(key)):
            return found, source
    return None, None


def _council_metadata(
    record,
    blocks: list[Block],
    title: str | None,
    published: str | None,
    quotes: list[dict],
    published_source: str | None = None,
) -> dict:
    register = Register.load()
    text = " ".join(b.text for b in blocks[:6])
    authority = (
        (register.find(record.authority) if record.authority else None)
        or (register.find_in_text(title) if title else None)
        or register.find_in_text(text)
    )
    facts = {
        "authority": None,
        "ons_code": None,
        "region": None,
        "document_type": meta.COUNCIL_RESPONSE,
        # An ingested file's catalogue title is its file name: the page's own title is better.
        "title": (title or record.title) if record.kind == "file" else (record.title or title),
        "letter_date": None,
        "visit_start": None,
        "visit_end": None,
        "inspectors": [],
        "scope": None,
        "judgements": {},
        "quotes": quotes,
        "published": _published(record, _iso(published)),
        "published_source": published_source if _iso(published) else None,
    }
    if facts["published"] and (record.kind != "file" and _iso(record.published)):
        facts["published_source"] = "crawl"  # the site's own date, as the crawler read it
    _set_authority(facts, authority)
    return facts


def _set_authority(facts: dict, authority) -> None:
    if authority is not None:
        facts.update(authority=authority.name, ons_code=authority.ons_code, region=authority.region)


def _iso(value) -> str | None:
    if value is None:
        return None
    value = str(value)
    return value[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", value) else None


def _published(record, from_content: str | None) -> str | None:
    crawled = _iso(record.published) if record.kind != "file" else None
    if crawled and from_content and crawled != from_content:
        log.warning(
            "%s: published %s on the site but dated %s in the document; keeping the site's",
            record.source,
            crawled,
            from_content,
        )
    return crawled or from_content


# --------------------------------------------------------------------------- paragraphs

# No real paragraph comes near this; a text without line breaks (a dump, a broken
# file) would otherwise become one paragraph of megabytes that no one can read and
# that makes every matching search slow.
MAX_PARAGRAPH_CHARS = 4000
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _split_long(text: str, limit: int = MAX_PARAGRAPH_CHARS) -> list[str]:
    """Cut an over-long text into pieces of at most ``limit`` characters, at sentence
    ends where there are any, else at spaces, else hard."""
    if len(text) <= limit:
        return [text]
    pieces, current = [], ""
    for sentence in filter(None, _SENTENCE_END.split(text.strip())):
        while len(sentence) > limit:  # one "sentence" longer than a paragraph may be
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            head, sentence = sentence[:cut], sentence[cut:].lstrip()
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
        if current and len(current) + 1 + len(sentence) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        pieces.append(current)
    return pieces


def _document(record, facts: dict, blocks: list[Block]) -> ExtractedDocument:
    taxonomy = Taxonomy.load()
    paragraphs: list[Paragraph] = []
    section = ""
    texts = (
        (block, piece)
        for block in blocks
        for piece in ([block.text] if block.kind == "heading" else _split_long(block.text))
    )
    for block, text in texts:
        if block.kind == "heading":
            section = _heading_text(text)
            continue
        if not text or not re.search(r"\w", text):
            continue
        tags = taxonomy.tag(_findings_only(text))
        paragraphs.append(
            Paragraph(
                document_id=record.document_id,
                paragraph_number=len(paragraphs) + 1,
                text=text,
                section=section,
                document_title=facts.get("title") or "",
                # Whose words these are (ofsted | council | file), from the content for an
                # ingested file; the catalogue's record kind stays how the document arrived.
                document_type=facts.get("document_type") or "",
                kind=facts.get("kind") or record.kind,
                authority=facts.get("authority") or "",
                ons_code=facts.get("ons_code") or "",
                region=facts.get("region") or "",
                published=facts.get("published"),
                source=record.source,
                themes=list(tags),
                theme_terms=tags,
                stance=stance_of(text, section),
                is_bullet=block.kind == "bullet",
                visit_start=facts.get("visit_start"),
                visit_end=facts.get("visit_end"),
                judgements=dict(facts.get("judgements") or {}),
            )
        )
    if not paragraphs:
        raise ExtractionError("no paragraphs of text were found in the document")
    return ExtractedDocument(metadata=facts, paragraphs=paragraphs)


# Sentences about the evidence inspectors used ("Inspectors also reviewed
# performance information and case records") name subjects they read about,
# not subjects they found anything about: they do not tag themes.
# "Inspectors met ..." counts only as the sentence's own subject and verb, not inside
# a finding such as "Workers inspectors met with describe managers as approachable".
EVIDENCE_SENTENCE = re.compile(
    r"\b(?:range of evidence|evidence (?:was|were) considered|evidence,? (?:which )?includ|"
    r"case discussions with|inspectors considered a)|"
    r"^(?:[^,.]{0,60},\s*)?(?:the\s+)?inspectors (?:also )?(?:spoke|reviewed|met|talked|"
    r"looked at (?:a range|case|records))",
    re.I,
)


def _findings_only(text: str) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", text)
    kept = [s for s in sentences if not EVIDENCE_SENTENCE.search(s)]
    return " ".join(kept)


def _heading_text(text: str) -> str:
    # "What needs to improve in this area of social work practice?1": the 1 is a footnote mark.
    return re.sub(r"(?<=[?a-z])\d$", "", text.strip())
