"""Judgements (area -> grade) and the inspection framework, read from a full report's own words.

Every era is read: the 2014-18 single inspection framework (SIF: a headline "Children's services
in X are inadequate" over a numbered list), ILACS from 2018 (four rows, care leavers judged with
children in care), ILACS from 2023 (care leavers on their own row) and ILACS from April 2026
(no overall effectiveness). Table cells wrap in the PDFs ("Requires improvement to" / "be good"),
so a grade is only read when its words are whole.
"""

from __future__ import annotations

import re

GRADES = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires improvement to be good": "Requires improvement to be good",
    "requires improvement": "Requires improvement",
    "inadequate": "Inadequate",
}
GRADE = re.compile(r"(outstanding|good|requires improvement(?: to be good)?|inadequate)\s*$", re.I)
FULL_GRADE = "requires improvement to be good"

AREA_LEADERS = "The impact of leaders on social work practice with children and families"
AREA_HELP = "The experiences and progress of children who need help and protection"
AREA_CARE_AND_LEAVERS = "The experiences and progress of children in care and care leavers"
AREA_CARE = "The experiences and progress of children in care"
AREA_LEAVERS = "The experiences and progress of care leavers"
AREA_OVERALL = "Overall effectiveness"

# The SIF's judgements, named as its reports print them (without their numbers).
SIF_AREAS = (
    "Children who need help and protection",
    "Children looked after and achieving permanence",
    "Adoption performance",
    "Experiences and progress of care leavers",
    "Leadership, management and governance",
)
SIF_TITLE = re.compile(
    r"Inspection of services for children in need of help and protection,?\s+children looked "
    r"after and care leavers",
    re.I,
)
SIF_HEADLINE = re.compile(
    r"Children[’']s services in .{2,80}? (?:are (outstanding|good|inadequate)|"
    r"(requires? improvement(?: to be good)?))\b",
    re.I,
)

SIF = "SIF (2014-2018)"
ILACS_2018 = "ILACS (2018-2022)"
ILACS_2023 = "ILACS (2023-2026)"
ILACS_2026 = "ILACS (from April 2026)"


def judgements(texts: list[str]) -> dict[str, str]:
    """Area -> grade from a full report's judgement table (any framework era);
    the body's "<area>: <grade>" headings fill any row the table lost."""
    head = " ".join(t.strip() for t in texts[:80])
    if SIF_TITLE.search(head):
        return _sif_judgements(head)
    found: dict[str, str] = {}
    start = next((i for i, t in enumerate(texts[:80]) if re.match(r"^Judgement\b", t.strip())), None)
    if start is not None:
        label = ""
        rows = _join_wrapped_grades([t.strip() for t in texts[start + 1 : start + 60] if t.strip()])
        for text in rows:
            if re.match(r"^Grade$", text):
                continue
            if text.endswith(".") and len(text) > 60 and not _area(label + " " + text):
                break  # the table is over: prose has begun
            grade_only = GRADE.match(text) and GRADE.match(text).start() == 0
            if grade_only:
                area = _area(label)
                if area and area not in found:
                    found[area] = _grade(text)
                label = ""
                continue
            m = GRADE.search(text)
            if m and _area(label + " " + text[: m.start()]) and not _cut_grade(text[: m.start()]):
                found.setdefault(_area(label + " " + text[: m.start()]), _grade(m.group(1)))
                label = ""
                continue
            if len(label) > 200:
                break
            label = (label + " " + text).strip()
        if len(found) < 2:
            found = _column_judgements(rows) or found
    if not found:
        body = " ".join(t.strip() for t in texts)
        for m in re.finditer(
            r"((?:The experiences and progress of|The impact of leaders on)[^:]{5,120}):\s*"
            r"(outstanding|good|requires improvement(?: to be good)?|inadequate)",
            body,
            re.I,
        ):
            area = _area(m.group(1))
            if area:
                found.setdefault(area, _grade(m.group(2)))
    return found


def framework(texts: list[str], found: dict[str, str]) -> str | None:
    """Which framework a full report was written under, from its title and the shape of its
    judgement table."""
    if SIF_TITLE.search(" ".join(t.strip() for t in texts[:80])):
        return SIF
    if not found:
        return None
    if AREA_CARE_AND_LEAVERS in found:
        return ILACS_2018
    if AREA_LEAVERS in found or AREA_CARE in found:
        return ILACS_2023 if AREA_OVERALL in found else ILACS_2026
    return None


def _join_wrapped_grades(rows: list[str]) -> list[str]:
    """Mend a grade a table cell wrapped: "Requires improvement to" / "be good", "Requires" /
    "improvement to be good", also at the end of a row that carries its area's label."""
    out: list[str] = []
    i = 0
    while i < len(rows):
        text, i = rows[i], i + 1
        m = re.search(r"\brequires(?:\s+improvement)?(?:\s+to)?(?:\s+be)?\s*$", text, re.I)
        if m and _norm(m.group(0)) != FULL_GRADE:
            joined, j = text, i
            while (
                j < len(rows)
                and j < i + 3
                and FULL_GRADE.startswith(_norm(joined[m.start() :] + " " + rows[j]))
            ):
                joined, j = joined + " " + rows[j], j + 1
                if _norm(joined[m.start() :]) == FULL_GRADE:
                    text, i = joined, j
                    break
        out.append(text)
    return out


def _cut_grade(before: str) -> bool:
    """True when the words before a trailing "good" are the first half of a longer grade
    ("Requires improvement to" + "be good"): that "good" is not a grade of its own."""
    return bool(
        re.search(r"\b(?:requires(?:\s+improvement)?(?:\s+to)?(?:\s+be)?|to\s+be|be)\s*$", before, re.I)
    )


AREA_START = re.compile(
    r"The impact of leaders\b|The experiences and progress of\b|Overall effectiveness\b", re.I
)
ANY_GRADE = re.compile(r"\b(Outstanding|Good|Requires improvement to be good|Inadequate)\b", re.I)


def _column_judgements(rows: list[str]) -> dict[str, str]:
    """A table read column by column (every area, then every grade): pair them in order, and only
    when there are as many grades as areas."""
    text = ""
    for row in rows:
        if row.endswith(".") and len(row) > 60:
            break  # prose has begun
        text += " " + row
    starts = [m.start() for m in AREA_START.finditer(text)]
    if len(starts) < 2:
        return {}
    labels = [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]
    grades_at = ANY_GRADE.search(labels[-1])
    if grades_at is None:
        return {}
    labels[-1], tail = labels[-1][: grades_at.start()], labels[-1][grades_at.start() :]
    grades = ANY_GRADE.findall(tail)
    areas = [_area(re.sub(r"\bGrade\b", "", label)) for label in labels]
    if len(grades) != len(areas) or None in areas or any(ANY_GRADE.search(label) for label in labels[:-1]):
        return {}
    return {area: _grade(grade) for area, grade in zip(areas, grades)}


def _sif_judgements(head: str) -> dict[str, str]:
    found: dict[str, str] = {}
    m = SIF_HEADLINE.search(head)
    if m:
        # "Children's services in Wokingham require improvement to be good": the overall judgement.
        found[AREA_OVERALL] = _grade(m.group(1) or re.sub(r"^requires?", "requires", m.group(2).lower()))
    grade = r"(Outstanding|Good|Requires improvement(?: to be good)?|Inadequate)\b"
    for area in SIF_AREAS:
        words = r"\s+".join(re.escape(w) for w in area.split())
        m = re.search(rf"(?:\d(?:\.\d)?\.?\s+)?{words}\s+{grade}", head, re.I)
        if m:
            found[area] = _grade(m.group(1))
    return found


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def _grade(text: str) -> str:
    return GRADES[_norm(text)]


def _area(label: str) -> str | None:
    text = _norm(label)
    if "overall effectiveness" in text:
        return AREA_OVERALL
    if "impact of leaders" in text or "leadership" in text:
        return AREA_LEADERS
    if "help and protection" in text:
        return AREA_HELP
    if "experiences and progress" not in text:
        return None
    if "care leavers" in text and "children in care" in text:
        return AREA_CARE_AND_LEAVERS
    if "care leavers" in text:
        return AREA_LEAVERS
    if "children in care" in text:
        return AREA_CARE
    return None
