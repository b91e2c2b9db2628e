"""A bounded, open-loop load generator on 127.0.0.1 (test support): the web app under
gunicorn, a mix of real queries, facets and exports sent at a fixed rate, latency
percentiles and errors; used by the soak tests (tests/soak/test_load.py) and by
``python -m benchmarks load``.

The generator is open-loop: request i is due at start + i / rate whatever happened to
the ones before, and its latency is measured from that moment, so a slow server shows
up as latency instead of quietly lowering the rate (no "coordinated omission"). It is
bounded: at most ``concurrency`` requests are in flight, and nothing is sent after the
duration ends; a request that could not even be sent within ``timeout`` seconds of its
due time counts as an error instead, so a run lasts at most ``seconds + timeout``.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

from common.config import shared_dir

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
SHARED = shared_dir()
TARGET_P95_MS = 200

# What practitioners do: searches (phrases, stems, negation, prefixes), facets ticked,
# the HTML page, a date sort, a second page, small exports and the feed.
SEARCHES = [
    {"q": "staying put"},
    {"q": "personal advisers"},
    {"q": '"pathway plans"'},
    {"q": "care leavers"},
    {"q": "housing -hotel"},
    {"q": "advis*"},
    {"q": "health passports"},
    {"q": "local offer"},
    {"q": "education employment training"},
    {"q": "suitable accommodation"},
    {"q": "staying put", "sort": "date"},
    {"q": "care leavers", "page": "2"},
    {"q": "care leavers", "stance": "improvement"},
    {"q": "personal advisers", "year": "2023"},
    {"q": "accommodation", "region": "London"},
    {"q": "staying put", "theme": "staying-put"},
    {"q": "pathway plans", "region": ["North West", "Yorkshire and the Humber"]},
]


def query_mix() -> list[str]:
    """The paths one round of the mix requests, in order."""
    paths = []
    for params in SEARCHES:
        paths.append("/api/v1/search?" + urllib.parse.urlencode(params, doseq=True))
    for params in SEARCHES[:6]:
        paths.append("/search?" + urllib.parse.urlencode(params, doseq=True))
    paths += [
        "/search.csv?q=staying+put&limit=50",
        "/search.ndjson?q=personal+advisers&limit=50",
        "/search.atom?q=care+leavers",
        "/api/v1/authorities",
        "/healthz",
    ]
    return paths


@dataclass
class Sample:
    due: float  # seconds after the start when it was due
    path: str
    status: int  # 0 when no HTTP answer came back
    latency_ms: float  # from when it was due to the last byte of the answer
    error: str = ""


@dataclass
class LoadResult:
    rate: float
    seconds: float
    concurrency: int
    samples: list[Sample] = field(default_factory=list)
    wall_seconds: float = 0.0

    @property
    def errors(self) -> list[Sample]:
        return [s for s in self.samples if s.error or s.status >= 500 or s.status == 0]

    def percentile(self, p: float) -> float:
        values = sorted(s.latency_ms for s in self.samples)
        if not values:
            return float("nan")
        rank = max(0, min(len(values) - 1, round(p / 100 * len(values) + 0.5) - 1))
        return values[rank]  # nearest-rank: a value that was actually observed

    def by_path(self) -> dict[str, dict]:
        """path -> requests, errors, p50 and p95 of that path alone (nearest rank)."""
        groups: dict[str, list[Sample]] = {}
        for sample in self.samples:
            groups.setdefault(sample.path, []).append(sample)
        out = {}
        for path, samples in groups.items():
            values = sorted(s.latency_ms for s in samples)

            def rank(p: float, values: list[float] = values) -> float:
                return values[max(0, min(len(values) - 1, round(p / 100 * len(values) + 0.5) - 1))]

            out[path] = {
                "requests": len(samples),
                "p50_ms": round(rank(50), 1),
                "p95_ms": round(rank(95), 1),
                "errors": sum(1 for s in samples if s.error or s.status >= 500 or s.status == 0),
            }
        return out

    def summary(self) -> dict:
        answered = [s for s in self.samples if s.status]
        statuses: dict[str, int] = {}
        for s in self.samples:
            statuses[str(s.status)] = statuses.get(str(s.status), 0) + 1
        return {
            "target_rate": self.rate,
            "seconds": self.seconds,
            "concurrency": self.concurrency,
            "requests": len(self.samples),
            "answered": len(answered),
            "answered_per_s": round(len(answered) / self.wall_seconds, 1) if self.wall_seconds else 0.0,
            "errors": len(self.errors),
            "statuses": statuses,
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
            "max_ms": round(self.percentile(100), 1),
            "error_examples": [f"{s.path}: {s.status} {s.error}"[:200] for s in self.errors[:5]],
        }


def run_load(
    base_url: str,
    *,
    rate: float = 100,
    seconds: float = 60,
    concurrency: int = 32,
    paths: Sequence[str] | None = None,
    timeout: float = 10,
) -> LoadResult:
    """Send `rate` requests per second for `seconds`, cycling through `paths`."""
    paths = list(paths or query_mix())
    url = urllib.parse.urlsplit(base_url)
    host, port = url.hostname, url.port or 80
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"the load generator only targets this machine, not {host}")
    total = int(rate * seconds)
    due_queue: queue.Queue = queue.Queue()
    result = LoadResult(rate=rate, seconds=seconds, concurrency=concurrency)
    lock = threading.Lock()
    start = time.perf_counter() + 0.2

    def worker() -> None:
        connection = None
        while True:
            item = due_queue.get()
            if item is None:
                break
            index, due = item
            path = paths[index % len(paths)]
            delay = start + due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            elif -delay > timeout:
                # Every worker was busy for longer than a client waits: the server is
                # saturated. Count the request as failed rather than send it late, so the
                # run ends on time however slow the server is.
                with lock:
                    result.samples.append(
                        Sample(
                            due=due,
                            path=path,
                            status=0,
                            latency_ms=-delay * 1000,
                            error="not sent: every connection busy (saturated)",
                        )
                    )
                continue
            status, error = 0, ""
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(host, port, timeout=timeout)
                connection.request("GET", path, headers={"User-Agent": "ofsted-findings-load"})
                response = connection.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException) as exc:
                error = f"{type(exc).__name__}: {exc}"
                if connection is not None:
                    connection.close()
                connection = None
            latency = (time.perf_counter() - (start + due)) * 1000
            with lock:
                result.samples.append(
                    Sample(due=due, path=path, status=status, latency_ms=latency, error=error)
                )
        if connection is not None:
            connection.close()

    for i in range(total):
        due_queue.put((i, i / rate))
    for _ in range(concurrency):
        due_queue.put(None)
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall_seconds = time.perf_counter() - start
    result.samples.sort(key=lambda s: s.due)
    return result


RAMP_SECONDS = 120


def warm_up(
    base_url: str,
    rounds: int = 3,
    paths: Sequence[str] | None = None,
    *,
    ramp_seconds: float = 0,
    rate: float = 100,
    es_url: str | None = None,
) -> tuple[float, float | None]:
    """Send the mix a few times, one request at a time, then (``ramp_seconds``) at ``rate``
    without measuring, before a timed run: a server that has just started (its templates,
    its caches, the search engine's JIT) is not what users meet. A JVM needs minutes of
    traffic to compile its hot paths: on a fresh Elasticsearch node the mix cost the JVM
    75.6, 63.7, then 49.5 CPU seconds in three successive minutes at 100 requests/s (and
    about 36-45 on a node that had served for an hour). So with ``es_url`` the ramp goes on
    until that node's JIT has settled (``ramp_until_jit_settles``). Returns the seconds
    ramped and the JIT compilers' last share of the node's CPU (None where not measured)."""
    url = urllib.parse.urlsplit(base_url)
    for _ in range(rounds):
        for path in paths or query_mix():
            # A connection each, so that every gunicorn worker gets some of them.
            connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=60)
            try:
                connection.request(
                    "GET", path, headers={"User-Agent": "ofsted-findings-load-warm-up", "Connection": "close"}
                )
                connection.getresponse().read()
            finally:
                connection.close()
    if ramp_seconds <= 0:
        return 0, None
    if es_url:
        return ramp_until_jit_settles(base_url, es_url, rate=rate, min_seconds=ramp_seconds, paths=paths)
    run_load(base_url, rate=rate, seconds=ramp_seconds, paths=paths)
    return ramp_seconds, None


# A node in service compiled its hot paths long ago: a run is measured once the JIT
# compilers take less than this share of the node's CPU.
JIT_SETTLED_SHARE = 0.15
MAX_RAMP_SECONDS = 600
JIT_WINDOW_SECONDS = 30


def ramp_until_jit_settles(
    base_url: str,
    es_url: str,
    *,
    rate: float,
    min_seconds: float = RAMP_SECONDS,
    max_seconds: float = MAX_RAMP_SECONDS,
    paths: Sequence[str] | None = None,
) -> tuple[float, float | None]:
    """Send the mix at ``rate``, unmeasured, for at least ``min_seconds`` and then until
    the Elasticsearch node's JIT compilers took under JIT_SETTLED_SHARE of its CPU over
    JIT_WINDOW_SECONDS (or ``max_seconds`` passed). On two cores a fresh node was still
    compiling after 120 s (43% of its CPU in the next minute, p95 189 ms) and far less
    after 300 s (13%, p95 127 ms). Returns the seconds sent and the last JIT share (None
    for a node on another machine, whose threads cannot be read: then ``min_seconds``)."""
    run_load(base_url, rate=rate, seconds=min_seconds, paths=paths)
    ramped, share = min_seconds, None
    while ramped < max_seconds:
        jit_before, jvm_before = node_jit_cpu_ms(es_url), node_cpu_ms(es_url)
        if jit_before is None:
            break
        run_load(base_url, rate=rate, seconds=JIT_WINDOW_SECONDS, paths=paths)
        ramped += JIT_WINDOW_SECONDS
        jit, jvm = node_jit_cpu_ms(es_url) - jit_before, node_cpu_ms(es_url) - jvm_before
        share = jit / max(jvm, 1.0)
        if share < JIT_SETTLED_SHARE:
            break
    return ramped, share


# -- a server to load --------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(
    settings,
    *,
    workers: int | None = None,
    port: int | None = None,
    log_dir: Path | None = None,
    threads: int | None = None,
) -> Iterator[str]:
    """The web app under gunicorn with the deployment's config, on a loopback port."""
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFSTED_FINDINGS_")}
    env.update(
        OFSTED_FINDINGS_DATA_DIR=str(settings.data_dir),
        OFSTED_FINDINGS_ENGINE=settings.engine,
        OFSTED_FINDINGS_ES_URL=settings.es_url,
        OFSTED_FINDINGS_ES_INDEX=settings.es_index,
        OFSTED_FINDINGS_BASE_URL=f"http://127.0.0.1:{port}",
        OFSTED_FINDINGS_BIND=f"127.0.0.1:{port}",
        OFSTED_FINDINGS_ACCESS_LOG=str(log_dir / "access.log") if log_dir else "",
    )
    if workers:
        env["OFSTED_FINDINGS_WORKERS"] = str(workers)
    if threads:
        env["OFSTED_FINDINGS_THREADS"] = str(threads)
    log = open(log_dir / "gunicorn.log", "wb") if log_dir else subprocess.DEVNULL
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", str(GUNICORN_CONF)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log is not subprocess.DEVNULL:
            log.close()


def _wait_ready(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode} before it was ready")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", urllib.parse.urlsplit(url).port, timeout=5)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url}/readyz did not answer 200 within {timeout} s")


def corpus_files(limit: int | None = None) -> list[Path]:
    """The real focused-visit PDFs from the shared corpus when present."""
    folder = SHARED / "corpus" / "ofsted-pdf"
    files = sorted(folder.glob("*.pdf")) if folder.is_dir() else []
    return files[:limit] if limit else files


def build_index(settings, files: Sequence[Path] | None = None) -> dict:
    """Ingest the corpus (or, without it, the project's rendered sample letters)."""
    from indexer.pipeline import ingest

    files = list(files) if files is not None else corpus_files()
    if not files:
        from replica.documents import load_samples
        from replica.render import render_pdf

        folder = Path(tempfile.mkdtemp(prefix="ofsted-findings-load-"))
        for doc in load_samples():
            (folder / f"{doc.path.stem}.pdf").write_bytes(render_pdf(doc))
        files = sorted(folder.glob("*.pdf"))
    return ingest(settings, files, progress=False).to_dict()


# -- the report ----------------------------------------------------------------------------------
def plot(results: dict[str, LoadResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(len(results), 1, figsize=(10, 3.2 * len(results)), squeeze=False)
    for axis, (name, result) in zip(axes[:, 0], results.items()):
        ok = [s for s in result.samples if s not in result.errors]
        axis.scatter([s.due for s in ok], [s.latency_ms for s in ok], s=3, alpha=0.4, label="request")
        bad = result.errors
        if bad:
            axis.scatter([s.due for s in bad], [s.latency_ms for s in bad], s=12, color="red", label="error")
        for p, style in ((50, ":"), (95, "--")):
            axis.axhline(
                result.percentile(p),
                linestyle=style,
                color="black",
                linewidth=1,
                label=f"p{p} {result.percentile(p):.0f} ms",
            )
        axis.axhline(TARGET_P95_MS, color="grey", linewidth=1, label=f"p95 target {TARGET_P95_MS} ms")
        axis.set_yscale("log")
        axis.set_title(f"{name}: {result.rate:g} requests/s for {result.seconds:g} s")
        axis.set_xlabel("seconds into the run")
        axis.set_ylabel("latency (ms, log)")
        axis.legend(loc="upper right", fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def markdown_table(results: dict[str, LoadResult]) -> str:
    rows = [
        "| engine | requests due | answered | answered/s | errors | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, result in results.items():
        s = result.summary()
        rows.append(
            f"| {name} | {s['requests']} | {s['answered']} | {s['answered_per_s']} | {s['errors']} | "
            f"{s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} | {s['max_ms']} |"
        )
    return "\n".join(rows)


ENGINES = ("sqlite", "elasticsearch")
ES_URL_ENV = "OFSTED_FINDINGS_TEST_ES_URL"  # the same variable the tests read to reuse a node


def _es_node_module():
    """deploy/es_node.py (not a package: it runs before anything is installed)."""
    import importlib.util

    name = "ofsted_findings_es_node"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "deploy" / "es_node.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@contextmanager
def elasticsearch_node(url: str | None = None) -> Iterator[str]:
    """A node's URL: ``url``, else $OFSTED_FINDINGS_TEST_ES_URL, else a node started for the
    run, with the full JIT as in production (the tests' C1-only fast start serves slower)."""
    url = url or os.environ.get(ES_URL_ENV)
    if url:
        yield url.rstrip("/")
        return
    node = _es_node_module().start_node(fast_start=False)
    try:
        yield node.url
    finally:
        node.stop()


def c1_only_warning(es_url: str) -> str | None:
    """A warning when the node's JVM compiles with C1 only (deploy/es_node.py's fast start,
    which the test node uses): it serves searches with about 2.5x the CPU of a full JIT,
    so its load figures say little about a production node."""
    import urllib.request

    with urllib.request.urlopen(
        f"{es_url}/_nodes/_local/jvm?filter_path=nodes.*.jvm.input_arguments", timeout=10
    ) as response:
        arguments = next(iter(json.load(response)["nodes"].values()))["jvm"]["input_arguments"]
    if any(a.startswith("-XX:TieredStopAtLevel=") and not a.endswith("=4") for a in arguments):
        return (
            f"the node at {es_url} runs with C1-only JIT ({' '.join(a for a in arguments if 'Tiered' in a)}): "
            "its searches cost about 2.5x the CPU of a production node; start one with "
            "`python deploy/es_node.py run --full-jit` for load figures"
        )
    return None


def delete_indices(es_url: str, alias: str) -> None:
    """Drop a run's own indices by name (the node refuses wildcard deletes)."""
    from elasticsearch import Elasticsearch

    client = Elasticsearch(es_url)
    try:
        names = list(client.indices.get(index=f"{alias}-*", ignore_unavailable=True))
        if names:
            client.indices.delete(index=",".join(names))
    except Exception as exc:  # cleanup must not hide the figures
        print(f"could not delete the load run's indices {alias}-*: {exc}", file=sys.stderr)
    finally:
        client.close()


def es_node_stats(es_url: str) -> dict:
    """The node's own view: search count and time spent in the query and fetch phases,
    and the JVM's CPU time, so a run can split time between Elasticsearch and gunicorn."""
    import urllib.request

    with urllib.request.urlopen(
        f"{es_url}/_nodes/_local/stats/indices,process,jvm,thread_pool", timeout=10
    ) as response:
        node = next(iter(json.load(response)["nodes"].values()))
    search = node["indices"]["search"]
    pool = node["thread_pool"].get("search", {})
    return {
        "queries": search["query_total"],
        "query_ms": search["query_time_in_millis"],
        "fetches": search["fetch_total"],
        "fetch_ms": search["fetch_time_in_millis"],
        "cpu_ms": node["process"]["cpu"]["total_in_millis"],
        "heap_used_percent": node["jvm"]["mem"]["heap_used_percent"],
        "gc_ms": sum(c["collection_time_in_millis"] for c in node["jvm"]["gc"]["collectors"].values()),
        "search_threads": pool.get("threads"),
        "search_rejected": pool.get("rejected", 0),
    }


def node_cpu_ms(es_url: str) -> float:
    """CPU milliseconds the node's JVM has used: from /proc when it runs on this machine
    (exact to the clock tick; node stats refresh their CPU figure only every second)."""
    import urllib.request

    with urllib.request.urlopen(
        f"{es_url}/_nodes/_local/process?filter_path=nodes.*.process.id", timeout=10
    ) as response:
        pid = next(iter(json.load(response)["nodes"].values()))["process"]["id"]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # another machine's node
        return float(es_node_stats(es_url)["cpu_ms"])
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def node_jit_cpu_ms(es_url: str) -> float | None:
    """CPU milliseconds the node's JIT compiler threads (C1, C2) have used, from /proc
    (None for another machine's node). A fresh node compiles for minutes under load: on
    two cores, after the 120 s ramp, they still took about 40% of the JVM's CPU."""
    import urllib.request

    with urllib.request.urlopen(
        f"{es_url}/_nodes/_local/process?filter_path=nodes.*.process.id", timeout=10
    ) as response:
        pid = next(iter(json.load(response)["nodes"].values()))["process"]["id"]
    total = 0
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return None
    for task in tasks:
        try:
            if not (task / "comm").read_text().startswith(("C1 Compiler", "C2 Compiler")):
                continue
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended
            continue
        total += int(fields[11]) + int(fields[12])
    return total * 1000 / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def process_tree_cpu(match: str) -> float:
    """CPU seconds so far of this process's children whose command line contains
    ``match`` (e.g. gunicorn), with all their descendants (its workers), living or
    reaped; Linux only."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, []
    for pid in _children(os.getpid()):
        try:
            if match in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                todo.append(pid)
        except OSError:
            pass
    while todo:
        pid = todo.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, and cutime, cstime: the CPU of children it has reaped (gunicorn's
        # workers are replaced after max_requests; their CPU moves to the master's).
        total += sum(int(f) for f in fields[11:15]) / tick
        todo += _children(pid)
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]
    return (sum(values) - idle) / tick, sum(values) / tick
