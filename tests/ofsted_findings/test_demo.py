"""`ofsted-findings demo` builds, crawls, indexes and serves the sample site, quietly."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_is_quiet_says_where_its_data_is_and_prints_its_address_last(tmp_path):
    data, port = tmp_path / "data", _free_port()
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with open(out, "w") as stdout, open(err, "w") as stderr:
        demo = subprocess.Popen(
            [sys.executable, "-m", "ofsted_findings", "demo", "--data-dir", str(data), "--port", str(port)],
            stdout=stdout,
            stderr=stderr,
        )
    try:
        address = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 300
        while address not in out.read_text() and demo.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert demo.poll() is None, err.read_text()[-3000:]
        with urllib.request.urlopen(address + "healthz", timeout=30) as response:
            assert response.status == 200
        time.sleep(1)  # anything printed after the address would show by now
        lines = [line for line in out.read_text().splitlines() if line.strip()]
        assert address in lines[-1] and len(lines) <= 12, lines
        screen = "\n".join(lines)
        assert "SAMPLE documents" in screen and "not Ofsted's" in screen
        assert "Documents stored: 15 (15 new, 0 changed)" in screen and "Failed: none." in screen
        assert "documents_skipped" not in screen
        assert "DEBUG" not in err.read_text() and len(err.read_text().splitlines()) < 5
        # The README's "<data dir>/demo/data/" is where the store and index are.
        demo_data = data / "demo" / "data"
        assert f"{demo_data}/" in screen and (demo_data / "catalogue.sqlite3").is_file()
        readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
        assert "`<data dir>/demo/data/`" in readme
    finally:
        demo.terminate()
        demo.wait(timeout=30)
    search = subprocess.run(
        [
            sys.executable,
            "-m",
            "ofsted_findings",
            "search",
            "staying put",
            "--data-dir",
            str(demo_data),
            "--format",
            "json",
            "--limit",
            "100",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    hits = [json.loads(line) for line in search.stdout.splitlines()]
    assert len({h["authority"] for h in hits}) >= 3
    docs = subprocess.run(
        [
            sys.executable,
            "-m",
            "ofsted_findings",
            "documents",
            "--data-dir",
            str(demo_data),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    documents = [json.loads(line) for line in docs.stdout.splitlines()]
    assert {d["kind"] for d in documents} == {"ofsted", "council"}
    # The demo must never pass for real findings: every title, result and citation says
    # "Sample", and the label line itself is never a paragraph.
    assert all(d["title"].startswith("Sample: ") for d in documents), [d["title"] for d in documents]
    assert all(h["document_title"].startswith("Sample: ") for h in hits)
    label = subprocess.run(
        [
            sys.executable,
            "-m",
            "ofsted_findings",
            "search",
            '"sample document written"',
            "--data-dir",
            str(demo_data),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert label.stdout == ""
    export = subprocess.run(
        [
            sys.executable,
            "-m",
            "ofsted_findings",
            "export",
            "staying put",
            "--data-dir",
            str(demo_data),
            "--format",
            "ndjson",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows = [json.loads(line) for line in export.stdout.splitlines()]
    assert rows and all("\u201cSample: " in row["citation"] for row in rows)
