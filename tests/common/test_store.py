import hashlib

import pytest

from common.store import DocumentStore, StoreError, document_id_for

URL = "https://files.ofsted.gov.uk/v1/file/50000001"


@pytest.fixture
def store(tmp_path):
    with DocumentStore(tmp_path / "data") as s:
        yield s


def test_put_keeps_bytes_by_hash_and_catalogues_them(store):
    record, changed = store.put(
        URL, b"%PDF-1.7 one", kind="ofsted", authority="Wigan", published="2024-11-28", etag='"v1"'
    )
    assert changed and record.version == 1 and record.status == "ok"
    assert record.document_id == document_id_for(URL)
    assert record.sha256 == hashlib.sha256(b"%PDF-1.7 one").hexdigest()
    assert store.read_bytes(record) == b"%PDF-1.7 one"
    assert (record.authority, record.published, record.etag) == ("Wigan", "2024-11-28", '"v1"')


def test_unchanged_content_is_not_a_new_version_and_changed_content_is(store):
    first, _ = store.put(URL, b"one", kind="ofsted")
    again, changed = store.put(URL, b"one", kind="ofsted")
    assert not changed and again.version == 1 and again.document_id == first.document_id
    newer, changed = store.put(URL, b"two", kind="ofsted")
    assert changed and newer.version == 2 and newer.document_id == first.document_id
    assert [v["version"] for v in store.versions(first.document_id)] == [1, 2]
    # Both versions' bytes are kept: the old one can still be read by hash.
    assert store.blob_path(first.sha256).read_bytes() == b"one"


def test_a_failed_refetch_keeps_the_good_version(store):
    good, _ = store.put(URL, b"good", kind="ofsted")
    store.record_failure(URL, "HTTP 500", kind="ofsted")
    after = store.get(good.document_id)
    assert after.status == "ok" and after.sha256 == good.sha256 and after.error == "HTTP 500"


def test_failures_are_recorded_with_their_reason(store):
    store.record_failure("https://example.invalid/x.pdf", "not a PDF (text/html)", kind="ofsted")
    [failed] = store.failures()
    assert failed.status == "failed" and "not a PDF" in failed.error
    assert store.counts()["failed_fetch"] == 1


def test_index_results_and_needs_indexing(store):
    record, _ = store.put(URL, b"one", kind="ofsted")
    assert record.needs_indexing
    store.set_index_result(
        record.document_id,
        status="indexed",
        sha256=record.sha256,
        paragraphs=12,
        metadata={"visit_start": "2024-10-29"},
    )
    record = store.get(record.document_id)
    assert not record.needs_indexing and record.paragraphs == 12
    assert record.metadata == {"visit_start": "2024-10-29"}
    record, _ = store.put(URL, b"two", kind="ofsted")
    assert record.needs_indexing


def test_links_and_runs(store):
    store.add_link("release", "letter", "responds_to", 0.6)
    assert store.links("letter")[0]["from_document"] == "release"
    store.add_link("release", "better-letter", "responds_to", 0.9, exclusive=True)
    assert [link["to_document"] for link in store.links("release")] == ["better-letter"]
    run = store.start_run("ofsted")
    store.finish_run(run, "ok", {"documents_new": 3})
    assert store.runs()[0]["stats"] == {"documents_new": 3}


def test_an_unusable_data_dir_is_a_clear_error(tmp_path):
    # A file where the data directory should be: as unwritable as it gets, even for root.
    blocker = tmp_path / "data"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot open the document store"):
        DocumentStore(blocker)


def test_council_sites_keep_the_last_read_across_a_failed_crawl(store):
    store.record_council_site(
        "Leeds",
        "https://www.leeds.gov.uk",
        read_at="2026-12-01T10:00:00+00:00",
        pages=5,
        found=9,
        kept=1,
        failures=[],
    )
    store.record_council_site(
        "Leeds",
        "https://www.leeds.gov.uk",
        read_at=None,
        pages=0,
        found=0,
        kept=0,
        failures=["https://www.leeds.gov.uk/: HTTP 500"],
    )
    [row] = store.council_sites()
    assert row["last_read"] == "2026-12-01T10:00:00+00:00" and row["pages"] == 0
    assert (
        row["failures"] == ["https://www.leeds.gov.uk/: HTTP 500"] and row["checked_at"] >= row["last_read"]
    )
