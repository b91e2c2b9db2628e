"""Paragraphs in and out of the node: the document each paragraph is indexed as (with the
stems and surface words of ``indexer.analysis``), and a hit's paragraph back."""

from __future__ import annotations

from indexer.analysis import analyse, compounds, index_form
from indexer.model import Paragraph
from indexer.prior import paragraph_prior

# Searchable copies derived from the paragraph (stems, surface words): indexed, never
# stored in _source (the mapping excludes them), so hits carry only the paragraph.
DERIVED_FIELDS = ("stems", "heading_stems", "compounds", "words", "prior")


def to_document(p: Paragraph) -> dict:
    doc = p.to_dict()
    text = analyse(p.text or "")
    doc["stems"] = text.stems
    doc["heading_stems"] = index_form(p.section or "")
    doc["compounds"] = compounds(f"{p.section}\n{p.text}")
    doc["words"] = " ".join(text.words)
    doc["prior"] = paragraph_prior(p.text or "", text.count)
    return doc


def hit_paragraph(raw: dict, positive: bool) -> dict:
    source = without_derived(raw["_source"])
    score = raw.get("_score")
    source["score"] = round(float(score), 4) if positive and score is not None else 0.0
    return source


def without_derived(source: dict) -> dict:
    """A stored paragraph without the derived fields (absent in this schema; an older one kept them)."""
    for name in DERIVED_FIELDS:
        source.pop(name, None)
    return source
