"""The replica server: real markup, pagination, conditional requests, faults."""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request
from email.utils import formatdate

import pytest
from parsel import Selector

from replica.server import Faults, ReplicaServer
from replica.site import Site

LISTING = "/search?q=&location=&lat=&lon=&radius=&level_1_types=3&level_2_types%5B%5D=12"


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_two_hosts_on_loopback_ephemeral_ports(replica):
    assert replica.ofsted_url.startswith("http://127.0.0.1:")
    assert replica.files_url.startswith("http://127.0.0.1:")
    assert replica.ofsted_url != replica.files_url


def test_refuses_to_bind_anything_but_loopback(sample_site):
    with pytest.raises(ValueError, match="127.0.0.1"):
        ReplicaServer(sample_site, host="0.0.0.0")


def test_listing_paginates_with_rows_capped_at_100(replica):
    status, _, body = get(replica.ofsted_url + LISTING + "&start=0&rows=170")
    assert status == 200
    page = Selector(text=body.decode())
    links = page.css("ul.results-list > li.search-result > h3 > a::attr(href)").getall()
    assert len(links) == 100
    assert all(href.startswith("/provider/44/") for href in links)
    next_href = page.css("a.pagination__next::attr(href)").get()
    assert "start=100" in next_href and "rows=100" in next_href
    status, _, body = get(replica.ofsted_url + next_href)
    page = Selector(text=body.decode())
    more = page.css("ul.results-list > li.search-result > h3 > a::attr(href)").getall()
    assert len(more) == 53 and not set(more) & set(links)
    assert page.css("a.pagination__next").get() is None


def test_provider_page_has_the_real_timeline_markup(replica):
    _, _, body = get(replica.ofsted_url + "/provider/44/80481")
    page = Selector(text=body.decode())
    assert page.css("h1.heading--title::text").get() == "Leeds City Council"
    days = page.css("ol.timeline > li.timeline__day:not(.timeline__day--opened)")
    assert len(days) == 2
    link = days[0].css("a.publication-link")
    assert link.attrib["href"] == replica.files_url + "/v1/file/59100001"
    assert (
        link.css("span.nonvisual::text").get()
        == "Sample: Children's services focused visit, PDF - 14 March 2024"
    )
    assert days[0].css("p.timeline__date time::text").get() == "06 February 2024"
    assert days[0].css("div.event__metadata time::text").get() == "14 March 2024"


def test_unknown_provider_and_file_are_404(replica):
    assert get(replica.ofsted_url + "/provider/44/1")[0] == 404
    assert get(replica.files_url + "/v1/file/1")[0] == 404


def test_file_honours_etag_and_if_modified_since(replica, sample_site):
    status, headers, body = get(replica.files_url + "/v1/file/59100002")
    assert status == 200 and headers["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")
    assert body == (sample_site / "files" / "59100002.pdf").read_bytes()
    assert get(replica.files_url + "/v1/file/59100002", {"If-None-Match": headers["ETag"]})[0] == 304
    assert (
        get(replica.files_url + "/v1/file/59100002", {"If-Modified-Since": headers["Last-Modified"]})[0]
        == 304
    )
    assert get(replica.files_url + "/v1/file/59100002", {"If-None-Match": '"other"'})[0] == 200
    assert (
        get(replica.files_url + "/v1/file/59100002", {"If-Modified-Since": formatdate(0, usegmt=True)})[0]
        == 200
    )


def test_changed_file_gets_a_new_etag(site_copy, make_replica):
    replica = make_replica(site_copy)
    _, first, _ = get(replica.files_url + "/v1/file/59100003")
    pub = Site.load(site_copy).publication("59100003")
    (site_copy / pub.path).write_bytes((site_copy / pub.path).read_bytes() + b"\n% changed\n")
    status, second, _ = get(replica.files_url + "/v1/file/59100003", {"If-None-Match": first["ETag"]})
    assert status == 200 and second["ETag"] != first["ETag"]


def test_robots_txt_on_both_hosts(sample_site, make_replica):
    replica = make_replica(sample_site, Faults(robots_disallow=["/v1/file/59100012"]))
    for root in (replica.ofsted_url, replica.files_url):
        status, _, body = get(root + "/robots.txt")
        assert status == 200 and b"Disallow: /v1/file/59100012" in body


def test_faults_on_demand(sample_site, make_replica):
    faults = Faults(
        files={
            "59100001": "500-once",
            "59100002": "429-once",
            "59100003": "text-html",
            "59100004": "zero-byte",
            "59100005": "html-as-pdf",
            "59100006": "truncated",
            "59100007": "redirect",
            "59100008": "404",
            "59100009": "encrypted",
        },
        duplicate_links={"80481"},
    )
    replica = make_replica(sample_site, faults)
    files = replica.files_url + "/v1/file/"
    assert get(files + "59100001")[0] == 500
    assert get(files + "59100001")[0] == 200
    status, headers, _ = get(files + "59100002")
    assert status == 429 and headers["Retry-After"] == "1"
    assert get(files + "59100002")[0] == 200
    status, headers, body = get(files + "59100003")
    assert headers["Content-Type"].startswith("text/html") and body.startswith(b"%PDF")
    assert get(files + "59100004")[2] == b""
    status, headers, body = get(files + "59100005")
    assert headers["Content-Type"] == "application/pdf" and body.startswith(b"<!DOCTYPE html>")
    full = (sample_site / "files" / "59100006.pdf").read_bytes()
    assert len(get(files + "59100006")[2]) == len(full) // 2
    status, _, body = get(files + "59100007")  # urllib follows the redirect
    assert status == 200 and body.startswith(b"%PDF") and replica.statuses[302] == 1
    assert get(files + "59100008")[0] == 404
    assert b"/Encrypt" in get(files + "59100009")[2]
    _, _, body = get(replica.ofsted_url + "/provider/44/80481")
    assert body.decode().count("/v1/file/59100001") == 2
    with pytest.raises(ValueError, match="unknown file faults"):
        Faults(files={"1": "gremlins"})


def test_large_backlog_survives_a_burst_of_connections(replica):
    host, port = replica.ofsted_url.removeprefix("http://").split(":")
    # Open many connections at once before any is served: a backlog of 5 would refuse some.
    sockets = [socket.create_connection((host, int(port)), timeout=5) for _ in range(64)]
    results = []

    def fetch(sock):
        sock.sendall(b"GET /robots.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        results.append(sock.recv(64).startswith(b"HTTP/1.1 200"))
        sock.close()

    threads = [threading.Thread(target=fetch, args=(s,)) for s in sockets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(results) == 64 and all(results)


def test_command_line_builds_serves_and_prints_the_urls(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).parents[2]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "replica",
            "--sample",
            "--site-dir",
            str(tmp_path),
            "--fault",
            "59100001=404",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
    )
    try:
        lines = dict(process.stdout.readline().strip().split("=", 1) for _ in range(3))
        ofsted, files = lines["OFSTED_FINDINGS_OFSTED_URL"], lines["OFSTED_FINDINGS_FILES_URL"]
        assert (
            ofsted.startswith("http://127.0.0.1:") and Path(lines["OFSTED_FINDINGS_COUNCILS_FILE"]).is_file()
        )
        assert get(ofsted + LISTING + "&start=0&rows=5")[0] == 200
        assert get(files + "/v1/file/59100001")[0] == 404
        assert get(files + "/v1/file/59100002")[0] == 200
    finally:
        process.terminate()
        process.wait(10)
    bad = subprocess.run(
        [sys.executable, "-m", "replica", "--fault", "1=gremlin"],
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert bad.returncode == 2 and "unknown file faults" in bad.stderr
