"""Relevance measured on judged queries (``relevance/queries-*.yaml``), for both engines,
beside a plain BM25 baseline computed in the same run.

The collection is every paragraph the extractor gives for the shared corpus's 266
focused-visit PDFs, its 9 full ILACS reports and its 4 council releases. Each engine is
loaded with those paragraphs and asked every query through the ``Searcher`` (synonyms,
did-you-mean, relaxation: what users get). The baseline is what a plain search library
gives: FTS5's BM25 over the paragraph texts with the Porter stemmer, any of the words
(a quoted phrase as a phrase), no themes, no synonyms, no headings.

Figures per query and per half (``tuning``: may be looked at while changing the
engines; ``heldout``: judged before any engine output was seen, never tuned on):
- nDCG@10 with gains 2^grade - 1 over the judged paragraphs;
- precision@10: the judged relevant paragraphs (grade >= 1) among the first ten, over ten
  or over the number of relevant paragraphs when there are fewer (so 1.0 is always
  reachable: a query with three relevant paragraphs that ranks them first scores 1.0);
- recall@50 by paragraph: relevant paragraphs among the first 50, over the number of
  relevant paragraphs or 50 when there are more (so 1.0 is always reachable);
- recall@50 by document: documents holding a relevant paragraph among the first 50
  documents of the ranking (in order of their first paragraph), over their number or 50.
"""

from __future__ import annotations

import math
import re
import sqlite3
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from common.store import DocumentRecord, document_id_for
from indexer.engines.base import SearchEngine, SearchRequest
from indexer.extract import ExtractionError, extract_document
from indexer.model import Paragraph
from indexer.quality.evaluate import opening_key
from indexer.search import Searcher
from indexer.themes import Taxonomy

JUDGEMENTS = Path(__file__).with_name("relevance")
HALVES = ("tuning", "heldout")
DEPTH = 50
TOP = 10
PAGE = 100
MAX_DEPTH = 2000  # paragraphs read to find the first 50 documents
NOISE = 0.1  # one result in ten: a per-query difference below this is noise
GOALS = {"precision@10": 0.95, "recall@50 (paragraphs)": 0.9}


def collection_files(shared: Path) -> list[Path]:
    corpus = shared / "corpus"
    return (
        sorted((corpus / "ofsted-pdf").glob("*.pdf"))
        + sorted((corpus / "ofsted").glob("ilacs-*.txt"))
        + sorted(p for p in corpus.glob("*.txt") if "release" in p.name)
    )


def _extract(path: Path) -> tuple[str, list[Paragraph]]:
    record = DocumentRecord(document_id=document_id_for(str(path)), source=str(path), kind="file")
    try:
        return str(path), extract_document(record, path.read_bytes()).paragraphs
    except ExtractionError:
        return str(path), []


def load_collection(shared: Path, workers: int = 2) -> dict[str, list[Paragraph]]:
    """Path under ``shared`` -> the document's paragraphs."""
    with ProcessPoolExecutor(workers) as pool:
        found = dict(pool.map(_extract, collection_files(shared), chunksize=4))
    return {str(Path(path).relative_to(shared)): paragraphs for path, paragraphs in found.items()}


@dataclass
class Query:
    id: str
    q: str
    half: str
    category: str
    grades: dict[str, int] = field(default_factory=dict)  # paragraph_id -> grade (0, 1, 2)
    unmatched: list[str] = field(default_factory=list)

    @property
    def relevant(self) -> set[str]:
        return {pid for pid, grade in self.grades.items() if grade >= 1}


def load_queries(collection: dict[str, list[Paragraph]], folder: Path = JUDGEMENTS) -> list[Query]:
    keyed = {
        doc: [(opening_key(p.text), p.paragraph_id) for p in paragraphs]
        for doc, paragraphs in collection.items()
    }
    queries = []
    for half in HALVES:
        path = folder / f"queries-{half}.yaml"
        if not path.exists():
            continue
        for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["queries"]:
            query = Query(raw["id"], raw["q"], half, raw.get("category", ""))
            for judged in raw.get("judgements") or []:
                prefix = opening_key(judged["starts"])
                found = [pid for key, pid in keyed.get(judged["doc"], []) if key.startswith(prefix)]
                if len(found) == 1:
                    query.grades[found[0]] = int(judged["grade"])
                else:
                    query.unmatched.append(f"{judged['doc']}: {judged['starts']}")
            queries.append(query)
    return queries


# -- the rankings ------------------------------------------------------------------------


def engine_ranking(searcher: Searcher, q: str) -> list[str]:
    """Paragraph ids in the order users see them, deep enough for 50 documents."""
    ids: list[str] = []
    documents: set[str] = set()
    while len(ids) < MAX_DEPTH:
        response = searcher.search(
            SearchRequest(q=q, offset=len(ids), limit=PAGE, facets=False, snippets=False)
        )
        ids += [h["paragraph_id"] for h in response.hits]
        documents.update(h["document_id"] for h in response.hits)
        if len(response.hits) < PAGE or (len(ids) >= DEPTH and len(documents) >= DEPTH):
            break
    return ids


class Baseline:
    """Plain BM25: FTS5 with the Porter stemmer over the paragraph texts alone."""

    def __init__(self, paragraphs: list[Paragraph], folder: Path):
        self.db = sqlite3.connect(folder / "baseline.sqlite3")
        self.db.execute(
            "CREATE VIRTUAL TABLE plain USING fts5(pid UNINDEXED, text, tokenize='porter unicode61')"
        )
        self.db.executemany("INSERT INTO plain VALUES (?, ?)", [(p.paragraph_id, p.text) for p in paragraphs])
        self.db.commit()

    def ranking(self, q: str) -> list[str]:
        phrases = re.findall(r'"([^"]+)"', q)
        words = re.findall(r"\w+", re.sub(r'"[^"]+"', " ", q))
        terms = ['"' + " ".join(re.findall(r"\w+", p)) + '"' for p in phrases] + [f'"{w}"' for w in words]
        if not terms:
            return []
        return [
            r[0]
            for r in self.db.execute(
                "SELECT pid FROM plain WHERE plain MATCH ? ORDER BY bm25(plain) LIMIT ?",
                (" OR ".join(terms), MAX_DEPTH),
            )
        ]

    def close(self) -> None:
        self.db.close()


# -- the measures --------------------------------------------------------------------------


def scores(ranking: list[str], query: Query, document_of: dict[str, str]) -> dict[str, float]:
    gains = [2 ** query.grades.get(pid, 0) - 1 for pid in ranking[:TOP]]
    ideal = sorted((2**g - 1 for g in query.grades.values()), reverse=True)[:TOP]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    relevant = query.relevant
    top = ranking[:TOP]
    relevant_docs = {document_of[pid] for pid in relevant}
    docs: list[str] = []
    for pid in ranking:
        doc = document_of[pid]
        if doc not in docs:
            docs.append(doc)
        if len(docs) == DEPTH:
            break
    return {
        "nDCG@10": dcg / idcg if idcg else 0.0,
        "precision@10": sum(pid in relevant for pid in top) / min(len(relevant), TOP) if relevant else 0.0,
        "recall@50 (paragraphs)": (
            len(relevant & set(ranking[:DEPTH])) / min(len(relevant), DEPTH) if relevant else 0.0
        ),
        "recall@50 (documents)": (
            len(relevant_docs & set(docs)) / min(len(relevant_docs), DEPTH) if relevant_docs else 0.0
        ),
    }


MEASURES = ("nDCG@10", "precision@10", "recall@50 (paragraphs)", "recall@50 (documents)")


@dataclass
class Run:
    """Each system's scores for each query: system -> query id -> measure -> value."""

    queries: list[Query]
    results: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)

    def mean(self, system: str, half: str | None = None) -> dict[str, float]:
        chosen = [q for q in self.queries if half is None or q.half == half]
        return {
            m: sum(self.results[system][q.id][m] for q in chosen) / len(chosen) if chosen else 0.0
            for m in MEASURES
        }

    def below_baseline(self, system: str, half: str) -> list[str]:
        """Queries where the system is worse than the baseline by more than noise."""
        out = []
        for q in self.queries:
            if q.half != half:
                continue
            ours, base = self.results[system][q.id], self.results["baseline"][q.id]
            if any(ours[m] < base[m] - NOISE for m in ("nDCG@10", "precision@10")):
                out.append(q.id)
        return out


def evaluate(shared: Path, engines: dict[str, SearchEngine], progress=None) -> Run:
    """Load every engine with the collection, ask every judged query, score the rankings."""
    collection = load_collection(shared)
    paragraphs = [p for ps in collection.values() for p in ps]
    document_of = {p.paragraph_id: p.document_id for p in paragraphs}
    queries = load_queries(collection)
    run = Run(queries)
    taxonomy = Taxonomy.load()
    with tempfile.TemporaryDirectory(prefix="relevance-") as folder:
        baseline = Baseline(paragraphs, Path(folder))
        try:
            run.results["baseline"] = {q.id: scores(baseline.ranking(q.q), q, document_of) for q in queries}
        finally:
            baseline.close()
        for name, engine in engines.items():
            engine.rebuild(paragraphs)
            searcher = Searcher.for_engine(engine, taxonomy)
            run.results[name] = {q.id: scores(engine_ranking(searcher, q.q), q, document_of) for q in queries}
    return run


def format_run(run: Run, verbose: bool = False) -> str:
    systems = [s for s in run.results if s != "baseline"] + ["baseline"]
    short = {
        "nDCG@10": "nDCG@10",
        "precision@10": "P@10",
        "recall@50 (paragraphs)": "R@50 par",
        "recall@50 (documents)": "R@50 doc",
    }
    out = [
        f"Relevance: {len(run.queries)} judged queries "
        f"({sum(q.half == 'tuning' for q in run.queries)} tuning, "
        f"{sum(q.half == 'heldout' for q in run.queries)} held-out), "
        f"{sum(len(q.grades) for q in run.queries)} judgements",
        "",
    ]
    header = f"{'':<28}" + "".join(f"{short[m]:>10}" for m in MEASURES)
    for half in HALVES:
        if not any(q.half == half for q in run.queries):
            continue
        out.append(f"{half} half" + ("  (never tuned on)" if half == "heldout" else ""))
        out.append(header)
        for system in systems:
            mean = run.mean(system, half)
            out.append(f"  {system:<26}" + "".join(f"{mean[m]:>10.3f}" for m in MEASURES))
        for system in systems[:-1]:
            below = run.below_baseline(system, half)
            out.append(
                f"  {system}: queries below the baseline beyond noise ({NOISE}): "
                + (", ".join(below) if below or half == "tuning" else "none")
                if below
                else f"  {system}: no query below the baseline beyond noise ({NOISE})"
            )
        if half == "heldout":
            for system in systems[:-1]:
                mean = run.mean(system, half)
                met = all(mean[m] >= goal for m, goal in GOALS.items())
                out.append(
                    f"  {system}: goals (P@10 >= {GOALS['precision@10']}, R@50 par >= "
                    f"{GOALS['recall@50 (paragraphs)']}) {'met' if met else 'NOT met'}"
                )
        out.append("")
    shown = [q for q in run.queries if q.half == "tuning" or verbose]
    if shown:
        out.append(
            "per query (" + ("every half" if verbose else "tuning half; --verbose adds held-out") + "):"
        )
        out.append(
            f"{'query':<44}"
            + "".join(
                f"{s[:10] + ' ' + short[m][:4]:>16}" for s in systems for m in ("nDCG@10", "precision@10")
            )
        )
        for q in shown:
            row = f"{(q.half[0] + ' ' + q.q)[:43]:<44}"
            row += "".join(
                f"{run.results[s][q.id][m]:>16.2f}" for s in systems for m in ("nDCG@10", "precision@10")
            )
            out.append(row)
    unmatched = [f"{q.id}: {u}" for q in run.queries for u in q.unmatched]
    if unmatched:
        out += ["", f"judgements that locate no single paragraph ({len(unmatched)}):"] + [
            f"  {u}" for u in unmatched[:20]
        ]
    return "\n".join(out)
