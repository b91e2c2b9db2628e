"""Hostile queries at volume: 10,000+ generated requests against the JSON API, 0 answers 500."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.reliability.strategies import FUZZ, param_names, param_values, query_string
from webapp import create_app

pytestmark = [pytest.mark.soak, pytest.mark.timeout(3600)]
CASES = 10_000


@pytest.fixture(scope="module")
def client(soak_index):
    app = create_app(soak_index)
    app.testing = False
    return app.test_client()


def test_ten_thousand_generated_api_requests_never_answer_500(client, soak_report):
    seen = {"cases": 0, "statuses": {}}

    @hypothesis_settings(FUZZ, max_examples=CASES)
    @given(pairs=st.lists(st.tuples(param_names, param_values), max_size=8))
    def case(pairs):
        response = client.get("/api/v1/search?" + query_string(pairs))
        seen["cases"] += 1
        seen["statuses"][response.status_code] = seen["statuses"].get(response.status_code, 0) + 1
        assert response.status_code < 500, response.get_data(as_text=True)[:500]
        assert response.get_json() is not None

    started = time.monotonic()
    try:
        case()
    finally:
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(seen["statuses"].items()))
        soak_report.add(
            "Hostile queries (hypothesis)",
            (
                f"{seen['cases']:,} generated requests to `/api/v1/search` (arbitrary text, query syntax, "
                f"percent-encoded bytes, unknown and repeated parameters, out-of-range numbers) in "
                f"{time.monotonic() - started:.0f} s. Status codes: {statuses}. "
                f"Answers with status 500: **{sum(n for c, n in seen['statuses'].items() if c >= 500)}**."
            ),
        )
    assert seen["cases"] >= CASES
