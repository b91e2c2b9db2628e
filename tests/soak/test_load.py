"""Load: a bounded open-loop generator drives the query mix (searches, facets, pages,
exports, feeds) at 100 requests/s for 60 s against gunicorn on 127.0.0.1, on both engines.

Each server is warmed up first, as one in service would be: the mix a few times one request
at a time, then RAMP_SECONDS at the rate, unmeasured, and on Elasticsearch more until its
JIT has settled (a fresh JVM needs minutes of traffic to compile its hot paths; see
tests/support/load_generator.py ramp_until_jit_settles). Elasticsearch runs on a node of
its own with production's JIT (the test node's C1-only fast start costs about 2.5x the CPU
per search), unless $OFSTED_FINDINGS_TEST_ES_URL names one.

The figures and a latency plot go to reports/soak.md; the run must see 0 errors and a
p95 within the target.
"""

from __future__ import annotations

import uuid

import pytest

from indexer.pipeline import build_index
from tests.support.load_generator import (
    JIT_SETTLED_SHARE,
    JIT_WINDOW_SECONDS,
    MAX_RAMP_SECONDS,
    RAMP_SECONDS,
    TARGET_P95_MS,
    c1_only_warning,
    delete_indices,
    elasticsearch_node,
    gunicorn,
    markdown_table,
    plot,
    query_mix,
    run_load,
    warm_up,
)

pytestmark = [pytest.mark.soak, pytest.mark.timeout(3600)]
RATE, SECONDS = 100, 60
WARM_UP_ROUNDS = 3
ENGINES = ("sqlite", "elasticsearch")


@pytest.fixture(scope="module")
def load_results(soak_index, soak_report, request, tmp_path_factory) -> dict:
    """engine -> LoadResult, or the exception that stopped that engine's run (reported, then
    raised by that engine's tests), so one engine's failure never hides the other's figures."""
    results: dict = {}
    notes: list[str] = []
    for engine in ENGINES:
        try:
            results[engine] = _run_engine(engine, soak_index, tmp_path_factory, notes)
        except (Exception, pytest.fail.Exception) as exc:  # recorded, then raised by its tests
            results[engine] = exc
    finished = {name: r for name, r in results.items() if not isinstance(r, Exception)}
    failed = [
        f"- {name}: the run did not complete: `{type(r).__name__}: {str(r)[:300]}`"
        for name, r in results.items()
        if isinstance(r, Exception)
    ]
    soak_report.folder.mkdir(parents=True, exist_ok=True)
    if finished:
        plot(finished, soak_report.folder / "soak-latency.png")
    paths = sorted({s.path.split("?")[0] for r in finished.values() for s in r.samples})
    soak_report.add(
        "Load",
        "\n\n".join(
            part
            for part in (
                f"An open-loop generator (`tests/support/load_generator.py`) sent {RATE} requests/s for {SECONDS} s to "
                f"gunicorn (`deploy/gunicorn.conf.py`, default workers) on 127.0.0.1, after {WARM_UP_ROUNDS} "
                f"warm-up rounds of the mix one request at a time and {RAMP_SECONDS} s at the rate, unmeasured "
                f"(Elasticsearch: a node of its own with production's JIT, and more at the rate until its JIT "
                f"compilers took under {JIT_SETTLED_SHARE:.0%} of its CPU over {JIT_WINDOW_SECONDS} s, at most "
                f"{MAX_RAMP_SECONDS} s in all), cycling through "
                f"{len(query_mix())} requests to {', '.join(f'`{p}`' for p in paths)}. Latency is measured "
                "from when each request was due, so queueing counts; a request that could not be sent within "
                f"10 s of its due time counts as an error. Target: p95 <= {TARGET_P95_MS} ms, 0 errors.",
                markdown_table(finished) if finished else "",
                "\n".join(failed),
                "\n".join(notes),
                "![latency over the run](soak-latency.png)" if finished else "",
            )
            if part
        ),
    )
    return results


def _run_engine(engine: str, soak_index, tmp_path_factory, notes: list[str]):
    if engine == "elasticsearch":
        with elasticsearch_node() as es_url:
            warning = c1_only_warning(es_url)
            if warning:
                notes.append(f"- Note: {warning}.")
            settings = soak_index.with_(
                engine="elasticsearch", es_url=es_url, es_index=f"ofsted-findings-soak-{uuid.uuid4().hex[:8]}"
            )
            try:
                build_index(settings, progress=False)
                return _load(engine, settings, tmp_path_factory, notes)
            finally:
                delete_indices(es_url, settings.es_index)
    return _load(engine, soak_index, tmp_path_factory, notes)


def _load(engine: str, settings, tmp_path_factory, notes: list[str]):
    with gunicorn(settings, log_dir=tmp_path_factory.mktemp(f"load-{engine}")) as url:
        es_url = settings.es_url if engine == "elasticsearch" else None
        ramped, share = warm_up(url, WARM_UP_ROUNDS, ramp_seconds=RAMP_SECONDS, rate=RATE, es_url=es_url)
        if es_url:
            notes.append(
                f"- Elasticsearch was warmed up at the rate for {ramped:.0f} s"
                + (f"; its JIT compilers then took {share:.0%} of its CPU." if share is not None else ".")
            )
        return run_load(url, rate=RATE, seconds=SECONDS)


def _result(load_results, engine):
    result = load_results[engine]
    if isinstance(result, Exception):
        raise result
    return result


@pytest.mark.parametrize("engine", ENGINES)
def test_load_sends_every_request_and_gets_no_errors(load_results, engine):
    summary = _result(load_results, engine).summary()
    assert summary["requests"] == RATE * SECONDS
    assert summary["errors"] == 0, summary["error_examples"]


@pytest.mark.parametrize("engine", ENGINES)
def test_load_p95_is_within_the_target(load_results, engine):
    summary = _result(load_results, engine).summary()
    assert summary["p95_ms"] <= TARGET_P95_MS, summary
