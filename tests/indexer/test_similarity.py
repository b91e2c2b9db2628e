"""The similar-practice harness (indexer/quality/similarity.py): its measure, and its judged
sources, which must each locate one paragraph of the shared corpus."""

from __future__ import annotations

from indexer.quality.relevance import load_collection
from indexer.quality.similarity import Source, load_sources, precision


def test_precision_at_five_is_over_five_or_the_similar_paragraphs_when_fewer():
    source = Source("s", "tuning", None, {"a-1": 2, "b-1": 1, "c-1": 0})
    assert precision(["a-1", "b-1", "x-1"], source) == 1.0  # two similar, both found
    assert precision(["x-1", "a-1"], source) == 0.5
    assert precision(["b-1"], source, strict=True) == 0.0
    many = Source("m", "tuning", None, {f"p-{i}": 1 for i in range(9)})
    assert precision(["p-0", "p-1", "x", "p-2", "y", "p-3"], many) == 0.6  # only the first five count


def test_every_judgement_locates_one_paragraph_of_another_authority(shared_dir):
    collection = load_collection(shared_dir)
    by_id = {p.paragraph_id: p for ps in collection.values() for p in ps}
    sources = load_sources(collection)
    assert len(sources) >= 30 and len({s.id for s in sources}) == len(sources)
    assert sum(s.half == "heldout" for s in sources) >= 15 and sum(s.half == "tuning" for s in sources) >= 15
    assert not [u for s in sources for u in s.unmatched]
    for source in sources:
        assert source.relevant(), source.id
        assert all(by_id[pid].authority != source.paragraph.authority for pid in source.grades)
        assert all(by_id[pid].kind == "ofsted" for pid in source.grades)


def test_make_quality_reports_similar_practice_for_both_engines_and_baselines(shared_dir, es_url, capsys):
    from indexer.quality.__main__ import main

    args = ["--shared", str(shared_dir), "--skip-extraction", "--skip-relevance", "--es-url", es_url]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Similar practice: 32 judged source paragraphs (16 tuning, 16 held-out)" in out
    held = out.split("held out (never tuned on)", 1)[1].splitlines()
    systems = ["sqlite", "elasticsearch", "baseline: FTS5 OR of its words", "baseline: raw more_like_this"]
    for system, line in zip(systems, [held[0], *held[1:4]]):
        assert system in line
        assert all(0 <= float(v) <= 1 for v in line.split()[-2:])
    assert "elasticsearch: goal P@5 >= 0.8 on the held-out half" in out
