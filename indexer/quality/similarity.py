"""Similar practice measured on judged sources (``similar/similar-*.yaml``), for both engines,
beside plain more-like-this baselines computed in the same run.

The collection is the relevance set's (``relevance.load_collection``). Each engine is loaded
with it and asked ``SearchEngine.similar`` for every judged source paragraph. The baselines
are what a plain library gives for "more like this paragraph", with the task's own constraints
(another authority, Ofsted's words) and nothing else: FTS5's bm25 over the texts with the
Porter stemmer, any of the paragraph's words; and, when Elasticsearch is measured, its
``more_like_this`` with its default settings over the same stems the engine indexes.

Precision@5 per source: judged similar paragraphs among the first five, over five or the
number of similar paragraphs when fewer (so 1.0 is always reachable); "strict" counts grade 2
only. Halves as in relevance: ``tuning`` may be looked at; ``heldout`` never tuned on.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from indexer.analysis import analyse
from indexer.engines.base import SearchEngine
from indexer.model import Paragraph
from indexer.quality.evaluate import opening_key
from indexer.quality.relevance import Baseline, load_collection
from indexer.similar import KIND

JUDGEMENTS = Path(__file__).with_name("similar")
HALVES = ("tuning", "heldout")
TOP = 5
GOAL = 0.8
BASELINE_FTS = "baseline: FTS5 OR of its words"
BASELINE_MLT = "baseline: raw more_like_this"


@dataclass
class Source:
    id: str
    half: str
    paragraph: Paragraph | None
    grades: dict[str, int] = field(default_factory=dict)  # paragraph_id -> grade (0, 1, 2)
    unmatched: list[str] = field(default_factory=list)

    def relevant(self, strict: bool = False) -> set[str]:
        return {pid for pid, grade in self.grades.items() if grade >= (2 if strict else 1)}


def load_sources(collection: dict[str, list[Paragraph]], folder: Path = JUDGEMENTS) -> list[Source]:
    keyed = {doc: [(opening_key(p.text), p) for p in paragraphs] for doc, paragraphs in collection.items()}

    def locate(doc: str, starts: str) -> Paragraph | None:
        prefix = opening_key(starts)
        found = [p for key, p in keyed.get(doc, []) if key.startswith(prefix)]
        return found[0] if len(found) == 1 else None

    sources = []
    for half in HALVES:
        path = folder / f"similar-{half}.yaml"
        if not path.exists():
            continue
        for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]:
            origin = raw["source"]
            source = Source(raw["id"], half, locate(origin["doc"], origin["starts"]))
            if source.paragraph is None:
                source.unmatched.append(f"source {origin['doc']}: {origin['starts']}")
            for judged in raw.get("judgements") or []:
                found = locate(judged["doc"], judged["starts"])
                if found is None:
                    source.unmatched.append(f"{judged['doc']}: {judged['starts']}")
                else:
                    source.grades[found.paragraph_id] = int(judged["grade"])
            sources.append(source)
    return sources


def precision(ranking: list[str], source: Source, strict: bool = False) -> float:
    relevant = source.relevant(strict)
    if not relevant:
        return 0.0
    return sum(pid in relevant for pid in ranking[:TOP]) / min(len(relevant), TOP)


@dataclass
class Run:
    sources: list[Source]
    # system -> source id -> first paragraph ids
    rankings: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def mean(self, system: str, half: str, strict: bool = False) -> float:
        chosen = [s for s in self.sources if s.half == half and s.paragraph is not None]
        if not chosen:
            return 0.0
        return sum(precision(self.rankings[system][s.id], s, strict) for s in chosen) / len(chosen)


def _allowed(paragraph: Paragraph, source: Paragraph) -> bool:
    return paragraph.kind == KIND and paragraph.authority != source.authority


def evaluate(shared: Path, engines: dict[str, SearchEngine], halves: tuple[str, ...] = HALVES) -> Run:
    """Load every engine with the collection, ask for every judged source's similar paragraphs
    (only the sources of ``halves``: tuning alone while developing), score the rankings."""
    collection = load_collection(shared)
    paragraphs = [p for ps in collection.values() for p in ps]
    by_id = {p.paragraph_id: p for p in paragraphs}
    sources = [s for s in load_sources(collection) if s.half in halves]
    measured = [s for s in sources if s.paragraph is not None]
    run = Run(sources)
    with tempfile.TemporaryDirectory(prefix="similar-") as folder:
        baseline = Baseline(paragraphs, Path(folder))
        try:
            run.rankings[BASELINE_FTS] = {
                s.id: [
                    pid
                    for pid in baseline.ranking(s.paragraph.text)
                    if pid != s.paragraph.paragraph_id and _allowed(by_id[pid], s.paragraph)
                ][:TOP]
                for s in measured
            }
        finally:
            baseline.close()
    for name, engine in engines.items():
        engine.rebuild(paragraphs)
        run.rankings[name] = {
            s.id: [
                h["paragraph_id"]
                for h in engine.similar(s.paragraph.document_id, s.paragraph.paragraph_number, limit=TOP)
            ]
            for s in measured
        }
        if name == "elasticsearch":
            run.rankings[BASELINE_MLT] = {s.id: raw_more_like_this(engine, s.paragraph) for s in measured}
    return run


def raw_more_like_this(engine, source: Paragraph) -> list[str]:
    """Elasticsearch's more_like_this with its defaults, on the stems the engine indexes."""
    result = engine.es.search(
        index=engine.alias,
        size=TOP,
        query={
            "bool": {
                "must": [{"more_like_this": {"fields": ["stems"], "like": analyse(source.text).stems}}],
                "filter": [{"term": {"kind": KIND}}],
                "must_not": [{"term": {"authority": source.authority}}],
            }
        },
        source=["paragraph_id"],
    )
    return [h["_source"]["paragraph_id"] for h in result["hits"]["hits"]]


def format_run(run: Run, verbose: bool = False) -> str:
    engines = [s for s in run.rankings if not s.startswith("baseline")]
    systems = engines + [s for s in run.rankings if s.startswith("baseline")]
    out = [
        f"Similar practice: {len(run.sources)} judged source paragraphs "
        f"({sum(s.half == 'tuning' for s in run.sources)} tuning, "
        f"{sum(s.half == 'heldout' for s in run.sources)} held-out), "
        f"{sum(len(s.grades) for s in run.sources)} judgements; precision@{TOP} "
        "(similar: grade >= 1; strict: grade 2)",
        "",
        f"{'half':<30}{'system':<34}{'P@5':>8}{'strict':>8}",
    ]
    for half in HALVES:
        if not any(s.half == half for s in run.sources):
            continue
        label = "tuning" if half == "tuning" else "held out (never tuned on)"
        for system in systems:
            out.append(
                f"{label:<30}{system:<34}{run.mean(system, half):>8.3f}{run.mean(system, half, True):>8.3f}"
            )
            label = ""
    for system in engines if any(s.half == "heldout" for s in run.sources) else []:
        held = run.mean(system, "heldout")
        out.append(
            f"  {system}: goal P@5 >= {GOAL} on the held-out half {'met' if held >= GOAL else 'NOT met'} ({held:.3f})"
        )
    shown = [s for s in run.sources if s.half == "tuning" or verbose]
    if shown:
        out += [
            "",
            "per source (" + ("every half" if verbose else "tuning half; --verbose adds held-out") + "):",
        ]
        out.append(f"{'source':<32}" + "".join(f"{s[:14]:>16}" for s in systems))
        for source in shown:
            if source.paragraph is None:
                continue
            out.append(
                f"{(source.half[0] + ' ' + source.id)[:31]:<32}"
                + "".join(f"{precision(run.rankings[s][source.id], source):>16.2f}" for s in systems)
            )
    unmatched = [f"{s.id}: {u}" for s in run.sources for u in s.unmatched]
    if unmatched:
        out += ["", f"judgements that locate no single paragraph ({len(unmatched)}):"] + [
            f"  {u}" for u in unmatched[:20]
        ]
    return "\n".join(out)
