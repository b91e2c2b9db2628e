"""The document store: every fetched or ingested document, kept durably.

Raw bytes live in ``blobs/`` addressed by their SHA-256, so the same bytes are
stored once and the search index can always be rebuilt without re-crawling.
A SQLite catalogue holds one row per document (its current version) and one
row per version ever seen, plus the indexer's verdict on each document.

A document's id is derived from where it came from (URL or file path), so it
stays the same across re-crawls and new versions: permalinks do not break.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from common.config import Settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    document_id   TEXT PRIMARY KEY,
    source        TEXT NOT NULL UNIQUE,   -- URL, or absolute file path for ingested files
    kind          TEXT NOT NULL,          -- ofsted | council | file
    title         TEXT,
    document_type TEXT,
    authority     TEXT,
    ons_code      TEXT,
    region        TEXT,
    urn           TEXT,
    published     TEXT,                   -- ISO date from the crawl, when the site gives one
    event_date    TEXT,
    content_type  TEXT,
    sha256        TEXT,
    size          INTEGER,
    version       INTEGER NOT NULL DEFAULT 0,
    etag          TEXT,
    last_modified TEXT,
    fetched_at    TEXT,
    checked_at    TEXT,
    status        TEXT NOT NULL,          -- ok | failed
    error         TEXT,
    extra         TEXT NOT NULL DEFAULT '{}',
    -- what the indexer made of the current version
    index_status  TEXT,                   -- indexed | failed | needs_ocr | skipped
    index_error   TEXT,
    indexed_sha256 TEXT,
    paragraphs    INTEGER,
    metadata      TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS versions (
    document_id TEXT NOT NULL REFERENCES documents(document_id),
    version     INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    fetched_at  TEXT NOT NULL,
    PRIMARY KEY (document_id, version)
);
CREATE TABLE IF NOT EXISTS links (
    from_document TEXT NOT NULL,          -- e.g. a council release
    to_document   TEXT NOT NULL,          -- the Ofsted letter it answers
    relation      TEXT NOT NULL,          -- responds_to
    confidence    REAL NOT NULL,
    PRIMARY KEY (from_document, to_document, relation)
);
CREATE TABLE IF NOT EXISTS crawl_runs (
    run_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    outcome     TEXT,
    stats       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS documents_kind ON documents(kind, status);
-- Why a document is (or is not) linked: the indexer's linking step (indexer/linking.py) writes
-- one row per document and relation it considered, with to_document NULL when it linked nothing.
CREATE TABLE IF NOT EXISTS link_evidence (
    from_document TEXT NOT NULL,
    relation      TEXT NOT NULL,
    to_document   TEXT,
    evidence      TEXT NOT NULL DEFAULT '{}',   -- JSON: quoted passages, date gap, confidence, claims
    considered_at TEXT NOT NULL,
    PRIMARY KEY (from_document, relation)
);
-- The councils crawl's account of each council's site, for `status`: one row per authority.
CREATE TABLE IF NOT EXISTS council_sites (
    authority   TEXT PRIMARY KEY,
    website     TEXT NOT NULL,
    last_read   TEXT,                     -- when a page of the site last answered (ISO time)
    checked_at  TEXT NOT NULL,            -- when the last crawl tried it
    pages       INTEGER NOT NULL DEFAULT 0,  -- pages read by the last crawl
    found       INTEGER NOT NULL DEFAULT 0,  -- news pages its sitemaps or listings named
    kept        INTEGER NOT NULL DEFAULT 0,  -- releases about Ofsted kept
    failures    TEXT NOT NULL DEFAULT '[]'   -- JSON list of "url: reason" of the last crawl
);
"""


TMP_PREFIX = ".tmp-"  # half-written blobs: .tmp-<writer's pid>-<random>


def utcnow() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def document_id_for(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


@dataclass
class DocumentRecord:
    """One catalogue row. ``extra`` carries source-specific facts (e.g. the
    provider page a PDF was linked from); ``metadata`` is what extraction read
    from the document itself."""

    document_id: str
    source: str
    kind: str
    status: str = "ok"
    title: str | None = None
    document_type: str | None = None
    authority: str | None = None
    ons_code: str | None = None
    region: str | None = None
    urn: str | None = None
    published: str | None = None
    event_date: str | None = None
    content_type: str | None = None
    sha256: str | None = None
    size: int | None = None
    version: int = 0
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: str | None = None
    checked_at: str | None = None
    error: str | None = None
    extra: dict = field(default_factory=dict)
    index_status: str | None = None
    index_error: str | None = None
    indexed_sha256: str | None = None
    paragraphs: int | None = None
    metadata: dict = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "DocumentRecord":
        data = dict(row)
        data["extra"] = json.loads(data.get("extra") or "{}")
        data["metadata"] = json.loads(data.get("metadata") or "{}")
        return cls(**data)

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def needs_indexing(self) -> bool:
        return self.status == "ok" and self.indexed_sha256 != self.sha256


# Fields a caller may set when storing a document (the rest the store owns).
DESCRIPTIVE_FIELDS = (
    "title",
    "document_type",
    "authority",
    "ons_code",
    "region",
    "urn",
    "published",
    "event_date",
    "content_type",
    "etag",
    "last_modified",
)


class StoreError(RuntimeError):
    """The store could not be read or written (e.g. a read-only or full disk)."""


class DocumentStore:
    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.blobs_dir = self.data_dir / "blobs"
        try:
            self.blobs_dir.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                Settings(data_dir=self.data_dir).catalogue_path,
                timeout=30,
                isolation_level=None,
                check_same_thread=False,
            )
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the document store in {self.data_dir}: {exc}") from exc

    @classmethod
    def open(cls, settings) -> "DocumentStore":
        return cls(settings.data_dir)

    @classmethod
    def open_existing(cls, settings) -> "DocumentStore | None":
        """The store to read only, or None when there is none yet: nothing is created
        (status pages must never make the data directory)."""
        path = settings.catalogue_path
        if not path.exists():
            return None
        store = cls.__new__(cls)
        store.data_dir, store.blobs_dir = Path(settings.data_dir), Path(settings.data_dir) / "blobs"
        try:
            store._db = sqlite3.connect(
                f"file:{path}?mode=ro", uri=True, timeout=30, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the document store in {settings.data_dir}: {exc}") from exc
        store._db.row_factory = sqlite3.Row
        return store

    def close(self) -> None:
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @contextmanager
    def _transaction(self):
        try:
            self._db.execute("BEGIN IMMEDIATE")
            yield self._db
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    # -- blobs ---------------------------------------------------------------
    def blob_path(self, sha256: str) -> Path:
        return self.blobs_dir / sha256[:2] / sha256

    def _write_blob(self, body: bytes) -> str:
        digest = hashlib.sha256(body).hexdigest()
        path = self.blob_path(digest)
        if path.exists():
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file and rename, so a crash never leaves half a blob.
        # The name carries our pid: remove_leftovers knows a killed writer's from a live one's.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{TMP_PREFIX}{os.getpid()}-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def remove_leftovers(self) -> int:
        """Delete half-written blobs left by writers that were killed (their pid is gone);
        a blob is only ever visible under its digest once complete. Returns how many."""
        from common.lifetime import pid_alive

        removed = 0
        for tmp in self.blobs_dir.glob(f"*/{TMP_PREFIX}*"):
            pid = tmp.name[len(TMP_PREFIX) :].split("-", 1)[0]
            if pid.isdigit() and pid_alive(int(pid)):
                continue
            tmp.unlink(missing_ok=True)
            removed += 1
        return removed

    def read_bytes(self, record: DocumentRecord) -> bytes:
        if not record.sha256:
            raise StoreError(f"document {record.document_id} has no stored content")
        return self.blob_path(record.sha256).read_bytes()

    # -- writing -------------------------------------------------------------
    def put(
        self, source: str, body: bytes, *, kind: str, extra: dict | None = None, **descriptive
    ) -> tuple[DocumentRecord, bool]:
        """Store a fetched or ingested document. Returns the record and whether
        its content is new (a first version, or a changed one)."""
        unknown = set(descriptive) - set(DESCRIPTIVE_FIELDS)
        if unknown:
            raise TypeError(f"unknown document fields: {sorted(unknown)}")
        now = utcnow()
        try:
            digest = self._write_blob(body)
        except OSError as exc:
            raise StoreError(f"cannot write {source} to the store: {exc}") from exc
        with self._transaction() as db:
            current = self._get_by_source(db, source)
            changed = current is None or current.sha256 != digest or current.status != "ok"
            doc_id = current.document_id if current else document_id_for(source)
            version = (current.version if current else 0) + (1 if changed else 0)
            merged_extra = {**(current.extra if current else {}), **(extra or {})}
            fields = {k: v for k, v in descriptive.items() if v is not None}
            row = {
                "document_id": doc_id,
                "source": source,
                "kind": kind,
                "status": "ok",
                "sha256": digest,
                "size": len(body),
                "version": version,
                "fetched_at": now if changed else (current.fetched_at if current else now),
                "checked_at": now,
                "error": None,
                "extra": json.dumps(merged_extra),
                **fields,
            }
            self._upsert(db, row)
            if changed:
                db.execute(
                    "INSERT OR REPLACE INTO versions VALUES (?,?,?,?,?)",
                    (doc_id, version, digest, len(body), now),
                )
        return self.get(doc_id), changed

    def touch(self, source: str, **descriptive) -> DocumentRecord | None:
        """Record that a source was checked and found unchanged (HTTP 304)."""
        fields = {k: v for k, v in descriptive.items() if v is not None and k in DESCRIPTIVE_FIELDS}
        with self._transaction() as db:
            current = self._get_by_source(db, source)
            if current is None:
                return None
            self._upsert(
                db,
                {
                    "document_id": current.document_id,
                    "source": source,
                    "kind": current.kind,
                    "status": current.status,
                    "checked_at": utcnow(),
                    **fields,
                },
            )
        return self.get(current.document_id)

    def record_failure(self, source: str, reason: str, *, kind: str, **descriptive) -> DocumentRecord:
        """Remember a document that could not be fetched, so it is reported and retried.
        A previously good version is kept and stays searchable."""
        fields = {k: v for k, v in descriptive.items() if v is not None and k in DESCRIPTIVE_FIELDS}
        with self._transaction() as db:
            current = self._get_by_source(db, source)
            if current is not None and current.status == "ok" and current.sha256:
                row = {
                    "document_id": current.document_id,
                    "source": source,
                    "kind": current.kind,
                    "status": "ok",
                    "error": reason,
                    "checked_at": utcnow(),
                }
            else:
                row = {
                    "document_id": document_id_for(source),
                    "source": source,
                    "kind": kind,
                    "status": "failed",
                    "error": reason,
                    "checked_at": utcnow(),
                    **fields,
                }
            self._upsert(db, row)
        return self.get_by_source(source)

    def _upsert(self, db, row: dict) -> None:
        cols = list(row)
        updates = ", ".join(f"{c}=excluded.{c}" for c in cols if c != "document_id")
        db.execute(
            f"INSERT INTO documents ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
            f"ON CONFLICT(document_id) DO UPDATE SET {updates}",
            [row[c] for c in cols],
        )

    def set_index_result(
        self,
        document_id: str,
        *,
        status: str,
        sha256: str | None,
        paragraphs: int = 0,
        error: str | None = None,
        metadata: dict | None = None,
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE documents SET index_status=?, index_error=?, indexed_sha256=?, "
                "paragraphs=?, metadata=? WHERE document_id=?",
                (status, error, sha256, paragraphs, json.dumps(metadata or {}, default=str), document_id),
            )

    def update_fields(self, document_id: str, **descriptive) -> None:
        fields = {k: v for k, v in descriptive.items() if k in DESCRIPTIVE_FIELDS}
        if fields:
            with self._transaction() as db:
                sets = ", ".join(f"{k}=?" for k in fields)
                db.execute(
                    f"UPDATE documents SET {sets} WHERE document_id=?", [*fields.values(), document_id]
                )

    def add_link(
        self,
        from_document: str,
        to_document: str,
        relation: str,
        confidence: float,
        *,
        exclusive: bool = False,
    ) -> None:
        """Link two documents. ``exclusive`` replaces any earlier link of that relation
        from the same document (a release answers one letter: the best match wins)."""
        with self._transaction() as db:
            if exclusive:
                db.execute(
                    "DELETE FROM links WHERE from_document=? AND relation=?", (from_document, relation)
                )
            db.execute(
                "INSERT OR REPLACE INTO links VALUES (?,?,?,?)",
                (from_document, to_document, relation, confidence),
            )

    def record_link(
        self, from_document: str, to_document: str | None, relation: str, confidence: float, evidence: dict
    ) -> None:
        """The linking step's verdict on one document, in one transaction: its link of ``relation``
        (replacing any earlier one; none when ``to_document`` is None) and the evidence for it."""
        with self._transaction() as db:
            db.execute("DELETE FROM links WHERE from_document=? AND relation=?", (from_document, relation))
            if to_document is not None:
                db.execute(
                    "INSERT OR REPLACE INTO links VALUES (?,?,?,?)",
                    (from_document, to_document, relation, confidence),
                )
            db.execute(
                "INSERT OR REPLACE INTO link_evidence VALUES (?,?,?,?,?)",
                (from_document, relation, to_document, json.dumps(evidence, default=str), utcnow()),
            )

    def link_evidence(self, from_document: str, relation: str) -> dict | None:
        """The evidence recorded with ``from_document``'s link of ``relation`` (None: never considered)."""
        row = self._db.execute(
            "SELECT to_document, evidence, considered_at FROM link_evidence WHERE from_document=? AND relation=?",
            (from_document, relation),
        ).fetchone()
        if row is None:
            return None
        return {"to_document": row[0], "considered_at": row[2], **json.loads(row[1])}

    def linked_from(self, relation: str) -> dict[str, str]:
        """Every link of ``relation``: from document -> to document."""
        rows = self._db.execute("SELECT from_document, to_document FROM links WHERE relation=?", (relation,))
        return {r[0]: r[1] for r in rows}

    # -- crawl runs ----------------------------------------------------------
    def start_run(self, source: str) -> int:
        with self._transaction() as db:
            cur = db.execute("INSERT INTO crawl_runs (source, started_at) VALUES (?, ?)", (source, utcnow()))
            return cur.lastrowid

    def finish_run(self, run_id: int, outcome: str, stats: dict) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE crawl_runs SET finished_at=?, outcome=?, stats=? WHERE run_id=?",
                (utcnow(), outcome, json.dumps(stats, default=str), run_id),
            )

    def runs(self, limit: int = 20) -> list[dict]:
        rows = self._db.execute("SELECT * FROM crawl_runs ORDER BY run_id DESC LIMIT ?", (limit,))
        return [{**dict(r), "stats": json.loads(r["stats"])} for r in rows]

    # -- reading -------------------------------------------------------------
    def _get_by_source(self, db, source: str) -> DocumentRecord | None:
        row = db.execute("SELECT * FROM documents WHERE source=?", (source,)).fetchone()
        return DocumentRecord.from_row(row) if row else None

    def get(self, document_id: str) -> DocumentRecord | None:
        row = self._db.execute("SELECT * FROM documents WHERE document_id=?", (document_id,)).fetchone()
        return DocumentRecord.from_row(row) if row else None

    def get_by_source(self, source: str) -> DocumentRecord | None:
        return self._get_by_source(self._db, source)

    def documents(
        self, *, kind: str | None = None, status: str | None = None, authority: str | None = None
    ) -> Iterator[DocumentRecord]:
        sql, args = "SELECT * FROM documents WHERE 1=1", []
        if authority:  # one authority's documents (its page) without reading every row
            sql, args = sql + " AND authority=?", args + [authority]
        if kind:
            sql, args = sql + " AND kind=?", args + [kind]
        if status:
            sql, args = sql + " AND status=?", args + [status]
        for row in self._db.execute(sql + " ORDER BY published, document_id", args).fetchall():
            yield DocumentRecord.from_row(row)

    def versions(self, document_id: str) -> list[dict]:
        rows = self._db.execute("SELECT * FROM versions WHERE document_id=? ORDER BY version", (document_id,))
        return [dict(r) for r in rows]

    def links(self, document_id: str) -> list[dict]:
        rows = self._db.execute(
            "SELECT * FROM links WHERE from_document=? OR to_document=? ORDER BY confidence DESC",
            (document_id, document_id),
        )
        return [dict(r) for r in rows]

    def counts(self) -> dict:
        row = self._db.execute(
            "SELECT count(*) AS documents,"
            " sum(status='ok') AS stored, sum(status='failed') AS failed_fetch,"
            " sum(index_status='indexed') AS indexed,"
            " sum(index_status IN ('failed','needs_ocr')) AS failed_index,"
            " coalesce(sum(paragraphs), 0) AS paragraphs,"
            " max(published) AS newest, max(checked_at) AS last_checked FROM documents"
        ).fetchone()
        return {k: (row[k] or 0) if k not in ("newest", "last_checked") else row[k] for k in row.keys()}

    def content_changed_at(self, document_id: str | None = None) -> dict[str, str]:
        """Document id -> when its current content was first fetched (its current version's
        fetch): a corrected letter republished at the same address changes it."""
        sql = (
            "SELECT d.document_id, v.fetched_at FROM documents d JOIN versions v "
            "ON v.document_id = d.document_id AND v.version = d.version"
        )
        rows = (
            self._db.execute(sql + " WHERE d.document_id=?", (document_id,))
            if document_id
            else self._db.execute(sql)
        )
        return {r[0]: r[1] for r in rows}

    def failures(self) -> list[DocumentRecord]:
        rows = self._db.execute(
            "SELECT * FROM documents WHERE status='failed' OR index_status IN ('failed','needs_ocr') "
            "ORDER BY source"
        )
        return [DocumentRecord.from_row(r) for r in rows]

    # -- what the scheduler reads (a store opened with open_existing may lack tables) ------
    def _has_table(self, name: str) -> bool:
        found = self._db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,))
        return found.fetchone() is not None

    def changes_since(self, since: str, *, kind: str | None = None) -> dict:
        """Documents new, changed and failed since ``since`` (ISO), and bytes of new content."""
        if not self._has_table("versions"):
            return {"new": 0, "changed": 0, "failed": 0, "bytes": 0}
        where, args = ("AND d.kind=?", [kind]) if kind else ("", [])
        row = self._db.execute(
            "SELECT coalesce(sum(v.version=1),0) AS new, coalesce(sum(v.version>1),0) AS changed, "
            "coalesce(sum(v.size),0) AS bytes FROM versions v JOIN documents d USING (document_id) "
            f"WHERE v.fetched_at>=? {where}",
            [since, *args],
        ).fetchone()
        failed = self._db.execute(
            "SELECT count(*) FROM documents d WHERE d.checked_at>=? "
            f"AND (d.status='failed' OR d.error IS NOT NULL) {where}",
            [since, *args],
        ).fetchone()[0]
        return {"new": row["new"], "changed": row["changed"], "failed": failed, "bytes": row["bytes"]}

    def pending_index_count(self) -> int:
        """Stored documents whose current content is not yet indexed."""
        if not self._has_table("documents"):
            return 0
        return self._db.execute(
            "SELECT count(*) FROM documents WHERE status='ok' AND sha256 IS NOT NULL "
            "AND (indexed_sha256 IS NULL OR indexed_sha256 != sha256)"
        ).fetchone()[0]

    def last_finished_runs(self, outcomes: tuple[str, ...]) -> dict[str, str]:
        """The crawler's runs: for each run's sources (e.g. "ofsted+councils"), when the last
        run with one of these outcomes finished."""
        if not self._has_table("crawl_runs"):
            return {}
        rows = self._db.execute(
            "SELECT source, max(finished_at) FROM crawl_runs "
            f"WHERE outcome IN ({','.join('?' * len(outcomes))}) GROUP BY source",
            outcomes,
        ).fetchall()
        return {sources: finished for sources, finished in rows}

    # -- council sites (the councils crawl) ---------------------------------------------------
    def record_council_site(
        self,
        authority: str,
        website: str,
        *,
        read_at: str | None,
        pages: int,
        found: int,
        kept: int,
        failures: list[str],
    ) -> None:
        """What the last crawl of one council's site did; ``read_at`` None keeps the last read."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO council_sites (authority, website, last_read, checked_at, pages, found, kept,"
                " failures) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(authority) DO UPDATE SET"
                " website=excluded.website, last_read=coalesce(excluded.last_read, council_sites.last_read),"
                " checked_at=excluded.checked_at, pages=excluded.pages, found=excluded.found,"
                " kept=excluded.kept, failures=excluded.failures",
                (authority, website, read_at, utcnow(), pages, found, kept, json.dumps(failures)),
            )

    def council_sites(self) -> list[dict]:
        rows = self._db.execute("SELECT * FROM council_sites ORDER BY authority")
        return [{**dict(r), "failures": json.loads(r["failures"])} for r in rows]
