"""What only the embedded engine does: its file-level rebuild. Behaviour shared with
Elasticsearch is in tests/indexer/engines (the contract suite)."""

from indexer.engines.base import SearchRequest
from indexer.engines.sqlite import SqliteEngine, compile_match
from indexer.model import Paragraph
from indexer.query import parse


def para(doc, n, text, **kw):
    return Paragraph(document_id=doc, paragraph_number=n, text=text, **kw)


def test_match_expressions_quote_every_stem():
    expr = compile_match(parse('"staying put" NEAR | hotels* title:x').positive)
    assert expr == '("stay put") AND ("near" OR "hotel"*) AND ("titl") AND ("x")'


def test_rebuild_replaces_the_file_and_open_engines_see_the_new_index(tmp_path):
    path = tmp_path / "index.sqlite3"
    writer, reader = SqliteEngine(path), SqliteEngine(path)
    writer.rebuild([para("a", 1, "staying put works well")])
    query = parse("staying")
    assert reader.search(SearchRequest(q="staying"), query).total == 1
    writer.rebuild([para("b", 1, "staying close is new"), para("b", 2, "staying put too")])
    # The reader's connection was to the old file; it reconnects to the new one.
    assert reader.search(SearchRequest(q="staying"), query).total == 2
    assert not list(tmp_path.glob("*.building-*"))


def test_a_failed_rebuild_leaves_the_old_index_serving(tmp_path):
    engine = SqliteEngine(tmp_path / "index.sqlite3")
    engine.rebuild([para("a", 1, "staying put works well")])

    def broken():
        yield para("b", 1, "half a rebuild")
        raise RuntimeError("extraction died")

    try:
        engine.rebuild(broken())
    except RuntimeError:
        pass
    assert engine.document_ids() == {"a"}
    assert not list(tmp_path.glob("*.building-*"))


def test_an_index_from_an_older_layout_asks_for_a_rebuild(tmp_path):
    import sqlite3

    import pytest

    from indexer.engines.base import EngineUnavailable, IndexWriteError

    path = tmp_path / "index.sqlite3"
    with sqlite3.connect(path) as db:  # the first layout: no filters column, no version
        db.execute("CREATE TABLE paragraphs (rowid INTEGER PRIMARY KEY, paragraph_id TEXT)")
        db.execute("CREATE VIRTUAL TABLE fts USING fts5(section, text, themes)")
    engine = SqliteEngine(path)
    with pytest.raises(EngineUnavailable, match="older version.*ofsted-findings index"):
        engine.search(SearchRequest(q="staying"), parse("staying"))
    with pytest.raises(IndexWriteError, match="ofsted-findings index"):
        engine.replace_documents(["a"], [para("a", 1, "staying put")])
    engine.rebuild([para("a", 1, "staying put")])  # a rebuild writes the current layout
    assert engine.search(SearchRequest(q="staying"), parse("staying")).total == 1


def test_an_update_by_another_process_reaches_the_facets_of_open_engines(tmp_path):
    path = tmp_path / "index.sqlite3"
    writer, reader = SqliteEngine(path), SqliteEngine(path)
    writer.rebuild([para("a", 1, "staying put", region="London", themes=["staying-put"])])
    first = reader.search(SearchRequest(q="staying"), parse("staying"))
    assert first.facets["region"] == [("London", 1)]
    writer.replace_documents(
        ["b"], [para("b", 1, "staying put too", region="North West", themes=["staying-put", "local-offer"])]
    )
    second = reader.search(SearchRequest(q="staying", filters={"theme": ["local-offer"]}), parse("staying"))
    assert second.total == 1 and second.hits[0]["document_id"] == "b"
    assert dict(second.facets["theme"]) == {"staying-put": 2, "local-offer": 1}  # disjunctive
    assert dict(second.facets["region"]) == {"North West": 1}


def test_equal_scores_are_ranked_newest_first_across_pages(tmp_path):
    engine = SqliteEngine(tmp_path / "index.sqlite3")
    dates = ["2019-05-01", "2024-01-09", "2021-07-30", "2023-03-03", "2020-11-11"]
    engine.rebuild(
        [para(f"d{i}", 1, "The local offer is published.", published=d) for i, d in enumerate(dates)]
        + [para("x", 1, "The local offer is published and the local offer is clear.", published="2018-01-01")]
    )
    query = parse("local offer")
    seen = []
    for offset in range(0, 6, 2):
        page = engine.search(SearchRequest(q="local offer", offset=offset, limit=2), query)
        seen += [(h["document_id"], h["published"]) for h in page.hits]
    assert seen[0][0] == "x"  # says it twice: the best score whatever its date
    assert [d for _, d in seen[1:]] == sorted(dates, reverse=True)
