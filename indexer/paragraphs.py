"""From text lines to the blocks a careful reader sees: headings, paragraphs, bullet items.

The same builder serves PDFs (lines carry position, font size and weight) and
plain text (lines only). With geometry, letterheads, running footers, page
numbers, footnotes and headings are recognised by where and how they are
printed; without it, by the shapes Ofsted's letters and reports use.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

BULLET = re.compile(r"^(?:[◼▪■•●◦\u25aa\u25fe\uf0b7\uf0a7–-]|\*)\s+")
NUMBERED = re.compile(r"^(\d{1,3})\.\s+(?=[A-Z‘“'\"(])")
LONE_NUMBER = re.compile(r"^(\d{1,3})\.$")  # "1." on a line of its own, text on the next
PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,3}(?:\s+of\s+\d{1,3})?$", re.I)
TERMINAL = (".", "!", "?", ":", ".”", ".’", "?”", ".)", ";")
SAMPLE_FOOTER = re.compile(r"^sample document written for ofsted-findings", re.I)
# The Ofsted letterhead and the report's back-page contact block, matched by
# shape so that a London office address or a changed phone number still goes.
LETTERHEAD = re.compile(
    r"^(?:ofsted|piccadilly gate|store street|manchester(?: m1 2wd)?|m1 2wd|clive house|"
    r"\d+ petty france,?|westminster,?|london sw1h 9ej|sw1h 9ej|"
    r"(?:t|tel|e|w|textphone)[:\s]+[\d\s]{8,}|textphone[:\s]+.*|(?:e:\s*)?enquiries@ofsted\.gov\.uk|"
    r"(?:w:\s*)?www\.(?:gov|qov)\.uk[./]ofsted)$",
    re.I,
)
# Headings whose words alone identify them (used when there is no font to go by).
KNOWN_HEADING = re.compile(
    r"^(?:overview|findings|main findings|headline findings|summary|next steps|"
    r"what needs to improve(?: in this area of social work practice)?\??\d?|"
    r"areas? for (?:priority action|improvement)|recommendations|"
    r"the experiences and progress of .*|the impact of leaders on .*|overall effectiveness.*|"
    r"information about this inspection|key findings|main findings include:?)$",
    re.I,
)
BODY_END = re.compile(
    r"^(?:yours sincerely|yours faithfully|the office for standards in education|"
    r"ofsted will take the findings from this)",
    re.I,
)
GRADE_LINE = re.compile(
    r"^(?:outstanding|good|requires improvement(?: to be good)?|to be good|inadequate)$", re.I
)


@dataclass
class Line:
    text: str
    page: int = 0
    x0: float | None = None  # PDF points from the left edge; None for plain text
    x1: float | None = None
    y: float | None = None  # bottom of the first character, points from the page's foot
    y_last: float | None = None  # bottom of the last character (pdfium may merge two visual lines)
    top: float | None = None
    size: float | None = None
    bold: bool = False
    page_height: float | None = None
    heading: bool = False  # the source marks it a heading (markdown "##", HTML <h2>)
    gap_before: bool = False  # plain text: a blank line comes before it

    @property
    def positioned(self) -> bool:
        return self.y is not None


@dataclass
class Block:
    kind: str  # heading | paragraph | bullet
    lines: list[Line] = field(default_factory=list)

    @cached_property  # read only once the block is complete
    def text(self) -> str:
        return join_lines(
            [ln.text for ln in self.lines], bullet=self.kind == "bullet", numbered=self.kind == "paragraph"
        )

    @property
    def page(self) -> int:
        return self.lines[0].page


def join_lines(texts: list[str], bullet: bool = False, numbered: bool = False) -> str:
    out = ""
    for i, text in enumerate(texts):
        text = text.strip()
        if i == 0:
            if bullet:
                text = BULLET.sub("", text)
            elif numbered:
                text = NUMBERED.sub("", text)
                if LONE_NUMBER.match(text):
                    text = ""
            out = text
            continue
        # A break after a hyphen inside a word keeps the hyphen ("decision-
        # making") and loses the space; anywhere else a break is a space.
        if re.search(r"[A-Za-z]-$", out) and text[:1].islower():
            out += text
        else:
            out += " " + text
    return re.sub(r"\s+", " ", out).strip()


# --------------------------------------------------------------------------- furniture


def strip_furniture(lines: list[Line]) -> list[Line]:
    """Drop letterheads, running headers and footers, page numbers and footnotes."""
    if not lines:
        return lines
    positioned = lines[0].positioned
    body_size = _body_size(lines) if positioned else None
    repeated = _repeated_margin_lines(lines)
    last_body_y = _last_body_line_per_page(lines, body_size) if positioned else {}
    dear = next((ln for ln in lines[:120] if re.match(r"^Dear\b", ln.text.strip())), None)
    kept = []
    seen_dear = False
    for line in lines:
        text = line.text.strip()
        seen_dear = seen_dear or line is dear
        if positioned and dear is not None and seen_dear and line.page == dear.page and line.y > dear.y + 1:
            continue  # printed above the salutation but stored after it: the letterhead
        if PAGE_NUMBER.match(text) or SAMPLE_FOOTER.match(text) or LETTERHEAD.match(text):
            continue
        if _normalised(text) in repeated and (not positioned or _in_margin(line)):
            continue  # running furniture; the same words in the body (a subject line) stay
        if positioned:
            height = line.page_height or 842.0
            small = line.size is not None and body_size is not None and line.size < body_size - 1.2
            if small and line.y > height * 0.8:  # letterhead block, header
                continue
            if small and line.y < last_body_y.get(line.page, 0) and not BULLET.match(text):
                continue  # footnotes below the last body line
        kept.append(line)
    return kept


def _in_margin(line: Line) -> bool:
    height = line.page_height or 842.0
    return not height * 0.1 < line.y < height * 0.9


def _normalised(text: str) -> str:
    return re.sub(r"\d+(?:st|nd|rd|th)?", "#", text.strip().lower())


def _repeated_margin_lines(lines: list[Line]) -> set[str]:
    """Lines that recur page after page (e.g. "Inspection of Wigan local
    authority children's services" and its date line): running furniture.
    With geometry they sit in the top or bottom margin; in plain text, beside
    a page number."""
    positioned = lines[0].positioned
    near_page_number: set[int] = set()
    if not positioned:
        for i, line in enumerate(lines):
            if PAGE_NUMBER.match(line.text.strip()):
                near_page_number.update(range(max(0, i - 3), min(len(lines), i + 4)))
    pages_seen: dict[str, set[int]] = {}
    counts: Counter = Counter()
    for i, line in enumerate(lines):
        key = _normalised(line.text)
        if len(key) > 120 or KNOWN_HEADING.match(line.text.strip()) or GRADE_LINE.match(line.text.strip()):
            continue
        if positioned:
            if not _in_margin(line):
                continue
        elif i not in near_page_number:
            continue
        counts[key] += 1
        pages_seen.setdefault(key, set()).add(line.page)
    if positioned:
        return {k for k, pages in pages_seen.items() if len(pages) >= 2}
    return {k for k, n in counts.items() if n >= 2}


def _body_size(lines: list[Line]) -> float | None:
    weights: Counter = Counter()
    for line in lines:
        if line.size:
            weights[line.size] += len(line.text)
    return weights.most_common(1)[0][0] if weights else None


def _last_body_line_per_page(lines: list[Line], body_size: float | None) -> dict[int, float]:
    lowest: dict[int, float] = {}
    for line in lines:
        if (
            body_size is not None
            and line.size is not None
            and line.size >= body_size - 1.2
            and not PAGE_NUMBER.match(line.text.strip())
        ):
            lowest[line.page] = min(lowest.get(line.page, 1e9), line.y)
    return lowest


# --------------------------------------------------------------------------- body window


def body_window(lines: list[Line]) -> tuple[int, int]:
    """Where the findings start and end: after the salutation and subject
    line of a letter, or after the judgement table of a report; before the
    sign-off or the report's back page."""
    start = 0
    texts = [ln.text.strip() for ln in lines]
    dear = next((i for i, t in enumerate(texts[:80]) if re.match(r"^Dear\b", t)), None)
    if dear is not None:
        start = dear + 1
        # The subject line, which may wrap (bold, or no sentence yet).
        while start < len(lines) and _is_subject_line(lines, start, dear):
            start += 1
    else:
        grades = [i for i, t in enumerate(texts[:120]) if GRADE_LINE.match(t)]
        if grades:
            start = grades[-1] + 1
        else:
            lead = next((i for i, t in enumerate(texts[:40]) if re.match(r"^Lead inspector", t, re.I)), None)
            if lead is not None:
                start = lead + 1
                if start < len(texts) and re.search(r"Majesty.s Inspector$", texts[start]):
                    start += 1
    end = next((i for i in range(start, len(texts)) if BODY_END.match(texts[i])), len(texts))
    return start, end


def _is_subject_line(lines: list[Line], i: int, dear: int) -> bool:
    line = lines[i]
    text = line.text.strip()
    if i == dear + 1:
        return True
    if re.match(r"^(?:This|The|Inspectors|Her|His)\b", text) and not line.bold:
        return False
    previous = lines[i - 1]
    if line.positioned:
        return line.bold and previous.bold
    return not previous.text.rstrip().endswith(TERMINAL) and len(text) < 60 and text[:1].islower()


# --------------------------------------------------------------------------- blocks


def build_blocks(lines: list[Line]) -> list[Block]:
    """Group body lines into headings, paragraphs and bullet items."""
    if not lines:
        return []
    width = _typical_width(lines)
    blocks: list[Block] = []
    current: Block | None = None
    last_number = 0
    for i, line in enumerate(lines):
        text = line.text.strip()
        previous = lines[i - 1] if i else None
        heading = _is_heading(line, previous, lines[i + 1] if i + 1 < len(lines) else None, current, width)
        if heading:
            if current is not None and current.kind == "heading" and _continues_heading(current, line):
                current.lines.append(line)
                continue
            current = Block("heading", [line])
            blocks.append(current)
            continue
        bullet = bool(BULLET.match(text))
        numbered = NUMBERED.match(text) or LONE_NUMBER.match(text)
        if current is not None and LONE_NUMBER.match(current.lines[-1].text.strip()):
            current.lines.append(line)  # the text of a paragraph numbered on the line above
            continue
        # A report's paragraph numbers run on through the document; one missed
        # number (a page break, a table) must not lose the rest.
        starts_numbered = (
            bool(numbered)
            and (int(numbered.group(1)) == 1 or last_number < int(numbered.group(1)) <= last_number + 30)
            and (current is None or current.kind == "heading" or _ends_sentence(current.lines[-1].text))
        )
        if starts_numbered:
            last_number = int(numbered.group(1))
        new_block = (
            current is None
            or current.kind == "heading"
            or bullet
            or starts_numbered
            or _paragraph_break(previous, line, width)
        )
        if new_block:
            current = Block("bullet" if bullet else "paragraph", [line])
            blocks.append(current)
        else:
            current.lines.append(line)
    return [b for b in blocks if b.text]


def _typical_width(lines: list[Line]) -> float:
    if lines[0].positioned:
        rights = sorted(ln.x1 for ln in lines if ln.x1 is not None)
        return rights[int(len(rights) * 0.9)] if rights else 520.0
    lengths = sorted(len(ln.text) for ln in lines)
    return float(lengths[int(len(lengths) * 0.9)]) if lengths else 85.0


def _line_extent(line: Line) -> float:
    return line.x1 if line.positioned and line.x1 is not None else float(len(line.text))


def _ends_sentence(text: str) -> bool:
    return text.rstrip().endswith(TERMINAL)


def _paragraph_break(previous: Line | None, line: Line, width: float) -> bool:
    if previous is None:
        return True
    text = line.text.strip()
    ended = _ends_sentence(previous.text)
    if line.page != previous.page:
        # A paragraph that runs over the page carries on mid-sentence, or
        # ran to the right margin and carries on in lower case.
        if not ended or text[:1].islower():
            return False
        return True
    if line.positioned and previous.positioned:
        size = line.size or 12.0
        if _bottom(previous) - line.y > 1.6 * size:
            return True
        if previous.y - line.y < 0:  # column or stream jump upwards
            return ended
    if ended and _line_extent(previous) < 0.8 * width:
        return True
    # A blank line ends a paragraph, unless a sentence plainly runs on over it
    # (text saved from a PDF shows page breaks as blank lines).
    if (
        line.gap_before
        and not line.positioned
        and (ended or (text[:1].isupper() and _line_extent(previous) < 0.6 * width))
    ):
        return True
    # Text saved one paragraph per line (no wrapping): every line stands alone.
    if ended and not previous.positioned and len(previous.text) > 120:
        return True
    return False


def _bottom(line: Line) -> float:
    return line.y_last if line.y_last is not None else line.y


def _is_heading(
    line: Line, previous: Line | None, following: Line | None, current: Block | None, width: float
) -> bool:
    text = line.text.strip()
    if line.heading:
        return True
    if BULLET.match(text) or NUMBERED.match(text) or LONE_NUMBER.match(text) or len(text) > 200:
        return False
    if line.positioned:
        if line.bold and not text.endswith((".", ",", ";")):
            return True
        if not KNOWN_HEADING.match(text):
            return False
        # Unbolded known words: a heading only on a line of its own.
        return (
            previous is None or _ends_sentence(previous.text) or previous.page != line.page or (previous.bold)
        )
    # Plain text: a short line standing alone between sentences.
    if current is not None and current.kind == "heading" and _continues_heading(current, line):
        return True
    prev_ended = (
        previous is None
        or _ends_sentence(previous.text)
        or (current is not None and current.kind == "heading")
    )
    if not prev_ended:
        return False
    if KNOWN_HEADING.match(text):
        return True
    if (
        text.endswith((".", ",", ";", ":"))
        or not text.lstrip("‘“'\"")[:1].isupper()
        or len(text) > 0.75 * width
    ):
        return False
    if len(text.split()) > 12:
        return False
    # The next line must start something new (a sentence, bullet or number),
    # otherwise this is the short first half of a wrapped sentence.
    if following is None:
        return False
    nxt = following.text.strip()
    return bool(nxt[:1].isupper() or BULLET.match(nxt) or NUMBERED.match(nxt) or nxt[:1] in "‘“'\"")


def _continues_heading(current: Block, line: Line) -> bool:
    last = current.lines[-1]
    text = line.text.strip()
    if last.positioned:
        return (
            line.bold
            and line.page == last.page
            and last.y - line.y < 1.6 * (line.size or 12)
            and not _ends_sentence(last.text)
        )
    # "The experiences and progress of children who need help and" / "protection: good"
    return text[:1].islower() and not _ends_sentence(last.text) and len(text) < 80 and not BULLET.match(text)
