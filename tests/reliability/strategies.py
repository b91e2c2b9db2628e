"""Hypothesis strategies for hostile queries, shared by the fast battery and the soak."""

from __future__ import annotations

import urllib.parse

from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from indexer.engines.base import FACETS

# Pieces that mean something to FTS5, Elasticsearch's query syntax or our query language.
SYNTAX = [
    '"',
    "\u201c",
    "\u201d",
    "'",
    "\u2019",
    "(",
    ")",
    "*",
    "^",
    ":",
    "-",
    "+",
    "~",
    "|",
    "&",
    "!",
    "NEAR",
    "NEAR/3",
    "AND",
    "OR",
    "NOT",
    "text:",
    "authority:",
    "theme:",
    "year:",
    "{",
    "}",
    "[",
    "]",
    "\\",
    "/",
    "%",
    "_",
    "\x00",
    "\u200b",
    "\ufeff",
    "\U0001f600",
    "\u0301",
    "\u202e",
    "<script>",
    "</mark>",
    "&lt;",
    "'; DROP TABLE paragraphs; --",
]
WORDS = [
    "staying",
    "put",
    "care",
    "leavers",
    "personal",
    "advisers",
    "Leeds",
    "housing",
    "ofsted",
    "pathway",
    "plans",
    "the",
    "a",
    "",
]

token = st.one_of(st.sampled_from(SYNTAX), st.sampled_from(WORDS), st.text(max_size=12))
queries = st.one_of(
    st.text(max_size=300),
    st.lists(token, max_size=25).map(" ".join),
    st.lists(token, max_size=25).map("".join),
    st.sampled_from(SYNTAX).map(lambda piece: piece * 2000),  # 2,000+ characters of one operator
)
filter_values = st.lists(
    st.one_of(
        st.sampled_from(["Leeds", "2024", "Yorkshire and the Humber", "focused_visit", "file", "housing"]),
        st.text(max_size=40),
    ),
    max_size=4,
)

FUZZ = hypothesis_settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Raw query-string parts: names and values as a browser or a scanner might send them,
# including percent-encoded bytes that are not UTF-8.
param_names = st.one_of(
    st.sampled_from(["q", "sort", "limit", "per_page", "offset", "page", "view", *FACETS]),
    st.text(max_size=10),
)
param_values = st.one_of(
    queries,
    st.integers(-(10**12), 10**12).map(str),
    st.binary(max_size=30).map(lambda raw: urllib.parse.quote_from_bytes(raw)),
    filter_values.map(",".join),
)


def query_string(pairs) -> str:
    """A URL query string; values already percent-encoded are kept as they are."""

    def encode(value: str) -> str:
        return value if "%" in value else urllib.parse.quote(value, safe="")

    return "&".join(f"{urllib.parse.quote(str(name), safe='')}={encode(value)}" for name, value in pairs)
