"""Snippets (indexer/engines/base.py): escaped text with only <mark> made by us, and the
direct path equal to bleach's wherever it is taken."""

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from indexer.engines.base import (
    MARK_END,
    MARK_START,
    SNIPPET_CHARS,
    opening_snippet,
    render_marked,
    render_marked_through_bleach,
)

from .conftest import PARAGRAPHS

PIECES = [
    "",
    "a",
    " ",
    "  ",
    "\n",
    "\t",
    "&",
    "<",
    ">",
    "&amp;",
    "&lt;b&gt;",
    "<script>",
    "<mark>",
    "</mark>",
    '"',
    "'",
    "&#60;",
    "&copy",
    "<!--",
    "]]>",
    "café",
    "leader’s",
    "\u00a0",
    "…",
    "\r",
    "\x00",
    "\x0c",
    "\ufeff",
    "🏠",
    "<img src=x onerror=alert(1)>",
    MARK_START,
    MARK_END,
]


@settings(max_examples=1500, deadline=None, database=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=4), st.booleans()
        ),
        max_size=6,
    )
)
def test_render_marked_equals_bleach_on_generated_text(parts):
    # Stray, unpaired and nested markers, and characters HTML parsing rewrites.
    text = "".join((MARK_START + "".join(p) + MARK_END) if mark else "".join(p) for p, mark in parts)
    rendered = render_marked(text)
    assert rendered == render_marked_through_bleach(text)
    assert isinstance(rendered, Markup)


def test_render_marked_equals_bleach_on_real_paragraphs():
    for p in PARAGRAPHS:
        words = p.text.split(" ")
        marked = " ".join(MARK_START + w + MARK_END if i % 3 == 1 else w for i, w in enumerate(words))
        assert render_marked(marked) == render_marked_through_bleach(marked)


def test_only_our_marks_are_markup():
    rendered = render_marked(
        f"<script>alert(1)</script> {MARK_START}staying{MARK_END} {MARK_START}put{MARK_END}"
    )
    assert rendered == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>staying put</mark>"


def test_an_exported_hits_snippet_is_the_escaped_opening_without_marks():
    text = f"<script>alert(1)</script> {MARK_START}own markers{MARK_END} " + "word " * 200
    snippet = opening_snippet(text)
    assert isinstance(snippet, Markup)
    assert snippet.startswith("&lt;script&gt;alert(1)&lt;/script&gt;  own markers  word")
    assert "<" not in snippet and MARK_START not in snippet and MARK_END not in snippet
    assert snippet.endswith("word…") and len(snippet) <= SNIPPET_CHARS + 40  # 40: the escaped "<" and ">"
    assert opening_snippet("short & plain") == "short &amp; plain"
