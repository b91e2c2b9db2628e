"""The integrity check: the index holds exactly what the catalogue says it should."""

from __future__ import annotations

from contextlib import closing

from common.store import DocumentStore

SAMPLE = 20  # ids listed in a report; the counts are complete


def check_integrity(settings) -> dict:
    """Compare the catalogue with the search engine. ``missing``: documents the
    catalogue records as indexed (with paragraphs) that the index lacks;
    ``orphaned``: index entries with no stored document; ``pending``: stored
    documents not indexed yet. Raises EngineUnavailable if the engine is down."""
    from indexer.engines import open_engine

    with closing(DocumentStore.open(settings)) as store:
        records = list(store.documents(status="ok"))
    expected = {
        r.document_id
        for r in records
        if r.index_status == "indexed" and (r.paragraphs or 0) > 0 and not r.needs_indexing
    }
    pending = sorted(r.document_id for r in records if r.needs_indexing)
    stored = {r.document_id for r in records}
    engine = open_engine(settings)
    try:
        engine.check()
        indexed = set(engine.document_ids())
    finally:
        engine.close()
    missing = sorted(expected - indexed)
    orphaned = sorted(indexed - stored)
    return {
        "documents": len(records),
        "indexed_documents": len(indexed),
        "missing": len(missing),
        "orphaned": len(orphaned),
        "pending": len(pending),
        "missing_ids": missing[:SAMPLE],
        "orphaned_ids": orphaned[:SAMPLE],
        "pending_ids": pending[:SAMPLE],
        "consistent": not missing and not orphaned and not pending,
    }
