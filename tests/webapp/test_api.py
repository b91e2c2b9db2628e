"""The JSON API: /api/v1/search and friends, against a real SQLite index."""

from __future__ import annotations

import pytest

from indexer.engines.base import EngineUnavailable, SearchEngine
from indexer.search import PUBLIC_FIELDS, Searcher
from webapp import create_app

ODD_QUERIES = [
    '"staying put',
    "\u201cstaying put\u201d",
    "staying NEAR put",
    "stay*",
    "^staying",
    "text:staying",
    "!!! ??? ...",
    "",
    "x" * 5000,
    "staying " * 1000,
    "-",
    '""',
    "OR",
    "NEAR(staying put, 2)",
    "staying AND put NOT",
    "(staying",
    "*",
    "'; DROP TABLE fts; --",
]


def test_search_returns_the_public_fields(client):
    body = client.get("/api/v1/search?q=staying put").get_json()
    assert body["total"] >= 4
    assert {"total", "results", "facets", "notices"} <= set(body)
    first = body["results"][0]
    assert set(PUBLIC_FIELDS) <= set(first)
    assert "<mark>" in first["snippet"].lower()
    assert (
        first["url"] == f"http://findings.test/documents/{first['document_id']}#p{first['paragraph_number']}"
    )
    authorities = {r["authority"] for r in body["results"]}
    assert {"Wigan", "Leeds", "Kent"} <= authorities


def test_facets_are_lists_of_values_with_counts(client):
    facets = client.get("/api/v1/search?q=staying put").get_json()["facets"]
    assert set(facets) == {
        "authority",
        "region",
        "year",
        "document_type",
        "theme",
        "stance",
        "judgement",
        "kind",
    }
    authority = {f["value"]: f["count"] for f in facets["authority"]}
    assert authority["Kent"] == 3
    assert all(set(f) == {"value", "count"} for f in facets["theme"])


def test_repeated_filter_values_combine_with_or(client):
    one = client.get("/api/v1/search?q=staying put&authority=Wigan").get_json()
    both = client.get("/api/v1/search?q=staying put&authority=Wigan&authority=Leeds").get_json()
    assert {r["authority"] for r in one["results"]} == {"Wigan"}
    assert {r["authority"] for r in both["results"]} == {"Wigan", "Leeds"}
    assert both["total"] > one["total"]


def test_filters_of_different_facets_combine_with_and(client):
    body = client.get("/api/v1/search?q=staying put&theme=staying-put&stance=strength").get_json()
    assert body["total"] == 2
    assert all(r["stance"] == "strength" and "staying-put" in r["themes"] for r in body["results"])


def test_sort_by_date_puts_newest_first(client):
    body = client.get("/api/v1/search?q=staying&sort=date&per_page=100").get_json()
    dates = [r["published"] for r in body["results"]]
    assert dates == sorted(dates, reverse=True)


def test_pages_and_offsets_walk_through_every_result(client):
    total = client.get("/api/v1/search?q=staying").get_json()["total"]
    seen = []
    for page in range(1, total + 1):
        body = client.get(f"/api/v1/search?q=staying&per_page=1&page={page}").get_json()
        seen += [(r["document_id"], r["paragraph_number"]) for r in body["results"]]
    assert len(seen) == len(set(seen)) == total
    by_offset = client.get("/api/v1/search?q=staying&offset=2&limit=1").get_json()
    assert [(r["document_id"], r["paragraph_number"]) for r in by_offset["results"]] == [seen[2]]


@pytest.mark.parametrize("query", ["page=abc", "per_page=ten", "sort=sideways", "offset=-x"])
def test_unreadable_parameters_get_a_clear_400(client, query):
    response = client.get(f"/api/v1/search?q=staying&{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400 and error["problems"]


def test_out_of_range_paging_is_clamped_with_a_notice(client):
    body = client.get("/api/v1/search?q=staying&per_page=100000&page=999999").get_json()
    assert body["limit"] == 100
    assert any("download" in n for n in body["notices"])


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_odd_queries_never_fail(client, query):
    response = client.get("/api/v1/search", query_string={"q": query})
    assert response.status_code == 200, response.data[:500]
    assert isinstance(response.get_json()["total"], int)


def test_an_unbalanced_quote_is_explained(client):
    body = client.get("/api/v1/search", query_string={"q": '"staying put'}).get_json()
    assert body["total"] > 0
    assert any("quotation mark" in n for n in body["notices"])


def test_script_in_a_paragraph_is_escaped_in_the_snippet(client):
    body = client.get(
        "/api/v1/search", query_string={"q": "staying put", "authority": "Kent", "per_page": 100}
    ).get_json()
    snippets = " ".join(r["snippet"] for r in body["results"])
    assert "&lt;script&gt;" in snippets
    assert "<script" not in snippets and "<img" not in snippets and "<svg" not in snippets
    assert "<a " not in snippets
    assert set(_tags(snippets)) <= {"mark", "/mark"}


def _tags(html: str) -> list[str]:
    import re

    return re.findall(r"<\s*(/?\w+)", html)


def test_document_endpoint(client, ids):
    doc = ids["https://files.example.test/v1/file/1001"]
    body = client.get(f"/api/v1/documents/{doc}").get_json()
    assert body["document"]["authority"] == "Wigan"
    assert [p["paragraph_number"] for p in body["paragraphs"]] == [1, 2, 3]
    assert body["paragraphs"][0]["url"].endswith(f"/documents/{doc}#p1")
    assert body["links"][0]["relation"] == "responds_to"
    assert client.get("/api/v1/documents/nope").status_code == 404
    assert client.get("/api/v1/documents/nope").get_json()["error"]["status"] == 404


def test_authorities_and_themes(client):
    authorities = client.get("/api/v1/authorities").get_json()["authorities"]
    assert len(authorities) == 153
    assert any(a["name"] == "Wigan" and a["ons_code"] == "E08000010" for a in authorities)
    themes = client.get("/api/v1/themes").get_json()["themes"]
    assert any(t["id"] == "staying-put" for t in themes)


def test_openapi_document_describes_the_routes(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/search", "/documents/{document_id}", "/authorities", "/themes"} <= set(spec["paths"])
    names = {p["name"] for p in spec["paths"]["/search"]["get"]["parameters"]}
    assert {"q", "authority", "theme", "sort", "page", "per_page"} <= names


class DownEngine(SearchEngine):
    """A SQLite-side stand-in for an engine that cannot be reached."""

    name = "down"

    def _down(self, *args, **kwargs):
        raise EngineUnavailable("connection refused")

    rebuild = replace_documents = delete_documents = search = scan = _down
    document_paragraphs = document_ids = stats = check = suggest = _down


@pytest.fixture
def down_client(sample_data):
    settings, _ = sample_data
    return create_app(settings, searcher=Searcher(DownEngine())).test_client()


def test_an_unavailable_engine_gives_503_json(down_client):
    response = down_client.get("/api/v1/search?q=staying")
    assert response.status_code == 503
    assert "search is unavailable" in response.get_json()["error"]["message"]
    assert response.headers["Retry-After"]


def test_an_unavailable_engine_gives_a_503_page(down_client):
    for url in ("/search?q=staying", "/compare?q=staying", "/search.csv?q=staying", "/search.atom?q=staying"):
        response = down_client.get(url)
        assert response.status_code == 503, url
    assert b"search is unavailable" in down_client.get("/search?q=x").data


def test_the_app_starts_when_the_engine_cannot_even_be_opened(tmp_path):
    from common.config import Settings

    settings = Settings.from_env(
        environ={}, data_dir=tmp_path, engine="elasticsearch", es_url="http://127.0.0.1:9"
    )
    client = create_app(settings).test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503
    assert client.get("/api/v1/search?q=staying").status_code == 503


def test_an_unreadable_store_gives_503_not_500(tmp_path):
    from common.config import Settings

    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("x")
    client = create_app(Settings.from_env(environ={}, data_dir=not_a_directory)).test_client()
    assert client.get("/healthz").status_code == 200
    for url in ("/", "/status", "/readyz", "/api/v1/search?q=x", "/documents/abc"):
        assert client.get(url).status_code == 503, url


def test_a_misspelt_search_suggests_and_shows_the_corrected_results(client):
    body = client.get("/api/v1/search?q=stayng put").get_json()
    assert body["suggestion"] == "staying put"
    assert body["total"] >= 4 and any("staying put" in n for n in body["notices"])
    as_typed = client.get("/api/v1/search?q=stayng put&as_typed=1").get_json()
    assert as_typed["suggestion"] == "staying put"
    assert not any("showing results for" in n for n in as_typed["notices"])
    assert all("put" in r["text"].lower() for r in as_typed["results"])  # only "put" can match as typed
    assert client.get("/api/v1/search?q=staying put").get_json()["suggestion"] is None


def test_each_result_says_why_it_matched(client):
    body = client.get("/api/v1/search?q=taster flat&theme=taster-flats").get_json()
    reasons = {r["document_id"]: r["match_reasons"] for r in body["results"]}
    assert any(
        {"term": "trainer flat", "kind": "synonym", "of": "taster flat", "where": "text"} in rs
        for rs in reasons.values()
    )
    assert all(
        {"term": "taster-flats", "kind": "filter", "of": "theme", "where": "theme"} in rs
        for rs in reasons.values()
    )


def test_the_stance_facet_and_filter_count_ofsted_paragraphs_only(client):
    everything = client.get("/api/v1/search?q=staying put").get_json()
    stances = {f["value"]: f["count"] for f in everything["facets"]["stance"]}
    ofsted = client.get("/api/v1/search?q=staying put&kind=ofsted").get_json()
    assert everything["total"] > ofsted["total"]  # the council's release matches too
    assert stances == {f["value"]: f["count"] for f in ofsted["facets"]["stance"]}
    strengths = client.get("/api/v1/search?q=staying put&stance=strength").get_json()
    assert strengths["results"] and all(r["kind"] == "ofsted" for r in strengths["results"])
    assert strengths["total"] == stances["strength"]


# -- filter values, date range, which content (issue 21) ----------------------------------------


def test_an_unknown_facet_value_is_a_400_listing_the_valid_ones(client):
    response = client.get("/api/v1/search?q=care&stance=area")
    assert response.status_code == 400
    message = " ".join(response.get_json()["error"]["problems"])
    assert "stance 'area' matches nothing" in message
    assert all(value in message for value in ("strength", "improvement", "neutral"))
    assert client.get("/api/v1/search?q=care&theme=no-such-theme").status_code == 400
    assert client.get("/api/v1/search?q=care&year=last").status_code == 400
    # Common forms of valid values are read as the index holds them.
    canonical = client.get("/api/v1/search?q=staying put&authority=Wigan&stance=strength").get_json()
    written = client.get("/api/v1/search?q=staying put&authority=wigan&stance=Strength").get_json()
    assert written["total"] == canonical["total"] > 0


def test_the_openapi_document_lists_each_facets_values_as_an_enum(client):
    parameters = {
        p["name"]: p
        for p in client.get("/api/v1/openapi.json").get_json()["paths"]["/search"]["get"]["parameters"]
    }
    assert parameters["stance"]["schema"]["items"]["enum"] == ["strength", "improvement", "neutral"]
    assert "staying-put" in parameters["theme"]["schema"]["items"]["enum"]
    assert "Leeds" in parameters["authority"]["schema"]["items"]["enum"]
    assert "Good" in parameters["judgement"]["schema"]["items"]["enum"]
    assert parameters["from"]["schema"] == {"type": "string", "format": "date"}
    assert parameters["to"]["schema"] == {"type": "string", "format": "date"}


def test_a_date_range_filters_hits_and_facets(client):
    everything = client.get("/api/v1/search?q=staying put&per_page=100").get_json()
    dates = sorted(r["published"] for r in everything["results"])
    middle = dates[len(dates) // 2]
    ranged = client.get(f"/api/v1/search?q=staying put&per_page=100&from={middle}").get_json()
    assert 0 < ranged["total"] < everything["total"]
    assert all(r["published"] >= middle for r in ranged["results"])
    assert sum(f["count"] for f in ranged["facets"]["kind"]) == ranged["total"]
    assert client.get("/api/v1/search?q=care&from=2024-13").status_code == 400
    empty = client.get("/api/v1/search?q=care&from=2025-01-01&to=2024-01-01").get_json()
    assert empty["total"] == 0 and any("2025-01-01" in n for n in empty["notices"])


def test_a_document_says_which_content_it_holds(client, ids):
    document_id = ids["https://files.example.test/v1/file/1001"]
    document = client.get(f"/api/v1/documents/{document_id}").get_json()["document"]
    assert len(document["sha256"]) == 64 and document["version"] == 1
    assert document["content_changed_at"]
