"""Exports of whole result sets (CSV, NDJSON, XLSX) and the Atom feed."""

from __future__ import annotations

import csv
import datetime
import io
import json
from xml.etree import ElementTree as ET

import openpyxl

from indexer.exports import COLUMNS, neutralise_formula

ATOM = "{http://www.w3.org/2005/Atom}"


def _total(client, query: str) -> int:
    return client.get(f"/api/v1/search?{query}").get_json()["total"]


def test_csv_export_has_every_row_and_the_columns(client):
    response = client.get("/search.csv?q=staying&per_page=1")  # the page size must not matter
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == _total(client, "q=staying")
    assert tuple(rows[0]) == COLUMNS
    wigan = next(r for r in rows if r["source"].endswith("/1001") and r["paragraph_number"] == "1")
    assert wigan["ons_code"] == "E08000010" and wigan["region"] == "North West"
    assert wigan["permalink"].startswith("http://findings.test/documents/")
    assert wigan["citation"].startswith("Ofsted, \u201cFocused visit to Wigan")
    assert "https://files.example.test/v1/file/1001" in wigan["citation"]
    assert wigan["themes"] == "staying-put"
    assert wigan["document_id"] and wigan["document_title"].startswith("Focused visit to Wigan")
    assert wigan["responds_to"] == ""


def test_csv_neutralises_formulas(client):
    text = client.get("/search.csv?q=hyperlink").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows and rows[0]["text"].startswith("'=HYPERLINK(")
    assert neutralise_formula("-1+2") == "'-1+2"
    assert neutralise_formula("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise_formula("plain") == "plain"
    assert neutralise_formula(3) == 3


def test_ndjson_export_follows_filters(client):
    response = client.get("/search.ndjson?q=staying+put&authority=Kent&authority=Leeds")
    assert response.mimetype == "application/x-ndjson"
    records = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert len(records) == _total(client, "q=staying+put&authority=Kent&authority=Leeds")
    assert {r["authority"] for r in records} == {"Kent", "Leeds"}
    assert all(isinstance(r["themes"], list) for r in records)


def test_xlsx_export_opens_in_a_spreadsheet_library(client, tmp_path):
    response = client.get("/search.xlsx?q=staying")
    assert response.status_code == 200
    path = tmp_path / "export.xlsx"
    path.write_bytes(response.data)
    workbook = openpyxl.load_workbook(path, read_only=True)
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    assert len(rows) - 1 == _total(client, "q=staying")
    published = COLUMNS.index("published")
    assert all(isinstance(r[published], datetime.datetime) for r in rows[1:] if r[published] is not None)
    # Strings are stored as strings, never as formulas.
    texts = [r[COLUMNS.index("text")] for r in rows[1:]]
    assert any(t.startswith("=HYPERLINK(") for t in texts)
    cell_types = {c.data_type for row in sheet.iter_rows() for c in row}
    assert "f" not in cell_types


def test_atom_feed_lists_newest_matching_paragraphs(client):
    response = client.get("/search.atom?q=staying+put")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}title").text == "Ofsted findings: staying put"
    self_link = next(link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self")
    assert self_link.get("href") == "http://findings.test/search.atom?q=staying+put"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == _total(client, "q=staying+put")
    updated = [e.find(f"{ATOM}updated").text for e in entries]
    assert updated == sorted(updated, reverse=True)
    first = entries[0]
    assert first.find(f"{ATOM}id").text.startswith("http://findings.test/documents/")
    assert first.find(f"{ATOM}content").get("type") == "text"


def test_atom_feed_carries_payloads_as_text_only(client):
    data = client.get("/search.atom?q=staying+put&authority=Kent").data
    feed = ET.fromstring(data)
    contents = [e.find(f"{ATOM}content").text for e in feed.findall(f"{ATOM}entry")]
    assert any("<script>" in c for c in contents)  # the text, faithfully...
    assert b"<script>" not in data  # ...but escaped in the XML


def test_atom_feed_asks_the_engine_for_no_snippets(sample_data):
    """The feed shows each paragraph's whole text, so it lets the engine skip highlighting;
    pages and the API still ask for snippets."""
    from indexer.search import Searcher
    from webapp import create_app

    settings, _ = sample_data
    searcher = Searcher.open(settings)
    asked = []
    search = searcher.search
    searcher.search = lambda request: asked.append(request) or search(request)
    client = create_app(settings, searcher=searcher).test_client()
    try:
        assert client.get("/search.atom?q=staying+put").status_code == 200
        assert [r.snippets for r in asked] == [False]
        asked.clear()
        assert client.get("/api/v1/search?q=staying+put").status_code == 200
        assert client.get("/search?q=staying+put").status_code == 200
        assert asked and all(r.snippets for r in asked)
    finally:
        searcher.close()


def test_search_page_links_exports_and_feed(client):
    html = client.get("/search?q=staying+put&authority=Kent").get_data(as_text=True)
    assert (
        'href="/search.csv?q=staying+put&amp;authority=Kent"' in html
        or 'href="/search.csv?authority=Kent&amp;q=staying+put"' in html
    )
    assert "/search.xlsx?" in html and "/search.ndjson?" in html
    assert 'type="application/atom+xml"' in html


def test_xlsx_has_a_frozen_filtered_header_widths_and_an_about_sheet(client, tmp_path):
    response = client.get("/search.xlsx?q=staying+put&authority=wigan&from=2020-01-01")
    assert response.status_code == 200
    path = tmp_path / "export.xlsx"
    path.write_bytes(response.data)
    workbook = openpyxl.load_workbook(path)  # not read-only: sheet settings are read too
    sheet = workbook["Paragraphs"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
    text_column = openpyxl.utils.get_column_letter(COLUMNS.index("text") + 1)
    assert sheet.column_dimensions[text_column].width >= 60  # the text column is wide
    about = {row[0]: row[1] for row in workbook["About this export"].iter_rows(values_only=True) if row[0]}
    assert about["Query"] == "staying put" and "authority: Wigan" in about["Filters"]
    assert "published 2020-01-01" in about["Filters"]
    assert about["Exported at"].startswith("20") and "paragraphs from" in about["Data version"]
    dictionary = [
        row for row in workbook["About this export"].iter_rows(values_only=True) if row[0] in COLUMNS
    ]
    assert [row[0] for row in dictionary] == list(COLUMNS) and all(row[2] for row in dictionary)


def test_file_names_say_what_they_hold(client):
    today = datetime.date.today().isoformat()
    for url, name in (
        ("/search.csv?q=staying+put", f"staying-put-{today}.csv"),
        ("/search.xlsx?q=staying+put&authority=Kent", f"staying-put-kent-{today}.xlsx"),
        ("/search.ndjson", f"all-paragraphs-{today}.ndjson"),
    ):
        response = client.get(url)
        response.get_data()  # the body streams: read it all before the next request
        assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"', url


def test_the_data_dictionary_is_served_and_in_the_readme(client):
    from pathlib import Path

    fields = client.get("/api/v1/exports/fields").get_json()["fields"]
    assert [f["name"] for f in fields] == list(COLUMNS)
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for field in fields:
        assert f"| `{field['name']}` | {field['type']} |" in readme, field["name"]


def test_an_export_holds_the_paragraphs_the_page_shows_for_a_misspelt_search(client):
    shown = client.get("/api/v1/search?q=stayng&per_page=100").get_json()
    assert shown["suggestion"] == "staying" and shown["total"] > 0
    exported = [
        json.loads(line) for line in client.get("/search.ndjson?q=stayng").get_data(as_text=True).splitlines()
    ]
    assert sorted((r["document_id"], r["paragraph_number"]) for r in exported) == sorted(
        (r["document_id"], r["paragraph_number"]) for r in shown["results"]
    )
