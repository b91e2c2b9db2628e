"""The command line end to end: crawl the sample replica, index, search, list documents."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from ofsted_findings.cli import main
from replica.build import build_sample_site
from replica.server import ReplicaServer

REQUIRED_FIELDS = {
    "authority",
    "region",
    "document_id",
    "document_title",
    "document_type",
    "published",
    "source",
    "section",
    "paragraph_number",
    "text",
    "snippet",
    "themes",
    "score",
    "url",
}


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "ofsted_findings", *args], capture_output=True, text=True, timeout=300
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"ofsted-findings {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    data = root / "data"
    with ReplicaServer(build_sample_site(root / "site")) as replica:
        cli(
            "crawl",
            "--data-dir",
            str(data),
            "--ofsted-url",
            replica.ofsted_url,
            "--files-url",
            replica.files_url,
            "--env",
            "local",
            "-q",
        )
        cli("index", "--data-dir", str(data), "-q")
        yield data, replica


def test_help_lists_the_subcommands():
    out = cli("--help").stdout
    for command in ("crawl", "index", "ingest", "search", "serve", "demo", "documents"):
        assert command in out


def test_search_json_has_the_public_fields_and_spans_authorities(crawled):
    data, replica = crawled
    out = cli("search", '"staying put"', "--data-dir", str(data), "--format", "json", "--limit", "50").stdout
    hits = [json.loads(line) for line in out.splitlines()]
    assert hits and all(REQUIRED_FIELDS <= set(h) for h in hits)
    assert len({h["authority"] for h in hits}) >= 3
    for h in hits:
        # The whole phrase in one <mark> (a taxonomy synonym may extend it: "staying put arrangements").
        assert re.search(r"<mark>staying put[^<]*</mark>", h["snippet"].lower()), h["snippet"]
        assert h["source"].startswith(replica.files_url)
        assert h["url"].endswith(f"/documents/{h['document_id']}#p{h['paragraph_number']}")
        assert len(h["published"]) == 10 and h["published"][4] == "-"


def test_search_suggests_corrects_and_says_why(crawled):
    data, _ = crawled
    proc = cli("search", "stayng put", "--data-dir", str(data), "--format", "json", "--limit", "50")
    hits = [json.loads(line) for line in proc.stdout.splitlines()]
    assert hits and all("staying put" in h["text"].lower() or "stay" in h["text"].lower() for h in hits)
    assert "showing results for “staying put”" in proc.stderr and "--as-typed" in proc.stderr
    assert all(h["match_reasons"] for h in hits)
    typed = cli("search", "stayng put", "--as-typed", "--data-dir", str(data), "--limit", "5")
    assert "did you mean “staying put”?" in typed.stderr
    table = cli("search", "taster flats", "--data-dir", str(data), "--limit", "20").stdout
    assert "why" in table and "synonym" in table


@pytest.mark.parametrize(
    "query",
    ['"unbalanced', "“curly”", "NEAR(care leavers)", "*", "^:", "!!!", "x" * 5000, "care:leavers title^2"],
)
def test_odd_queries_never_fail(crawled, capsys, query):
    data, _ = crawled
    assert main(["search", query, "--data-dir", str(data), "--format", "json"]) == 0
    for line in capsys.readouterr().out.splitlines():
        assert json.loads(line)["document_id"]


def test_documents_json_lists_metadata(crawled):
    data, _ = crawled
    rows = [
        json.loads(line)
        for line in cli("documents", "--data-dir", str(data), "--format", "json").stdout.splitlines()
    ]
    assert rows
    for row in rows:
        assert {
            "document_id",
            "authority",
            "ons_code",
            "document_type",
            "source",
            "published",
            "letter_date",
            "visit_start",
            "visit_end",
            "inspectors",
            "judgements",
            "paragraphs",
        } <= set(row)
        assert row["paragraphs"] > 0 and row["authority"]


def test_a_second_crawl_stores_nothing_new(crawled):
    data, replica = crawled
    proc = cli(
        "crawl",
        "--data-dir",
        str(data),
        "--ofsted-url",
        replica.ofsted_url,
        "--files-url",
        replica.files_url,
        "--env",
        "local",
        "-q",
        "--format",
        "json",
    )
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["documents_new"] == 0 and summary["documents_changed"] == 0


def test_ingest_reads_metadata_from_content_and_reports_bad_files(tmp_path, shared_dir):
    folder = tmp_path / "letters"
    folder.mkdir()
    pdfs = sorted((shared_dir / "corpus/ofsted-pdf").glob("fv-2024-*.pdf"))[:2]
    for pdf in pdfs:
        (folder / pdf.name).write_bytes(pdf.read_bytes())
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<")
    proc = cli(
        "ingest", str(folder), "--data-dir", str(tmp_path / "data"), "-q", "--format", "json", check=False
    )
    assert proc.returncode == 1, proc.stderr  # 1: finished, with failures to report
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["index"]["indexed"] == len(pdfs)
    [failed] = summary["index"]["failed"]
    assert failed["source"].endswith("broken.pdf") and failed["reason"]
    rows = [
        json.loads(line)
        for line in cli(
            "documents", "--data-dir", str(tmp_path / "data"), "--format", "json"
        ).stdout.splitlines()
    ]
    good = [r for r in rows if r["paragraphs"]]
    assert len(good) == len(pdfs) and all(r["authority"] and r["visit_start"] for r in good)


def test_export_writes_the_whole_result_set(crawled, tmp_path):
    import csv

    data, _ = crawled
    total = len(
        cli(
            "search", "care", "--data-dir", str(data), "--format", "json", "--limit", "100"
        ).stdout.splitlines()
    )
    out = tmp_path / "care.csv"
    cli("export", "care", "--data-dir", str(data), "-o", str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert len(rows) >= total > 0
    assert {"authority", "ons_code", "permalink", "citation", "text"} <= set(rows[0])
    ndjson = cli("export", "care", "--data-dir", str(data), "--format", "ndjson").stdout.splitlines()
    assert len(ndjson) == len(rows) and json.loads(ndjson[0])["authority"]


# -- what a newcomer trips over (issue 21) -----------------------------------------------------


def test_a_data_dir_without_a_store_is_an_error_naming_it_and_stays_absent(tmp_path):
    missing = tmp_path / "typo"
    for command in (["search", "care"], ["status"], ["documents"], ["index", "-q"], ["export", "care"]):
        proc = cli(*command, "--data-dir", str(missing), check=False)
        assert proc.returncode == 2, (command, proc.stderr)
        assert str(missing) in proc.stderr and "holds no ofsted-findings document store" in proc.stderr
        assert "match" not in proc.stdout
    assert not missing.exists()  # only crawl, ingest and demo make a store


def _found(data, *args) -> set[tuple[str, int]]:
    out = cli("search", "care", "--data-dir", str(data), "--format", "json", "--limit", "100", *args).stdout
    return {(h["document_id"], h["paragraph_number"]) for h in map(json.loads, out.splitlines())}


def test_filters_are_matched_as_people_write_them(crawled):
    data, _ = crawled
    canonical = _found(data, "--authority", "Leeds", "--theme", "staying-put", "--stance", "strength")
    assert canonical
    assert (
        _found(data, "--authority", "leeds city council", "--theme", "Staying put", "--stance", "STRENGTH")
        == canonical
    )
    assert (
        _found(data, "--authority", "E08000035", "--theme", "STAYING PUT", "--stance", "strength")
        == canonical
    )
    focused = _found(data, "--document-type", "focused visit")
    assert focused and focused == _found(data, "--document-type", "Children's services focused visit")
    graded = _found(data, "--judgement", "good")
    assert graded == _found(data, "--judgement", "Good") and graded < _found(data)


def test_a_filter_value_that_matches_nothing_lists_the_valid_ones(crawled):
    data, _ = crawled
    proc = cli("search", "care", "--data-dir", str(data), "--stance", "area", check=False)
    assert proc.returncode == 2
    assert (
        "stance 'area' matches nothing" in proc.stderr and "Area for improvement (improvement)" in proc.stderr
    )
    proc = cli("search", "care", "--data-dir", str(data), "--authority", "Leds", check=False)
    assert proc.returncode == 2 and "did you mean Leeds" in proc.stderr
    proc = cli("search", "care", "--data-dir", str(data), "--from", "last week", check=False)
    assert proc.returncode == 2 and "YYYY-MM-DD" in proc.stderr


def test_help_lists_the_values_each_filter_takes():
    out = cli("search", "--help").stdout
    for text in (
        "--judgement",
        "--from",
        "--to",
        "Staying put (staying-put)",
        "Requires improvement to be good",
        "Area for improvement (improvement)",
        "Children's services focused visit",
        "ONS code",
    ):
        assert text in " ".join(out.split()), text


def test_a_date_range_as_on_the_web(crawled):
    data, _ = crawled
    rows = [
        json.loads(line)
        for line in cli(
            "search",
            "care",
            "--data-dir",
            str(data),
            "--format",
            "json",
            "--limit",
            "100",
            "--from",
            "2023-01",
            "--to",
            "2024",
        ).stdout.splitlines()
    ]
    assert rows and all("2023-01-01" <= r["published"] <= "2024-12-31" for r in rows)
    everything = [
        json.loads(line)
        for line in cli(
            "search", "care", "--data-dir", str(data), "--format", "json", "--limit", "100"
        ).stdout.splitlines()
    ]
    assert len(rows) < len(everything)


def test_status_is_a_readable_report_on_stdout_and_json_on_request(crawled):
    data, _ = crawled
    text = cli("status", "--data-dir", str(data))
    assert text.stdout.startswith(f"Data directory: {data}") and "{" not in text.stdout
    assert "Recent crawls:" in text.stdout and "Failed documents: none" in text.stdout
    assert text.stderr == ""
    report = json.loads(cli("status", "--data-dir", str(data), "--format", "json").stdout)
    assert report["store"]["documents"] > 0


def test_documents_show_which_content_they_hold(crawled):
    data, _ = crawled
    rows = [
        json.loads(line)
        for line in cli("documents", "--data-dir", str(data), "--format", "json").stdout.splitlines()
    ]
    for row in rows:
        assert len(row["sha256"]) == 64 and row["version"] >= 1
        assert row["content_changed_at"] and row["content_changed_at"] <= row["last_checked_at"]


def test_permalinks_use_the_address_of_the_running_server(crawled):
    import socket
    import time

    data, _ = crawled
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "ofsted_findings", "serve", "--data-dir", str(data), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (data / "served-at.txt").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        hit = json.loads(
            cli("search", "care", "--data-dir", str(data), "--format", "json", "--limit", "1").stdout
        )
        assert hit["url"].startswith(f"http://127.0.0.1:{port}/documents/")
        configured = json.loads(
            cli(
                "search",
                "care",
                "--data-dir",
                str(data),
                "--format",
                "json",
                "--limit",
                "1",
                "--base-url",
                "https://findings.example",
            ).stdout
        )
        assert configured["url"].startswith("https://findings.example/documents/")
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert not (data / "served-at.txt").exists()


def test_ingesting_a_page_that_is_no_finding_reports_it_skipped(tmp_path):
    from common.config import Settings
    from webapp import create_app

    data = tmp_path / "data"
    page = tmp_path / "home.html"  # this app's own home page
    page.write_bytes(
        create_app(Settings.from_env(environ={}, data_dir=tmp_path / "other"))
        .test_client()
        .get("/")
        .get_data()
    )
    proc = cli("ingest", str(page), "--data-dir", str(data), "-q", check=False)
    assert proc.returncode == 0, proc.stderr
    assert "Skipped 1" in proc.stdout and "neither an Ofsted document nor a council response" in proc.stdout
    rows = [
        json.loads(line)
        for line in cli("documents", "--data-dir", str(data), "--format", "json").stdout.splitlines()
    ]
    assert [r["index_status"] for r in rows] == ["skipped"] and rows[0]["paragraphs"] == 0
    search = cli("search", "ofsted", "--data-dir", str(data), "--format", "json")
    assert search.stdout == ""


# -- issue 19: --neighbours-of -----------------------------------------------------------------


def test_neighbours_of_limits_search_and_export_to_an_authority_and_its_neighbours(crawled, tmp_path):
    import csv

    data, _ = crawled
    # Calderdale's statistical neighbours in the sample: Devon, Leeds and Norfolk.
    group = ("Calderdale", "Devon", "Leeds", "Norfolk")
    near = _found(data, "--neighbours-of", "calderdale")
    assert near
    union = set().union(*(_found(data, "--authority", name) for name in group))
    assert near == union and near < _found(data)  # Enfield, Wirral and the others are left out
    assert _found(data, "--neighbours-of", "Calderdale", "--authority", "Leeds") == _found(
        data, "--authority", "Leeds"
    )
    out = tmp_path / "near.csv"
    cli("export", "care", "--data-dir", str(data), "--neighbours-of", "Calderdale", "-o", str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert {(r["document_id"], int(r["paragraph_number"])) for r in rows} == near
    assert {r["authority"] for r in rows} <= set(group)


def test_neighbours_of_an_unknown_authority_or_outside_the_group_lists_the_valid_ones(crawled):
    data, _ = crawled
    proc = cli("search", "care", "--data-dir", str(data), "--neighbours-of", "Narnia", check=False)
    assert proc.returncode == 2 and "neighbours_of 'Narnia' matches nothing" in proc.stderr
    proc = cli(
        "search",
        "care",
        "--data-dir",
        str(data),
        "--neighbours-of",
        "Calderdale",
        "--authority",
        "Enfield",
        check=False,
    )
    assert proc.returncode == 2
    assert "not among the statistical neighbours of Calderdale" in proc.stderr and "Norfolk" in proc.stderr
    assert "--neighbours-of" in cli("export", "--help").stdout
