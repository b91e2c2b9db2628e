"""Plain-text formatting shared by pages, exports (whoever makes them) and feeds."""

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


COUNCIL_RESPONSE = "Council response"  # the document type indexer.metadata gives a council's answer


def citation(paragraph: dict, url: str) -> str:
    """Author, document, authority, date, source, paragraph and permalink: enough to find it again."""
    stem = citation_stem(
        paragraph.get("authority"),
        paragraph.get("document_title"),
        paragraph.get("published"),
        paragraph.get("document_type"),
        paragraph.get("source"),
    )
    return f"{stem}{paragraph.get('paragraph_number')}. {url}"


def citation_stem(
    authority: str | None,
    document_title: str | None,
    published: str | None,
    document_type: str | None = None,
    source: str | None = None,
) -> str:
    """A citation up to its paragraph number: the same for every paragraph of a
    document, so an export of 100k rows formats it once per document. The author is
    Ofsted, except for a council's response, whose author is the council."""
    council = document_type == COUNCIL_RESPONSE
    author = (authority or "Unknown authority") if council else "Ofsted"
    parts = [author, f"\u201c{document_title or 'Untitled document'}\u201d"]
    if not council:
        parts.append(authority or "Unknown authority")
    if published:
        parts.append(f"published {long_date(published)}")
    if source and source.startswith(("http://", "https://")):
        parts.append(source)  # the original, where Ofsted (or the council) publishes it
    return ", ".join(parts) + ", paragraph "
