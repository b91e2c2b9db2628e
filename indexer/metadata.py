"""Metadata read from the words of an Ofsted letter or report itself.

Everything here works on the document's opening text (the lines before and
just after the salutation, or a report's title block), so it serves crawled
and ingested files alike. Each reader returns None when the document does
not say, rather than guessing.
"""

from __future__ import annotations

import re
from datetime import date

from common.authorities import Authority, Register

MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
DAY = r"\d{1,2}(?:st|nd|rd|th)?"
DATE_TOKEN = re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+({MONTH}))?(?:\s+(\d{{4}}))?", re.I)
DATE_RUN = re.compile(
    rf"{DAY}(?:\s+{MONTH})?(?:\s+\d{{4}})?"
    rf"(?:\s*(?:,|and|to|until|–|—|-)\s*{DAY}(?:\s+{MONTH})?(?:\s+\d{{4}})?)*",
    re.I,
)
FULL_DATE = re.compile(rf"^\s*({DAY})\s+({MONTH})\s+(\d{{4}})\s*$", re.I)

FOCUSED_VISIT = "Children's services focused visit"
INSPECTION = "Children's services inspection"
MONITORING = "Monitoring visit"
JTAI = "Joint targeted area inspection"
COUNCIL_RESPONSE = "Council response"

# The judgement readers live in indexer/judgements.py; their names stay importable from here.
from indexer.judgements import (  # noqa: E402,F401
    AREA_CARE,
    AREA_CARE_AND_LEAVERS,
    AREA_HELP,
    AREA_LEADERS,
    AREA_LEAVERS,
    AREA_OVERALL,
    GRADES,
    framework,
    judgements,
)

TITLE = r"(?:(?:Her|His)\s+Majesty[’'`]?s\s+(?:[Ii]nspectors?|HMIs?)|Senior\s+HMI|HMIs?|Ofsted\s+[Ii]nspectors?|[Ll]ead\s+[Ii]nspector|[Ss]ocial\s+[Cc]are\s+[Rr]egulatory\s+[Ii]nspectors?)"
PARTICLES = r"de|van|von|der|den|le|la|da|di|du|del|della|dos|ter|bin"
NAME = re.compile(rf"^(?:[A-ZÀ-Ý][\w’'\-À-ÿ]*\.?)(?:\s+(?:[A-ZÀ-Ý][\w’'\-À-ÿ]*\.?|{PARTICLES}))+$")
# A role or designation written beside a name, not part of it: "lead inspector Ceri Evans and
# team inspectors Sally Sinclair and …", "Tom Anthony (HMI designate)", "HMI Schools".
ROLE = re.compile(
    r"\b(?:(?:deputy\s+)?lead|team|shadow|assistant|senior|regulatory|observing)\s+inspectors?\b"
    r"|\bdesignate\b|\b(?:supported|assisted|accompanied|joined)\s+by\b|\bwith\b",
    re.I,
)
HONORIFIC = re.compile(r"^(?:Dr|Mr|Mrs|Ms|Miss|Mx|Professor|Prof)\.?\s+")
# Capitalised words that name a body or a remit, never a person ("Her Majesty's Inspectors (HMI)
# Social Care", "inspectors from the Care Quality Commission").
NOT_A_NAME = {
    "care",
    "social",
    "schools",
    "school",
    "commission",
    "inspectorate",
    "inspectors",
    "inspector",
    "services",
    "service",
    "council",
    "ofsted",
    "constabulary",
    "probation",
    "police",
    "trust",
    "authority",
    "board",
    "partnership",
    "quality",
    "health",
    "years",
    "education",
    "skills",
    "fire",
    "rescue",
    "majesty’s",
    "majesty's",
    "chief",
    "director",
    "national",
}


def opening_text(texts: list[str], limit: int = 60) -> str:
    return " ".join(t.strip() for t in texts[:limit])


def document_type(head: str, kind: str, subject: str | None = None) -> str | None:
    if kind == "council":
        return COUNCIL_RESPONSE
    # The subject line or title says it best; the body may mention other
    # inspections ("Following the JTAI in July 2022...").
    for pattern, kind_name in (
        (r"focused visit", FOCUSED_VISIT),
        (r"monitoring visit", MONITORING),
        (r"joint targeted area inspection", JTAI),
        (r"^inspection of\b.*children[’']s", INSPECTION),
    ):
        if subject and re.search(pattern, subject, re.I):
            return kind_name
    if re.search(r"\bInspection dates?:", head[:800]):
        return INSPECTION
    if re.search(r"\bfocused visit to\b|summarises the findings of (?:the|a) focused visit", head, re.I):
        return FOCUSED_VISIT
    if re.search(r"\bmonitoring visit\b", head[:1500], re.I):
        return MONITORING
    if re.search(r"\bjoint targeted area inspection\b", head[:1500], re.I):
        return JTAI
    if re.search(
        r"\bInspection of\b.*\bchildren[’']s (?:social care )?services\b", head[:600], re.I
    ) or re.search(r"\bInspection dates?:", head[:800]):
        return INSPECTION
    return None


def subject_line(texts: list[str]) -> str | None:
    """The letter's subject ("Focused visit to Wigan children's services"),
    or a report's title, joined when it wraps."""
    for i, text in enumerate(texts[:80]):
        if re.match(r"^Dear\b", text.strip()) and i + 1 < len(texts):
            subject = texts[i + 1].strip()
            following = texts[i + 2].strip() if i + 2 < len(texts) else ""
            if following and (
                re.search(r"\b(?:of|to|in|local|and|upon|on|with|the)$|[&,-]$", subject)
                or (following[:1].islower() and len(following) < 40)
            ):
                subject += " " + following
            return subject.rstrip(".")
    for i, text in enumerate(texts[:20]):
        if re.match(r"^Inspection of\b", text.strip()):
            title = text.strip()
            if not re.search(r"services$", title) and i + 1 < len(texts):
                title += " " + texts[i + 1].strip()
            return title
    return None


def find_authority(texts: list[str], register: Register) -> Authority | None:
    subject = subject_line(texts)
    for candidate in (subject, *texts[:3]):
        if candidate:
            found = _authority_in(candidate, register)
            if found:
                return found
    head = opening_text(texts, 40)
    for pattern in (
        r"focused visit to (.{3,80}?) (?:local authority )?children[’']s services",
        r"Inspection of (.{3,80}?) local authority children[’']s services",
        r"monitoring visit (?:to|of) (.{3,80}?) (?:local authority )?children[’']s services",
        r"Joint targeted area inspection of (.{3,60})",
    ):
        for m in re.finditer(pattern, head, re.I):  # the subject may use a form that names no one
            if found := _authority_in(m.group(1), register):
                return found
    return None


def _authority_in(text: str, register: Register) -> Authority | None:
    text = re.sub(r"children[’']s services.*$", "", text, flags=re.I)
    text = re.sub(
        r"^(?:focused visit to|inspection of|monitoring visit (?:to|of)|joint targeted area inspection of)\s+",
        "",
        text.strip(),
        flags=re.I,
    )
    text = re.sub(r"\s+local authority\s*$", "", text.strip(), flags=re.I)
    text = re.sub(r"[’']s$", "", text.strip())  # "Focused visit to Durham’s children’s services"
    return register.find(text) or register.find_in_text(text)


def parse_date(text: str) -> str | None:
    m = FULL_DATE.match(text)
    if not m:
        return None
    day = int(re.match(r"\d+", m.group(1)).group(0))
    try:
        return date(int(m.group(3)), MONTHS.index(m.group(2).lower()) + 1, day).isoformat()
    except ValueError:
        return None


# What may stand beside the date on a letterhead line when the PDF reader merges them
# ("www.gov.uk/ofsted 5 October 2018", "Textphone 0161 618 8524 5 October 2018", "Date: 5 October 2018").
LETTERHEAD_BESIDE_DATE = re.compile(
    r"(?:www\.|@|\b(?:T|Tel|Telephone|Textphone|Direct|Switchboard|Fax)\b[:\s]*[\d\s]{6,}$|^(?:Date|Dated)\s*:?$|"
    r"^(?:Ofsted|Piccadilly Gate|Store Street|Manchester|M1 2WD|Aviation House|125 Kingsway|London WC2B 6SE)$)",
    re.I,
)
DATE_AT_END = re.compile(rf"^(.*?)\s*[,;]?\s*({DAY}\s+{MONTH}\s+\d{{4}})\s*$", re.I)


def letter_date(texts: list[str], letterhead: list[str] | None = None) -> str | None:
    """The date at the head of a letter, above the salutation: a line of its own, or the end of a
    letterhead line it was merged with. ``letterhead`` is the page as printed, before the
    letterhead block was dropped as furniture: some letters print their date only there."""
    for lines in (texts, letterhead or []):
        dear = next((i for i, t in enumerate(lines[:120]) if re.match(r"^Dear\b", t.strip())), None)
        if dear is None:
            continue
        head = lines[:dear]
        for text in head:
            if iso := parse_date(text):
                return iso
        for text in head:
            m = DATE_AT_END.match(text.strip())
            if m and LETTERHEAD_BESIDE_DATE.search(m.group(1).strip()) and (iso := parse_date(m.group(2))):
                return iso
    return None


def report_published(texts: list[str]) -> str | None:
    """A 2014-18 (SIF) report's "Report published: 25 November 2016"."""
    for text in texts[:40]:
        m = re.match(rf"^\s*Report published:?\s*({DAY}\s+{MONTH}\s+\d{{4}})", text, re.I)
        if m:
            return parse_date(m.group(1))
    return None


def correct_year_slip(letter: str | None, visit_end: str | None) -> str | None:
    """A letter cannot be written before the visit it reports. One dated a few weeks before its own
    visit's last day, whose date a year on falls within six months after that day, carries last
    year's number by mistake (a January letter about a December visit, dated with the old year)."""
    if not letter or not visit_end or letter >= visit_end:
        return letter
    written, ended = date.fromisoformat(letter), date.fromisoformat(visit_end)
    try:
        next_year = written.replace(year=written.year + 1)
    except ValueError:  # 29 February
        return letter
    return next_year.isoformat() if 0 <= (next_year - ended).days <= 183 else letter


def visit_dates(texts: list[str], default_year: int | None = None) -> tuple[str | None, str | None]:
    """First and last day on site, from the letter's opening sentence or a
    report's "Inspection dates:" line, in every wording the letters use."""
    head = opening_text(texts, 60)
    sentences = []
    m = re.search(r"Inspection dates?:\s*(.{0,120})", head)
    if m:
        sentences.append(m.group(1))
    # "following the inspection published on 15 July 2015" dates another event.
    other = r"(?<!published )(?<!dated )(?<!judged )"
    for pattern in (
        rf"summarises the findings of[^.]{{0,300}}?{other}\b(?:on|from|between)\s+([^.]{{0,90}})",
        r"(?:took place|carried out|visit was)\s+(?:on|from|between)\s+([^.]{0,90})",
        r"(?:focused|monitoring) visit[^.]{0,200}?\b(?:on|from|between)\s+([^.]{0,90})",
    ):
        m = re.search(pattern, head, re.I)
        if m:
            sentences.append(m.group(1))
    for sentence in sentences:
        # "on the 15 and 16 of May 2018", "on Tuesday 5 and Wednesday 6 February 2019"
        sentence = re.sub(rf"\b(\d{{1,2}}(?:st|nd|rd|th)?)\s+of\s+(?={MONTH})", r"\1 ", sentence)
        sentence = re.sub(
            r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+", "", sentence
        )
        for run in DATE_RUN.finditer(sentence):
            dates = _dates_in_run(run.group(0), default_year)
            if dates:
                return dates[0].isoformat(), dates[-1].isoformat()
    return None, None


def _dates_in_run(run: str, default_year: int | None) -> list[date]:
    tokens = [[int(d), (m or "").lower(), int(y) if y else None] for d, m, y in DATE_TOKEN.findall(run)]
    if not any(t[1] for t in tokens):
        return []
    # "13 and 14 November 2019", "31 January and 1 February 2024": a day
    # takes the month and year of the next date that names them.
    for i in range(len(tokens) - 2, -1, -1):
        if not tokens[i][1]:
            tokens[i][1] = tokens[i + 1][1]
        if tokens[i][2] is None:
            tokens[i][2] = tokens[i + 1][2]
    for token in tokens:
        if token[2] is None:
            token[2] = default_year
    if any(t[2] is None or not t[1] for t in tokens):
        return []
    try:
        dates = [date(y, MONTHS.index(m) + 1, d) for d, m, y in tokens]
    except ValueError:
        return []
    return sorted(dates)


def inspectors(texts: list[str]) -> list[str]:
    # Short bracketed designations go first: "Her Majesty’s Inspectors (HMI) for this visit were".
    head = re.sub(r"\s*\([^()]{1,40}\)", "", opening_text(texts, 60))
    candidates = []
    m = re.search(r"Lead inspector:\s*(.{3,120}?)(?:\s+Judgement\b|\s+Overall\b|$)", head)
    if m:
        candidates.append(m.group(1))
    for pattern in (
        r"(?:The )?[Ii]nspectors (?:were|for this (?:visit|inspection) were)\s*:?\s*([^.]{3,300}?)(?:\.(?:\s|$)|$)",
        r"Majesty[’']s [Ii]nspectors?(?: for this (?:visit|inspection))? (?:were|was)\s*:?\s*([^.]{3,300}?)(?:\.(?:\s|$)|$)",
        r"Majesty[’']s [Ii]nspectors?(?: for this (?:visit|inspection))?\s*:\s*([^.]{3,300}?)(?:\.(?:\s|$)|$)",
        r"[Tt]he lead inspector (?:was|is)\s+([^.]{3,300}?)(?:\.(?:\s|$)|$)",
        r"(?:visit|inspection) was (?:carried out|undertaken|conducted|led) by\s*([^.]{3,300}?)(?:\.(?:\s|$)|$)",
        r"(?:carried out|undertaken|conducted) by\s*([^.]{3,300}?)(?:\.(?:\s|$)|$)",
    ):
        m = re.search(pattern, head)
        if m:
            candidates.append(m.group(1))
    for candidate in candidates:
        names = _names(candidate)
        if names:
            return names
    return _inspection_team(texts)


def _inspection_team(texts: list[str]) -> list[str]:
    """A SIF report names its team near the end ("Lead inspector: …", "Deputy lead inspector: …",
    "Team inspectors: …"); shadow inspectors, analysts and managers did not inspect."""
    start = next(
        (i for i, t in enumerate(texts) if re.match(r"^(?:The )?inspection team\b", t.strip(), re.I)), None
    )
    if start is None:
        return []
    names: list[str] = []
    role = None
    for text in texts[start + 1 : start + 30]:
        m = re.match(
            r"^\s*((?:deputy\s+)?lead\s+inspector|team\s+inspectors?|[A-Za-z ]{3,40}?)\s*:\s*(.*)$", text
        )
        if m:
            role, text = m.group(1).lower(), m.group(2)
        elif role is None or len(text) > 120 or text.rstrip().endswith("."):
            break  # prose: the team list is over
        if role and re.match(r"^(?:(?:deputy\s+)?lead\s+inspector|team\s+inspectors?)$", role):
            names += [n for n in _names(text) if n not in names]
    return names


def _names(phrase: str) -> list[str]:
    phrase = re.sub(r"(\w)-\s+(?=\w)", r"\1-", phrase)  # "Jenny-" / "ellen Scotland" wrapped at the hyphen
    phrase = re.sub(r"\(.*?\)", ",", phrase)
    phrase = re.sub(TITLE, ",", phrase)
    phrase = ROLE.sub(",", phrase)
    parts = re.split(r"\s*[,;]\s*(?:and\s+)?|\s+and\s+", phrase)
    names = []
    for part in parts:
        part = _leading_name(HONORIFIC.sub("", part.strip(" ,.;:")))
        if part and part not in names:
            names.append(part)
    return names


def _leading_name(part: str) -> str:
    """The name a part begins with. A sentence that ran on without its full stop ("… and Teresa
    Godfrey Inspectors looked at …") keeps only its capitalised words before the first lower-case one."""
    words = part.split()
    taken = []
    for i, word in enumerate(words):
        # A surname may be printed in lower case when hyphenated ("Paula thomson-jones").
        hyphenated = i > 0 and re.fullmatch(r"[a-zà-ÿ’']+(?:-[A-Za-zÀ-ÿ’']+)+", word)
        if (
            not (word[:1].isupper() or hyphenated or re.fullmatch(PARTICLES, word))
            or word.lower() in NOT_A_NAME
        ):
            break
        taken.append(word)
    if len(taken) < len(words) and words[len(taken)].lower() not in NOT_A_NAME:
        return ""  # a lower-case word inside: prose, not a list of names
    name = _person(" ".join(taken))
    if not NAME.match(name) or len(taken) > 5:
        return ""
    return name


def _person(name: str) -> str:
    """A name in its standard capitalisation: "Jenny-ellen" -> "Jenny-Ellen", "McDONALD-SMITH" ->
    "McDonald-Smith", so one inspector is one name whichever letter is read."""

    def fix(piece: str) -> str:
        if re.fullmatch(PARTICLES, piece) or not piece[:1].isalpha():
            return piece
        if len(piece) > 1 and piece.isupper():  # SMITH, MCDONALD, O'NEILL
            piece = piece.lower()
            piece = re.sub(r"^(mc|o[’'])(\w)", lambda m: m.group(1).capitalize() + m.group(2).upper(), piece)
        elif re.fullmatch(r"(?i)mc[A-ZÀ-Ý]+", piece):  # McDONALD
            piece = "Mc" + piece[2:].lower().capitalize()
        return piece[:1].upper() + piece[1:]

    return " ".join("-".join(fix(p) for p in word.split("-")) for word in name.split())


def scope(texts: list[str]) -> str | None:
    head = opening_text(texts, 60)
    m = re.search(
        r"Inspectors (?:looked at|considered|evaluated|reviewed) (?:the )?(?:local authority[’']s |council[’']s )?"
        r"(.{5,200}?)(?:,? with a (?:particular )?focus on|\.|,? including|;)",
        head,
    )
    if m:
        return m.group(1).strip()
    m = re.search(r"joint targeted area inspection \(JTAI\) of (?:the )?(.{5,200}?) in ", head, re.I)
    if m:
        return m.group(1).strip()
    return None
