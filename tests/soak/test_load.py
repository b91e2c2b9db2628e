"""Load: a bounded open-loop generator drives the query mix (searches, facets, pages,
exports, feeds) at 100 requests/s for 60 s against gunicorn on 127.0.0.1, on both engines.

The figures and a latency plot go to reports/soak.md; the run must see 0 errors and a
p95 within the target.
"""
from __future__ import annotations

import uuid

import pytest

from benchmarks.load import TARGET_P95_MS, gunicorn, markdown_table, plot, run_load
from indexer.pipeline import build_index

pytestmark = [pytest.mark.soak, pytest.mark.timeout(3600)]
RATE, SECONDS = 100, 60
ENGINES = ("sqlite", "elasticsearch")


@pytest.fixture(scope="module")
def load_results(soak_index, soak_report, request, tmp_path_factory):
    results = {}
    for engine in ENGINES:
        settings = soak_index
        if engine == "elasticsearch":
            es_url = request.getfixturevalue("es_url")
            settings = soak_index.with_(engine="elasticsearch", es_url=es_url,
                                        es_index=f"ofsted-findings-soak-{uuid.uuid4().hex[:8]}")
            build_index(settings, progress=False)
        logs = tmp_path_factory.mktemp(f"load-{engine}")
        with gunicorn(settings, log_dir=logs) as url:
            results[engine] = run_load(url, rate=RATE, seconds=SECONDS)
        if engine == "elasticsearch":
            _delete_indices(settings)
    soak_report.folder.mkdir(parents=True, exist_ok=True)
    plot(results, soak_report.folder / "soak-latency.png")
    mix = results["sqlite"].samples
    paths = sorted({s.path.split("?")[0] for s in mix})
    soak_report.add("Load", (
        f"An open-loop generator (`benchmarks/load.py`) sent {RATE} requests/s for {SECONDS} s to "
        f"gunicorn (`deploy/gunicorn.conf.py`, default workers) on 127.0.0.1, cycling through "
        f"{len(set(s.path for s in mix))} requests to {', '.join(f'`{p}`' for p in paths)}. Latency is "
        "measured from when each request was due, so queueing counts. Target: p95 <= "
        f"{TARGET_P95_MS} ms, 0 errors.\n\n{markdown_table(results)}\n\n![latency](soak-latency.png)"))
    return results


def _delete_indices(settings) -> None:
    from elasticsearch import Elasticsearch

    client = Elasticsearch(settings.es_url)
    try:
        client.indices.delete(index=f"{settings.es_index}-*", ignore_unavailable=True)
    finally:
        client.close()


@pytest.mark.parametrize("engine", ENGINES)
def test_load_sends_every_request_and_gets_no_errors(load_results, engine):
    summary = load_results[engine].summary()
    assert summary["requests"] == RATE * SECONDS
    assert summary["errors"] == 0, summary["error_examples"]


@pytest.mark.parametrize("engine", ENGINES)
def test_load_p95_is_within_the_target(load_results, engine):
    summary = load_results[engine].summary()
    assert summary["p95_ms"] <= TARGET_P95_MS, summary
