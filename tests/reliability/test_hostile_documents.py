"""Hostile documents: the generated battery ingested beside good files.

0 crashes; every refused file reported with its reason, in the ingest summary and in
`status`; every good file indexed and searchable; active content in readable files
never reaches the index or the snippets.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from indexer.engines import SearchRequest
from indexer.search import Searcher
from tests.reliability.battery import INDEXED, SCRIPT_WORDS
from tests.reliability.conftest import json_lines, run_cli

EXIT_FAILURES = 1  # the CLI's "done, but some files failed" exit code


@pytest.fixture(scope="module")
def searcher(ingested_battery):
    searcher = Searcher.open(ingested_battery.settings)
    yield searcher
    searcher.close()


def _hits(searcher, q: str, limit: int = 50):
    return searcher.search(SearchRequest(q=q, limit=limit, facets=False))


def _outcome(ingested_battery, name: str) -> tuple[str, str | None]:
    row = ingested_battery.documents[ingested_battery.source(name)]
    return row["index_status"] or row["status"], row["error"]


def test_the_battery_holds_at_least_50_bad_files_of_every_kind(ingested_battery):
    bad = ingested_battery.battery.bad
    assert len(bad) >= 50
    kinds = Counter(item.category for item in bad)
    for kind in (
        "zero-byte",
        "truncated",
        "encrypted",
        "image-only",
        "enormous",
        "mislabelled",
        "garbage",
        "encoding",
        "html",
    ):
        assert kinds[kind] >= 2, f"too few {kind} files: {kinds}"


def test_ingest_finishes_without_a_crash_and_says_some_files_failed(ingested_battery):
    result = ingested_battery.result
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode == EXIT_FAILURES, result.stderr[-3000:]
    total = len(ingested_battery.battery.bad) + len(ingested_battery.battery.good)
    assert ingested_battery.summary["files"] == total
    assert ingested_battery.summary["new"] == total
    assert len(ingested_battery.documents) == total, "every file has one catalogue row"
    assert ingested_battery.seconds < 60, f"ingest took {ingested_battery.seconds:.1f} s"


def test_every_bad_file_gets_its_expected_outcome(ingested_battery):
    wrong = []
    for item in ingested_battery.battery.bad:
        status, reason = _outcome(ingested_battery, item.name)
        if status not in item.expect:
            wrong.append(f"{item.name}: {status} ({reason}), expected {sorted(item.expect)}")
        elif status != "indexed" and not (reason and reason.strip()):
            wrong.append(f"{item.name}: {status} without a reason")
    assert not wrong, "\n".join(wrong)


def _refused(ingested_battery) -> dict[str, str]:
    return {
        source: row["error"]
        for source, row in ingested_battery.documents.items()
        if (row["index_status"] or row["status"]) != "indexed"
    }


def test_the_ingest_summary_reports_every_refused_file_with_its_reason(ingested_battery):
    summary = ingested_battery.summary
    reported = {f["source"]: f["reason"] for f in summary["unreadable"]}
    reported.update({f["source"]: f["reason"] for f in summary["index"]["failed"]})
    refused = _refused(ingested_battery)
    assert refused, "the battery must make some files fail"
    assert set(reported) == set(refused)
    assert all(reason and reason.strip() for reason in reported.values())


def test_status_lists_every_refused_file_with_its_reason(ingested_battery):
    failures = {f["source"]: f for f in ingested_battery.status["failures"]}
    refused = _refused(ingested_battery)
    assert set(failures) == set(refused)
    for source, failure in failures.items():
        assert failure["reason"] and failure["reason"] == refused[source], source
        assert failure["status"] in ("failed", "needs_ocr"), failure


def test_every_good_file_is_indexed_and_found_by_a_phrase_from_it(ingested_battery, searcher):
    for good in ingested_battery.battery.good:
        source = ingested_battery.source(good.name)
        row = ingested_battery.documents[source]
        assert row["index_status"] == "indexed" and row["paragraphs"] > 0, row
        response = _hits(searcher, f'"{good.phrase}"')
        assert source in {hit["source"] for hit in response.hits}, f"{good.name}: {good.phrase!r} not found"
        if good.authority:
            assert row["authority"] == good.authority, row


def test_readable_hostile_files_are_searchable_by_their_own_words(ingested_battery, searcher):
    for item in ingested_battery.battery.bad:
        status, _ = _outcome(ingested_battery, item.name)
        if item.marker and status == "indexed":
            sources = {hit["source"] for hit in _hits(searcher, item.marker).hits}
            assert sources == {ingested_battery.source(item.name)}, item.name
        elif item.expect == INDEXED:
            pytest.fail(f"{item.name} should have been indexed")


def test_scripts_handlers_and_urls_never_reach_the_index(ingested_battery, searcher):
    for word in SCRIPT_WORDS:
        assert _hits(searcher, word).total == 0, f"{word} (active markup) was indexed"
    for item in ingested_battery.battery.bad:
        for word in item.inert:
            assert _hits(searcher, word).total == 0, f"{item.name}: {word} was indexed"


@pytest.mark.parametrize(
    "q",
    [
        "script",
        "alert",
        "onerror",
        "img",
        "zqescapedmark",
        "cookie",
        "zqhandlermark",
        "zqscriptmark",
        "care leavers",
    ],
)
def test_snippets_hold_no_markup_but_mark(searcher, q):
    response = _hits(searcher, q)
    for hit in response.hits:
        leftover = re.sub(r"</?mark>", "", hit["snippet"] or "")
        assert "<" not in leftover and ">" not in leftover, hit["snippet"]


def test_markup_written_as_text_comes_back_escaped_through_the_cli(ingested_battery):
    result = run_cli(
        "search", "zqescapedmark", "--data-dir", str(ingested_battery.data_dir), "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    hits = json_lines(result.stdout)
    assert hits and all(hit["source"] == ingested_battery.source("escaped-script-text.html") for hit in hits)
    text = " ".join(hit["text"] for hit in hits)
    snippets = " ".join(hit["snippet"] for hit in hits)
    assert "<script>" in text, "the words on the page are kept as text"
    assert "<script>" not in snippets and "&lt;script&gt;" in snippets


def test_ingesting_the_same_files_again_changes_and_duplicates_nothing(ingested_battery, tmp_path):
    result = run_cli(
        "ingest",
        str(next(iter(ingested_battery.paths.values())).parent),
        "--data-dir",
        str(ingested_battery.data_dir),
        "--format",
        "json",
        "-q",
        timeout=240,
    )
    assert "Traceback" not in result.stderr
    summary = json_lines(result.stdout)[0]
    assert summary["new"] == 0 and summary["unchanged"] == summary["files"]
    documents = run_cli("documents", "--data-dir", str(ingested_battery.data_dir), "--format", "json")
    rows = json_lines(documents.stdout)
    assert len(rows) == len(ingested_battery.documents)
    assert {r["source"]: r["index_status"] for r in rows} == {
        s: r["index_status"] for s, r in ingested_battery.documents.items()
    }
