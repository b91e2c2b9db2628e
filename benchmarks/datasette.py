"""Side by side with Datasette (issue 20): the same paragraphs served, in the same run, by
the web app on the embedded engine and by Datasette over a plain SQLite table with an
FTS5 index (Porter stemmer) and facets on the same columns.

    python -m benchmarks datasette                          # 300k paragraphs
    BENCH_WEBAPP_PARAGRAPHS=30000 python -m benchmarks datasette   # a quick look

- search: a fixed mix of searches with facets (authority, region, year, document type,
  stance, judgement, kind), some with a filter ticked, each as the HTML results page;
  p50 and p95 of each side, warm (each query sent once before timing), goal: ours ≥ 5×
  faster at p50;
- export: the whole result set of one search as CSV (Datasette's streamed CSV,
  ``_stream=on``), rows/s of each side; goal: ours ≥ 5× Datasette's.

Datasette runs in an environment of the benchmark's own (``BENCH_DATASETTE_VENV``, default
/var/tmp/ofsted-findings-bench-datasette, made and filled with pip on first use): it is
never a dependency of the project. Its settings let it finish every facet and stream every
row (time limits raised, no CSV size cap), and the file is served immutable, as Datasette
advises for data that does not change. The paragraphs are those of the web-app benchmark
(``benchmarks.webapp``), read back from our index into Datasette's table.
"""

from __future__ import annotations

import csv
import http.client
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlencode

from benchmarks.webapp import PARAGRAPHS, real_paragraphs, synthetic_paragraphs
from common.config import Settings
from indexer.engines.sqlite import SqliteEngine
from indexer.search import Searcher

VENV = Path(os.environ.get("BENCH_DATASETTE_VENV", "/var/tmp/ofsted-findings-bench-datasette"))
REQUIREMENT = "datasette>=0.65,<0.66"
ROUNDS = 3
TARGET_SEARCH_RATIO = 5.0  # ours at least this many times faster at p50
TARGET_EXPORT_RATIO = 5.0  # our rows/s at least this many times Datasette's
EXPORT_DEADLINE_S = 600  # a side still streaming after this is stopped; its rate so far is its figure
FACETS = ("authority", "region", "year", "document_type", "stance", "judgement", "kind")
# Plain words (both sides read them as words to match, stemmed), some with a filter.
QUERIES = [
    ("staying put", {}),
    ("personal adviser", {}),
    ("health passports", {}),
    ("taster flats", {}),
    ("local offer", {}),
    ("pathway plans", {}),
    ("support", {"region": "North West"}),
    ("education employment", {"year": "2023"}),
    ("accommodation", {"stance": "improvement"}),
    ("care leavers", {"kind": "ofsted"}),
]
COLUMNS = (
    "paragraph_id",
    "document_id",
    "document_title",
    "authority",
    "ons_code",
    "region",
    "year",
    "document_type",
    "kind",
    "published",
    "judgement",
    "section",
    "paragraph_number",
    "themes",
    "stance",
    "text",
    "source",
)


def datasette_command() -> list[str]:
    """The benchmark's own Datasette, installed on first use."""
    binary = VENV / "bin" / "datasette"
    if not binary.exists():
        print(f"installing Datasette into {VENV} (the benchmark's own environment)...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", REQUIREMENT], check=True)
    return [str(binary)]


def copy_for_datasette(index_path: Path, target: Path) -> int:
    """Our index's paragraphs as one table with an FTS5 index and indexed facet columns."""
    with closing(sqlite3.connect(target)) as out, closing(sqlite3.connect(index_path)) as index:
        out.execute(f"CREATE TABLE paragraphs ({', '.join(COLUMNS)})")
        rows = (json.loads(data) for (data,) in index.execute("SELECT data FROM paragraph_data"))
        out.executemany(
            f"INSERT INTO paragraphs VALUES ({','.join('?' * len(COLUMNS))})",
            (
                tuple(
                    "; ".join(p.get(c) or ()) if c == "themes" else p.get(c) if c != "year" else _year(p)
                    for c in COLUMNS
                )
                for p in rows
            ),
        )
        out.execute(
            'CREATE VIRTUAL TABLE paragraphs_fts USING fts5(section, text, content="paragraphs", '
            "content_rowid='rowid', tokenize='porter')"
        )
        out.execute("INSERT INTO paragraphs_fts(paragraphs_fts) VALUES ('rebuild')")
        for facet in FACETS:
            out.execute(f"CREATE INDEX paragraphs_{facet} ON paragraphs({facet})")
        out.commit()
        return out.execute("SELECT count(*) FROM paragraphs").fetchone()[0]


def _year(paragraph: dict) -> str | None:
    return (paragraph.get("published") or "")[:4] or None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_datasette(database: Path) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    process = subprocess.Popen(
        [
            *datasette_command(),
            "serve",
            "-i",
            str(database),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--setting",
            "sql_time_limit_ms",
            "60000",
            "--setting",
            "facet_time_limit_ms",
            "60000",
            "--setting",
            "max_csv_mb",
            "0",
            "--setting",
            "default_facet_size",
            "50",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Datasette stopped: {process.stderr.read().decode()[-2000:]}")
        try:
            with closing(http.client.HTTPConnection("127.0.0.1", port, timeout=5)) as c:
                c.request("GET", "/-/versions.json")
                if c.getresponse().status == 200:
                    return process, port
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("Datasette did not start within 120 s")


def our_search_path(q: str, filters: dict) -> str:
    return "/search?" + urlencode({"q": q, **filters})


def datasette_search_path(table: str, q: str, filters: dict) -> str:
    params = [("_search", q), *filters.items(), *(("_facet", f) for f in FACETS)]
    return f"{table}?" + urlencode(params)


def _get(connection: http.client.HTTPConnection, path: str) -> None:
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {path} -> {response.status}")


def time_mix(connection, paths: list[str]) -> list[float]:
    for path in paths:  # warm: templates compiled, columns and pages read once
        _get(connection, path)
    times = []
    for _ in range(ROUNDS):
        for path in paths:
            started = time.perf_counter()
            _get(connection, path)
            times.append((time.perf_counter() - started) * 1000)
    return times


def time_export(port: int, path: str) -> tuple[int, float]:
    """(rows, seconds) of a streamed CSV: the body is written to a file while timed, the
    rows counted after (a paragraph's text may hold line breaks)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=EXPORT_DEADLINE_S)
    with tempfile.NamedTemporaryFile(suffix=".csv") as body, closing(connection):
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        if response.status != 200:
            raise RuntimeError(f"GET {path} -> {response.status}")
        while chunk := response.read(256 * 1024):
            body.write(chunk)
            if time.perf_counter() - started > EXPORT_DEADLINE_S:
                print(f"  stopped after {EXPORT_DEADLINE_S} s: {path}")
                break
        elapsed = time.perf_counter() - started
        body.flush()
        with open(body.name, encoding="utf-8-sig", newline="", errors="replace") as fh:
            rows = sum(1 for _ in csv.reader(fh)) - 1  # the header
    return rows, elapsed


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> int:
    import logging

    from werkzeug.serving import make_server

    from webapp import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-datasette-") as tmp:
        settings = Settings.from_env(environ={}, data_dir=Path(tmp))
        started = time.perf_counter()
        paragraphs = real_paragraphs(PARAGRAPHS, Path(tmp) / "corpus")
        kind = "real (copied)" if paragraphs is not None else "synthetic"
        loaded = SqliteEngine(settings.sqlite_index_path).rebuild(
            paragraphs if paragraphs is not None else synthetic_paragraphs(PARAGRAPHS)
        )
        print(f"indexed {loaded:,} {kind} paragraphs in {time.perf_counter() - started:.1f} s", flush=True)
        database = Path(tmp) / "paragraphs.db"
        started = time.perf_counter()
        copied = copy_for_datasette(settings.sqlite_index_path, database)
        print(f"Datasette's table and FTS5 index: {copied:,} rows in {time.perf_counter() - started:.1f} s")
        datasette, port = serve_datasette(database)
        searcher = Searcher.open(settings)
        server = make_server("127.0.0.1", 0, create_app(settings, searcher=searcher), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        ours = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=120)
        theirs = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            table = f"/{database.stem}/paragraphs"
            our_times = time_mix(ours, [our_search_path(q, f) for q, f in QUERIES])
            their_times = time_mix(theirs, [datasette_search_path(table, q, f) for q, f in QUERIES])
            ratio = statistics.median(their_times) / statistics.median(our_times)
            print(
                f"search with facets, HTML page ({len(our_times)} requests of {len(QUERIES)} queries, warm):"
            )
            for name, values in (("ofsted-findings", our_times), ("Datasette", their_times)):
                print(f"  {name:<16} p50 {_p(values, 0.5):7.1f} ms, p95 {_p(values, 0.95):7.1f} ms")
            print(
                f"  ours faster at p50: {ratio:.1f}× (goal ≥ {TARGET_SEARCH_RATIO:g}×: "
                f"{'met' if ratio >= TARGET_SEARCH_RATIO else 'NOT met'})"
            )
            q = "support" if paragraphs is not None else "staying put"
            our_rows, our_s = time_export(server.server_port, "/search.csv?" + urlencode({"q": q}))
            their_rows, their_s = time_export(
                port, f"{table}.csv?" + urlencode({"_search": q, "_stream": "on", "_size": "max"})
            )
            our_rate, their_rate = our_rows / our_s, their_rows / their_s
            export_ratio = our_rate / max(their_rate, 1e-9)
            print(f"CSV export of the whole result set of {q!r}:")
            print(f"  ofsted-findings  {our_rows:,} rows in {our_s:.1f} s = {our_rate:,.0f} rows/s")
            print(f"  Datasette        {their_rows:,} rows in {their_s:.1f} s = {their_rate:,.0f} rows/s")
            print(
                f"  ours / Datasette: {export_ratio:.1f}× (goal ≥ {TARGET_EXPORT_RATIO:g}×: "
                f"{'met' if export_ratio >= TARGET_EXPORT_RATIO else 'NOT met'})"
            )
            return 0 if ratio >= TARGET_SEARCH_RATIO and export_ratio >= TARGET_EXPORT_RATIO else 1
        finally:
            ours.close()
            theirs.close()
            server.shutdown()
            searcher.close()
            datasette.terminate()
            datasette.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
