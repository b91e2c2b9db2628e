"""Hostile queries: property-based fuzzing of the search path and the JSON API.

Whatever a user types or puts in a URL, the Searcher answers (results or notices) and
the web app answers with a 2xx or a 4xx carrying a message, never a 500.
"""

from __future__ import annotations

import urllib.parse

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from indexer.engines import SearchRequest
from indexer.engines.base import FACETS, SORTS
from indexer.search import Searcher
from tests.reliability.strategies import FUZZ, filter_values, param_names, param_values, queries, query_string
from webapp import create_app


@pytest.fixture(scope="module")
def searcher(small_index):
    searcher = Searcher.open(small_index)
    yield searcher
    searcher.close()


@pytest.fixture(scope="module")
def client(small_index):
    app = create_app(small_index)
    app.testing = False  # errors must go through the app's own handlers, as in production
    return app.test_client()


def test_the_small_index_answers_a_real_query(searcher):
    response = searcher.search(SearchRequest(q="care leavers", limit=5))
    assert response.total > 0


@FUZZ
@given(
    q=queries,
    filters=st.dictionaries(st.sampled_from(FACETS), filter_values, max_size=3),
    sort=st.sampled_from(SORTS),
    offset=st.integers(-5, 20_000),
    limit=st.integers(-5, 500),
)
def test_the_searcher_never_raises(searcher, q, filters, sort, offset, limit):
    response = searcher.search(SearchRequest(q=q, filters=filters, sort=sort, offset=offset, limit=limit))
    assert response.total >= 0 and len(response.hits) <= max(limit, 0)
    assert all(isinstance(notice, str) for notice in response.notices)


@FUZZ
@given(pairs=st.lists(st.tuples(param_names, param_values), max_size=8))
def test_the_json_api_never_answers_500(client, pairs):
    response = client.get("/api/v1/search?" + query_string(pairs))
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    assert response.status_code in (200, 400), response.status_code
    body = response.get_json()
    assert body is not None, "the API answers JSON, errors included"
    if response.status_code == 200:
        assert isinstance(body["total"], int) and isinstance(body["results"], list)
        for hit in body["results"]:
            leftover = hit["snippet"].replace("<mark>", "").replace("</mark>", "")
            assert "<" not in leftover, hit["snippet"]


@hypothesis_settings(FUZZ, max_examples=60)
@given(
    path=st.sampled_from(["/search", "/search.csv", "/search.ndjson", "/search.atom", "/compare"]),
    pairs=st.lists(st.tuples(param_names, param_values), max_size=6),
)
def test_pages_exports_and_feeds_never_answer_500(client, path, pairs):
    response = client.get(path + "?" + query_string(pairs))
    assert response.status_code < 500, (path, response.status_code, response.get_data(as_text=True)[:500])


@hypothesis_settings(FUZZ, max_examples=100)
@given(segment=st.text(min_size=1, max_size=80))
def test_document_urls_never_answer_500(client, segment):
    quoted = urllib.parse.quote(segment, safe="")
    for path in (f"/documents/{quoted}", f"/api/v1/documents/{quoted}", f"/authorities/{quoted}"):
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)
