"""A council response's claims beside the findings it answers, as the linking step recorded them
(indexer/linking.py, the store's link_evidence): what the document page, the document API and
the exports show."""

from __future__ import annotations

from typing import Iterable, Iterator

from ofsted_findings.export_format import COLUMNS

RELATION = "responds_to"
RESPONDS_TO = COLUMNS.index("responds_to")


def claims(store, document_id: str) -> dict:
    """``responds_to`` (the letter's document id, or None), ``quotes`` (each passage the response
    quotes: its status, the letter paragraph and the difference), ``omitted_improvements`` (the
    letter's areas for improvement it does not mention) and ``link_evidence`` (confidence, date
    gap, reasons, tone of both). Empty for a document that is not a linked response."""
    evidence = store.link_evidence(document_id, RELATION) or {}
    # The links table says what is linked (a link may predate its evidence); the evidence, why.
    letter = next(
        (
            link["to_document"]
            for link in store.links(document_id)
            if link["from_document"] == document_id and link["relation"] == RELATION
        ),
        None,
    )
    if evidence.get("to_document") != letter:
        evidence = {}
    return {
        "responds_to": letter,
        "quotes": evidence.get("quotes", []) if letter else [],
        "omitted_improvements": evidence.get("omitted_improvements", []) if letter else [],
        "link_evidence": (
            {
                key: evidence.get(key)
                for key in (
                    "confidence",
                    "days",
                    "published_source",
                    "kind",
                    "reasons",
                    "tone",
                    "considered_at",
                )
            }
            if evidence
            else None
        ),
    }


def with_responds_to(rows: Iterable[tuple], links: dict[str, str]) -> Iterator[tuple]:
    """Export rows (in COLUMNS order) with each response's ``responds_to`` filled from the store."""
    for row in rows:
        letter = links.get(row[0])
        yield row if letter is None else (*row[:RESPONDS_TO], letter, *row[RESPONDS_TO + 1 :])
