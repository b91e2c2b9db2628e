"""Issue 18, indexer side: responses recognised in any wording, dated from what the page states,
linked to the document of their kind after every change to the store, with their claims held
against the letter. The letters and pages here are samples written for these tests."""

from __future__ import annotations

import pytest

from common.config import Settings
from common.store import DocumentStore, document_id_for
from indexer.attribution import is_about_ofsted
from indexer.html import read_html
from indexer.linking import (
    ALTERED,
    NOT_FOUND,
    RELATION,
    VERIFIED,
    match_quote,
    response_kind,
    tone,
)
from indexer.model import Paragraph
from indexer.pipeline import build_index, ingest
from indexer.quality.linking_gold import render_html
from tests.indexer.support import extract_file, make_record

LETTER = """---
kind: ofsted-letter
authority: Wigan
published: 2024-11-28
---
28 November 2024

Dear Ms Example

Focused visit to Wigan children's services

This letter summarises the findings of the focused visit to Wigan children's services on 29 and 30
October 2024. His Majesty's Inspectors for this visit were Ann Sample and Ben Sample.

Headline findings

Care leavers benefit from strong and enduring relationships with personal advisers who know them
well and who go the extra mile to keep in touch with them.

The local offer has been developed with the interests and aspirations of young people at its centre.

What needs to improve in this area of social work practice?

Supervision of personal advisers is not regular enough, and records do not show the discussion.

Pathway plans are not updated when young people's circumstances change.

Sample document written for ofsted-findings' tests; not a real Ofsted letter.
"""

INSPECTION = """---
kind: ofsted-report
authority: Wigan
---
Inspection of Wigan local authority children's services

Inspection dates: 23 September to 4 October 2024

Lead inspector: Cara Sample, His Majesty's Inspector

Overall effectiveness Good

Children in care live in homes that meet their needs and are supported by social workers who know
them well and visit them often.

Sample document written for ofsted-findings' tests; not a real Ofsted report.
"""


def page(**entry) -> str:
    base = {
        "id": "sample",
        "authority": "Wigan",
        "published": "2024-12-04",
        "date_in": "json-ld",
        "title": "Ofsted recognises commitment to Wigan's care leavers",
        "paragraphs": [
            "Ofsted has published the findings of its focused visit to Wigan Council's care leaving service.",
            'Inspectors found that "Care leavers benefit from strong and enduring relationships with '
            'personal advisers who know them well."',
            'The letter says the local offer "has been developed with the hopes and aspirations of young '
            'people at its centre."',
            'We are "the best council in England for care leavers", said the council leader.',
        ],
    }
    return render_html({**base, **entry})


# --------------------------------------------------------------------------- recognition


@pytest.mark.parametrize(
    "title, text",
    [
        ("His Majesty's Inspectors visit our leaving care service", "They met care leavers and staff."),
        ("Focussed visit to our care leavers service", "Ofsted published the letter today."),
        ("OFSTED PRAISE FOR CARE LEAVERS SERVICE", "OFSTED inspectors visited the council in October."),
        ("HMI praise housing for care leavers", "A team of HMI visited the leaving care service."),
        ("Children's services rated Good", "Ofsted's inspection of children's services found..."),
        ("Update on children's social care", "Her Majesty's Inspectorate carried out a monitoring visit."),
    ],
)
def test_a_response_is_recognised_in_any_wording(title, text):
    assert is_about_ofsted(title, text)


@pytest.mark.parametrize(
    "title, text",
    [
        ("Primary school rated Good by Ofsted", "Inspectors visited the school; pupils behave well."),
        (
            "Area SEND inspection of the local area partnership",
            "Ofsted and the CQC inspected services for children with special educational needs (SEND).",
        ),
        (
            "Senior personal adviser - care leavers team",
            "Salary £38,000 per annum. Ofsted inspectors visited our care leavers team. Closing date: 1 May.",
        ),
        (
            "Scrutiny committee agenda",
            "Item 1: Apologies for absence. Item 2: Declarations of interest. "
            "Item 3: Ofsted focused visit to care leavers services.",
        ),
        ("Ofsted registration for childminders", "Childminders must register with Ofsted before inspection."),
    ],
)
def test_pages_that_only_look_like_responses_are_not(title, text):
    assert not is_about_ofsted(title, text)


def test_the_kind_a_page_is_about_comes_from_its_title_and_opening():
    assert (
        response_kind("Children's services rated Good by Ofsted", "After a full inspection") == "inspection"
    )
    assert response_kind("Ofsted monitoring visit", "The visit looked at ...") == "monitoring visit"
    assert response_kind("Focussed visit letter", "Since the last inspection in 2022 ...") == "focused visit"
    assert response_kind("Joint targeted area inspection (JTAI) published", "") == "jtai"
    assert response_kind("HMI visited the leaving care service", "") == "visit"


# --------------------------------------------------------------------------- dating


@pytest.mark.parametrize("where, source", [("json-ld", "json-ld"), ("meta", "meta"), ("time", "time")])
def test_a_stated_date_comes_from_structured_data(where, source):
    html = read_html(page(date_in=where))
    assert (html.published, html.published_source) == ("2024-12-04", source)


def test_a_date_printed_under_the_title_is_the_pages_date():
    html = read_html(page(date_in="printed"))
    assert (html.published, html.published_source) == ("2024-12-04", "printed")


def test_a_date_only_in_the_prose_is_a_guess_and_never_the_published_date(tmp_path):
    text = page(date_in="none", paragraphs=["Ofsted visited our care leavers service on 3 October 2024."])
    html = read_html(text)
    assert (html.published, html.date_guess) == (None, "2024-10-03")
    facts = extract_file_text(make_record(str(tmp_path / "page.html")), text)
    assert facts["published"] is None
    assert (facts["published_guess"], facts["published_source"]) == ("2024-10-03", "guess")


def extract_file_text(record, text: str) -> dict:
    from indexer.extract import extract_document

    return extract_document(record, text.encode("utf-8")).metadata


def test_the_sitemap_date_dates_a_crawled_page_that_states_none():
    record = make_record(
        "https://www.wigan.gov.uk/news/x",
        kind="council",
        authority="Wigan",
        extra={"sitemap_lastmod": "2024-12-05"},
    )
    facts = extract_file_text(record, page(date_in="sitemap"))
    assert (facts["published"], facts["published_source"]) == ("2024-12-05", "sitemap")


def test_an_undated_page_stays_undated(tmp_path):
    facts = extract_file_text(make_record(str(tmp_path / "p.html")), page(date_in="none"))
    assert facts["published"] is None and facts.get("published_source") in (None, "guess")


# --------------------------------------------------------------------------- quotes and tone


def paragraphs(*texts: str, stance: str = "neutral") -> list[Paragraph]:
    return [
        Paragraph(document_id="l", paragraph_number=n, text=t, stance=stance) for n, t in enumerate(texts, 1)
    ]


def test_each_quote_is_verified_altered_with_the_difference_or_not_found():
    letter = paragraphs(
        "Headline findings follow.",
        "The local offer has been developed with the interests and aspirations of young people at its centre.",
    )
    verified = match_quote("the local offer has been developed with the interests and aspirations", letter)
    assert (verified["status"], verified["paragraph"]) == (VERIFIED, 2)
    altered = match_quote("has been developed with the hopes and aspirations of young people", letter)
    assert (altered["status"], altered["paragraph"]) == (ALTERED, 2)
    changed = [op for op in altered["difference"] if op["op"] != "equal"]
    assert changed == [{"op": "replace", "quote": "hopes", "letter": "interests"}]
    invented = match_quote("the best council in England for care leavers", letter)
    assert (invented["status"], invented["paragraph"]) == (NOT_FOUND, None)


def test_tone_counts_the_stances_of_a_documents_paragraphs():
    assert tone(paragraphs("a", "b", stance="strength"))["tone"] == "positive"
    assert tone(paragraphs("a", "b", stance="improvement"))["tone"] == "critical"
    assert tone(paragraphs("a", stance="neutral"))["tone"] == "neutral"


# --------------------------------------------------------------------------- the step, by ingest


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", engine="sqlite")


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_an_ingested_response_is_linked_when_its_letter_arrives_later(settings, tmp_path):
    response = write(tmp_path / "response.html", page())
    ingest(settings, [response], progress=False, workers=1)
    response_id = document_id_for(str(response.resolve()))
    with DocumentStore.open(settings) as store:
        evidence = store.link_evidence(response_id, RELATION)
        assert evidence["to_document"] is None  # considered, and no letter yet
    letter = write(tmp_path / "letter.txt", LETTER)
    summary = ingest(settings, [letter], progress=False, workers=1)
    assert summary.index.links["linked"] == 1
    with DocumentStore.open(settings) as store:
        [link] = store.links(response_id)
        assert link["to_document"] == document_id_for(str(letter.resolve()))
        evidence = store.link_evidence(response_id, RELATION)
    assert evidence["days"] == 6 and evidence["published_source"] == "json-ld"
    assert evidence["confidence"] >= 0.6 and evidence["quoted"]
    statuses = {q["text"][:20]: q["status"] for q in evidence["quotes"]}
    assert sorted(statuses.values()) == sorted([VERIFIED, ALTERED, NOT_FOUND])
    omitted = [o["text"] for o in evidence["omitted_improvements"]]
    assert any(t.startswith("Supervision of personal advisers") for t in omitted)
    assert evidence["tone"]["response"]["tone"] and evidence["tone"]["letter"]["tone"]


def test_a_full_inspection_release_never_links_to_a_focused_visit(settings, tmp_path):
    release = page(
        title="Wigan children's services rated Good by Ofsted",
        published="2024-12-01",
        paragraphs=[
            "Wigan Council's children's services have been rated Good following a full inspection by Ofsted.",
            "Councillor Sample said the result belonged to our social workers.",
        ],
    )
    files = [write(tmp_path / "letter.txt", LETTER), write(tmp_path / "release.html", release)]
    ingest(settings, files, progress=False, workers=1)
    release_id = document_id_for(str(files[1].resolve()))
    with DocumentStore.open(settings) as store:
        assert store.links(release_id) == []  # the only letter is a focused visit, 3 days before
        assert store.link_evidence(release_id, RELATION)["kind"] == "inspection"
    report = write(tmp_path / "inspection.txt", INSPECTION)
    ingest(settings, [report], progress=False, workers=1)
    with DocumentStore.open(settings) as store:
        [link] = store.links(release_id)
        assert link["to_document"] == document_id_for(str(report.resolve()))


def test_a_crawled_response_and_an_ingested_one_are_linked_alike(settings, tmp_path):
    letter = write(tmp_path / "letter.txt", LETTER)
    ingest(settings, [letter], progress=False, workers=1)
    url = "https://www.wigan.gov.uk/news/ofsted"
    with DocumentStore.open(settings) as store:
        store.put(url, page().encode(), kind="council", authority="Wigan", published="2024-12-04")
    build_index(settings, full=False, progress=False, workers=1)  # `index` links too
    with DocumentStore.open(settings) as store:
        [link] = store.links(document_id_for(url))
        assert link["to_document"] == document_id_for(str(letter.resolve()))


def test_a_page_that_is_not_a_response_is_never_linked(settings, tmp_path):
    school = page(
        title="Wigan primary school rated Good by Ofsted",
        paragraphs=["Pupils and the headteacher celebrate after inspectors visited the school in November."],
    )
    url = "https://www.wigan.gov.uk/news/school"
    ingest(settings, [write(tmp_path / "letter.txt", LETTER)], progress=False, workers=1)
    with DocumentStore.open(settings) as store:
        store.put(url, school.encode(), kind="council", authority="Wigan", published="2024-12-04")
    build_index(settings, full=True, progress=False, workers=1)
    with DocumentStore.open(settings) as store:
        assert store.links(document_id_for(url)) == []
        assert store.link_evidence(document_id_for(url), RELATION)["reasons"] == ["not a response"]


def test_extracting_a_letter_for_linking_uses_the_indexers_reader(tmp_path):
    # The same reader the index uses: its paragraphs are what quotes are matched against.
    doc = extract_file(write(tmp_path / "letter.txt", LETTER))
    assert doc.metadata["document_type"] == "Children's services focused visit"
    assert any(p.stance == "improvement" for p in doc.paragraphs)


SECOND_LETTER = (
    LETTER.replace("28 November 2024", "9 June 2023")
    .replace("2024-11-28", "2023-06-09")
    .replace("29 and 30\nOctober 2024", "9 and 10\nMay 2023")
    .replace(
        "Care leavers benefit from strong and enduring",
        "Young people in care benefit from lasting and trusted",
    )
)


def test_a_guessed_date_never_outweighs_quoted_wording(settings, tmp_path):
    # Undated but for a date in its prose, close to the 2023 letter; it quotes the 2024 letter.
    guessed = page(
        date_in="none",
        paragraphs=[
            "On 20 June 2023 the council launched its new offer, and Ofsted has since visited the service.",
            'Inspectors found that "Care leavers benefit from strong and enduring relationships with '
            'personal advisers who know them well."',
        ],
    )
    files = [
        write(tmp_path / "letter-2024.txt", LETTER),
        write(tmp_path / "letter-2023.txt", SECOND_LETTER),
        write(tmp_path / "page.html", guessed),
    ]
    ingest(settings, files, progress=False, workers=1)
    with DocumentStore.open(settings) as store:
        [link] = store.links(document_id_for(str(files[2].resolve())))
        evidence = store.link_evidence(document_id_for(str(files[2].resolve())), RELATION)
    assert link["to_document"] == document_id_for(str(files[0].resolve()))
    assert evidence["published_source"] == "guess" and evidence["days"] is None
