"""A council response's claims beside the findings it answers, as the linking step recorded them
(indexer/linking.py, the store's link_evidence): what the document page, the document API and
the exports show."""

from __future__ import annotations

from indexer.linking import RELATION


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
