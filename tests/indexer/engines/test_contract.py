"""The contract every search engine keeps: run once per engine, same paragraphs, same answers.

Where the engines differ on purpose, the test says so:
- scores: bm25 in both, but over different statistics and analyzers, so only their order
  within one engine is checked, never their values across engines;
- stemming: no difference: both index the same stems (indexer/analysis.py) and match a prefix
  against them;
- snippets: both mark matches and escape the text, but cut different windows.
"""

from __future__ import annotations

import pytest

from indexer.engines.base import FACETS, EngineUnavailable, SearchEngine, SearchRequest
from indexer.exports import STORED_FIELDS, csv_line, csv_lines, export_rows
from indexer.query import parse

from .conftest import ALL_IDS, PARAGRAPHS


def ranked(engine, q: str, synonyms=None, **request) -> list[str]:
    return [
        h["paragraph_id"]
        for h in engine.search(SearchRequest(q=q, limit=100, **request), parse(q, synonyms)).hits
    ]


def ids(engine, q: str, synonyms=None, **request) -> set[str]:
    response = engine.search(SearchRequest(q=q, limit=100, **request), parse(q, synonyms))
    found = {h["paragraph_id"] for h in response.hits}
    assert response.total == len(found)
    return found


# -- what matches --------------------------------------------------------------------------


def test_a_word_matches_its_plural(loaded):
    assert ids(loaded, "flat") == {"d1-3", "d2-1", "d3-1"}
    assert ids(loaded, "passport") == {"d2-3"}


def test_a_phrase_needs_its_words_together_and_in_order(loaded):
    assert ids(loaded, '"staying put"') == {"d1-1"}
    # d2-2 says "people put staying": both words, wrong order; d4-1 and d4-2 say "stay".
    assert ids(loaded, "staying put") == {"d1-1", "d2-2", "d4-1", "d4-2"}
    assert ranked(loaded, "staying put")[0] == "d1-1"


def test_a_quoted_phrase_is_stemmed_like_words(loaded):
    assert ids(loaded, '"trainer flat"') == {"d1-3"}


def test_most_words_are_required_and_all_ranked(loaded):
    # One or two words: either makes a candidate; holding both ranks first.
    assert ids(loaded, "hotel April") == {"d1-2", "d3-2"}
    assert ranked(loaded, "hotel April")[0] == "d3-2"
    assert ids(loaded, "hotel zebra") == {"d1-2", "d3-2"}
    # Three or four: all but one. Five or more: three in four.
    assert ids(loaded, "hotel April breakfast") == {"d3-2"}
    assert ids(loaded, "hotel April zebra") == {"d3-2"}
    assert ids(loaded, "hotel April zebra giraffe") == set()
    assert ids(loaded, "hotel placed April breakfast zebra") == {"d3-2"}
    # A quoted phrase is required whatever else is typed.
    assert ids(loaded, '"bed and breakfast" hotel') == {"d3-2"}


def test_or_takes_either(loaded):
    assert ids(loaded, "hotel | passports") == {"d1-2", "d3-2", "d2-3"}
    assert ids(loaded, "hotel OR passports") == {"d1-2", "d3-2", "d2-3"}


def test_minus_excludes(loaded):
    assert ids(loaded, "flat -cooking") == {"d2-1", "d3-1"}
    assert ids(loaded, 'hotel -"bed and breakfast"') == {"d1-2"}


def test_only_exclusions_show_everything_else(loaded):
    assert ids(loaded, "-hotel") == ALL_IDS - {"d1-2", "d3-2"}


def test_prefix(loaded):
    assert ids(loaded, "advis*") == {"d1-4", "d2-2", "d4-1"}


def test_headings_are_searched_but_themes_never_stand_in_for_words(loaded):
    # No body says "accommodation": d1-2 and d1-3 sit under that heading; d3-2 only has the
    # theme unsuitable-accommodation, which is a filter and a facet, not a word.
    assert ids(loaded, "accommodation") == {"d1-2", "d1-3"}
    # d4-1's body says "stay in touch"; it is tagged staying-close but says no "close".
    assert ids(loaded, "close") == {"d4-2"}
    assert ids(loaded, "", filters={"theme": ["staying-close"]}) == {"d4-1", "d4-2"}


def test_curly_quotes_and_accents_fold(loaded):
    assert ids(loaded, '"leader\'s plans"') == {"d3-3"}
    assert ids(loaded, "cafe naive") == {"d3-3"}
    assert ids(loaded, "“leader’s plans”") == {"d3-3"}


def test_hyphenated_words_are_a_phrase(loaded):
    assert ids(loaded, "16-year-old") == {"d4-1"}


def test_synonyms_and_spelling_through_the_searcher(searcher):
    def found(q):
        return {h["paragraph_id"] for h in searcher.search(SearchRequest(q=q, limit=100)).hits}

    # taxonomy: taster flat = trainer flat = training flat = practice flat
    assert found("taster flat") == {"d1-3", "d2-1", "d3-1"}
    # spelling: adviser = advisor
    assert found("advisor") == {"d1-4", "d2-2", "d4-1"}
    assert found("B&B") == {"d1-2", "d3-2"}  # taxonomy: hotel = bed and breakfast = B&B


def test_an_empty_query_lists_everything_by_date(loaded):
    response = loaded.search(SearchRequest(q="", limit=100), parse(""))
    assert response.total == len(PARAGRAPHS)
    assert [h["paragraph_id"] for h in response.hits] == DATE_ORDER
    assert {h["score"] for h in response.hits} == {0.0}


# -- filters and facets -------------------------------------------------------------------


def test_filters_combine_values_with_or_and_facets_with_and(loaded):
    assert ids(loaded, "", filters={"authority": ["Northshire"]}) == {
        "d1-1",
        "d1-2",
        "d1-3",
        "d1-4",
        "d4-1",
        "d4-2",
    }
    assert ids(
        loaded, "young", filters={"authority": ["Northshire", "Eastmouth"], "stance": ["strength"]}
    ) == {"d1-1", "d1-3", "d1-4"}
    assert ids(loaded, "", filters={"theme": ["taster-flats"], "year": ["2024", "2023"]}) == {"d2-1", "d3-1"}
    assert ids(loaded, "", filters={"region": ["Nowhere"]}) == set()


def test_facet_counts_are_disjunctive(loaded):
    request = SearchRequest(q="young", filters={"authority": ["Northshire"]}, limit=0)
    facets = loaded.search(request, parse(request.q)).facets
    assert set(facets) == set(FACETS)
    # A facet's own filter does not narrow its counts, so other authorities stay offered...
    assert facets["authority"] == [("Northshire", 3), ("Southborough", 2), ("Eastmouth", 1)]
    # ...while every other facet counts only Northshire's matches.
    assert facets["region"] == [("North West", 3)]
    assert facets["stance"] == [("strength", 3)]
    assert facets["theme"] == [("personal-advisers", 1), ("staying-put", 1), ("taster-flats", 1)]
    assert facets["year"] == [("2025", 3)]


def test_facets_skip_empty_values_and_can_be_left_out(loaded):
    facets = loaded.search(SearchRequest(q=""), parse("")).facets
    # Most frequent first, ties by value; d4 has no date.
    assert facets["year"] == [("2025", 4), ("2023", 3), ("2024", 3)]
    assert facets["kind"] == [("ofsted", 7), ("council", 3), ("file", 2)]
    assert loaded.search(SearchRequest(q="", facets=False), parse("")).facets == {}


# -- hits, highlighting, order ------------------------------------------------------------


def test_hits_carry_the_paragraph_a_score_and_a_snippet(loaded):
    hit = loaded.search(SearchRequest(q='"staying put"'), parse('"staying put"')).hits[0]
    expected = PARAGRAPHS[0].to_dict()
    assert {k: hit[k] for k in expected} == expected
    assert set(hit) == set(expected) | {"score", "snippet", "match_reasons"}
    assert hit["match_reasons"] == [{"term": "staying put", "kind": "phrase", "of": None, "where": "text"}]
    assert isinstance(hit["score"], float) and hit["score"] > 0


def test_a_matched_phrase_is_one_mark(loaded):
    hit = loaded.search(SearchRequest(q='"staying put"'), parse('"staying put"')).hits[0]
    assert "<mark>staying put</mark>" in hit["snippet"]


def test_snippets_escape_the_text(loaded):
    hit = loaded.search(SearchRequest(q="passports"), parse("passports")).hits[0]
    assert "<mark>passports</mark>" in hit["snippet"]
    assert "&lt;script&gt;" in hit["snippet"] and "<script" not in hit["snippet"]
    assert "summary &amp; history" in hit["snippet"]


def test_snippets_keep_the_original_characters(loaded):
    hit = loaded.search(SearchRequest(q="cafe"), parse("cafe")).hits[0]
    assert "<mark>Café</mark>" in hit["snippet"]
    assert "leader’s" in hit["snippet"]


def test_relevance_puts_heading_and_theme_matches_first(loaded):
    # Scores differ between engines on purpose; the ranking rule they share is the boost.
    hits = loaded.search(SearchRequest(q='"staying put"|close'), parse('"staying put"|close')).hits
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    hits = loaded.search(SearchRequest(q="advisers"), parse("advisers")).hits
    assert hits[0]["paragraph_id"] == "d1-4"  # in its heading, its theme and its body


DATE_ORDER = ["d1-1", "d1-2", "d1-3", "d1-4", "d2-1", "d2-2", "d2-3", "d3-1", "d3-2", "d3-3", "d4-1", "d4-2"]


def test_sort_by_date_newest_first_undated_last(loaded):
    response = loaded.search(SearchRequest(q="young", sort="date", limit=100), parse("young"))
    assert [h["paragraph_id"] for h in response.hits] == [
        i for i in DATE_ORDER if i in {"d1-1", "d1-3", "d1-4", "d2-1", "d2-2", "d3-2"}
    ]


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_pages_cover_the_results_once(loaded, sort):
    whole = loaded.search(SearchRequest(q="", sort=sort, limit=100), parse(""))
    pages = []
    for offset in range(0, whole.total + 5, 5):
        page = loaded.search(SearchRequest(q="", sort=sort, offset=offset, limit=5), parse(""))
        assert page.total == whole.total
        pages += [h["paragraph_id"] for h in page.hits]
    assert pages == [h["paragraph_id"] for h in whole.hits]


# -- export --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q,sort", [("", "date"), ("young", "relevance"), ("young", "date"), ("-hotel", "date")]
)
def test_scan_streams_the_whole_result_set_in_order(loaded, q, sort):
    # The Elasticsearch engine here pages its point-in-time scan 3 hits at a time.
    request = SearchRequest(q=q, sort=sort, limit=100)
    searched = loaded.search(request, parse(q)).hits
    scanned = list(loaded.scan(request, parse(q)))
    assert [h["paragraph_id"] for h in scanned] == [h["paragraph_id"] for h in searched]
    assert all(h["snippet"] for h in scanned)


def test_scan_applies_filters(loaded):
    request = SearchRequest(q="", filters={"kind": ["council"]})
    assert [h["paragraph_id"] for h in loaded.scan(request, parse(""))] == ["d3-1", "d3-2", "d3-3"]


# -- documents -----------------------------------------------------------------------------


def _csv_the_slow_way(engine, request, base_url: str) -> str:
    """What an export of any engine's rows must give: each row from the base scan_values
    (whole hits), quoted cell by cell."""
    values = SearchEngine.scan_values(engine, request, parse(request.q), STORED_FIELDS)
    return "".join(csv_line(row) + "\r\n" for row in export_rows(values, base_url))


def _exported_csv(engine, request, base_url: str) -> str:
    """The CSV indexer.exports makes of the engine's own scan_values."""
    rows = list(export_rows(engine.scan_values(request, parse(request.q), STORED_FIELDS), base_url))
    return csv_lines(rows)


@pytest.mark.parametrize("q,sort", [("", "date"), ("flat", "relevance"), ("hotel -placed", "relevance")])
def test_exported_csv_is_each_hits_row_quoted(loaded, q, sort):
    request = SearchRequest(q=q, sort=sort, facets=False, snippets=False)
    for base_url in ("http://findings.test", 'https://x.test/a"b/'):
        lines = _exported_csv(loaded, request, base_url)
        assert lines == _csv_the_slow_way(loaded, request, base_url)
        assert len(lines.split("\r\n")) - 1 >= len(list(loaded.scan(request, parse(q))))


def test_scan_values_are_the_scanned_hits_fields(loaded):
    request = SearchRequest(q="flat", facets=False, snippets=False)
    fields = ("paragraph_id", "themes", "no-such-field")
    assert list(loaded.scan_values(request, parse("flat"), fields)) == [
        (h["paragraph_id"], h["themes"], None) for h in loaded.scan(request, parse("flat"))
    ]
    assert [v for (v,) in loaded.scan_values(request, parse("flat"), ("text",))] == [
        h["text"] for h in loaded.scan(request, parse("flat"))
    ]


def test_exported_csv_follows_replaced_documents(engine):
    from indexer.model import Paragraph

    engine.replace_documents(
        ["d2"],
        [
            Paragraph(
                document_id="d2",
                paragraph_number=1,
                authority="Leeds",
                text='=cmd|" /C calc"!A0 and "quotes", flats',
            )
        ],
    )
    request = SearchRequest(q="flat", facets=False, snippets=False)
    lines = _exported_csv(engine, request, "http://findings.test")
    assert lines == _csv_the_slow_way(engine, request, "http://findings.test")
    assert '"\'=cmd|"" /C calc""!A0 and ""quotes"", flats"' in lines


def test_document_paragraphs_and_ids(loaded):
    assert [p["paragraph_number"] for p in loaded.document_paragraphs("d2")] == [1, 2, 3]
    assert loaded.document_paragraphs("d2")[1] == PARAGRAPHS[5].to_dict()
    assert loaded.document_paragraphs("nope") == []
    assert loaded.document_ids() == {"d1", "d2", "d3", "d4"}
    stats = loaded.stats()
    assert (stats["paragraphs"], stats["documents"]) == (12, 4)


def test_replace_documents_swaps_one_documents_paragraphs(engine):
    from indexer.model import Paragraph

    new = [
        Paragraph(
            document_id="d2",
            paragraph_number=1,
            text="Care leavers now use supported lodgings.",
            section="Leaving care",
            authority="Southborough",
            region="South East",
            published="2025-01-05",
        )
    ]
    assert engine.replace_documents(["d2"], new) == 1
    assert ids(engine, "lodgings") == {"d2-1"}
    assert ids(engine, "passports") == set()  # d2-3 is gone
    assert ids(engine, "taster") == set()  # d2-1's old text is gone
    assert ids(engine, "flat") == {"d1-3", "d3-1"}
    assert ids(engine, "hotel") == {"d1-2", "d3-2"}  # other documents untouched
    assert [p["paragraph_number"] for p in engine.document_paragraphs("d2")] == [1]


def test_replace_documents_adds_new_documents(engine):
    from indexer.model import Paragraph

    engine.replace_documents(
        ["d9"], [Paragraph(document_id="d9", paragraph_number=1, text="Zebra crossings.")]
    )
    assert ids(engine, "zebra") == {"d9-1"}
    assert engine.document_ids() == {"d1", "d2", "d3", "d4", "d9"}


def test_delete_documents(engine):
    engine.delete_documents(["d1", "d3", "never-indexed"])
    assert engine.document_ids() == {"d2", "d4"}
    assert ids(engine, "hotel") == set()
    assert engine.stats()["paragraphs"] == 5


def test_rebuild_replaces_everything(engine):
    assert engine.rebuild(PARAGRAPHS[:2]) == 2
    assert ids(engine, "") == {"d1-1", "d1-2"}
    assert engine.rebuild(PARAGRAPHS) == 12
    assert ids(engine, "") == ALL_IDS


def test_an_interrupted_rebuild_keeps_the_old_index_serving(engine):
    def failing():
        yield from PARAGRAPHS[:3]
        raise RuntimeError("the extractor crashed")

    with pytest.raises(RuntimeError, match="extractor crashed"):
        engine.rebuild(failing())
    assert ids(engine, "") == ALL_IDS
    assert engine.rebuild(PARAGRAPHS[:1]) == 1
    assert ids(engine, "") == {"d1-1"}


def test_an_empty_engine_answers_with_nothing(make_engine):
    engine = make_engine()
    response = engine.search(SearchRequest(q="flat"), parse("flat"))
    assert (response.total, response.hits) == (0, [])
    assert list(engine.scan(SearchRequest(q=""), parse(""))) == []
    assert engine.document_ids() == set()
    assert engine.document_paragraphs("d1") == []
    engine.check()


# -- odd input -----------------------------------------------------------------------------

ODD_QUERIES = [
    '"',
    '""',
    "*",
    "-",
    "|",
    "||",
    "OR",
    "AND NOT",
    '-"',
    '"*"',
    "a*",
    "\\",
    "()",
    "(((",
    "NEAR(a b)",
    "text:flat",
    "^1",
    "flat~2",
    "{}",
    "[]",
    "<script>alert(1)</script>",
    "%",
    "_",
    "'",
    "'s",
    "16-",
    "-16",
    "*flat",
    "fl*at",
    '"flat"*',
    "café*",
    "🏠 flat",
    "\x00",
    "\ue000flat\ue001",
    " " * 50,
    "flat " * 200,
    "x" * 5000,
    "-flat -hotel -young",
    "flat | | | hotel",
    '" | "',
    "AND",
    "NOT flat",
    "flat AND",
    "O'Brien",
    "co-op*",
]


@pytest.mark.parametrize("q", ODD_QUERIES)
def test_odd_input_never_raises(searcher, q):
    response = searcher.search(SearchRequest(q=q, limit=5))
    assert response.total >= len(response.hits)
    for hit in response.hits:
        assert "<script" not in hit["snippet"]


def test_odd_requests_are_clamped(loaded):
    request = SearchRequest(
        q="young",
        offset=10_000_000,
        limit=10_000,
        sort="sideways",
        filters={"nonsense": ["x"], "authority": [""]},
    )
    response = loaded.search(request, parse("young"))
    assert response.hits == [] and response.total == 6


def test_unavailable_engines_say_so(make_engine, tmp_path):
    if make_engine.kind == "sqlite":
        from indexer.engines.sqlite import SqliteEngine

        blocker = tmp_path / "a-file"
        blocker.write_text("not a folder")
        broken = SqliteEngine(blocker / "index.sqlite3")
    else:
        import socket

        from indexer.engines.elasticsearch import ElasticsearchEngine

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        broken = ElasticsearchEngine(f"http://127.0.0.1:{port}", "nowhere")
    with pytest.raises(EngineUnavailable):
        broken.check()
    with pytest.raises(EngineUnavailable):
        broken.search(SearchRequest(q="flat"), parse("flat"))


def test_a_documents_own_marker_characters_never_become_marks(make_engine):
    from indexer.engines.base import MARK_END, MARK_START
    from indexer.model import Paragraph

    engine = make_engine()
    engine.rebuild(
        [
            Paragraph(
                document_id="m",
                paragraph_number=1,
                section="Odd",
                text=f"A {MARK_START}forged{MARK_END} mark beside a real match.",
            )
        ]
    )
    for q in ("real", "odd"):  # matched in the text; matched only in the heading
        snippet = engine.search(SearchRequest(q=q), parse(q)).hits[0]["snippet"]
        assert "<mark>forged</mark>" not in snippet and "forged" in snippet


def test_judgement_facet_filters_by_the_care_leaver_grade(make_engine):
    from dataclasses import replace

    judged = [
        replace(
            PARAGRAPHS[0],
            document_id="r1",
            judgements={
                "The experiences and progress of care leavers": "Outstanding",
                "Overall effectiveness": "Good",
            },
        ),
        # Before 2023, care leavers were judged together with children in care.
        replace(
            PARAGRAPHS[1],
            document_id="r2",
            judgements={
                "The experiences and progress of children in care and care leavers": "Requires improvement to be good"
            },
        ),
    ]
    engine = make_engine()
    engine.rebuild(PARAGRAPHS + judged)
    response = engine.search(SearchRequest(q=""), parse(""))
    assert response.facets["judgement"] == [("Outstanding", 1), ("Requires improvement to be good", 1)]
    hits = engine.search(SearchRequest(q="", filters={"judgement": ["Outstanding"]}), parse("")).hits
    assert [h["document_id"] for h in hits] == ["r1"] and hits[0]["judgement"] == "Outstanding"
    # Letters and visits are not graded: no value, so no facet entry for them.
    assert all(
        h["judgement"] == ""
        for h in engine.search(SearchRequest(q="", filters={"authority": ["Eastmouth"]}), parse("")).hits
    )


def test_a_filter_on_every_facet_at_once(loaded):
    filters = {
        "authority": ["Northshire"],
        "region": ["North West"],
        "year": ["2025"],
        "document_type": ["Children's services focused visit"],
        "theme": ["staying-put"],
        "stance": ["strength"],
        "judgement": ["Good"],
        "kind": ["ofsted"],
    }
    response = loaded.search(SearchRequest(q="", filters=filters), parse(""))
    assert response.total == 0 and set(response.facets) == set(FACETS)
    del filters["judgement"]
    response = loaded.search(SearchRequest(q="", filters=filters), parse(""))
    assert [h["paragraph_id"] for h in response.hits] == ["d1-1"]
    assert response.facets["authority"] == [("Northshire", 1)]


def test_a_date_range_keeps_paragraphs_published_within_it_for_hits_and_facets(loaded):
    everything = ids(loaded, "")
    assert ids(loaded, "", date_from="2024-11-02") == {p for p in everything if p[:2] in ("d1", "d2")}
    assert ids(loaded, "", date_to="2024-11-02") == {p for p in everything if p[:2] in ("d2", "d3")}
    assert ids(loaded, "", date_from="2024-01-01", date_to="2024-12-31") == {
        p for p in everything if p.startswith("d2")
    }
    assert ids(loaded, "hotel", date_from="2023-06-20", date_to="2023-06-20") == {"d3-2"}
    assert ids(loaded, "", date_from="2026-01-01") == set()
    # Combined with a facet filter, and the range applies to every facet's counts.
    assert ids(loaded, "", date_from="2024-01-01", filters={"kind": ["ofsted"]}) == {
        p for p in everything if p[:2] in ("d1", "d2")
    }
    response = loaded.search(SearchRequest(q="", limit=0, date_to="2024-12-31"), parse(""))
    assert dict(response.facets["year"]) == {"2024": 3, "2023": 3}
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        SearchRequest(date_from="last year")


def test_the_stance_facet_counts_ofsted_paragraphs_unless_a_kind_is_chosen(loaded):
    # d3 is a council's response: its paragraphs have stances of their own words, never Ofsted's.
    every = loaded.search(SearchRequest(q=""), parse("")).facets["stance"]
    ofsted = loaded.search(SearchRequest(q="", filters={"kind": ["ofsted"]}), parse("")).facets["stance"]
    council = loaded.search(SearchRequest(q="", filters={"kind": ["council"]}), parse("")).facets["stance"]
    assert every == ofsted and sum(n for _, n in council) == 3
