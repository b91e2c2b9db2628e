"""What a publication link on an Ofsted provider page says: its type and dates.

Ofsted labels links with screen-reader text "<Title>, PDF - <DD Month YYYY>"
(see ../shared/research/ofsted-site.md §1.3); the title decides whether the
crawler keeps the document and how it is labelled.
"""

from __future__ import annotations

import re
from datetime import datetime

# Labels shared with the indexer (indexer/metadata.py), so facets agree whichever
# side decided the type.
FOCUSED_VISIT = "Children's services focused visit"
INSPECTION = "Children's services inspection"
MONITORING = "Monitoring visit"
JTAI = "Joint targeted area inspection"
KEPT_TYPES = (FOCUSED_VISIT, INSPECTION, MONITORING, JTAI)

_RULES = [
    # JTAI first: its label also contains "inspection".
    (JTAI, re.compile(r"joint (?:area child protection|targeted area) inspection|\bjtai\b")),
    (FOCUSED_VISIT, re.compile(r"focused visit")),
    (MONITORING, re.compile(r"monitoring visit")),
    (
        INSPECTION,
        re.compile(
            r"children's services inspection|inspection of (?:local authority )?children's"
            r"|inspection of services for children|children's social care (?:services )?inspection"
            r"|^ilacs\b|^sif\b"
        ),
    ),
]
_NONVISUAL = re.compile(r"^(?P<title>.*?),\s*pdf\s*-\s*(?P<date>.+?)\s*$", re.I | re.S)


def normalise_title(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip()


def classify(title: str) -> str | None:
    """The project's label for a publication title, or None for types the
    crawler does not keep (area SEND inspections, for example)."""
    text = normalise_title(title).lower()
    for label, pattern in _RULES:
        if pattern.search(text):
            return label
    return None


def parse_long_date(text: str | None) -> str | None:
    """ "09 May 2025", "1 february 2024", "16  August 2013" -> ISO date, else None."""
    if not text:
        return None
    cleaned = re.sub(r"\s+", " ", text).strip().rstrip(".")
    cleaned = re.sub(r"^(\d{1,2})(?:st|nd|rd|th)\b", r"\1", cleaned, flags=re.I)
    for fmt in ("%d %B %Y", "%d %b %Y", "%Y-%m-%d"):
        try:
            return (
                datetime.strptime(cleaned.title() if "%B" in fmt or "%b" in fmt else cleaned, fmt)
                .date()
                .isoformat()
            )
        except ValueError:
            continue
    return None


def parse_nonvisual(text: str) -> tuple[str, str | None]:
    """Split "<Title>, PDF - <date>" into the title and the ISO publication date."""
    match = _NONVISUAL.match(normalise_title(text))
    if not match:
        return normalise_title(text), None
    return match.group("title").strip(), parse_long_date(match.group("date"))
