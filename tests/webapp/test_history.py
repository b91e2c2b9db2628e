"""Issue 19 in the web app, on both engines: the neighbours_of filter on search, compare and
exports; an authority's history (judgements, areas for improvement, since the last inspection,
any two documents compared) on its page and in the API; the researcher's view of themes."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest

from common.config import Settings
from common.store import DocumentStore
from indexer.engines.sqlite import SqliteEngine
from indexer.search import Searcher
from tests.webapp import history_sample, sample
from webapp import create_app

WIGAN_GROUP = {
    "Wigan",
    "Lancashire",
    "Lincolnshire",
    "Sefton",
    "Warrington",
    "Staffordshire",
    "Dudley",
    "Northumberland",
    "Herefordshire",
    "Stockton-on-Tees",
    "Shropshire",
}


@pytest.fixture(scope="module", params=["sqlite", "elasticsearch"])
def history(request, tmp_path_factory):
    """The history sample served by the app on each engine (a real Elasticsearch node)."""
    data_dir = tmp_path_factory.mktemp(f"history-{request.param}")
    if request.param == "sqlite":
        settings = Settings.from_env(environ={}, data_dir=data_dir, base_url="http://findings.test")
        engine = SqliteEngine(settings.sqlite_index_path)
    else:
        from indexer.engines.elasticsearch import ElasticsearchEngine

        es_url = request.getfixturevalue("es_url")
        settings = Settings.from_env(
            environ={},
            data_dir=data_dir,
            base_url="http://findings.test",
            engine="elasticsearch",
            es_url=es_url,
        )
        engine = ElasticsearchEngine(es_url, f"history-{uuid.uuid4().hex[:12]}")
    store = DocumentStore.open(settings)
    ids = history_sample.build(store, engine)
    app = create_app(settings, searcher=Searcher.for_engine(engine), store=store)
    try:
        yield app.test_client(), ids
    finally:
        if request.param == "elasticsearch":
            for name in engine.indices():
                engine.es.options(ignore_status=404).indices.delete(index=name)
        engine.close()
        store.close()


# -- neighbours_of ----------------------------------------------------------------------------


def test_neighbours_of_limits_search_to_the_authority_and_its_neighbours(history):
    client, _ = history
    everyone = client.get("/api/v1/search?q=pathway plans").get_json()
    assert {r["authority"] for r in everyone["results"]} == {"Wigan", "Sefton", "Kent"}
    body = client.get("/api/v1/search?q=pathway plans&neighbours_of=wigan").get_json()
    assert {r["authority"] for r in body["results"]} == {"Wigan", "Sefton"}
    assert body["total"] == everyone["total"] - 1  # Kent's one paragraph is not Wigan's neighbour's
    assert {f["value"] for f in body["facets"]["authority"]} == {"Wigan", "Sefton"}
    # Any form of the name, its ONS code too; with an authority filter, both hold.
    assert (
        client.get("/api/v1/search?q=pathway plans&neighbours_of=E08000010").get_json()["total"]
        == body["total"]
    )
    sefton = client.get("/api/v1/search?q=pathway plans&neighbours_of=Wigan&authority=Sefton").get_json()
    assert {r["authority"] for r in sefton["results"]} == {"Sefton"}


def test_neighbours_of_an_unknown_authority_is_a_400_and_one_outside_the_group_matches_nothing(history):
    client, _ = history
    response = client.get("/api/v1/search?q=care&neighbours_of=Narnia")
    assert response.status_code == 400
    problem = response.get_json()["error"]["problems"][0]
    assert "neighbours_of 'Narnia' matches nothing" in problem and "ONS code" in problem
    # Two valid filters no paragraph meets together (like a date range ending before it starts):
    # nothing matches, and the notice lists the group.
    body = client.get("/api/v1/search?q=pathway plans&neighbours_of=Wigan&authority=Kent").get_json()
    assert body["total"] == 0 and body["results"] == []
    notice = next(n for n in body["notices"] if "not among the statistical neighbours of Wigan" in n)
    assert all(name in notice for name in WIGAN_GROUP)
    # A page says so and shows nothing rather than everything.
    page = client.get("/search?q=pathway+plans&neighbours_of=Narnia").get_data(as_text=True)
    assert "Neighbours_of &#39;Narnia&#39; matches nothing" in page and "0 paragraphs found" in page


def test_compare_me_and_my_neighbours(history):
    client, _ = history
    body = client.get("/api/v1/compare?q=pathway plans&neighbours_of=Wigan").get_json()
    assert {a["authority"] for a in body["authorities"]} == {"Wigan", "Sefton"}
    counts = {(c["authority"], c["theme"]): c for c in body["counts"]}
    assert counts[("Wigan", "pathway-plans")]["improvement"] == 3
    assert counts[("Sefton", "pathway-plans")]["improvement"] == 1
    page = client.get("/compare?q=pathway+plans&neighbours_of=Wigan").get_data(as_text=True)
    assert 'name="neighbours_of"' in page and '<option value="Wigan" selected>' in page
    assert "Comparing Wigan and its statistical neighbours" in page
    assert ">Sefton</a></th>" in page and ">Kent</a></th>" not in page


def test_exports_take_neighbours_of(history):
    client, _ = history
    response = client.get("/search.csv?q=pathway plans&neighbours_of=Wigan")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["authority"] for r in rows} == {"Wigan", "Sefton"} and len(rows) == 5
    assert "wigan-and-neighbours" in response.headers["Content-Disposition"]
    lines = (
        client.get("/search.ndjson?q=pathway plans&neighbours_of=Wigan").get_data(as_text=True).splitlines()
    )
    assert {json.loads(line)["authority"] for line in lines} == {"Wigan", "Sefton"}


# -- an authority's history -------------------------------------------------------------------


def test_authority_api_carries_neighbours_judgements_and_improvements(history):
    client, ids = history
    body = client.get("/api/v1/authorities/wigan").get_json()
    assert (
        body["neighbours"][:3] == ["Lancashire", "Lincolnshire", "Sefton"] and len(body["neighbours"]) == 10
    )
    judged = body["judgements"]
    assert [j["document_id"] for j in judged] == [ids["sif-2015"], ids["ilacs-2019"], ids["ilacs-2026"]]
    assert set(judged[0]) == {"document_id", "published", "grades"}
    assert judged[0]["grades"] == history_sample.SIF_GRADES
    assert judged[1]["grades"] == history_sample.ILACS_2018_GRADES
    assert "Overall effectiveness" not in judged[2]["grades"]  # 2026: no overall grade
    themes = {t["theme"]: t for t in body["improvements"]}
    pathway = themes["pathway-plans"]
    assert set(pathway) == {"theme", "documents", "recurring"} and pathway["recurring"] is True
    assert [(d["document_id"], d["published"], d["paragraphs"]) for d in pathway["documents"]] == [
        (ids["sif-2015"], "2015-06-10", [1]),
        (ids["ilacs-2019"], "2019-09-20", [1]),
        (ids["fv-2022"], "2022-03-15", [1]),
    ]
    assert themes["personal-advisers"]["recurring"] is False
    # The council's press release ("our local offer needs to improve") is not Ofsted's finding.
    assert "local-offer" not in themes
    assert all(d["document_id"] != ids["press-2026"] for t in body["improvements"] for d in t["documents"])


def test_authority_page_shows_chart_table_improvements_and_since_the_last_inspection(history):
    client, ids = history
    page = client.get("/authorities/wigan").get_data(as_text=True)
    assert "Judgements over time" in page and page.count('class="app-chart__point"') >= 5
    assert '<desc id="judgement-chart-1-desc">' in page and "the same grades are in the table" in page.lower()
    assert "Requires improvement to be good" in page and "Outstanding" in page
    assert "Areas for improvement over time" in page
    assert f'href="/documents/{ids["fv-2022"]}#p1"' in page  # a link to the very paragraph
    since = page[page.index('id="since-last"') :]
    resolved = since[since.index("Resolved") : since.index("Persisting")]
    assert "Pathway plans" in resolved
    persisting = since[since.index("Persisting") : since.index("New:")]
    assert "Health histories" in persisting
    assert "Personal advisers" in since[since.index("New:") :]
    assert f'<option value="{ids["sif-2015"]}">' in page  # the two-document form
    assert "Statistical neighbours:" in page and "neighbours_of=Wigan" in page


def test_two_documents_compared_and_unknown_ids_listed(history):
    client, ids = history
    url = f"/api/v1/authorities/wigan/compare?from={ids['sif-2015']}&to={ids['ilacs-2019']}"
    body = client.get(url).get_json()
    assert body["from"]["document_id"] == ids["sif-2015"] and body["to"]["published"] == "2019-09-20"
    outcomes = {t["theme"]: t["outcome"] for t in body["themes"]}
    assert outcomes == {
        "unsuitable-accommodation": "resolved",
        "pathway-plans": "persisting",
        "staying-put": "new",
    }
    default = client.get("/api/v1/authorities/wigan/compare").get_json()  # since the last inspection
    assert (default["from"]["document_id"], default["to"]["document_id"]) == (
        ids["fv-2022"],
        ids["ilacs-2026"],
    )
    page = client.get(url.replace("/api/v1", "")).get_data(as_text=True)
    assert "What changed between two documents" in page and "Unsuitable accommodation" in page
    for bad in (f"?from=nope&to={ids['fv-2022']}", f"?from={ids['press-2026']}&to={ids['fv-2022']}"):
        response = client.get(f"/api/v1/authorities/wigan/compare{bad}")
        assert response.status_code == 400
        problem = response.get_json()["error"]["problems"][0]
        assert "is not one of Wigan's Ofsted documents" in problem and ids["sif-2015"] in problem
        assert client.get(f"/authorities/wigan/compare{bad}").status_code == 400
    assert client.get("/api/v1/authorities/narnia/compare").status_code == 404


# -- the researcher's view ----------------------------------------------------------------------


def test_themes_most_often_raised_by_region_and_year(history):
    client, _ = history
    body = client.get("/api/v1/themes/improvements").get_json()
    first = body["themes"][0]
    assert first["theme"] == "pathway-plans" and first["documents"] == 5
    assert first["by_region"] == {"North West": 4, "South East": 1}
    assert first["by_year"] == {"2015": 1, "2019": 1, "2022": 1, "2023": 1, "2024": 1}
    assert "local-offer" not in {t["theme"] for t in body["themes"]}  # the council's words
    period = client.get("/api/v1/themes/improvements?from=2020-01-01&to=2024-12-31").get_json()
    assert {t["theme"]: t["documents"] for t in period["themes"]} == {
        "pathway-plans": 3,
        "health-histories": 1,
        "unsuitable-accommodation": 1,
    }
    near = client.get("/api/v1/themes/improvements?neighbours_of=Wigan").get_json()
    assert near["themes"][0]["by_region"] == {"North West": 4}
    assert client.get("/api/v1/themes/improvements?from=yesterday").status_code == 400


def test_themes_page_chart_and_exports(history):
    client, _ = history
    page = client.get("/themes/improvements?from=2020-01-01").get_data(as_text=True)
    assert 'role="img"' in page and "Pathway plans: 3" in page  # the bar's title
    assert "app-trends-table" in page and "/themes/improvements.xlsx?from=2020-01-01" in page
    text = client.get("/themes/improvements.csv?from=2020-01-01").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert list(rows[0]) == ["theme", "theme_label", "region", "year", "documents", "paragraphs"]
    pathway = [r for r in rows if r["theme"] == "pathway-plans"]
    assert sorted((r["region"], r["year"], r["documents"]) for r in pathway) == [
        ("North West", "2022", "1"),
        ("North West", "2024", "1"),
        ("South East", "2023", "1"),
    ]
    lines = client.get("/themes/improvements.ndjson?from=2020-01-01").get_data(as_text=True).splitlines()
    assert [json.loads(line) for line in lines] == [
        {**r, "documents": int(r["documents"]), "paragraphs": int(r["paragraphs"])} for r in rows
    ]
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(client.get("/themes/improvements.xlsx?from=2020-01-01").data))
    sheet = workbook.active
    assert [c.value for c in sheet[1]] == list(rows[0]) and sheet.max_row == len(rows) + 1


# -- the shared web sample (SQLite): neighbours_of beside the other filters ------------------


def test_neighbours_of_is_in_the_openapi_document_and_round_trips_in_links(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    names = {p["name"] for p in spec["paths"]["/search"]["get"]["parameters"]}
    assert "neighbours_of" in names
    assert {"neighbours", "judgements", "improvements"} <= set(
        spec["paths"]["/authorities/{slug}"]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]["required"]
    )
    assert "/themes/improvements" in spec["paths"] and "/authorities/{slug}/compare" in spec["paths"]
    page = client.get("/search?q=staying+put&neighbours_of=Wigan").get_data(as_text=True)
    assert "Wigan and its statistical neighbours" in page
    assert '<input type="hidden" name="neighbours_of" value="Wigan">' in page
    assert {
        r["authority"]
        for r in client.get("/api/v1/search?q=staying put&neighbours_of=Wigan").get_json()["results"]
    } == {"Wigan"}
    assert sample.LETTERS[2][1] == "Kent"  # Kent's staying-put paragraphs are left out


def test_theme_counts_from_the_history_equal_the_faceted_counts(history):
    """The authority page counts Ofsted's themes from the findings it already read; they must be
    what the two faceted searches (webapp.findings.authority_themes) count, in the same order."""
    client, _ = history
    from webapp.findings import authority_themes
    from webapp.history import authority_history
    from webapp.services import services

    with client.application.app_context():
        for name in ("Wigan", "Sefton", "Kent"):
            faceted = authority_themes(name, include_responses=False)
            counted = authority_history(services().register.find(name)).theme_counts()
            assert counted == faceted and list(counted) == list(faceted)
    with_council = client.get("/api/v1/authorities/wigan?include_responses=1").get_json()["themes"]
    assert {t["theme"] for t in with_council} >= {"local-offer"}  # the council's words, when asked
    ofsted = client.get("/api/v1/authorities/wigan").get_json()["themes"]
    assert "local-offer" not in {t["theme"] for t in ofsted}


def test_a_theme_raised_in_many_documents_lists_the_newest_and_links_the_rest(history, monkeypatch):
    client, ids = history
    monkeypatch.setattr("webapp.pages.SHOWN_DOCUMENTS", 2)
    page = client.get("/authorities/wigan").get_data(as_text=True)
    row = page[page.index("app-improvements") :]
    row = row[row.index("Pathway plans") : row.index("</tr>", row.index("Pathway plans"))]
    assert "1 earlier document" in row and "theme=pathway-plans" in row and "stance=improvement" in row
    assert f"/documents/{ids['sif-2015']}#p1" not in row and f"/documents/{ids['fv-2022']}#p1" in row
