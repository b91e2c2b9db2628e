"""A council response beside the letter it answers (issue 18): the document page, the document
API, the OpenAPI description and the exports, from a store the linking step really filled.
The letter and the page are samples written for these tests."""

from __future__ import annotations

import csv
import io
import json

import pytest

from common.config import Settings
from common.store import document_id_for
from indexer.pipeline import ingest
from tests.indexer.test_linking import LETTER, page
from tests.webapp import sample
from webapp import create_app

HOSTILE = '<script>alert("quoted")</script> the best council in England for care leavers'


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    folder = tmp_path_factory.mktemp("responses")
    settings = Settings.from_env(environ={}, data_dir=folder / "data", base_url="http://findings.test")
    letter = folder / "letter.txt"
    letter.write_text(LETTER, encoding="utf-8")
    response = folder / "response.html"
    text = page()
    # A quotation a council might paste with markup in it: shown as text, never run.
    text = text.replace(
        "</article>", f"<p>The leader said we are &quot;{HOSTILE.replace('<', '&lt;')}&quot;.</p></article>"
    )
    response.write_text(text, encoding="utf-8")
    summary = ingest(settings, [letter, response], progress=False, workers=1)
    assert summary.index.links["linked"] == 1
    ids = {
        "letter": document_id_for(str(letter.resolve())),
        "response": document_id_for(str(response.resolve())),
    }
    return create_app(settings).test_client(), ids


def test_the_document_api_holds_the_response_against_its_letter(linked):
    client, ids = linked
    body = client.get(f"/api/v1/documents/{ids['response']}").get_json()
    assert body["responds_to"] == ids["letter"]
    statuses = {q["status"] for q in body["quotes"]}
    assert {"verified quote", "altered", "not found in the letter"} <= statuses
    altered = next(q for q in body["quotes"] if q["status"] == "altered")
    assert altered["paragraph"] and any(op["op"] == "replace" for op in altered["difference"])
    assert any(o["text"].startswith("Supervision of personal advisers") for o in body["omitted_improvements"])
    assert body["link_evidence"]["days"] == 6 and body["link_evidence"]["tone"]["letter"]["tone"]
    letter = client.get(f"/api/v1/documents/{ids['letter']}").get_json()
    assert (letter["responds_to"], letter["quotes"], letter["omitted_improvements"]) == (None, [], [])


def test_the_document_page_shows_quotes_linked_to_the_letters_paragraphs(linked):
    client, ids = linked
    html = client.get(f"/documents/{ids['response']}").get_data(as_text=True)
    assert "Claims beside the findings" in html
    assert f'href="/documents/{ids["letter"]}#p' in html
    assert "verified quote" in html and "not found in the letter" in html and "altered" in html
    assert "<del" in html and "<ins" in html  # the altered words, shown
    assert "Supervision of personal advisers" in html  # an area for improvement left unmentioned
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


def test_exports_fill_responds_to_for_the_response(linked):
    client, ids = linked
    rows = list(
        csv.DictReader(io.StringIO(client.get("/search.csv?q=").get_data(as_text=True).lstrip("\ufeff")))
    )
    by_document = {r["document_id"]: r["responds_to"] for r in rows}
    assert by_document[ids["response"]] == ids["letter"] and by_document[ids["letter"]] == ""
    lines = [json.loads(line) for line in client.get("/search.ndjson?q=").get_data(as_text=True).splitlines()]
    assert {r["responds_to"] for r in lines if r["document_id"] == ids["response"]} == {ids["letter"]}
    assert {r["responds_to"] for r in lines if r["document_id"] == ids["letter"]} == {None}


def test_the_openapi_document_describes_the_fields(client):
    schema = client.get("/api/v1/openapi.json").get_json()
    ok = schema["paths"]["/documents/{document_id}"]["get"]["responses"]["200"]
    properties = json.dumps(ok)
    for name in ("responds_to", "quotes", "omitted_improvements"):
        assert f'"{name}"' in properties


def test_a_link_without_recorded_evidence_still_names_its_letter(client, ids):
    body = client.get(f"/api/v1/documents/{ids[sample.COUNCIL_RESPONSE[0]]}").get_json()
    assert body["responds_to"] == ids[sample.LETTERS[0][0]]
    assert body["quotes"] == [] and body["link_evidence"] is None
