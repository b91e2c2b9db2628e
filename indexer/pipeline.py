"""From the document store to the search engine: extract in parallel, load, record.

``build_index`` rebuilds the whole index (the default) or, incrementally, only
the documents whose stored content changed since they were last indexed.
``ingest`` adds local files to the store and indexes them.
"""

from __future__ import annotations

import logging
import mimetypes
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from common.lifetime import die_with_parent
from common.progress import progress_bar
from common.store import DocumentRecord, DocumentStore, StoreError
from indexer.engines import SearchEngine, open_engine
from indexer.extract import ExtractedDocument, ExtractionError, extract_document
from indexer.model import Paragraph

log = logging.getLogger(__name__)
INGESTIBLE = {".pdf", ".html", ".htm", ".txt"}


@dataclass
class IndexSummary:
    documents: int = 0
    indexed: int = 0
    unchanged: int = 0
    paragraphs: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (source, status, reason)
    # Documents that are not what the index is for (e.g. an unrelated web page): (source, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    links: dict = field(default_factory=dict)  # what the linking step did (indexer/linking.py)

    def to_dict(self) -> dict:
        return {
            "documents": self.documents,
            "indexed": self.indexed,
            "unchanged": self.unchanged,
            "paragraphs": self.paragraphs,
            "failed": [{"source": s, "status": st, "reason": r} for s, st, r in self.failed],
            "skipped": [{"source": s, "reason": r} for s, r in self.skipped],
            "links": self.links,
        }


def _extract_job(record: DocumentRecord, blob_path: str) -> ExtractedDocument | ExtractionError:
    """Runs in a worker process: errors come back as values so one bad file never stops the pool."""
    try:
        return extract_document(record, Path(blob_path).read_bytes())
    except ExtractionError as exc:
        return exc
    except Exception as exc:  # a bug or a file no rule foresaw: reported, never fatal
        log.exception("extraction crashed on %s", record.source)
        return ExtractionError(f"unexpected extraction error: {type(exc).__name__}: {exc}")


def _extracted(
    store: DocumentStore, records: list[DocumentRecord], workers: int, progress: bool
) -> Iterator[tuple[DocumentRecord, ExtractedDocument | ExtractionError]]:
    jobs = [(r, str(store.blob_path(r.sha256))) for r in records]
    with progress_bar("Extracting", total=len(jobs), enabled=progress) as advance:
        if workers <= 1 or len(jobs) < 4:
            for record, path in jobs:
                yield record, _extract_job(record, path)
                advance()
            return
        # Spawned, not forked: a worker starts from a fresh interpreter, so it never
        # inherits the index lock (or any other descriptor) of the command; and it is
        # killed by the kernel if the command dies, so none is ever left orphaned.
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )
        try:
            results = pool.map(_extract_job, *zip(*jobs), chunksize=4)
            for (record, _), result in zip(jobs, results):
                yield record, result
                advance()
        finally:
            # On an error or SIGTERM, drop the queued documents rather than extract them all.
            pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class _Outcome:
    record: DocumentRecord
    status: str
    paragraphs: int = 0
    error: str | None = None
    metadata: dict | None = None


def _paragraphs(
    store: DocumentStore,
    records: list[DocumentRecord],
    outcomes: list[_Outcome],
    workers: int,
    progress: bool,
) -> Iterator[Paragraph]:
    for record, result in _extracted(store, records, workers, progress):
        if isinstance(result, ExtractionError):
            outcomes.append(_Outcome(record, result.status, error=result.reason))
            continue
        outcomes.append(_Outcome(record, "indexed", len(result.paragraphs), metadata=result.metadata))
        yield from result.paragraphs


def _record(store: DocumentStore, outcomes: list[_Outcome], summary: IndexSummary) -> None:
    """Write what indexing made of each document into the catalogue. Called only
    once the engine has committed, so the catalogue never claims paragraphs the
    index lacks."""
    for o in outcomes:
        record = o.record
        if o.status == "skipped":
            summary.skipped.append((record.source, o.error))
        elif o.status != "indexed":
            summary.failed.append((record.source, o.status, o.error))
        else:
            summary.indexed += 1
            summary.paragraphs += o.paragraphs
            if record.kind == "file":
                # Ingested files have no crawl metadata: the catalogue takes what the content says.
                store.update_fields(
                    record.document_id,
                    **{
                        k: o.metadata.get(k)
                        for k in ("title", "document_type", "authority", "ons_code", "region", "published")
                        if o.metadata.get(k)
                    },
                )
        store.set_index_result(
            record.document_id,
            status=o.status,
            sha256=record.sha256,
            paragraphs=o.paragraphs,
            error=o.error,
            metadata=o.metadata,
        )


def build_index(
    settings,
    *,
    full: bool = True,
    progress: bool = True,
    workers: int | None = None,
    engine: SearchEngine | None = None,
    store: DocumentStore | None = None,
) -> IndexSummary:
    own_store, own_engine = store is None, engine is None
    store = store or DocumentStore.open(settings)
    engine = engine or open_engine(settings)
    workers = workers or os.cpu_count() or 1
    try:
        store.remove_leftovers()  # half-written blobs of a killed crawl or ingest
        getattr(engine, "remove_leftovers", lambda: None)()  # e.g. half-built index files
        records = list(store.documents(status="ok"))
        summary = IndexSummary(documents=len(records))
        outcomes: list[_Outcome] = []
        if full:
            engine.rebuild(_paragraphs(store, records, outcomes, workers, progress))
        else:
            todo = [r for r in records if r.needs_indexing]
            summary.unchanged = len(records) - len(todo)
            # A document's old paragraphs go only once its new ones are ready.
            paragraphs = list(_paragraphs(store, todo, outcomes, workers, progress))
            engine.replace_documents([r.document_id for r in todo], paragraphs)
            stale = engine.document_ids() - {r.document_id for r in records}
            if stale:
                engine.delete_documents(stale)
        _record(store, outcomes, summary)
        summary.links = link_after_change(store, None if full else _authorities(store, outcomes)).to_dict()
        return summary
    finally:
        if own_engine:
            engine.close()
        if own_store:
            store.close()


def _authorities(store: DocumentStore, outcomes: list[_Outcome]) -> set[str]:
    """The authorities whose documents changed: their responses are linked again (a new letter
    may be the one an older response answers)."""
    names = set()
    for o in outcomes:
        names.add((o.metadata or {}).get("authority") or o.record.authority)
    return {n for n in names if n}


def link_after_change(store: DocumentStore, authorities: set[str] | None = None):
    """The linking step, run after every change to the store (crawl, ingest, index)."""
    from indexer.linking import link_documents

    return link_documents(store, authorities)


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        path = Path(path)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in INGESTIBLE)
        else:
            yield path


@dataclass
class IngestSummary:
    files: int = 0
    new: int = 0
    unchanged: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    index: IndexSummary | None = None

    def to_dict(self) -> dict:
        return {
            "files": self.files,
            "new": self.new,
            "unchanged": self.unchanged,
            "unreadable": [{"source": s, "reason": r} for s, r in self.unreadable],
            "index": self.index.to_dict() if self.index else None,
        }


def ingest(
    settings, paths: Iterable[Path], *, progress: bool = True, workers: int | None = None
) -> IngestSummary:
    """Add local files (or folders of them) to the store, then index what changed."""
    summary = IngestSummary()
    with DocumentStore.open(settings) as store:
        for path in iter_files(paths):
            summary.files += 1
            source = str(path.resolve())
            try:
                body = path.read_bytes()
            except OSError as exc:
                reason = f"cannot read file: {exc.strerror or exc}"
                summary.unreadable.append((source, reason))
                store.record_failure(source, reason, kind="file")
                continue
            content_type = mimetypes.guess_type(path.name)[0]
            try:
                _, changed = store.put(source, body, kind="file", content_type=content_type, title=path.name)
            except StoreError as exc:
                summary.unreadable.append((source, str(exc)))
                continue
            summary.new += changed
            summary.unchanged += not changed
        summary.index = build_index(settings, full=False, progress=progress, workers=workers, store=store)
    return summary
