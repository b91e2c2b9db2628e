"""What only the embedded engine does: its file-level rebuild. Behaviour shared with
Elasticsearch is in tests/indexer/engines (the contract suite)."""
from indexer.engines.base import SearchRequest
from indexer.engines.sqlite import SqliteEngine, compile_match
from indexer.model import Paragraph
from indexer.query import parse


def para(doc, n, text, **kw):
    return Paragraph(document_id=doc, paragraph_number=n, text=text, **kw)


def test_match_expressions_quote_every_word():
    expr = compile_match(parse('"staying put" NEAR | hotel* title:x').positive)
    assert expr == '("staying put") AND ("near" OR "hotel"*) AND ("title") AND ("x")'


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
