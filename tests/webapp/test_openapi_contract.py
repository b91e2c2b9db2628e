"""The OpenAPI document checked against the running app by schemathesis:
generated requests (odd strings, repeated filters, out-of-range numbers) must
get responses that match the schema, and never a 500."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

OPERATIONS = [
    "/search",
    "/documents/{document_id}",
    "/authorities",
    "/themes",
    "/compare",
    "/authorities/{slug}",
    "/authorities/{slug}/compare",
    "/themes/improvements",
    "/documents/{document_id}/paragraphs/{n}/similar",
]


@pytest.fixture(scope="session")
def api_schema(live_server):
    # The document's "servers" entry is the app's base URL, here the live server's address.
    return schemathesis.openapi.from_url(f"{live_server}/api/v1/openapi.json")


@pytest.mark.parametrize("path", OPERATIONS)
def test_api_conforms_to_its_openapi_document(api_schema, path):
    operation = api_schema[path]["GET"]

    # Schemathesis's own pytest plugin does not load under pytest 9, so the
    # generated cases are driven by Hypothesis directly.
    @given(case=operation.as_strategy())
    @settings(
        max_examples=40 if path == "/search" else 10,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate()

    check()
