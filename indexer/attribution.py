"""Whose words a document is: Ofsted's, a council's, or neither.

Researchers cite what the search returns, so a council's press release must
never pass for Ofsted's findings ("Staying put is something we are very proud
of" is the council's boast, not Ofsted's praise). A crawled document's source
says whose it is; an ingested file (``ingest``) says nothing, so its content
decides:

* Ofsted writes in its own forms: "This letter summarises the findings of…",
  "Inspection dates:", signed by His or Her Majesty's Inspector (HMI), from
  Ofsted's address; it never writes "we are proud" or quotes a councillor.
* A council writes about Ofsted in the third person ("inspectors praised…",
  "Ofsted found…"), in the first person plural ("we", "our young people"), and
  quotes its councillors and directors ("Cllr…", "said:").

The side with more distinct signs wins; a document with none of either is
``file`` (rare: a file that is neither a letter, a report nor a council's words).
"""

from __future__ import annotations

import re

OFSTED, COUNCIL, FILE = "ofsted", "council", "file"

# Ofsted in any of the names councils give it: "Ofsted", "OFSTED", "HMI", "His Majesty's
# Inspectors", "Her Majesty's Inspectorate", "the Office for Standards in Education".
ABOUT_OFSTED = re.compile(
    r"\bofsted\b|\bHMIs?\b|\b(?:his|her) majesty[’'`]?s inspector(?:s|ate)?\b|"
    r"\boffice for standards in education\b",
    re.I,
)
ABOUT_INSPECTION = re.compile(
    r"\binspect(?:ion|ions|ors?|ed|ing)\b|\bfocus{1,2}ed visit\b|\bmonitoring visit\b|"
    r"\bvisit(?:s|ed|ing)?\b|\bJTAI\b|\bILACS\b",
    re.I,
)
# What an authority's children's services inspection or visit is about.
CHILDRENS_SERVICES = re.compile(
    r"\bchildren[’'`]?s (?:social )?(?:services|social care|social work)\b|\bsocial care\b|"
    r"\bcare leavers?\b|\bleaving care\b|\bcare[- ]experienced\b|\blooked[- ]after\b|\bchildren (?:in|looked after)\b|\bin care\b|"
    r"\bfocus{1,2}ed visit\b|\bmonitoring visit\b|\bILACS\b|\bJTAI\b|\bjoint targeted area\b|"
    r"\bsocial work(?:ers?)?\b|\bcorporate parent|\bchild protection\b|\bfront door\b|\bfostering\b|"
    r"\blocal authority children",
    re.I,
)
# Other subjects Ofsted inspects, which a council also announces: schools and nurseries, and
# the SEND area inspections it runs with the CQC. "Virtual school" heads serve children in care.
OTHER_SUBJECT = re.compile(
    r"\b(?<!virtual )schools?\b(?! (?:holidays?|readiness))|\bacademy\b|\bacademies\b|\bpupils?\b|"
    r"\bheadteachers?\b|\bhead teachers?\b|\bnurser(?:y|ies)\b|\bchildminders?\b|\bSEND\b|"
    r"\bspecial educational needs\b|\blocal area partnership\b|\barea SEND\b|\bCare Quality Commission\b|"
    r"\bCQC\b|\bEHCPs?\b|\bcolleges?\b|\bsixth form\b",
    re.I,
)
# Pages that mention an inspection in passing: job adverts and committee papers.
NOT_A_RELEASE = re.compile(
    r"\bclosing date\b|\bsalary\b|\bapply (?:now|online|for this)\b|\bjob (?:reference|description|title)\b|"
    r"\bvacanc(?:y|ies)\b|\bwe are recruiting\b|\bper annum\b|\bapologies for absence\b|"
    r"\bdeclarations? of interests?\b|\bagenda(?: item)?\b|\bminutes of the (?:previous|last) meeting\b|"
    r"\bitem \d+\b|\bmeeting of the\b|\bexempt information\b",
    re.I,
)
# How far into a page its subject is decided: the title and opening say what it is about.
OPENING_CHARS = 1200


def is_about_ofsted(title: str | None, text: str) -> bool:
    """A page about one authority's Ofsted inspection or visit of its children's services, in any
    wording ("HMI", "His Majesty's Inspectors", "focussed visit", "OFSTED ... visited"). Pages
    about a school's or nursery's inspection, a SEND area inspection, a job or a committee
    agenda are not, though they name Ofsted. The council crawler keeps only such pages, and
    ``ingest`` stores an HTML page only when it is one."""
    haystack = f"{title or ''}\n{text}"
    if not (ABOUT_OFSTED.search(haystack) and ABOUT_INSPECTION.search(haystack)):
        return False
    head = f"{title or ''}\n{text[:OPENING_CHARS]}"
    if len(set(m.group(0).lower() for m in NOT_A_RELEASE.finditer(haystack))) >= 2 or (
        title and NOT_A_RELEASE.search(title)
    ):
        return False
    ours = len(CHILDRENS_SERVICES.findall(head))
    others = len(OTHER_SUBJECT.findall(head))
    if title and OTHER_SUBJECT.search(title) and not CHILDRENS_SERVICES.search(title):
        return False
    return ours > 0 and ours >= others


# Each pattern is one sign; a document scores the number of distinct signs it shows.
OFSTED_SIGNS = tuple(
    re.compile(p, re.I)
    for p in (
        r"\bthis letter summarises the (?:findings|outcome)",
        r"\b(?:his|her) majesty[’']s inspectors?\b|\bHMI\b",
        r"\binspection dates?:",
        r"\binspection of [\w ,’'&-]{2,60} (?:local authority )?children[’']s services\b",
        r"piccadilly gate|enquiries@ofsted\.gov\.uk|www\.gov\.uk/ofsted",
        r"\bjudgement\b.{0,40}\bgrade\b|\boverall effectiveness\b",
        r"\bofsted will take the findings\b|\bfocused visit arrangements\b",
        r"\bthe experiences and progress of care leavers\b",
    )
)
COUNCIL_SIGNS = tuple(
    re.compile(p, re.I)
    for p in (
        r"\b(?:cllr|councillor)\b",
        r"\bwe(?:[’']re| are| have| will| were)\b",
        r"\bour (?:young people|care leavers|children|staff|teams?|service|council|care|leaving care)\b",
        r"\b(?:said|says|added)[:,]?\s*[“\"]|[”\"],?\s+(?:said|says|added)\b",
        r"\b(?:inspectors|ofsted) (?:praised|highlighted|found|reported|said|recognised|noted|commended|"
        r"visited|rated|judged)\b",
        r"\b(?:press|news|media) (?:release|enquiries|office)\b",
        r"\b(?:proud|delighted|thrilled|pleased)\b",
        r"\b(?:cabinet member|portfolio holder|lead member|director of children[’']s services)\b.{0,80}\bsaid\b",
    )
)

# Front matter a person wrote on an ingested text file ("kind: council-release").
_FRONT_KINDS = {
    "council": COUNCIL,
    "council-release": COUNCIL,
    "council-response": COUNCIL,
    "ofsted": OFSTED,
    "ofsted-letter": OFSTED,
    "ofsted-report": OFSTED,
}

# Enough text to judge by: the signs sit in a letter's opening and signature, and a
# release is short; scanning every page of a 90-page report would only cost time.
MAX_CHARS = 60_000


def signs(patterns: tuple[re.Pattern, ...], text: str) -> int:
    return sum(1 for p in patterns if p.search(text))


def whose_words(record_kind: str, texts: list[str], front_kind: str | None = None) -> str:
    """``ofsted``, ``council`` or ``file`` for a document whose catalogue kind is
    ``record_kind`` and whose lines (or paragraphs) are ``texts``."""
    if record_kind in (OFSTED, COUNCIL):
        return record_kind  # the crawl knows which site it came from
    declared = _FRONT_KINDS.get(str(front_kind or "").strip().lower())
    if declared:
        return declared
    head = " ".join(texts)[:MAX_CHARS]
    # Ofsted's letters end on the address block, which the furniture stripper removes
    # from the paragraphs but not from these lines; a release quoting one ends sooner.
    tail = " ".join(texts[-40:])
    ofsted, council = signs(OFSTED_SIGNS, head + " " + tail), signs(COUNCIL_SIGNS, head)
    if ofsted > council:
        return OFSTED
    if council:
        return COUNCIL
    return FILE
