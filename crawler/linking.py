"""Link each council release to the Ofsted document it responds to.

A release answers a letter of the same authority, published shortly before
it, and usually repeats some of the letter's wording (quoted findings). The
confidence combines the three; only the best letter above the threshold is
linked, with relation "responds_to".
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

from common.store import DocumentRecord, DocumentStore

logger = logging.getLogger(__name__)

RELATION = "responds_to"
DAYS_BEFORE = (
    7  # a council may publish on the day its embargoed letter goes out, or just before the site does
)
DAYS_AFTER = 120  # a release months after the letter answers it only if it quotes it
SHINGLE = 5  # words per shingle: long enough that shared ones are quoted wording
THRESHOLD = 0.4


@dataclass
class Match:
    letter_id: str
    confidence: float
    days: int | None
    shared: int


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("\u2019", "'").replace("'", ""))


def shingles(text: str, size: int = SHINGLE) -> set[tuple[str, ...]]:
    tokens = words(text)
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def pdf_text(data: bytes) -> str:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return ""
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def html_text(data: bytes) -> str:
    from indexer.html import read_html

    page = read_html(data.decode("utf-8", "replace"))
    return "\n".join(block.text for block in page.blocks)


def _days(release: DocumentRecord, letter: DocumentRecord) -> int | None:
    try:
        return (date.fromisoformat(release.published) - date.fromisoformat(letter.published)).days
    except (TypeError, ValueError):
        return None


def confidence(days: int | None, shared: int, release_text: str, letter_type: str | None) -> float:
    """0..1: how sure we are that a release answers a letter (same authority assumed)."""
    overlap = min(shared / 6, 1.0)
    if days is None:
        score = 0.8 * overlap
    elif -DAYS_BEFORE <= days <= DAYS_AFTER:
        timeliness = 1.0 - max(days, 0) / (DAYS_AFTER * 1.5)
        score = 0.5 * timeliness + 0.4 * overlap
    else:
        score = 0.5 * overlap  # out of the window: only quoted wording can tie them
    text = release_text.lower()
    if letter_type and "focused visit" in letter_type.lower() and "focused visit" in text:
        score += 0.1
    elif letter_type and "monitoring" in letter_type.lower() and "monitoring visit" in text:
        score += 0.1
    elif letter_type and "inspection" in letter_type.lower() and "inspection" in text:
        score += 0.05
    return round(min(score, 1.0), 3)


def best_match(
    store: DocumentStore, release: DocumentRecord, letters: list[DocumentRecord], texts: dict[str, set]
) -> Match | None:
    release_text = html_text(store.read_bytes(release))
    release_shingles = shingles(release_text)
    best = None
    for letter in letters:
        if letter.document_id not in texts:
            texts[letter.document_id] = shingles(pdf_text(store.read_bytes(letter)))
        shared = len(release_shingles & texts[letter.document_id])
        days = _days(release, letter)
        score = confidence(days, shared, release_text, letter.document_type)
        if best is None or score > best.confidence:
            best = Match(letter.document_id, score, days, shared)
    return best if best and best.confidence >= THRESHOLD else None


def link_releases(store: DocumentStore) -> int:
    """Link every stored council release to its letter; returns how many links were made."""
    letters_by_authority: dict[str, list[DocumentRecord]] = {}
    for letter in store.documents(kind="ofsted", status="ok"):
        if letter.authority:
            letters_by_authority.setdefault(letter.authority, []).append(letter)
    texts: dict[str, set] = {}
    links = 0
    for release in store.documents(kind="council", status="ok"):
        candidates = letters_by_authority.get(release.authority or "", [])
        if not candidates:
            continue
        try:
            match = best_match(store, release, candidates, texts)
        except OSError as exc:
            logger.warning("cannot link %s: %s", release.source, exc)
            continue
        if match:
            store.add_link(release.document_id, match.letter_id, RELATION, match.confidence, exclusive=True)
            links += 1
    return links
