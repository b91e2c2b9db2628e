"""Link each council response to the Ofsted document it answers, and hold its claims against it.

Linking is a step of the indexer: it runs after every change to the store (a crawl, ``ingest``,
``index``) over every letter and response however it arrived, reading each document with the
indexer's own extraction (indexer/extract.py), so a PDF or text letter given to ``ingest`` and a
council page saved to a file count the same as crawled ones.

A page is a response when extraction reads it as the council's words (indexer/attribution.py
``whose_words``) and it is about an Ofsted inspection or visit of its children's services
(``is_about_ofsted``). It answers a letter of the same authority, and the evidence is weighed
in this order:

1. Quoted wording: the passages it quotes (in quotation marks) or repeats (long shared runs of
   words) that are found in a letter. Wording outweighs everything else, dates included.
2. Kind: a release about a full inspection, a monitoring visit or a joint targeted area
   inspection answers a document of that kind, never the nearest focused visit; when none of its
   authority's documents is of that kind (and none is quoted), it stays unlinked.
3. Date: published within DAYS_BEFORE before to DAYS_AFTER after the letter, the closest wins.
   A date the page only states in its prose is a guess: it links only when it is the sole
   evidence and points to one letter, with a lower confidence, and never outweighs quoted wording.
4. The visit's dates ("on 29 and 30 October") or month named in the page.

Every link records its evidence (the store's ``link_evidence``): the quoted passages found, the
date gap in days, the confidence, the reasons, and the claims beside the findings: each quote
matched to the letter's paragraph ("verified quote", "altered" with the difference, "not found in
the letter"), the letter's areas for improvement the response does not mention, and the tone of
both.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

from rapidfuzz import fuzz

from common.authorities import Register
from common.store import DocumentRecord, DocumentStore
from indexer import metadata as meta
from indexer.attribution import OFSTED, is_about_ofsted
from indexer.extract import ExtractionError, extract_document
from indexer.model import Paragraph

logger = logging.getLogger(__name__)

RELATION = "responds_to"
DAYS_BEFORE = 7  # a council may publish on the day its embargoed letter goes out, or just before the site
DAYS_AFTER = 120  # a release months after the letter answers it only if it quotes it
RUN_WORDS = 8  # words in a row shared with a letter that count as repeated wording
QUOTE_WORDS = 4  # a quotation shorter than this ("nagging parent") is a phrase, not a claim
THRESHOLD = 0.4
VERIFIED, ALTERED, NOT_FOUND = "verified quote", "altered", "not found in the letter"
ALTERED_SCORE = 80  # rapidfuzz partial ratio at or above which a quote is the letter's, altered

# What a page or a letter is about.
FOCUSED, INSPECTION, MONITORING, JTAI, VISIT = (
    "focused visit",
    "inspection",
    "monitoring visit",
    "jtai",
    "visit",
)
LETTER_KINDS = {
    meta.FOCUSED_VISIT: FOCUSED,
    meta.INSPECTION: INSPECTION,
    meta.MONITORING: MONITORING,
    meta.JTAI: JTAI,
}
_GRADE = r"(?:outstanding|good|requires? improvement(?: to be good)?|inadequate)"
KIND_SIGNS = (
    (JTAI, re.compile(r"\bjoint targeted area inspection\b|\bJTAI\b", re.I)),
    (MONITORING, re.compile(r"\bmonitoring (?:visit|inspection)\b", re.I)),
    (FOCUSED, re.compile(r"\bfocus{1,2}ed visit\b", re.I)),
    (
        INSPECTION,
        re.compile(
            rf"\bILACS\b|\bfull inspection\b|\boverall effectiveness\b|"
            rf"\binspection of (?:its |the |our )?(?:[\w’'&,-]+ ){{0,4}}children[’']?s (?:social )?(?:services|care)\b|"
            rf"\b(?:rated|judged|graded)\b(?:\W+\w+){{0,8}}?\W+{_GRADE}\b|\b{_GRADE} (?:overall|rating|in every area)\b",
            re.I,
        ),
    ),
)
GENERIC_VISIT = re.compile(r"\bvisit(?:ed|s)?\b", re.I)
GENERIC_INSPECTION = re.compile(r"\binspection\b|\binspected\b", re.I)
QUOTED = re.compile(r"[“\"‘]([^“”\"]{10,600}?)[”\"’](?!\w)")
STOPWORDS = frozenset(
    "the a an and or of to in on for with that this these those is are was were be been being it its "
    "their they them we our us as at by from has have had not but which who when where will would can "
    "could should more most some all any there than so such into also very well".split()
)
# Words every care-leaver letter and release shares: they cannot show a release speaks of a finding.
COMMON_WORDS = frozenset(
    "care leavers leaver young people person children child services service local authority council "
    "ofsted inspectors inspector visit focused support supported leaders managers staff workers".split()
)


@dataclass
class Reading:
    """One document as the indexer reads it."""

    record: DocumentRecord
    metadata: dict
    paragraphs: list[Paragraph]

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)

    @property
    def title(self) -> str:
        return self.metadata.get("title") or self.record.title or ""

    @property
    def authority(self) -> str | None:
        return self.metadata.get("authority") or self.record.authority

    @property
    def whose(self) -> str:
        return self.metadata.get("kind") or self.record.kind

    @property
    def published(self) -> str | None:
        return _iso(self.record.published if self.record.kind != "file" else None) or _iso(
            self.metadata.get("published")
        )


@dataclass
class Candidate:
    letter: Reading
    quotes: list[dict]  # every passage the response quotes, matched against this letter
    runs: list[str]  # long runs of words the response repeats without quotation marks
    days: int | None
    kind_fits: bool
    visit_named: int  # 2: a day of the visit named; 1: its month and year

    since_visit: int | None = None  # days from the last day of the visit, when the letter is undated

    @property
    def wording(self) -> int:
        found = sum(1 for q in self.quotes if q["status"] == VERIFIED) + len(self.runs)
        return 3 * found + 2 * sum(1 for q in self.quotes if q["status"] == ALTERED)


@dataclass
class LinkSummary:
    responses: int = 0
    linked: int = 0
    unlinked: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "responses": self.responses,
            "linked": self.linked,
            "unlinked": self.unlinked,
            "failed": [{"source": s, "reason": r} for s, r in self.failed],
        }


# --------------------------------------------------------------------------- reading


def _iso(value) -> str | None:
    value = str(value or "")
    return value[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", value) else None


def read(store: DocumentStore, record: DocumentRecord) -> Reading | None:
    """The document through the indexer's own extraction; None when it cannot be read."""
    try:
        extracted = extract_document(record, store.read_bytes(record))
    except (ExtractionError, OSError) as exc:
        logger.info("not linked: %s: %s", record.source, exc)
        return None
    return Reading(record, extracted.metadata, extracted.paragraphs)


def is_response(reading: Reading) -> bool:
    # Extraction reads an HTML page or a council text as a council response; its words may show
    # no sign of whose they are ("file"), but never Ofsted's.
    return (
        reading.whose != OFSTED
        and reading.metadata.get("document_type") == meta.COUNCIL_RESPONSE
        and is_about_ofsted(reading.title, reading.text)
    )


def is_letter(reading: Reading) -> bool:
    return reading.whose == OFSTED and reading.metadata.get("document_type") in LETTER_KINDS


def response_kind(title: str, text: str) -> str | None:
    """What a page is about: the kind named first in its title and opening, then anywhere."""
    paragraphs = [p for p in text.split("\n") if p.strip()]
    for scope in (f"{title}\n{paragraphs[0] if paragraphs else ''}", text):
        found = [(m.start(), kind) for kind, sign in KIND_SIGNS if (m := sign.search(scope))]
        if found:
            return min(found)[1]
    head = f"{title}\n{' '.join(paragraphs[:2])}"
    if GENERIC_VISIT.search(head):
        return VISIT
    if GENERIC_INSPECTION.search(head):
        return INSPECTION
    return None


def kind_fits(response: str | None, letter: str | None) -> bool:
    if response is None or letter is None:
        return True
    if response == VISIT:
        return letter in (FOCUSED, MONITORING)
    return response == letter


# --------------------------------------------------------------------------- wording


def _norm_words(text: str) -> list[str]:
    text = text.lower().replace("’", "'").replace("‘", "'")
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.replace("-", " "))


def quoted_passages(text: str) -> list[str]:
    """Text the page puts in quotation marks, long enough to be a claim about the letter."""
    passages = []
    for m in QUOTED.finditer(text):
        passage = m.group(1).strip(" ,.")
        if len(_norm_words(passage)) >= QUOTE_WORDS and passage not in passages:
            passages.append(passage)
    return passages


def shared_runs(response: str, letter_words: list[str], minimum: int = RUN_WORDS) -> list[str]:
    """Runs of at least ``minimum`` words the response repeats from the letter (difflib's matching
    blocks of the two word sequences)."""
    words = _norm_words(response)
    matcher = difflib.SequenceMatcher(None, words, letter_words, autojunk=False)
    return [" ".join(words[b.a : b.a + b.size]) for b in matcher.get_matching_blocks() if b.size >= minimum]


def match_quote(passage: str, paragraphs: list[Paragraph]) -> dict:
    """The letter paragraph a quoted passage comes from, and how faithfully it is quoted."""
    quote = " ".join(_norm_words(passage))
    best, best_score = None, 0.0
    for p in paragraphs:
        score = fuzz.partial_ratio(quote, " ".join(_norm_words(p.text)))
        if score > best_score:
            best, best_score = p, score
    result = {"text": passage, "status": NOT_FOUND, "paragraph": None, "score": round(best_score, 1)}
    if best is None or best_score < ALTERED_SCORE:
        return result
    letter_span, diff = _difference(passage, best.text)
    result.update(paragraph=best.paragraph_number, letter_text=letter_span)
    if all(op["op"] == "equal" for op in diff):
        result["status"] = VERIFIED
    else:
        result.update(status=ALTERED, difference=diff)
    return result


def _difference(passage: str, paragraph: str) -> tuple[str, list[dict]]:
    """The words of ``paragraph`` the passage quotes, and the word-level difference between them
    (difflib opcodes: equal, replace, delete, insert), compared case- and punctuation-blind."""
    quote_words, para_words = passage.split(), paragraph.split()
    key = lambda w: " ".join(_norm_words(w))  # noqa: E731
    qk, pk = [key(w) for w in quote_words], [key(w) for w in para_words]
    matcher = difflib.SequenceMatcher(None, qk, pk, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    if not blocks:
        return "", [{"op": "insert", "quote": passage, "letter": ""}]
    start = max(0, blocks[0].b - blocks[0].a)
    end = min(len(pk), blocks[-1].b + blocks[-1].size + (len(qk) - blocks[-1].a - blocks[-1].size))
    span_words = para_words[start:end]
    ops = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, qk, pk[start:end], autojunk=False).get_opcodes():
        if tag == "equal" and all(not qk[i] for i in range(i1, i2)):
            continue
        ops.append({"op": tag, "quote": " ".join(quote_words[i1:i2]), "letter": " ".join(span_words[j1:j2])})
    # Punctuation-only differences ("lessons, are" for "lessons are") are no alteration.
    ops = [
        op
        for op in ops
        if op["op"] == "equal" or " ".join(_norm_words(op["quote"])) != " ".join(_norm_words(op["letter"]))
    ]
    return " ".join(span_words), ops


# --------------------------------------------------------------------------- dates and visits


def _days(response: str | None, letter: str | None) -> int | None:
    try:
        return (date.fromisoformat(response) - date.fromisoformat(letter)).days
    except (TypeError, ValueError):
        return None


def _letter_date(letter: Reading) -> str | None:
    return _iso(letter.metadata.get("letter_date")) or letter.published


# An inspection report carries no letter date, and an ingested one no publication date: its
# last day on site stands in, and reports come out some weeks after it.
AFTER_VISIT = (0, DAYS_AFTER + 60)


def visit_named(text: str, letter: Reading) -> int:
    """2 when the page names a day of the letter's visit ("29 and 30 October"), 1 when it names
    the visit's month and year ("in October 2024"), else 0."""
    days = [
        d for d in (_iso(letter.metadata.get("visit_start")), _iso(letter.metadata.get("visit_end"))) if d
    ]
    best = 0
    for day in days:
        when = date.fromisoformat(day)
        month = meta.MONTHS[when.month - 1]
        if re.search(
            rf"\b{when.day}(?:st|nd|rd|th)?\s+(?:and\s+\d{{1,2}}\s+)?{month}\b", text, re.I
        ) or re.search(
            rf"\b{when.day}(?:st|nd|rd|th)?\s+(?:and|to)\s+\d{{1,2}}\s+{month}\b|\b\d{{1,2}}\s+(?:and|to)\s+{when.day}\s+{month}\b",
            text,
            re.I,
        ):
            best = 2
        elif re.search(rf"\b{month}\s+{when.year}\b", text, re.I):
            best = max(best, 1)
    return best


# --------------------------------------------------------------------------- choosing


def candidates(response: Reading, letters: list[Reading], kind: str | None) -> list[Candidate]:
    text = f"{response.title}\n{response.text}"
    passages = quoted_passages(text)
    found = []
    for letter in letters:
        letter_words = _norm_words(letter.text)
        quotes = [match_quote(p, letter.paragraphs) for p in passages]
        quoted = " ".join(" ".join(_norm_words(p)) for p in passages)
        runs = [r for r in shared_runs(_unquoted(text), letter_words) if r not in quoted]
        found.append(
            Candidate(
                letter=letter,
                quotes=quotes,
                runs=runs,
                days=_days(response.published, _letter_date(letter)),
                kind_fits=kind_fits(kind, LETTER_KINDS.get(letter.metadata.get("document_type"))),
                visit_named=visit_named(text, letter),
                since_visit=None
                if _letter_date(letter)
                else _days(response.published, _iso(letter.metadata.get("visit_end"))),
            )
        )
    return found


def _unquoted(text: str) -> str:
    return QUOTED.sub(" | ", text)


def choose(response: Reading, found: list[Candidate]) -> tuple[Candidate | None, float, list[str]]:
    """The letter a response answers, the confidence, and the reasons, in words."""
    source = response.metadata.get("published_source")
    guessed = response.published is None and source == "guess"
    if guessed:
        guess_days = {
            id(c): _days(response.metadata.get("published_guess"), _letter_date(c.letter)) for c in found
        }
    quoted = [c for c in found if c.wording >= 3 and (c.kind_fits or c.wording >= 6)]
    if quoted:
        best = max(quoted, key=lambda c: (c.wording, c.kind_fits, c.visit_named, -abs(c.days or 0)))
        reasons = [f"quotes or repeats {passages_found(best)} passage(s) of the letter"]
        confidence = min(1.0, 0.6 + 0.08 * best.wording)
        return best, round(confidence, 3), reasons + _date_reason(best.days)
    fitting = [c for c in found if c.kind_fits]
    windowed = [c for c in fitting if c.days is not None and -DAYS_BEFORE <= c.days <= DAYS_AFTER]
    if windowed:
        best = min(windowed, key=lambda c: (-c.visit_named, abs(c.days)))
        timeliness = 1.0 - max(best.days, 0) / (DAYS_AFTER * 1.5)
        confidence = 0.45 + 0.35 * timeliness + 0.1 * (best.visit_named > 0)
        return (
            best,
            round(min(confidence, 1.0), 3),
            _date_reason(best.days) + ["nothing it quotes is in a letter"],
        )
    after_visit = [
        c for c in fitting if c.since_visit is not None and AFTER_VISIT[0] <= c.since_visit <= AFTER_VISIT[1]
    ]
    if len(after_visit) == 1:
        best = after_visit[0]
        reason = f"published {best.since_visit} day(s) after the inspection ended (the report is undated)"
        return best, round(0.45 + 0.3 * (1 - best.since_visit / AFTER_VISIT[1]), 3), [reason]
    named = [c for c in fitting if c.visit_named]
    if named:
        top = max(c.visit_named for c in named)
        named = [c for c in named if c.visit_named == top]
        if len(named) == 1:
            return (
                named[0],
                0.5 + 0.1 * top,
                ["names the visit's dates" if top == 2 else "names the visit's month"],
            )
    if guessed:
        near = [
            c for c in fitting if (d := guess_days[id(c)]) is not None and -DAYS_BEFORE <= d <= DAYS_AFTER
        ]
        if len(near) == 1:
            return near[0], THRESHOLD, ["only a date guessed from its text points to this letter"]
    return None, 0.0, ["no letter of its authority is quoted, of its kind and near its date"]


def passages_found(candidate: Candidate) -> int:
    return sum(1 for q in candidate.quotes if q["status"] != NOT_FOUND) + len(candidate.runs)


def _date_reason(days: int | None) -> list[str]:
    if days is None:
        return ["its date or the letter's is unknown"]
    return [f"published {days} day(s) {'after' if days >= 0 else 'before'} the letter"]


# --------------------------------------------------------------------------- claims


def omitted_improvements(response: Reading, letter: Reading) -> list[dict]:
    """The letter's areas for improvement (stance "improvement") the response never mentions."""
    said = _norm_words(response.text)
    said_shingles = {tuple(said[i : i + 4]) for i in range(len(said) - 3)}
    said_content = set(_content(said))
    omitted = []
    for p in letter.paragraphs:
        if p.stance != "improvement":
            continue
        words = _norm_words(p.text)
        if {tuple(words[i : i + 4]) for i in range(len(words) - 3)} & said_shingles:
            continue
        if len(set(_content(words)) & said_content) >= 3:
            continue
        omitted.append({"paragraph": p.paragraph_number, "section": p.section, "text": p.text})
    return omitted


def _content(words: Iterable[str]) -> list[str]:
    return [w for w in words if len(w) >= 5 and w not in STOPWORDS and w not in COMMON_WORDS]


def tone(paragraphs: list[Paragraph]) -> dict:
    """How a document reads overall: the count of its paragraphs of each stance, and a word."""
    counts = Counter(p.stance for p in paragraphs)
    strengths, improvements = counts.get("strength", 0), counts.get("improvement", 0)
    if not strengths and not improvements:
        word = "neutral"
    elif strengths >= 2 * improvements and strengths:
        word = "positive"
    elif improvements >= 2 * strengths and improvements:
        word = "critical"
    else:
        word = "mixed"
    return {
        "tone": word,
        "strength": strengths,
        "improvement": improvements,
        "neutral": counts.get("neutral", 0),
    }


def claims(response: Reading, chosen: Candidate) -> dict:
    return {
        "quotes": chosen.quotes
        + [
            {"text": r, "status": "repeated wording", "paragraph": _run_paragraph(r, chosen.letter)}
            for r in chosen.runs
        ],
        "omitted_improvements": omitted_improvements(response, chosen.letter),
        "tone": {"response": tone(response.paragraphs), "letter": tone(chosen.letter.paragraphs)},
    }


def _run_paragraph(run: str, letter: Reading) -> int | None:
    for p in letter.paragraphs:
        if run in " ".join(_norm_words(p.text)):
            return p.paragraph_number
    return None


# --------------------------------------------------------------------------- the step


def link_documents(store: DocumentStore, authorities: Iterable[str] | None = None) -> LinkSummary:
    """Re-consider every response of ``authorities`` (every authority when None) against every
    letter of its authority in the store, and record each link or non-link with its evidence."""
    wanted = None if authorities is None else {a for a in authorities if a}
    summary = LinkSummary()
    if wanted is not None and not wanted:
        return summary
    readings = _readings(store, wanted)
    for _authority, documents in sorted(readings.items()):
        letters = [d for d in documents if is_letter(d)]
        for page in documents:
            if page.whose == OFSTED or page.metadata.get("document_type") != meta.COUNCIL_RESPONSE:
                continue
            if not is_response(page):
                store.record_link(
                    page.record.document_id, None, RELATION, 0.0, {"reasons": ["not a response"]}
                )
                continue
            summary.responses += 1
            try:
                _link_one(store, page, letters, summary)
            except Exception as exc:  # one odd page must not stop the others being linked
                logger.exception("linking %s failed", page.record.source)
                summary.failed.append((page.record.source, f"{type(exc).__name__}: {exc}"))
    return summary


def _readings(store: DocumentStore, wanted: set[str] | None) -> dict[str, list[Reading]]:
    """Authority -> its documents as the indexer reads them, for the authorities (of ``wanted``)
    that have a response. The catalogue says which those are for every document the index has
    read; a file not indexed yet is read to find out."""
    register = Register.load()

    def authority_of(record: DocumentRecord) -> str | None:
        name = record.metadata.get("authority") or record.authority
        known = register.find(name) if name else None
        return known.name if known else name

    records = [r for r in store.documents(status="ok") if r.sha256]
    readings: dict[str, list[Reading]] = {}
    with_responses: set[str] = set()
    unread = []
    for record in records:
        if record.kind == "file" and not record.metadata.get("document_type"):
            unread.append(record)  # not indexed yet: its content says what it is
        elif record.kind == "council" or record.metadata.get("document_type") == meta.COUNCIL_RESPONSE:
            with_responses.add(authority_of(record))
    read_now: dict[str, Reading] = {}
    for record in unread:
        reading = read(store, record)
        if reading is not None and reading.authority:
            read_now[record.document_id] = reading
            if reading.metadata.get("document_type") == meta.COUNCIL_RESPONSE:
                with_responses.add(reading.authority)
    targets = {a for a in with_responses if a and (wanted is None or a in wanted)}
    unread_ids = {r.document_id for r in unread}
    for record in records:
        reading = read_now.get(record.document_id)
        if reading is None:
            if record.document_id in unread_ids or authority_of(record) not in targets:
                continue
            reading = read(store, record)
        if reading is not None and reading.authority in targets:
            readings.setdefault(reading.authority, []).append(reading)
    return readings


def _link_one(store: DocumentStore, page: Reading, letters: list[Reading], summary: LinkSummary) -> None:
    kind = response_kind(page.title, page.text)
    chosen, confidence, reasons = choose(page, candidates(page, letters, kind))
    evidence = {
        "kind": kind,
        "published": page.published,
        "published_source": page.metadata.get("published_source"),
        "reasons": reasons,
        "confidence": confidence,
    }
    if chosen is None or confidence < THRESHOLD:
        summary.unlinked += 1
        store.record_link(page.record.document_id, None, RELATION, 0.0, evidence)
        return
    evidence.update(
        days=chosen.days,
        letter_published=_letter_date(chosen.letter),
        quoted=[q["text"] for q in chosen.quotes if q["status"] != NOT_FOUND] + chosen.runs,
        **claims(page, chosen),
    )
    summary.linked += 1
    store.record_link(
        page.record.document_id, chosen.letter.record.document_id, RELATION, confidence, evidence
    )
