"""Similar practice in other councils and "learn from": the JSON route, the page, the links
to it, and a walk in real Chromium from an area for improvement to a neighbour's strength.

The letters are sample text written for these tests (titles say "Sample"), about real
authorities so that the register's statistical neighbours apply: Sheffield is one of Leeds's
ten, Devon and Kent are not."""

from __future__ import annotations

import threading

import pytest

from common.config import Settings
from common.store import DocumentStore
from indexer.engines.sqlite import SqliteEngine
from indexer.model import Paragraph
from webapp import create_app

XSS = '<script>window.__xss = "similar"</script><img src=x onerror="window.__xss=\'img\'">'
STAYING_PUT = "staying put arrangements with former foster carers beyond their eighteenth birthday"
LETTERS = {
    # authority: (ons code, published, [(text, stance)])
    "Leeds": (
        "E08000035",
        "2025-02-01",
        [
            (f"Too few care leavers are offered {STAYING_PUT}, and carers hear of it late.", "improvement"),
            ("Return home interviews are completed quickly for children who go missing.", "strength"),
        ],
    ),
    "Sheffield": (
        "E08000019",
        "2024-05-01",
        [(f"Leaders promote {STAYING_PUT}; most care leavers stay on with their carers.", "strength")],
    ),
    "Devon": (
        "E10000008",
        "2024-06-01",
        [
            (f"Care leavers benefit from well promoted {STAYING_PUT} and stay on with carers.", "strength"),
            (f"Devon offers {STAYING_PUT} to care leavers. " + XSS, "neutral"),
        ],
    ),
    "Kent": (
        "E10000016",
        "2023-01-01",
        [(f"Reviews of {STAYING_PUT} are not timely, so care leavers are unsure of them.", "improvement")],
    ),
    "Wigan": (
        "E08000010",
        "2023-03-01",
        [(f"Inspectors read {i} records of the assessment service.", "neutral") for i in range(6)],
    ),
}


@pytest.fixture(scope="module")
def similar_data(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("similar-data")
    settings = Settings.from_env(environ={}, data_dir=data_dir, base_url="http://findings.test")
    store = DocumentStore.open(settings)
    engine = SqliteEngine(settings.sqlite_index_path)
    ids, paragraphs = {}, []
    for authority, (ons, published, texts) in LETTERS.items():
        title = f"Sample: focused visit to {authority} children's services"
        source = f"https://files.example.test/similar/{authority.lower()}"
        record, _ = store.put(
            source,
            b"sample",
            kind="ofsted",
            title=title,
            document_type="Children's services focused visit",
            authority=authority,
            ons_code=ons,
            published=published,
            content_type="application/pdf",
        )
        store.set_index_result(
            record.document_id, status="indexed", sha256=record.sha256, paragraphs=len(texts)
        )
        ids[authority] = record.document_id
        for n, (text, stance) in enumerate(texts, 1):
            paragraphs.append(
                Paragraph(
                    document_id=record.document_id,
                    paragraph_number=n,
                    text=text,
                    section="Care leavers",
                    document_title=title,
                    document_type="Children's services focused visit",
                    authority=authority,
                    ons_code=ons,
                    published=published,
                    source=source,
                    themes=["staying-put"] if "staying put" in text else [],
                    stance=stance,
                )
            )
    engine.rebuild(paragraphs)
    store.close()
    engine.close()
    return settings, ids


@pytest.fixture(scope="module")
def client(similar_data):
    return create_app(similar_data[0]).test_client()


@pytest.fixture(scope="module")
def ids(similar_data):
    return similar_data[1]


def api(client, document_id, n, **args):
    return client.get(f"/api/v1/documents/{document_id}/paragraphs/{n}/similar", query_string=args)


# -- the JSON route ------------------------------------------------------------------------


def test_similar_json_lists_other_councils_paragraphs_with_authority_stance_and_score(client, ids):
    response = api(client, ids["Leeds"], 1)
    assert response.status_code == 200
    body = response.get_json()
    assert body["paragraph"]["authority"] == "Leeds" and body["paragraph"]["stance"] == "improvement"
    results = body["results"]
    assert {r["authority"] for r in results} == {"Sheffield", "Devon", "Kent"}
    for r in results:
        assert r["stance"] in ("strength", "improvement", "neutral") and r["score"] > 0
        assert r["url"].startswith("http://findings.test/documents/") and r["text"] and "snippet" in r
    # Return home interviews share no practice with staying put.
    assert all("Return home" not in r["text"] for r in results)


def test_stance_and_neighbours_of_filter_the_results(client, ids):
    strengths = api(client, ids["Leeds"], 1, stance="strength").get_json()["results"]
    assert {r["authority"] for r in strengths} == {"Sheffield", "Devon"}
    assert all(r["stance"] == "strength" for r in strengths)
    for form in ("Leeds", "leeds city council", "E08000035"):
        body = api(client, ids["Leeds"], 1, neighbours_of=form).get_json()
        assert [r["authority"] for r in body["results"]] == ["Sheffield"]
        assert body["neighbours_of"] == "Leeds" and "Sheffield" in body["neighbours"]


def test_unknown_values_are_400s_listing_the_valid_ones(client, ids):
    response = api(client, ids["Leeds"], 1, neighbours_of="Atlantis")
    assert response.status_code == 400
    problem = response.get_json()["error"]["problems"][0]
    assert "neighbours_of" in problem and "Sheffield" in problem and "Leeds" in problem
    response = api(client, ids["Leeds"], 1, stance="praise")
    assert response.status_code == 400
    assert "strength, improvement, neutral" in response.get_json()["error"]["problems"][0]
    assert api(client, ids["Leeds"], 1, limit="0").status_code == 400
    assert api(client, ids["Leeds"], 1, limit="many").status_code == 400


def test_unknown_documents_and_paragraphs_are_404s(client, ids):
    assert api(client, "no-such-document", 1).status_code == 404
    assert api(client, ids["Leeds"], 99).status_code == 404
    assert api(client, ids["Leeds"], 10**30).status_code == 404
    assert client.get(f"/api/v1/documents/{ids['Leeds']}/paragraphs/x/similar").status_code == 404
    assert api(client, "no-such-document", 1).get_json()["error"]["status"] == 404


def test_the_route_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    operation = paths["/documents/{document_id}/paragraphs/{n}/similar"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"document_id", "n", "neighbours_of", "stance"} <= names
    stance = next(p for p in operation["parameters"] if p["name"] == "stance")
    assert stance["schema"]["enum"] == ["strength", "improvement", "neutral"]
    assert {"200", "400", "404"} <= set(operation["responses"])


# -- the pages -----------------------------------------------------------------------------


def test_document_page_links_every_paragraph_to_similar_practice_and_improvements_to_learn_from(client, ids):
    html = client.get(f"/documents/{ids['Leeds']}").get_data(as_text=True)
    assert html.count("Similar practice in other councils") == 2
    assert f"/documents/{ids['Leeds']}/paragraphs/1/similar#learn-from" in html
    assert f"/documents/{ids['Leeds']}/paragraphs/2/similar#learn-from" not in html  # a strength


def test_each_search_result_links_to_similar_practice(client, ids):
    html = client.get("/search", query_string={"q": "staying put"}).get_data(as_text=True)
    assert f"/documents/{ids['Sheffield']}/paragraphs/1/similar" in html
    assert html.count("Similar practice in other councils") >= 4


def test_similar_page_leads_with_neighbours_strengths_and_escapes_everything(client, ids):
    response = client.get(f"/documents/{ids['Leeds']}/paragraphs/1/similar")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    learn = html[html.index('id="learn-from"') : html.index('id="similar"')]
    assert learn.index("Sheffield") < learn.index("Devon")
    assert "Statistical neighbour of Leeds" in learn
    assert "Kent" not in learn  # an area for improvement is nothing to learn from
    assert "<script>window.__xss" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.__xss" in html and "&lt;img src=x" in html


def test_similar_page_filters_and_errors(client, ids):
    html = client.get(
        f"/documents/{ids['Leeds']}/paragraphs/1/similar", query_string={"neighbours_of": "Leeds"}
    ).get_data(as_text=True)
    assert "Sheffield" in html and "Devon" not in html.split('id="similar"')[1]
    bad = client.get(f"/documents/{ids['Leeds']}/paragraphs/1/similar", query_string={"stance": "x"})
    assert bad.status_code == 400 and "strength, improvement, neutral" in bad.get_data(as_text=True)
    assert client.get(f"/documents/{ids['Leeds']}/paragraphs/42/similar").status_code == 404


# -- in real Chromium: area for improvement -> learn from a neighbour -> its paragraph --------


@pytest.fixture(scope="module")
def similar_server(similar_data):
    from werkzeug.serving import make_server

    settings, _ = similar_data
    server = make_server("127.0.0.1", 0, None, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    server.app = create_app(settings.with_(base_url=base_url))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base_url
    server.shutdown()
    thread.join(timeout=10)


def test_browser_walks_from_an_improvement_to_a_neighbours_strength(browser, similar_server, ids):
    context = browser.new_context(base_url=similar_server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"/documents/{ids['Leeds']}")
        improvement = page.locator("#p1")
        assert "Area for improvement" in improvement.inner_text()
        improvement.get_by_role("link", name="Learn from other councils' strengths").click()
        page.wait_for_url("**/paragraphs/1/similar#learn-from")
        first = page.locator(".app-learn-from .app-result").first
        assert "Statistical neighbour of Leeds" in first.inner_text()
        assert "Sheffield" in first.inner_text()
        first.locator(".app-result__title a").click()
        page.wait_for_url(f"**/documents/{ids['Sheffield']}#p1")
        target = page.locator("#p1")
        assert target.is_visible() and "Leaders promote staying put" in target.inner_text()
        assert page.evaluate("window.__xss") is None
        # The Devon paragraph with script payloads is shown as text on the similar page.
        page.goto(f"/documents/{ids['Leeds']}/paragraphs/1/similar")
        assert "<script>" in page.locator(".app-similar").inner_text()
        assert page.evaluate("window.__xss") is None
    finally:
        context.close()
