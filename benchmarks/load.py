"""A bounded load generator on 127.0.0.1: a mix of real queries, facets and exports sent
to the web app under gunicorn at a fixed rate, with latency percentiles and errors.

    python -m benchmarks load                    # 100 requests/s for 60 s on the SQLite engine
    python -m benchmarks.load --engine elasticsearch [--rate 50] [--seconds 30] [--profile]

On Elasticsearch it uses the node at $OFSTED_FINDINGS_TEST_ES_URL (as the tests do) or starts
one with deploy/es_node.py, loads the same paragraphs into an index of its own (deleted after),
and also reports the node's own query/fetch times and CPU beside gunicorn's CPU.

The generator is open-loop: request i is due at start + i / rate whatever happened to
the ones before, and its latency is measured from that moment, so a slow server shows
up as latency instead of quietly lowering the rate (no "coordinated omission"). It is
bounded: at most ``concurrency`` requests are in flight, and nothing is sent after the
duration ends; a request that could not even be sent within ``timeout`` seconds of its
due time counts as an error instead, so a run lasts at most ``seconds + timeout``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Sequence

# The generator lives with the tests it also serves (the soak tests), never the other way round.
from tests.support.load_generator import (
    ENGINES,
    ES_URL_ENV,
    RAMP_SECONDS,
    TARGET_P95_MS,
    build_index,
    c1_only_warning,
    delete_indices,
    elasticsearch_node,
    es_node_stats,
    gunicorn,
    machine_cpu,
    markdown_table,
    node_cpu_ms,
    node_jit_cpu_ms,
    process_tree_cpu,
    query_mix,
    run_load,
    warm_up,
)


def profile_in_process(settings, *, rounds: int = 10, top: int = 25, es_url: str | None = None) -> dict:
    """Each path of the mix through Flask's test client, in this process, one request at a
    time: its median milliseconds, the CPU milliseconds it cost this process (the web
    app's Python) and, on Elasticsearch, the node's JVM; then cProfile's view of the
    Python. The mean CPU per request of the mix bounds the rate the machine can serve:
    cores x 1000 / (Python + JVM ms), before any queueing."""
    import cProfile
    import pstats
    import statistics

    from webapp import create_app

    app = create_app(settings)
    client = app.test_client()
    paths = query_mix()

    def get(path: str) -> None:
        response = client.get(path)
        response.get_data()
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")

    for _ in range(2):  # warm up: open the engine, compile templates, warm the node's JIT
        for path in paths:
            get(path)
    rows = {}
    for path in paths:
        walls = []
        jvm_before = node_cpu_ms(es_url) if es_url else 0.0
        cpu_before = time.process_time()
        for _ in range(rounds):
            started = time.perf_counter()
            get(path)
            walls.append((time.perf_counter() - started) * 1000)
        python_ms = (time.process_time() - cpu_before) * 1000 / rounds
        jvm_ms = (node_cpu_ms(es_url) - jvm_before) / rounds if es_url else 0.0
        rows[path] = {"wall_ms": statistics.median(walls), "python_cpu_ms": python_ms, "jvm_cpu_ms": jvm_ms}
    print(f"{'wall ms':>8} {'python':>7} {'jvm':>7}  (CPU ms per request; {rounds} requests each)")
    for path, row in sorted(rows.items(), key=lambda kv: -kv[1]["wall_ms"]):
        print(f"{row['wall_ms']:8.1f} {row['python_cpu_ms']:7.1f} {row['jvm_cpu_ms']:7.1f}  {path}")
    mean = {
        k: statistics.mean(r[k] for r in rows.values()) for k in ("wall_ms", "python_cpu_ms", "jvm_cpu_ms")
    }
    cpu = mean["python_cpu_ms"] + mean["jvm_cpu_ms"]
    print(
        f"{mean['wall_ms']:8.1f} {mean['python_cpu_ms']:7.1f} {mean['jvm_cpu_ms']:7.1f}  mean over the mix: "
        f"{cpu:.1f} CPU ms a request, so at most {(os.cpu_count() or 1) * 1000 / cpu:.0f} requests/s "
        f"on {os.cpu_count()} cores with nothing else running"
    )
    profiler = cProfile.Profile()
    profiler.enable()
    for path in paths:
        get(path)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return {"paths": rows, "mean": mean}


def main(argv: Sequence[str] | None = None) -> None:
    import argparse

    from common.config import Settings

    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=ENGINES, default="sqlite")
    parser.add_argument("--rate", type=float, default=100, help="requests per second (default %(default)s)")
    parser.add_argument("--seconds", type=float, default=60, help="how long to send (default %(default)s)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: deploy/gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, help="threads per gunicorn worker (default: its config's)")
    parser.add_argument(
        "--concurrency", type=int, default=32, help="connections at most (default %(default)s)"
    )
    parser.add_argument(
        "--es-url",
        help=f"a running Elasticsearch node (default ${ES_URL_ENV}, else one "
        "is started with deploy/es_node.py)",
    )
    parser.add_argument(
        "--warm-up",
        type=int,
        default=3,
        metavar="ROUNDS",
        help="send the mix this many times, one by one, before the timed run (default %(default)s)",
    )
    parser.add_argument(
        "--ramp",
        type=float,
        default=RAMP_SECONDS,
        metavar="SECONDS",
        help="then send at the rate for this long, unmeasured (default %(default)s; "
        "a fresh JVM needs it), and on Elasticsearch until its JIT has settled",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also time each request of the mix in-process (Flask test client, cProfile)",
    )
    parser.add_argument("--json", type=Path, help="write the summary here too")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)

    with tempfile.TemporaryDirectory(prefix="ofsted-findings-load-") as tmp, ExitStack() as stack:
        settings = Settings.from_env(environ={}, data_dir=Path(tmp) / "data")
        started = time.perf_counter()
        indexed = build_index(settings)
        print(
            f"indexed {indexed['index']['paragraphs']} paragraphs from {indexed['files']} files "
            f"in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        es_url = None
        if args.engine == "elasticsearch":
            from indexer.pipeline import build_index as index_into

            es_url = stack.enter_context(elasticsearch_node(args.es_url))
            warning = c1_only_warning(es_url)
            if warning:
                print(f"warning: {warning}", file=sys.stderr, flush=True)
            settings = settings.with_(
                engine="elasticsearch", es_url=es_url, es_index=f"ofsted-findings-load-{uuid.uuid4().hex[:8]}"
            )
            stack.callback(delete_indices, es_url, settings.es_index)
            started = time.perf_counter()
            index_into(settings, progress=False)
            print(
                f"loaded them into Elasticsearch at {es_url} in {time.perf_counter() - started:.0f} s",
                flush=True,
            )
        if args.profile:
            profile_in_process(settings, es_url=es_url)
        with gunicorn(settings, workers=args.workers, threads=args.threads) as url:
            ramped, share = warm_up(url, args.warm_up, ramp_seconds=args.ramp, rate=args.rate, es_url=es_url)
            print(
                f"warmed up for {ramped:.0f} s at the rate"
                + (
                    f" (JIT compilers' share of the node's CPU then {share:.0%})" if share is not None else ""
                ),
                flush=True,
            )
            before = es_node_stats(es_url) if es_url else None
            jit_before = node_jit_cpu_ms(es_url) if es_url else None
            gunicorn_before, machine_before, own_before = (
                process_tree_cpu("gunicorn"),
                machine_cpu(),
                os.times(),
            )
            result = run_load(url, rate=args.rate, seconds=args.seconds, concurrency=args.concurrency)
            gunicorn_cpu = process_tree_cpu("gunicorn") - gunicorn_before
            own = os.times()
            generator_cpu = own.user + own.system - own_before.user - own_before.system
            machine = [b - a for a, b in zip(machine_before, machine_cpu())]
            after = es_node_stats(es_url) if es_url else None
            jit_after = node_jit_cpu_ms(es_url) if es_url else None
    summary = result.summary()
    summary["engine"] = args.engine
    # CPU seconds over the run: gunicorn's workers, the whole machine (every core, whoever
    # used it) and, below, the Elasticsearch JVM; wall_s x cores is what there was.
    summary["wall_s"] = round(result.wall_seconds, 1)
    summary["cpu"] = {
        "gunicorn_s": round(gunicorn_cpu, 1),
        "load_generator_s": round(generator_cpu, 1),
        "machine_busy_s": round(machine[0], 1),
        "machine_cores": os.cpu_count(),
    }
    if before and after:
        queries = after["queries"] - before["queries"]
        summary["elasticsearch"] = {
            "queries": queries,
            "query_ms_mean": round((after["query_ms"] - before["query_ms"]) / max(queries, 1), 2),
            "fetch_ms_mean": round(
                (after["fetch_ms"] - before["fetch_ms"]) / max(after["fetches"] - before["fetches"], 1), 2
            ),
            "jvm_cpu_s": round((after["cpu_ms"] - before["cpu_ms"]) / 1000, 1),
            # of which the JIT compilers (a fresh node's), when the node runs here
            "jit_cpu_s": (
                round((jit_after - jit_before) / 1000, 1)
                if jit_before is not None and jit_after is not None
                else None
            ),
            "gc_s": round((after["gc_ms"] - before["gc_ms"]) / 1000, 1),
            "heap_used_percent": after["heap_used_percent"],
            "search_threads": after["search_threads"],
            "search_rejected": after["search_rejected"] - before["search_rejected"],
        }
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps({**summary, "by_path": result.by_path()}, indent=2))
    print("slowest requests of the mix (p95 of each alone):")
    for path, row in sorted(result.by_path().items(), key=lambda kv: -kv[1]["p95_ms"])[:8]:
        print(f"  p50 {row['p50_ms']:8.1f} ms  p95 {row['p95_ms']:8.1f} ms  errors {row['errors']:3}  {path}")
    print(markdown_table({args.engine: result}))
    verdict = "meets" if summary["errors"] == 0 and summary["p95_ms"] <= TARGET_P95_MS else "MISSES"
    print(f"{verdict} the target at {args.rate:g} requests/s: p95 <= {TARGET_P95_MS} ms and 0 errors")


if __name__ == "__main__":
    main()
