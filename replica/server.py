"""Serve a built replica site on 127.0.0.1: the reports host, the files host and council sites.

Threading HTTP servers on ephemeral ports stand in for reports.ofsted.gov.uk,
files.ofsted.gov.uk and each council's website (one port per council host, as
robots.txt and politeness are per host; replica/councils.py answers for them). Faults can be switched on per
file or page so the crawler can be tested against a site that misbehaves the
way real sites do.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from . import councils
from .markup import listing_page, not_found_page, provider_page
from .site import Site

LOOPBACK = "127.0.0.1"
MAX_ROWS = 100  # the real search caps rows at 100 since February 2025
DEFAULT_ROWS = 10

FILE_FAULTS = {
    "404": "the file is missing",
    "500-once": "first request fails with 500, then succeeds",
    "500": "every request fails with 500 (a page the crawl cannot collect)",
    "429-once": "first request is refused with 429 and Retry-After: 1, then succeeds",
    "slow": "the response is delayed by Faults.slow_seconds",
    "redirect": "a 302 to the same file under another URL",
    "text-html": "the PDF bytes are served as text/html",
    "truncated": "only the first half of the PDF is sent",
    "zero-byte": "an empty body with application/pdf",
    "html-as-pdf": "an HTML error page served as application/pdf",
    "encrypted": "a password-protected PDF",
}


@dataclass
class Faults:
    """Misbehaviour on demand. ``files`` maps a file id to one of FILE_FAULTS;
    ``pages`` maps a reports-host path (e.g. "/provider/44/80481") to "404",
    "500", "500-once", "429-once" or "slow"."""

    files: dict[str, str] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)
    duplicate_links: set[str] = field(default_factory=set)  # provider URNs listing a file twice
    robots_disallow: list[str] = field(default_factory=list)  # extra Disallow paths, both hosts
    slow_seconds: float = 1.0
    # How long the "timeout" council site takes to answer: beyond the crawl's council page timeout.
    council_slow_seconds: float = 10.0

    def __post_init__(self):
        unknown = {k for k in self.files.values() if k not in FILE_FAULTS}
        if unknown:
            raise ValueError(f"unknown file faults {sorted(unknown)}; choose from {sorted(FILE_FAULTS)}")


class _Server(ThreadingHTTPServer):
    # http.server's default backlog of 5 drops connections under Scrapy's concurrency.
    request_queue_size = 256
    daemon_threads = True
    allow_reuse_address = True


def _encrypted_pdf() -> bytes:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0), invariant=1)
    c.drawString(72, 720, "Password protected sample document")
    c.save()
    return buffer.getvalue()


def council_key(slug: str, role: str = "main") -> str:
    return slug if role == "main" else f"{slug}:{role}"


class ReplicaServer:
    """``with ReplicaServer(site_dir) as replica: replica.ofsted_url, replica.files_url``."""

    def __init__(
        self,
        site_dir: Path,
        host: str = LOOPBACK,
        port: int = 0,
        faults: Faults | None = None,
        files_port: int = 0,
        council_ports: dict[str, int] | None = None,
    ):
        if host != LOOPBACK:
            raise ValueError(f"the replica only binds {LOOPBACK}, not {host!r}")
        self.site_dir = Path(site_dir)
        self.site = Site.load(self.site_dir)
        self.faults = faults or Faults()
        self.host = host
        # Every council site is a host of its own (its own port), as robots.txt is per host;
        # a site of two hosts (news elsewhere, a move to a new domain) has "<slug>:<role>" too.
        self._ports = {"ofsted": port, "files": files_port}
        for council in self.site.councils:
            for role in ("main", councils.SECOND_HOST.get(council.shape)):
                if role:
                    key = council_key(council.slug, role)
                    self._ports[key] = (council_ports or {}).get(key, 0)
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._seen_once: set[str] = set()
        self.requests: Counter = Counter()  # (host role, path) -> requests received
        self.user_agents: Counter = Counter()  # User-Agent header -> requests
        self.arrivals: dict[tuple[str, str], list[float]] = {}  # (role, path) -> monotonic times
        self.statuses: Counter = Counter()  # status code -> count
        self.bytes_sent = 0
        self.bytes_by_host: Counter = Counter()  # host role -> body bytes sent

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> "ReplicaServer":
        if self._servers:
            return self
        for role, port in self._ports.items():
            server = _Server((self.host, port), self._handler(role))
            thread = threading.Thread(
                target=server.serve_forever,
                name=f"replica-{role}",
                kwargs={"poll_interval": 0.1},
                daemon=True,
            )
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = [], []

    def __enter__(self) -> "ReplicaServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _url(self, role: str) -> str:
        if not self._servers:
            raise RuntimeError("the replica is not started")
        index = list(self._ports).index(role)
        return f"http://{self.host}:{self._servers[index].server_address[1]}"

    @property
    def ofsted_url(self) -> str:
        return self._url("ofsted")

    @property
    def files_url(self) -> str:
        return self._url("files")

    def council_site_url(self, slug: str, role: str = "main") -> str:
        """The root of a council's site (``role`` "main"), or of its second host ("news", "new")."""
        return self._url(council_key(slug, role))

    def page_url(self, council, page) -> str:
        """Where a council page is served (on the news host for a site whose news is elsewhere)."""
        host = "news" if council.shape == "news-host" and page.kind not in ("jobs", "agenda") else "main"
        if council.shape == "moved":
            host = "new"
        return self.council_site_url(council.slug, host) + councils.page_path(council, page)

    @property
    def council_ports(self) -> dict[str, int]:
        """Each council host's port, to start a replica again on the same addresses."""
        return {
            key: self._servers[i].server_address[1]
            for i, key in enumerate(self._ports)
            if key not in ("ofsted", "files")
        }

    def councils_config(self) -> dict:
        """The crawl's council overrides for this replica (crawler/councils.yaml's schema): each
        replica council's site root in place of the register's website, its second news host
        where its news lives elsewhere, and only these councils crawled."""
        entries = []
        for council in self.site.councils:
            entry = {"authority": council.authority, "website": self.council_site_url(council.slug)}
            if councils.SECOND_HOST.get(council.shape) == "news":
                entry["news_hosts"] = [self.council_site_url(council.slug, "news")]
            entries.append(entry)
        return {"only_listed": True, "councils": entries}

    def write_councils_config(self, path: Path) -> Path:
        import yaml

        Path(path).write_text(yaml.safe_dump(self.councils_config(), sort_keys=False), encoding="utf-8")
        return Path(path)

    def reload(self) -> None:
        """Re-read site.json after the site folder was rebuilt or edited."""
        self.site = Site.load(self.site_dir)

    # -- helpers for handlers --------------------------------------------------
    def _first_time(self, key: str) -> bool:
        with self._lock:
            if key in self._seen_once:
                return False
            self._seen_once.add(key)
            return True

    def _arrived(self, role: str, path: str, user_agent: str | None) -> None:
        with self._lock:
            self.requests[(role, path)] += 1
            self.user_agents[user_agent] += 1
            self.arrivals.setdefault((role, path), []).append(time.monotonic())

    def _record(self, role: str, path: str, status: int, size: int) -> None:
        with self._lock:
            self.statuses[status] += 1
            self.bytes_sent += size
            self.bytes_by_host[role] += size

    def robots_txt(self) -> str:
        lines = ["User-agent: *", "Disallow: /admin/"]
        lines += [f"Disallow: {path}" for path in self.faults.robots_disallow]
        return "\n".join(lines) + "\n"

    def _handler(self, role: str):
        replica = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "OfstedReplica/1.0"
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # keep test output quiet
                pass

            def do_HEAD(self):
                self._dispatch(head=True)

            def do_GET(self):
                self._dispatch(head=False)

            def _dispatch(self, head: bool):
                self._head = head
                url = urlsplit(self.path)
                replica._arrived(role, url.path, self.headers.get("User-Agent"))
                try:
                    if role not in ("ofsted", "files"):
                        return self._council(url)
                    if url.path == "/robots.txt":
                        return self._send(200, replica.robots_txt().encode(), "text/plain; charset=utf-8")
                    if role == "ofsted":
                        return self._reports(url)
                    return self._files(url)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            # -- responses ---------------------------------------------------
            def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                sent = 0
                try:
                    # In pieces, so a client that gives up half-way (a page too big) is
                    # counted for what it was sent, not for the whole body.
                    for start in range(0, 0 if self._head else len(body), 65536):
                        self.wfile.write(body[start : start + 65536])
                        sent += len(body[start : start + 65536])
                finally:
                    replica._record(role, urlsplit(self.path).path, status, sent)

            def _html(self, status: int, html: str):
                self._send(status, html.encode("utf-8"), "text/html; charset=utf-8")

            def _page_fault(self, kind: str | None, key: str) -> bool:
                """Apply a page/file-level transport fault; True if it answered."""
                if kind == "404":
                    self._html(404, not_found_page())
                    return True
                if kind == "500" or (kind == "500-once" and replica._first_time(key)):
                    self._html(500, "<h1>Internal Server Error</h1>")
                    return True
                if kind == "429-once" and replica._first_time(key):
                    self._send(429, b"Too Many Requests", "text/plain", {"Retry-After": "1"})
                    return True
                if kind == "slow":
                    time.sleep(replica.faults.slow_seconds)
                return False

            # -- reports host ----------------------------------------------------
            def _reports(self, url):
                if self._page_fault(replica.faults.pages.get(url.path), "page:" + url.path):
                    return
                if url.path == "/search":
                    return self._listing(parse_qs(url.query, keep_blank_values=True))
                parts = url.path.strip("/").split("/")
                if len(parts) == 3 and parts[:2] == ["provider", "44"]:
                    provider = replica.site.provider(parts[2])
                    if provider is not None:
                        return self._html(
                            200,
                            provider_page(
                                provider,
                                replica.files_url,
                                duplicate_links=provider.urn in replica.faults.duplicate_links,
                            ),
                        )
                self._html(404, not_found_page())

            def _listing(self, query: dict):
                def number(name, default):
                    try:
                        return max(int(query.get(name, [default])[0] or default), 0)
                    except ValueError:
                        return default

                start = number("start", 0)
                rows = min(number("rows", DEFAULT_ROWS) or DEFAULT_ROWS, MAX_ROWS)
                wanted_type = query.get("level_2_types[]", query.get("level_2_types[0]", ["12"]))
                providers = replica.site.providers if "12" in wanted_type else []
                page = providers[start : start + rows]
                self._html(200, listing_page(page, len(providers), start, rows))

            # -- council sites ---------------------------------------------------------
            def _council(self, url):
                slug, _, host_role = role.partition(":")
                council = replica.site.council(slug)
                urls = {"main": replica.council_site_url(slug)}
                if council.shape in councils.SECOND_HOST:
                    second = councils.SECOND_HOST[council.shape]
                    urls[second] = replica.council_site_url(slug, second)
                reply = councils.respond(
                    council, host_role or "main", url.path, url.query, urls, replica.site_dir
                )
                if reply.slow:
                    time.sleep(replica.faults.council_slow_seconds)
                if reply.status != 200:
                    return self._send(reply.status, reply.body, reply.content_type, reply.headers)
                # Validators on every page, as CMSs behind a cache send them; max-age=0 makes a
                # client revalidate each time (a 304 costs no body).
                etag = '"' + hashlib.sha256(reply.body).hexdigest()[:32] + '"'
                headers = {
                    "ETag": etag,
                    "Last-Modified": councils.LAST_MODIFIED,
                    "Cache-Control": "max-age=0, must-revalidate",
                    **reply.headers,
                }
                modified = parsedate_to_datetime(councils.LAST_MODIFIED).timestamp()
                if self._not_modified(etag, int(modified)):
                    self.send_response(304)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    replica._record(role, url.path, 304, 0)
                    return None
                return self._send(200, reply.body, reply.content_type, headers)

            def _static(self, path: Path, content_type: str, fault: str | None = None, file_id: str = ""):
                """A stored file with validators, honouring conditional requests."""
                body = path.read_bytes()
                etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
                mtime = int(path.stat().st_mtime)
                headers = {
                    "ETag": etag,
                    "Last-Modified": formatdate(mtime, usegmt=True),
                    "Cache-Control": "public, max-age=3600",
                }
                if self._not_modified(etag, mtime):
                    self.send_response(304)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    replica._record(role, urlsplit(self.path).path, 304, 0)
                    return
                if fault == "text-html":
                    content_type = "text/html; charset=utf-8"
                elif fault == "truncated":
                    body = body[: len(body) // 2]
                elif fault == "zero-byte":
                    body = b""
                elif fault == "html-as-pdf":
                    body = b"<!DOCTYPE html><html><body><h1>Service unavailable</h1></body></html>"
                elif fault == "encrypted":
                    body = _encrypted_pdf()
                if file_id:
                    headers["Content-Disposition"] = f'inline; filename="{file_id}.pdf"'
                self._send(200, body, content_type, headers)

            # -- files host --------------------------------------------------------
            def _files(self, url):
                parts = url.path.strip("/").split("/")
                if len(parts) != 3 or parts[:2] != ["v1", "file"]:
                    return self._html(404, not_found_page())
                file_id = parts[2]
                pub = replica.site.publication(file_id)
                if pub is None:
                    return self._html(404, not_found_page())
                fault = replica.faults.files.get(file_id)
                if self._page_fault(fault, "file:" + file_id):
                    return
                if fault == "redirect" and "moved" not in url.query:
                    self.send_response(302)
                    self.send_header("Location", f"{replica.files_url}/v1/file/{file_id}?moved=1")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    replica._record(role, url.path, 302, 0)
                    return
                self._static(replica.site_dir / pub.path, pub.content_type, fault, file_id)

            def _not_modified(self, etag: str, mtime: int) -> bool:
                inm = self.headers.get("If-None-Match")
                if inm is not None:
                    # If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
                    tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
                    return etag in tags or "*" in tags
                ims = self.headers.get("If-Modified-Since")
                if ims:
                    try:
                        return mtime <= parsedate_to_datetime(ims).timestamp()
                    except (TypeError, ValueError):
                        return False
                return False

        return Handler
