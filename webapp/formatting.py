"""Plain-text formatting shared by pages, exports and feeds."""
from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache


@lru_cache(maxsize=4096)  # exports format the same few thousand dates again and again
def long_date(value: str | None) -> str:
    """ISO date → "5 March 2024", as GOV.UK writes dates; anything else as given."""
    if not value:
        return ""
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{day.day} {day:%B %Y}"


def date_time(value: str | None) -> str:
    """ISO timestamp → "23 November 2026, 06:57 UTC"; anything else as given."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


def citation(paragraph: dict, url: str) -> str:
    """Authority, document, date, paragraph and permalink: enough to find it again."""
    parts = [paragraph.get("authority") or "Unknown authority",
             f"\u201c{paragraph.get('document_title') or 'Untitled document'}\u201d"]
    if paragraph.get("published"):
        parts.append(f"published {long_date(paragraph['published'])}")
    parts.append(f"paragraph {paragraph.get('paragraph_number')}")
    return ", ".join(parts) + f". {url}"
