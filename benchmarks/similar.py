"""Similar practice speed (issue 19): at 300k paragraphs, p95 of
``GET /api/v1/documents/<id>/paragraphs/<n>/similar`` over HTTP on SQLite and on
Elasticsearch (goal ≤ 100 ms each), and on Elasticsearch the engine's call against a raw
``es.search`` with the very body the engine sends (goal ≤ 1.3×), in the same run.

    python -m benchmarks similar                                   # 300k paragraphs, both engines
    BENCH_SIMILAR_PARAGRAPHS=30000 python -m benchmarks similar    # a quick look
    python -m benchmarks similar --engine sqlite                   # one engine

The paragraphs are the web-app benchmark's: the shared corpus's real paragraphs copied, each
copy a little different (``benchmarks.webapp.real_paragraphs``), or synthetic ones without
the corpus. The sources are a fixed sample of them; each is asked once per round.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import logging
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from benchmarks.webapp import _percentile, real_paragraphs, synthetic_paragraphs
from common.config import Settings
from indexer.similar import Constraints

PARAGRAPHS = int(os.environ.get("BENCH_SIMILAR_PARAGRAPHS", 300_000))
SOURCES = 25
ROUNDS = 4
LIMIT = 10
TARGET_P95_MS = 100
TARGET_RATIO = 1.3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks similar", description=__doc__)
    parser.add_argument("--engine", choices=("sqlite", "elasticsearch", "both"), default="both")
    parser.add_argument("--es-url", default=os.environ.get("OFSTED_FINDINGS_BENCH_ES_URL"))
    args = parser.parse_args(argv or [])
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("elastic_transport").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-similar-") as tmp, ExitStack() as stack:
        started = time.perf_counter()
        made = real_paragraphs(PARAGRAPHS, Path(tmp) / "corpus")
        kind = "real (copied)" if made is not None else "synthetic"
        paragraphs = list(made if made is not None else synthetic_paragraphs(PARAGRAPHS))
        print(
            f"{len(paragraphs):,} {kind} paragraphs made in {time.perf_counter() - started:.1f} s", flush=True
        )
        rng = random.Random(19)
        sources = [(p.document_id, p.paragraph_number) for p in rng.sample(paragraphs, SOURCES)]
        failed = False
        if args.engine in ("sqlite", "both"):
            from indexer.engines.sqlite import SqliteEngine

            settings = Settings.from_env(environ={}, data_dir=Path(tmp) / "sqlite")
            engine = SqliteEngine(settings.sqlite_index_path)
            stack.callback(engine.close)
            _load(engine, paragraphs)
            failed |= _over_http("SQLite", settings, engine, sources) > TARGET_P95_MS
        if args.engine in ("elasticsearch", "both"):
            from indexer.engines.elasticsearch import ElasticsearchEngine
            from indexer.quality.__main__ import _drop, _start_node

            url = args.es_url or _start_node(stack)
            settings = Settings.from_env(
                environ={}, data_dir=Path(tmp) / "es", engine="elasticsearch", es_url=url
            )
            engine = ElasticsearchEngine(url, f"bench-similar-{uuid.uuid4().hex[:8]}")
            stack.callback(engine.close)
            stack.callback(_drop, engine)
            _load(engine, paragraphs)
            engine.es.indices.refresh(index=engine.alias)
            failed |= _over_http("Elasticsearch", settings, engine, sources) > TARGET_P95_MS
            failed |= _raw_ratio(engine, sources) > TARGET_RATIO
    return 1 if failed else 0


def _load(engine, paragraphs) -> None:
    started = time.perf_counter()
    loaded = engine.rebuild(iter(paragraphs))
    print(
        f"{engine.name}: indexed {loaded:,} paragraphs in {time.perf_counter() - started:.1f} s", flush=True
    )


def _over_http(name: str, settings, engine, sources) -> float:
    from werkzeug.serving import make_server

    from indexer.search import Searcher
    from webapp import create_app

    searcher = Searcher.for_engine(engine)
    server = make_server("127.0.0.1", 0, create_app(settings, searcher=searcher), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=60)
    paths = [f"/api/v1/documents/{doc}/paragraphs/{n}/similar?limit={LIMIT}" for doc, n in sources]
    try:
        for path in paths:  # warm: facet columns, templates, the node's caches of the index
            _get(connection, path)
        times = []
        for _ in range(ROUNDS):
            for path in paths:
                t = time.perf_counter()
                _get(connection, path)
                times.append((time.perf_counter() - t) * 1000)
    finally:
        connection.close()
        server.shutdown()
    p95 = _percentile(times, 95)
    print(
        f"{name}: similar practice over HTTP, {len(times)} requests ({len(paths)} sources × {ROUNDS}): "
        f"p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms "
        f"(target ≤ {TARGET_P95_MS} ms: {'met' if p95 <= TARGET_P95_MS else 'NOT met'})",
        flush=True,
    )
    return p95


def _raw_ratio(engine, sources) -> float:
    """The engine's similar() (its lookup of the paragraph, the more_like_this search, the
    diversifying) against a raw es.search with the body it sends, medians over the sources."""
    cases = []
    for doc, n in sources:
        source = engine.paragraph(doc, n)
        constraints = Constraints(exclude_authority=source.get("authority") or "")
        cases.append((doc, n, engine.similar_body(source, constraints, LIMIT * 6)))
    ours, raw = [], []
    for _, (doc, n, body) in itertools.product(range(ROUNDS), cases):
        t = time.perf_counter()
        engine.similar(doc, n, limit=LIMIT)
        ours.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        engine.es.search(index=engine.alias, **body)
        raw.append((time.perf_counter() - t) * 1000)
    ratio = statistics.median(ours) / max(statistics.median(raw), 1e-6)
    print(
        f"Elasticsearch: engine similar() median {statistics.median(ours):.1f} ms (p95 {_percentile(ours, 95):.1f}) "
        f"vs raw more_like_this es.search {statistics.median(raw):.1f} ms (p95 {_percentile(raw, 95):.1f}): "
        f"ratio {ratio:.2f} (target ≤ {TARGET_RATIO}: {'met' if ratio <= TARGET_RATIO else 'NOT met'})",
        flush=True,
    )
    return ratio


def _get(connection, path: str) -> bytes:
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {path} -> {response.status}: {body[:200]!r}")
    return body


if __name__ == "__main__":
    raise SystemExit(main())
