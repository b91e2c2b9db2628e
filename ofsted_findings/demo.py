"""`ofsted-findings demo`: the whole pipeline on the project's own sample site.

Builds the sample documents into a replica of the Ofsted sites, serves it on
127.0.0.1, crawls it, indexes it into the embedded engine and serves the UI.
Everything it writes goes to ``<data dir>/demo`` (the store and index in
``<data dir>/demo/data``), which it starts afresh. Quiet unless ``verbose``: one
screen of summary, the address last.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager

from common.config import Settings


def run_demo(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 5000,
    serve: bool = True,
    verbose: bool = False,
) -> int:
    from crawler.summary import describe
    from indexer.pipeline import build_index
    from replica.build import build_sample_site
    from replica.server import ReplicaServer

    demo_dir = settings.data_dir / "demo"
    shutil.rmtree(demo_dir, ignore_errors=True)
    site_dir = build_sample_site(demo_dir / "site")
    with ReplicaServer(site_dir, host="127.0.0.1") as replica:
        settings = settings.with_(
            data_dir=demo_dir / "data",
            engine="sqlite",
            ofsted_url=replica.ofsted_url,
            files_url=replica.files_url,
            crawl_env="local",
            base_url=f"http://{host}:{port}",
        )
        print(
            "ofsted-findings demo: the project's own SAMPLE documents (not Ofsted's), crawled "
            f"from a replica site on 127.0.0.1 ({replica.ofsted_url}).",
            flush=True,
        )
        if verbose:
            sites = ", ".join(replica.council_site_url(c.slug) for c in replica.site.councils)
            print(f"Sample council news sites at {sites}", flush=True)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        settings.sample_data_marker.write_text(
            "This folder holds ofsted-findings' own sample documents (make demo), not Ofsted's.\n",
            encoding="utf-8",
        )
        councils_file = replica.write_councils_config(demo_dir / "councils.yaml")
        # Scrapy's reactor cannot be restarted in one process, so the crawl gets its own; its
        # summary comes back as JSON on stdout and is told here, once.
        crawl = subprocess.run(
            [
                sys.executable,
                "-m",
                "ofsted_findings",
                "crawl",
                "--data-dir",
                str(settings.data_dir),
                "--ofsted-url",
                replica.ofsted_url,
                "--files-url",
                replica.files_url,
                "--env",
                "local",
                "--source",
                "ofsted",
                "--source",
                "councils",
                "--format",
                "json",
                *([] if verbose else ["-q"]),
            ],
            env={**os.environ, "OFSTED_FINDINGS_COUNCILS_FILE": str(councils_file)},
            stdout=subprocess.PIPE,
            text=True,
            check=False,
        )
        if crawl.returncode not in (0, 1):
            print("error: the demo crawl failed", file=sys.stderr)
            return crawl.returncode
        try:
            print("\n".join(describe(json.loads(crawl.stdout.strip().splitlines()[-1]))), flush=True)
        except (ValueError, IndexError):
            print(crawl.stdout, end="", flush=True)
        summary = build_index(settings, progress=verbose)
        print(f"Indexed {summary.paragraphs} paragraphs from {summary.indexed} documents.", flush=True)
        print(f"Demo data (rebuilt on every run): {settings.data_dir}/", flush=True)
        if not serve:
            return 0
        from webapp import create_app

        app = create_app(settings)
        _quiet_server()
        print(
            f"\n  ofsted-findings demo: open http://{host}:{port}/  (try: staying put; Ctrl-C stops it)\n",
            flush=True,
        )
        with recording_address(settings):
            app.run(host=host, port=port, threaded=True, debug=False, use_reloader=False)
    return 0


@contextmanager
def recording_address(settings: Settings):
    """While serving, the data directory says at which address (Settings.served_at_file),
    so that the CLI's permalinks for that directory point at the running site."""
    import signal
    import threading

    path = settings.served_at_file
    try:
        path.write_text(settings.base_url.rstrip("/") + "\n", encoding="utf-8")
    except OSError:  # a read-only data directory: permalinks fall back to the default
        yield
        return
    if threading.current_thread() is threading.main_thread():
        # A stop by SIGTERM (systemd, kill) unwinds like Ctrl-C, so the record goes too.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def _quiet_server() -> None:
    """Keep Flask's banner and werkzeug's start-up lines off the screen, so that the
    demo's address is the last thing printed (requests that fail are still logged)."""
    import logging

    import flask.cli

    flask.cli.show_server_banner = lambda *args, **kwargs: None
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
