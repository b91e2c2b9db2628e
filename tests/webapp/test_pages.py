"""The HTML pages, through Flask's test client."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.webapp import sample
from tests.webapp.test_api import ODD_QUERIES


class Tags(HTMLParser):
    """Every element with its attributes, and the text of <script> elements."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.scripts.append(data)

    def find(self, tag, **attrs):
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.data[:2000])
    return response.get_data(as_text=True)


def test_home_has_a_search_box_and_example_searches(client):
    html = page(client, "/")
    tags = Tags(html)
    assert tags.find("input", name="q")
    assert 'href="/search?q=staying+put"' in html
    assert "Browse by theme" in html and "/authorities/wigan" in html
    assert "published up to 12 March 2024" in html


def test_results_are_highlighted_and_labelled_by_authority(client, ids):
    html = page(client, "/search?q=staying+put")
    assert "paragraphs found" in html
    for authority in ("Wigan", "Leeds", "Kent"):
        assert re.search(
            rf'app-result__authority">(<a [^>]*href="/authorities/{authority.lower()}">)?{authority}<', html
        )
    assert "<mark>" in html
    wigan = ids["https://files.example.test/v1/file/1001"]
    assert f'href="/documents/{wigan}?q=staying+put#p1"' in html
    assert 'href="https://files.example.test/v1/file/1001"' in html
    assert "5 March 2024" in html


def test_facets_are_checkboxes_that_keep_the_query(client):
    html = page(client, "/search?q=staying+put&authority=Wigan")
    tags = Tags(html)
    boxes = tags.find("input", type="checkbox", name="authority")
    assert {b["value"] for b in boxes} >= {"Wigan", "Leeds", "Kent"}
    assert [b["value"] for b in boxes if "checked" in b] == ["Wigan"]
    assert tags.find("input", type="hidden", name="q", value="staying put")
    assert "Clear all filters" in html


def test_group_by_authority_shows_one_group_per_authority(client):
    html = page(client, "/search?q=staying+put&view=authorities")
    groups = re.findall(
        r'<li class="app-group">\s*<h2 class="govuk-heading-m"><a class="govuk-link" href="/authorities/[a-z-]+">([^<]+)</a> <span',
        html,
    )
    assert sorted(groups) == ["Kent", "Leeds", "Wigan"]
    assert "from 3 authorities" in html


def test_no_results_gives_suggestions(client):
    html = page(client, "/search?q=zzzyyyxxx")
    assert "No paragraphs match" in html and "checking the spelling" in html


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_odd_queries_never_give_an_error_page(client, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200


def test_bad_page_numbers_fall_back_with_a_notice(client):
    html = page(client, "/search?q=staying&page=abc")
    assert "Page must be a whole number" in html


def test_script_payloads_are_escaped_everywhere(client, ids):
    kent = ids["https://files.example.test/v1/file/1003"]
    hostile = ids[sample.HOSTILE[0]]
    for url in (
        "/search?q=staying+put&authority=Kent",
        f"/documents/{kent}",
        f"/documents/{hostile}",
        "/search?q=leaving+care",
        "/search?q=leaving+care&view=authorities",
        "/authorities/barnet",
        "/status",
        "/search.atom?q=leaving",
        "/search?q=" + "%3Cscript%3Ealert(1)%3C/script%3E",
        "/search?q=x&authority=%3Cscript%3Ealert(1)%3C/script%3E",
        "/compare?q=staying&authority=%3Cimg%20src=x%20onerror=alert(1)%3E",
    ):
        html = page(client, url)
        tags = Tags(html)
        assert not tags.scripts, url  # no inline script at all
        if not url.startswith("/search.atom"):
            assert [a.get("src") for a in tags.find("script")] == ["/static/app.js"], url
        assert not tags.find("img"), url
        assert not tags.find("svg", onload="window.__xss='svg'"), url
        assert not any(k.startswith("on") for _, attrs in tags.elements for k in attrs), url
        assert not any(
            str(v).strip().lower().startswith("javascript:")
            for _, attrs in tags.elements
            for v in attrs.values()
        ), url
    assert "&lt;script&gt;" in page(client, f"/documents/{kent}")


def test_document_page_has_anchors_citation_metadata_and_source(client, ids):
    wigan = ids["https://files.example.test/v1/file/1001"]
    html = page(client, f"/documents/{wigan}")
    tags = Tags(html)
    ids_on_page = {attrs.get("id") for _, attrs in tags.elements}
    assert {"p1", "p2", "p3"} <= ids_on_page
    assert (
        "Ofsted, \u201cFocused visit to Wigan children\u2019s services\u201d, Wigan" in html
        or "Ofsted, \u201cFocused visit to Wigan children&#39;s services\u201d, Wigan" in html
    )
    assert f"paragraph 2. http://findings.test/documents/{wigan}#p2" in html
    assert 'href="https://files.example.test/v1/file/1001"' in html
    assert "Original document (PDF)" in html
    # The council's response is shown beside the letter.
    assert "Council&#39;s response" in html and "We are proud that staying put" in html


def test_document_page_of_an_unknown_document_is_404(client):
    html = page(client, "/documents/0000000000000000", status=404)
    assert "Page not found" in html


def test_compare_has_a_chart_and_the_same_data_as_a_table(client):
    html = page(client, "/compare?q=staying+put")
    tags = Tags(html)
    svgs = tags.find("svg", role="img")
    assert svgs and all(s.get("aria-labelledby") for s in svgs)
    rows = re.findall(
        r'<th scope="row" class="govuk-table__header"><a class="govuk-link" href="[^"]+">([^<]+)</a>', html
    )
    assert sorted(rows) == ["Kent", "Leeds", "Wigan"]
    # Wigan: one staying-put strength, no improvement; Leeds: the reverse.
    assert "Staying put" in html
    assert re.search(r">Wigan</a></th>\s*<td[^>]*>\d+</td>\s*<td[^>]*>1 / 0</td>", html)
    assert re.search(r">Leeds</a></th>\s*<td[^>]*>\d+</td>\s*<td[^>]*>0 / 1</td>", html)
    assert "Requires improvement" in html  # Kent's judgements, side by side


def test_authority_page(client):
    html = page(client, "/authorities/kent")
    assert "Inspection of Kent local authority children" in html
    assert "Requires improvement" in html
    assert "Staying put" in html
    page(client, "/authorities/not-a-council", status=404)


def test_status_page_lists_counts_runs_and_failures(client):
    html = page(client, "/status")
    assert "Broken letter" in html and "broken xref" in html
    assert "https://reports.example.test" in html
    assert "Paragraphs in the index" in html


def test_help_page_explains_the_syntax(client):
    html = page(client, "/help")
    for example in ('"personal adviser"', "taster | trainer", "-hotel", "advis*"):
        assert example.replace('"', "&#34;") in html or example in html


def test_security_headers_on_every_response(client):
    for url in ("/", "/search?q=x", "/api/v1/search?q=x", "/nope", "/healthz"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"]


def test_health_and_readiness(client):
    live = client.get("/healthz")
    assert live.status_code == 200 and live.get_json() == {"status": "ok"}
    assert live.headers["Cache-Control"] == "no-store"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"engine": "ok", "store": "ok"}


def test_every_page_links_the_design_system_assets(client):
    html = page(client, "/")
    assert "/static/govuk/govuk-frontend.min.css" in html


def test_unknown_page_is_a_404_page_and_api_404_is_json(client):
    assert "Page not found" in page(client, "/nothing-here", status=404)
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404


def test_post_is_refused_politely(client):
    response = client.post("/search", data={"q": "x"})
    assert response.status_code == 405


def test_pagination_keeps_the_search_and_page_size(client):
    html = page(client, "/search?q=staying&per_page=2&authority=Kent&authority=Wigan")
    next_link = re.search(r'<a class="govuk-link govuk-pagination__link" href="([^"]+)" rel="next"', html)
    assert next_link
    href = next_link.group(1).replace("&amp;", "&")
    assert "page=2" in href and "per_page=2" in href and "q=staying" in href
    assert "authority=Kent" in href and "authority=Wigan" in href
    second = page(client, href)
    assert 'aria-current="page">2<' in second


def test_formatting_of_dates_and_citations():
    from common.formatting import citation, date_time, long_date

    assert long_date("2024-03-05") == "5 March 2024"
    assert long_date("not a date") == "not a date"
    assert date_time("2026-11-23T06:57:04+00:00") == "23 November 2026, 06:57 UTC"
    assert date_time("2026-11-23T07:57:04+01:00") == "23 November 2026, 06:57 UTC"
    assert (
        citation(
            {
                "authority": "Wigan",
                "document_title": "Focused visit",
                "published": "2024-03-05",
                "paragraph_number": 4,
            },
            "http://x/documents/d#p4",
        )
        == "Ofsted, \u201cFocused visit\u201d, Wigan, published 5 March 2024, paragraph 4. http://x/documents/d#p4"
    )


def test_ingested_files_show_their_name_not_the_server_path(tmp_path):
    from common.config import Settings
    from common.store import DocumentStore
    from indexer.engines.sqlite import SqliteEngine
    from indexer.model import Paragraph
    from webapp import create_app

    settings = Settings.from_env(environ={}, data_dir=tmp_path / "data")
    store = DocumentStore.open(settings)
    record, _ = store.put(
        "/home/researcher/private/letters/wigan-2024.pdf",
        b"%PDF",
        kind="file",
        title="Wigan letter",
        authority="Wigan",
    )
    SqliteEngine(settings.sqlite_index_path).rebuild(
        [
            Paragraph(
                document_id=record.document_id,
                paragraph_number=1,
                text="Staying put is working.",
                kind="file",
                authority="Wigan",
                source=record.source,
                document_title="Wigan letter",
            )
        ]
    )
    client = create_app(settings, store=store).test_client()
    for url in ("/search?q=staying", f"/documents/{record.document_id}"):
        html = page(client, url)
        assert "wigan-2024.pdf" in html and "/home/researcher" not in html


def test_did_you_mean_links_run_the_suggestion_and_what_was_typed(client):
    html = client.get("/search?q=stayng+put").get_data(as_text=True)
    assert "Showing results for" in html and "staying put" in html
    assert 'href="/search?q=staying+put"' in html
    assert "as_typed=1" in html
    typed = client.get("/search?q=stayng+put&as_typed=1").get_data(as_text=True)
    assert "Did you mean" in typed and 'href="/search?q=staying+put"' in typed


def test_each_result_shows_why_it_matched(client):
    html = client.get("/search?q=taster+flat").get_data(as_text=True)
    assert "Why this result:" in html
    assert "“trainer flat”, a synonym of “taster flat”" in html


def test_every_page_of_sample_data_carries_the_sample_banner(sample_data, ids, tmp_path):
    import shutil

    from webapp import create_app

    settings, _ = sample_data
    plain = create_app(settings).test_client().get("/")
    assert "sample-data-banner" not in plain.get_data(as_text=True)
    data_dir = tmp_path / "demo-data"
    shutil.copytree(settings.data_dir, data_dir)
    demo = settings.with_(data_dir=data_dir)
    demo.sample_data_marker.write_text("sample\n")
    client = create_app(demo).test_client()
    document_id = next(iter(ids.values()))
    for url in (
        "/",
        "/search?q=staying+put",
        "/search?q=staying+put&view=authorities",
        "/compare",
        "/authorities",
        "/help",
        "/status",
        f"/documents/{document_id}",
        "/no-such-page",
    ):
        html = client.get(url).get_data(as_text=True)
        banner = html.split('id="sample-data-banner"', 1)
        assert len(banner) == 2, url
        assert "sample documents, not Ofsted's" in banner[1].split("</div>", 1)[0].replace("&#39;", "'"), url
        # Inside the header landmark, before the main content.
        assert html.index("<header") < html.index("sample-data-banner") < html.index("</header>"), url


# -- page structure (issue 21) -------------------------------------------------------------------


def test_search_results_come_before_the_filters_with_a_skip_link_and_h2_results(client):
    html = client.get("/search?q=staying+put").get_data(as_text=True)
    assert html.index('id="first-result"') < html.index("Filter results")
    assert 'href="#first-result"' in html and html.index('href="#first-result"') < html.index(
        'id="first-result"'
    )
    assert '<details class="govuk-details app-filters">' in html  # closed in the page: app.js opens it
    assert (
        '<h2 class="govuk-heading-s app-result__title">' in html
        and "<h3" not in html.split("Filter results")[0]
    )
    grouped = client.get("/search?q=staying+put&view=authorities").get_data(as_text=True)
    assert '<h3 class="govuk-heading-s app-result__title">' in grouped


def test_a_date_range_sits_beside_the_year_facet_and_filters(client):
    html = client.get("/search?q=staying+put").get_data(as_text=True)
    year, date_range = html.index("Year published"), html.index("Published between")
    assert year < date_range < html.index('name="from"') < html.index('name="to"')
    filtered = client.get("/search?q=staying+put&from=2024-01-01&to=2024-12-31").get_data(as_text=True)
    assert 'value="2024-01-01"' in filtered and "Published from 1 January 2024" in filtered
    assert '<details class="govuk-details app-filters" open>' in filtered


def test_the_document_page_names_authority_and_document_and_marks_the_search(client, ids):
    wigan = ids["https://files.example.test/v1/file/1001"]
    html = client.get(f"/documents/{wigan}?q=staying+put").get_data(as_text=True)
    heading = html.split("<h1", 1)[1].split("</h1>", 1)[0]
    assert "Wigan" in heading and "Focused visit to Wigan" in heading
    assert "<mark>staying put</mark>" in html.lower() or "<mark>staying</mark>" in html.lower()
    plain = client.get(f"/documents/{wigan}").get_data(as_text=True)
    assert "<mark>" not in plain.split('class="govuk-body app-paragraph__text"', 1)[1]
    hostile = client.get(f"/documents/{wigan}?q=%3Cscript%3E").get_data(as_text=True)
    assert "<script>" not in hostile.split("<main", 1)[1]
    # A result links to its paragraph with the search, so that page can mark it.
    results = client.get("/search?q=staying+put").get_data(as_text=True)
    assert f"/documents/{wigan}?q=staying+put#p" in results


def test_a_paragraphs_citation_names_ofsted_and_the_source(client, ids):
    wigan = ids["https://files.example.test/v1/file/1001"]
    html = client.get(f"/documents/{wigan}").get_data(as_text=True)
    cited = html.split('class="govuk-body-s app-cite__text">', 1)[1].split("</p>", 1)[0]
    assert cited.startswith("Ofsted, ") and "Wigan" in cited
    assert "https://files.example.test/v1/file/1001" in cited and f"/documents/{wigan}#p1" in cited
