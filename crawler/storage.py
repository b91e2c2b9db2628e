"""One DocumentStore per crawl, shared by the middlewares and the pipeline."""

from __future__ import annotations

from pathlib import Path

from common.store import DocumentStore

DATA_DIR_SETTING = "OFSTED_FINDINGS_DATA_DIR"


def store_for(crawler) -> DocumentStore:
    store = getattr(crawler, "_ofsted_findings_store", None)
    if store is None:
        data_dir = crawler.settings.get(DATA_DIR_SETTING)
        if not data_dir:
            raise RuntimeError(f"the crawl needs the {DATA_DIR_SETTING} setting (where the store lives)")
        store = DocumentStore(Path(data_dir))
        crawler._ofsted_findings_store = store
    return store
