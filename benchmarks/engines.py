"""Elasticsearch engine benchmarks (issue 4), measured in one run and printed as ratios:

- bulk load: ElasticsearchEngine.rebuild vs raw ``helpers.streaming_bulk`` of the same
  documents into an index with the same settings (goal >= 0.8x; 300k paragraphs < 2 min);
- query latency: the engine's search() vs raw ``es.search`` with the very same body
  (goal <= 1.3x), medians over a fixed query mix;
- p50/p95 of the mix through the engine at the loaded size.

    python -m benchmarks engines

The scale corpus replicates the paragraphs of the shared Ofsted letters
(../shared/corpus/ofsted/*.txt) with new ids and authorities. Environment:
OFSTED_FINDINGS_BENCH_PARAGRAPHS (default 300000), OFSTED_FINDINGS_BENCH_ES_URL (use a
running node instead of starting one with deploy/es_node.py).
"""

from __future__ import annotations

import importlib.util
import os
import re
import statistics
import sys
import time
import uuid
from pathlib import Path

from elasticsearch import Elasticsearch, helpers

from common.config import shared_dir
from indexer.engines.base import SearchRequest
from indexer.engines.elasticsearch import ElasticsearchEngine, index_mappings, index_settings, to_document
from indexer.engines.elasticsearch.query import search_body
from indexer.model import Paragraph
from indexer.query import SynonymTable, parse
from indexer.themes import Taxonomy

ROOT = Path(__file__).resolve().parents[1]
SHARED = shared_dir()
PARAGRAPHS = int(os.environ.get("OFSTED_FINDINGS_BENCH_PARAGRAPHS", "300000"))
QUERY_ROUNDS = 5
QUERY_MIX = [
    "staying put",
    '"pathway plans"',
    "taster flat",
    "personal adviser -agency",
    "advis*",
    "health passport | health history",
    "homeless",
    "care leavers education employment",
    '"bed and breakfast" | hotel',
    "",
    "staying close",
    "suitable accommodation",
]
FILTERS = [{}, {"region": ["London"]}, {"theme": ["staying-put"], "year": ["2019", "2022"]}]
TARGET_LOAD_RATIO, TARGET_QUERY_RATIO, TARGET_LOAD_SECONDS = 0.8, 1.3, 120


def source_paragraphs() -> list[tuple[str, str, str]]:
    """(document, section, text) from the shared letters: wrapped lines joined, ~3 sentences each."""
    out = []
    for path in sorted((SHARED / "corpus" / "ofsted").glob("*.txt")):
        text = " ".join(
            line.strip()
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith(("SOURCE:", "KIND:"))
        )
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)
        for i in range(0, len(sentences), 3):
            chunk = " ".join(sentences[i : i + 3]).strip()
            if len(chunk) > 40:
                out.append((path.stem, "Findings", chunk))
    if not out:
        raise SystemExit(f"no paragraphs: the shared corpus is not at {SHARED}")
    return out


def scale_corpus(n: int) -> list[Paragraph]:
    base = source_paragraphs()
    taxonomy = Taxonomy.load()
    tags = [taxonomy.tag(text) for _, _, text in base]
    regions = ["London", "North West", "South East", "West Midlands", "Yorkshire and the Humber"]
    paragraphs = []
    for i in range(n):
        doc, section, text = base[i % len(base)]
        copy = i // len(base)
        themes = tags[i % len(base)]
        paragraphs.append(
            Paragraph(
                document_id=f"{doc}-{copy}",
                paragraph_number=i % len(base) + 1,
                text=text,
                section=section,
                authority=f"Authority {copy % 153}",
                region=regions[copy % len(regions)],
                published=f"{2018 + copy % 8}-0{1 + copy % 9}-1{copy % 10}",
                kind="ofsted",
                document_type="Children's services focused visit",
                themes=list(themes),
                theme_terms=themes,
            )
        )
    return paragraphs


def _start_node():
    spec = importlib.util.spec_from_file_location("es_node", ROOT / "deploy" / "es_node.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["es_node"] = module
    spec.loader.exec_module(module)
    return module.start_node(heap="1g", fast_start=False)


def bench_load(url: str, paragraphs: list[Paragraph]) -> tuple[float, float, ElasticsearchEngine]:
    es = Elasticsearch(url, request_timeout=120)
    raw_index = f"bench-raw-{uuid.uuid4().hex[:8]}"
    es.indices.create(index=raw_index, settings=index_settings(), mappings=index_mappings())
    documents = [to_document(p) for p in paragraphs]  # the raw side gets them ready-made
    started = time.perf_counter()
    for ok, item in helpers.streaming_bulk(
        es,
        ({"_index": raw_index, "_id": d["paragraph_id"], "_source": d} for d in documents),
        chunk_size=1000,
    ):
        if not ok:
            raise RuntimeError(item)
    es.indices.refresh(index=raw_index)
    raw = time.perf_counter() - started
    es.indices.delete(index=raw_index)
    del documents

    engine = ElasticsearchEngine(url, f"bench-{uuid.uuid4().hex[:8]}", request_timeout=120)
    started = time.perf_counter()
    engine.rebuild(paragraphs)
    ours = time.perf_counter() - started
    return raw, ours, engine


def bench_queries(engine: ElasticsearchEngine) -> tuple[list[float], list[float]]:
    synonyms = SynonymTable.from_taxonomy(Taxonomy.load())
    ours, raw = [], []
    for _ in range(QUERY_ROUNDS):
        for q in QUERY_MIX:
            for filters in FILTERS:
                request = SearchRequest(q=q, filters=filters)
                query = parse(q, synonyms)
                body = search_body(request, query)  # what the engine compiles and sends
                started = time.perf_counter()
                engine.es.search(index=engine.alias, from_=request.offset, size=request.limit, **body)
                raw.append(time.perf_counter() - started)
                started = time.perf_counter()
                engine.search(request, query)
                ours.append(time.perf_counter() - started)
    return raw, ours


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    url = os.environ.get("OFSTED_FINDINGS_BENCH_ES_URL")
    node = None if url else _start_node()
    url = url or node.url
    engine = None
    try:
        print(f"building {PARAGRAPHS} paragraphs from the shared letters...", flush=True)
        paragraphs = scale_corpus(PARAGRAPHS)
        raw_load, our_load, engine = bench_load(url, paragraphs)
        print(
            f"bulk load  raw streaming_bulk {len(paragraphs) / raw_load:8.0f} paragraphs/s ({raw_load:.1f} s)"
        )
        print(
            f"bulk load  engine.rebuild     {len(paragraphs) / our_load:8.0f} paragraphs/s ({our_load:.1f} s)"
        )
        ratio = raw_load / our_load
        print(
            f"bulk load  ratio {ratio:.2f}x (goal >= {TARGET_LOAD_RATIO}x) "
            f"{'ok' if ratio >= TARGET_LOAD_RATIO else 'MISSED'}; "
            f"{our_load:.0f} s for {len(paragraphs)} (goal < {TARGET_LOAD_SECONDS} s for 300000)"
        )
        raw_q, our_q = bench_queries(engine)
        q_ratio = statistics.median(our_q) / statistics.median(raw_q)
        print(
            f"query      raw es.search median {statistics.median(raw_q) * 1000:.1f} ms, "
            f"engine.search median {statistics.median(our_q) * 1000:.1f} ms"
        )
        print(
            f"query      ratio {q_ratio:.2f}x (goal <= {TARGET_QUERY_RATIO}x) "
            f"{'ok' if q_ratio <= TARGET_QUERY_RATIO else 'MISSED'}"
        )
        print(
            f"query mix  through the engine at {len(paragraphs)} paragraphs: "
            f"p50 {_pct(our_q, 50) * 1000:.1f} ms, p95 {_pct(our_q, 95) * 1000:.1f} ms "
            f"({len(our_q)} searches)"
        )
    finally:
        if engine is not None:
            for name in engine.indices():
                engine.es.indices.delete(index=name)
        if node is not None:
            node.stop()


if __name__ == "__main__":
    main()
