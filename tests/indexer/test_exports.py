"""An exported paragraph's row and its CSV, cell by cell and a batch at a time."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from common.config import Settings
from common.formatting import citation
from indexer.exports import (
    CHUNK_ROWS,
    COLUMNS,
    CSV_HEADER,
    STORED_FIELDS,
    TABLE,
    batches,
    csv_cell,
    csv_line,
    csv_lines,
    export_rows,
    neutralise_formula,
)

# Text with what CSV and spreadsheets treat specially, and the separators a fast path might use.
HOSTILE = st.text(alphabet=st.sampled_from("ab \"=\r\n,'+-@\t;\x00\x01é“”#/"), max_size=12) | st.text(
    max_size=12
)
PARAGRAPHS = st.fixed_dictionaries(
    {
        "authority": HOSTILE | st.none(),
        "ons_code": HOSTILE,
        "region": HOSTILE,
        "document_type": HOSTILE,
        "published": st.none() | st.dates().map(str) | HOSTILE,
        "visit_start": st.none() | HOSTILE,
        "visit_end": st.none() | HOSTILE,
        "section": HOSTILE,
        "paragraph_number": st.integers(0, 10_000),
        "themes": st.lists(st.sampled_from(["staying-put", "health", "=x"]), max_size=3),
        "stance": HOSTILE,
        "text": HOSTILE,
        "source": HOSTILE,
        "document_id": st.text(alphabet="abc-1\"'=", min_size=1, max_size=8),
        "document_title": HOSTILE | st.none(),
    }
)
BASE_URLS = st.sampled_from(
    ["http://findings.test", "https://example.org/findings/", 'http://q.test/"x"', ""]
)


def _row(paragraph: dict, base_url: str) -> tuple:
    [row] = export_rows([tuple(paragraph.get(name) for name in STORED_FIELDS)], base_url)
    return row


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(), st.integers(min_value=0), st.none()), min_size=1, max_size=6))
def test_csv_cells_read_back_as_written(values):
    line = ",".join(map(csv_cell, values)) + "\r\n"
    [read] = list(csv.reader(io.StringIO(line, newline="")))
    assert read == ["" if v is None else neutralise_formula(str(v)) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(PARAGRAPHS, min_size=1, max_size=4), BASE_URLS)
def test_a_batch_of_lines_is_each_rows_csv(paragraphs, base_url):
    rows = [_row(p, base_url) for p in paragraphs]
    assert csv_lines(rows) == "".join(csv_line(row) + "\r\n" for row in rows)


@settings(max_examples=200, deadline=None)
@given(PARAGRAPHS, BASE_URLS)
def test_a_batched_line_reads_back_as_the_row(paragraph, base_url):
    text = (CSV_HEADER + csv_lines([_row(paragraph, base_url)])).lstrip("\ufeff")
    [record] = list(csv.DictReader(io.StringIO(text, newline="")))
    row = _row(paragraph, base_url)
    assert tuple(record) == COLUMNS
    assert list(record.values()) == [neutralise_formula(str(v)) for v in row]


def test_the_permalink_and_citation_are_the_sites():
    settings_ = Settings.from_env(environ={}).with_(base_url="https://findings.example/")
    paragraph = {
        "authority": "Wigan",
        "document_id": "wigan-2024",
        "document_title": "Focused visit",
        "published": "2024-03-05",
        "paragraph_number": 7,
        "themes": ["staying-put", "health"],
        "document_type": "Children's services focused visit",
        "source": "https://files.ofsted.gov.uk/v1/file/123",
        "judgements": {"Overall effectiveness": "Good", "Care leavers": "Good"},
        "judgement": "Good",
    }
    row = _row(paragraph, settings_.base_url)
    permalink = settings_.permalink("wigan-2024", 7)
    assert row[COLUMNS.index("permalink")] == permalink == "https://findings.example/documents/wigan-2024#p7"
    assert (
        row[COLUMNS.index("citation")]
        == citation(paragraph, permalink)
        == (
            "Ofsted, \u201cFocused visit\u201d, Wigan, published 5 March 2024, "
            "https://files.ofsted.gov.uk/v1/file/123, paragraph 7. " + permalink
        )
    )
    assert row[COLUMNS.index("themes")] == "staying-put; health"
    assert row[:2] == ("wigan-2024", "Focused visit") and row[COLUMNS.index("responds_to")] == ""
    assert row[COLUMNS.index("judgement")] == "Good"
    assert row[COLUMNS.index("judgements")] == "Overall effectiveness: Good; Care leavers: Good"
    # A council's response is cited as the council's own.
    response = {**paragraph, "document_type": "Council response", "source": "https://wigan.gov.uk/news/1"}
    assert citation(response, permalink).startswith(
        "Wigan, \u201cFocused visit\u201d, published 5 March 2024, https://wigan.gov.uk/news/1, paragraph 7."
    )
    assert row[COLUMNS.index("paragraph_number")] == 7


def test_formulas_are_neutralised_in_every_cell():
    paragraph = {
        "authority": "=SUM(A1)",
        "text": "-1+2",
        "section": "@x",
        "document_id": "d",
        "paragraph_number": 1,
        "document_title": "+t",
        "published": None,
    }
    line = csv_lines([_row(paragraph, "http://findings.test")])
    [read] = list(csv.reader(io.StringIO(line, newline="")))
    cell = dict(zip(COLUMNS, read))
    assert cell["authority"] == "'=SUM(A1)" and cell["section"] == "'@x" and cell["text"] == "'-1+2"
    assert cell["document_title"] == "'+t"
    assert (
        cell["citation"]
        == "Ofsted, \u201c+t\u201d, =SUM(A1), paragraph 1. http://findings.test/documents/d#p1"
    )
    assert neutralise_formula(3) == 3 and neutralise_formula("plain") == "plain"


def test_batches_keep_every_row_in_order():
    chunks = list(batches(iter(range(2500))))
    assert [len(chunk) for chunk in chunks] == [CHUNK_ROWS, CHUNK_ROWS, 500]
    assert [row for chunk in chunks for row in chunk] == list(range(2500))
    assert list(batches([])) == []


def test_the_data_dictionary_describes_every_column():
    from indexer.exports import FIELDS

    assert [name for name, _, _ in FIELDS] == list(COLUMNS)
    assert {"document_id", "document_title", "judgement", "judgements", "responds_to"} <= set(COLUMNS)
    assert COLUMNS[:2] == ("document_id", "document_title")
    assert all(kind and len(description) > 15 for _, kind, description in FIELDS)


def test_a_batch_of_odd_cells_is_quoted_as_each_cell_alone():
    rows = [("a\ufdd0b", "=c\ufdd1", None, 3), ("\ufdd1", "", "-", 0), (-1, '"=x"', "\tt")]
    assert csv_lines(rows) == "".join(csv_line(row) + "\r\n" for row in rows)
    [first, second, third] = list(csv.reader(io.StringIO(csv_lines(rows), newline="")))
    assert first == ["a\ufdd0b", "'=c\ufdd1", "", "3"] and second == ["\ufdd1", "", "'-", "0"]
    assert third == ["'-1", '"=x"', "'\tt"]
    assert csv_lines([]) == ""


def test_the_sqlite_index_holds_no_export_layout(tmp_path):
    import sqlite3

    import pytest

    from indexer.engines.sqlite import SCHEMA_VERSION, OutdatedIndex, SqliteEngine
    from indexer.model import Paragraph

    # Version 7 dropped the pre-quoted export lines: an export column is one line of TABLE,
    # with no change to the index; a version 6 file asks for a rebuild.
    assert SCHEMA_VERSION == 7 and len(COLUMNS) == 21 and len(TABLE) == len(COLUMNS)
    assert STORED_FIELDS == COLUMNS[: COLUMNS.index("source") + 1]
    engine = SqliteEngine(tmp_path / "index.sqlite3")
    engine.rebuild([Paragraph(document_id="d", paragraph_number=1, text="Staying put.")])
    engine.close()
    with sqlite3.connect(tmp_path / "index.sqlite3") as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "paragraphs" in tables and not any("csv" in name for name in tables)
        db.execute("PRAGMA user_version = 6")
    with pytest.raises(OutdatedIndex, match="rebuild it"):
        SqliteEngine(tmp_path / "index.sqlite3").check()
