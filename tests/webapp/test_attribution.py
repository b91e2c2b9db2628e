"""A council's words never count as Ofsted's (issue 17): compare, the authority page and
their API equivalents count Ofsted's documents only unless the user includes councils'
responses, and council paragraphs are labelled as the council's wherever they appear."""

from __future__ import annotations

import re

import pytest

from common.config import Settings
from common.store import DocumentStore
from indexer.engines.sqlite import SqliteEngine
from indexer.model import Paragraph
from indexer.stance import stance_of
from webapp import create_app

BOAST = "Staying put is something we are very proud of, and our young people tell us it works."
LETTER = "https://files.example.test/v1/file/2001"
RELEASE = "https://www.wigan.example.test/news/ofsted-praise"
LEEDS_RELEASE = "https://www.leeds.example.test/news/care-leavers"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    settings = Settings.from_env(
        environ={}, data_dir=tmp_path_factory.mktemp("attribution"), base_url="http://findings.test"
    )
    store = DocumentStore.open(settings)
    engine = SqliteEngine(settings.sqlite_index_path)
    paragraphs = []
    documents = [
        (
            LETTER,
            "ofsted",
            "Wigan",
            "Focused visit to Wigan children's services",
            "Children's services focused visit",
            [
                "Staying put arrangements are well used and care leavers stay with their foster carers after 18.",
                "Too few care leavers are offered staying put in the north of the borough.",
            ],
        ),
        (
            RELEASE,
            "council",
            "Wigan",
            "Ofsted praises our care leavers' service",
            "Council response",
            [BOAST],
        ),
        (
            LEEDS_RELEASE,
            "council",
            "Leeds",
            "Our staying put offer",
            "Council response",
            ["We are proud that staying put is so popular with our care leavers."],
        ),
    ]
    for source, kind, authority, title, document_type, texts in documents:
        record, _ = store.put(
            source,
            title.encode(),
            kind=kind,
            title=title,
            document_type=document_type,
            authority=authority,
            published="2025-03-12",
        )
        store.set_index_result(
            record.document_id, status="indexed", sha256=record.sha256, paragraphs=len(texts), metadata={}
        )
        for n, text in enumerate(texts, 1):
            paragraphs.append(
                Paragraph(
                    document_id=record.document_id,
                    paragraph_number=n,
                    text=text,
                    section="Findings",
                    document_title=title,
                    document_type=document_type,
                    kind=kind,
                    authority=authority,
                    published="2025-03-12",
                    source=source,
                    themes=["staying-put"],
                    stance=stance_of(text, "Findings"),
                )
            )
    # The tagger reads the boast as praise: only its kind keeps it out of Ofsted's counts.
    assert stance_of(BOAST, "Findings") == "strength"
    engine.rebuild(paragraphs)
    store.close()
    engine.close()
    return create_app(settings).test_client()


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.data[:1000])
    return response


def compare_cell(html: str, authority: str) -> str | None:
    row = re.search(
        rf'<th scope="row" class="govuk-table__header"><a [^>]*>{authority}</a></th>(.*?)</tr>', html, re.S
    )
    if row is None:
        return None
    cells = re.findall(r'<td class="govuk-table__cell govuk-table__cell--numeric">([^<]*)</td>', row.group(1))
    return cells[-1].strip()  # the staying-put column: strengths / areas for improvement


def test_compare_counts_ofsted_praise_only(client):
    html = get(client, "/compare?q=staying+put").get_data(as_text=True)
    assert compare_cell(html, "Wigan") == "1 / 1"  # the letter's strength and improvement, not the boast
    assert compare_cell(html, "Leeds") is None  # Leeds has only its own press release
    assert "paragraphs Ofsted wrote as" in html and "never councils" in html
    assert re.search(r'<input[^>]*name="include_responses"[^>]*value="1"(?![^>]*checked)[^>]*>', html)


def test_compare_includes_responses_when_asked(client):
    html = get(client, "/compare?q=staying+put&include_responses=1").get_data(as_text=True)
    assert compare_cell(html, "Wigan") == "2 / 1"
    assert compare_cell(html, "Leeds") == "1 / 0"
    assert re.search(r'<input[^>]*name="include_responses"[^>]*checked', html)
    assert "councils&#39; own responses" in html or "councils' own responses" in html


def test_authority_page_counts_ofsted_praise_only(client):
    html = get(client, "/authorities/wigan").get_data(as_text=True)
    assert "Themes Ofsted praised or criticised" in html
    strengths = re.search(r'href="(/search\?[^"]*stance=strength[^"]*)">(\d+)</a>', html)
    assert strengths and strengths.group(2) == "1"
    # The link behind the count shows the paragraphs counted: Ofsted's only.
    linked = get(client, strengths.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "very proud of" not in linked and "well used" in linked
    with_responses = get(client, "/authorities/wigan?include_responses=1").get_data(as_text=True)
    assert re.search(r'stance=strength[^"]*">2</a>', with_responses)
    assert not re.search(r'href="[^"]*kind=ofsted', with_responses)


def test_leeds_page_has_no_ofsted_praise_from_its_press_release(client):
    html = get(client, "/authorities/leeds").get_data(as_text=True)
    assert "No strengths or areas for improvement have been found for this authority yet in Ofsted" in html


def test_api_counts_ofsted_documents_only_unless_asked(client):
    ofsted = get(client, "/api/v1/compare?q=staying+put").get_json()
    assert ofsted["include_responses"] is False
    cells = {(r["authority"], r["theme"]): (r["strength"], r["improvement"]) for r in ofsted["counts"]}
    assert cells == {("Wigan", "staying-put"): (1, 1)}
    both = get(client, "/api/v1/compare?q=staying+put&include_responses=1").get_json()
    cells = {(r["authority"], r["theme"]): (r["strength"], r["improvement"]) for r in both["counts"]}
    assert cells == {("Wigan", "staying-put"): (2, 1), ("Leeds", "staying-put"): (1, 0)}

    wigan = get(client, "/api/v1/authorities/wigan").get_json()
    assert wigan["themes"] == [{"theme": "staying-put", "strength": 1, "improvement": 1}]
    wigan = get(client, "/api/v1/authorities/wigan?include_responses=1").get_json()
    assert wigan["themes"] == [{"theme": "staying-put", "strength": 2, "improvement": 1}]
    assert {d["kind"] for d in wigan["documents"]} == {"ofsted", "council"}


def test_api_refuses_an_unreadable_choice(client):
    error = get(client, "/api/v1/compare?include_responses=maybe", status=400).get_json()["error"]
    assert any("include_responses" in p for p in error["problems"])
    get(client, "/api/v1/authorities/nowhere-at-all", status=404)


def test_search_results_label_the_councils_words(client):
    html = get(client, "/search?q=proud").get_data(as_text=True)
    assert (
        "Council&#39;s own words — Wigan Council response" in html
        or "Council's own words — Wigan Council response" in html
    )
    letter = get(client, "/search?q=%22well+used%22").get_data(as_text=True)
    assert "own words" not in letter


def test_document_page_says_whose_words_they_are(client):
    hit = get(client, "/api/v1/search?q=proud").get_json()["results"][0]
    assert hit["kind"] == "council"
    html = get(client, f"/documents/{hit['document_id']}").get_data(as_text=True)
    assert "not Ofsted&#39;s findings" in html or "not Ofsted's findings" in html


def test_exports_carry_whose_words_each_paragraph_is(client):
    import csv
    import io
    import json

    rows = list(
        csv.DictReader(
            io.StringIO(get(client, "/search.csv?q=staying+put").get_data(as_text=True).lstrip("\ufeff"))
        )
    )
    kinds = {row["text"][:30]: row["kind"] for row in rows}
    assert kinds[BOAST[:30]] == "council" and "ofsted" in kinds.values()
    lines = [
        json.loads(line) for line in get(client, "/search.ndjson?q=proud").get_data(as_text=True).splitlines()
    ]
    assert lines and {line["kind"] for line in lines} == {"council"}


def test_feed_entries_label_the_councils_words(client):
    feed = get(client, "/search.atom?q=staying+put").get_data(as_text=True)
    titles = re.findall(r"<title>([^<]*)</title>", feed)
    assert any(
        t.startswith("Council's own words — Wigan")
        or t.startswith("Council&#x27;s own words — Wigan")
        or t.startswith("Council&apos;s own words — Wigan")
        for t in titles
    ), titles
    assert any(t.startswith("Wigan: Focused visit") for t in titles)


def test_cli_table_labels_the_councils_words(capsys):
    from ofsted_findings.cli import _print_hits_table

    hit = {
        "authority": "Wigan",
        "document_title": "Ofsted praises our service",
        "document_type": "Council response",
        "kind": "council",
        "published": "2025-03-12",
        "paragraph_number": 1,
        "snippet": BOAST,
    }
    _print_hits_table(1, [hit, {**hit, "kind": "ofsted", "document_title": "Focused visit to Wigan"}])
    out = " ".join(capsys.readouterr().out.split())
    assert "Council's own words" in out and out.count("Council's own words") == 1
