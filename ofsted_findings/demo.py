"""`ofsted-findings demo`: the whole pipeline on the project's own sample site.

Builds the sample documents into a replica of the Ofsted sites, serves it on
127.0.0.1, crawls it, indexes it into the embedded engine and serves the UI.
Everything it writes goes to ``<data dir>/demo``, which it starts afresh.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

from ofsted_findings.config import Settings


def run_demo(settings: Settings, *, host: str = "127.0.0.1", port: int = 5000, serve: bool = True) -> int:
    from crawler.replica.build import build_sample_site
    from crawler.replica.server import ReplicaServer
    from indexer.pipeline import build_index

    demo_dir = settings.data_dir / "demo"
    shutil.rmtree(demo_dir, ignore_errors=True)
    site_dir = build_sample_site(demo_dir / "site")
    with ReplicaServer(site_dir, host="127.0.0.1") as replica:
        settings = settings.with_(data_dir=demo_dir / "data", engine="sqlite",
                                  ofsted_url=replica.ofsted_url, files_url=replica.files_url,
                                  crawl_env="local", base_url=f"http://{host}:{port}")
        print(f"Sample Ofsted site (replica) at {replica.ofsted_url}", flush=True)
        print(f"Sample council news sites at {replica.council_url}", flush=True)
        councils_file = replica.write_councils_config(demo_dir / "councils.yaml")
        # Scrapy's reactor cannot be restarted in one process, so the crawl gets its own.
        crawl = subprocess.run(
            [sys.executable, "-m", "ofsted_findings", "crawl", "--data-dir", str(settings.data_dir),
             "--ofsted-url", replica.ofsted_url, "--files-url", replica.files_url, "--env", "local",
             "--source", "ofsted", "--source", "councils"],
            env={**os.environ, "OFSTED_FINDINGS_COUNCILS_FILE": str(councils_file)}, check=False)
        if crawl.returncode not in (0, 1):
            print("error: the demo crawl failed", file=sys.stderr)
            return crawl.returncode
        summary = build_index(settings, progress=True)
        print(f"Indexed {summary.paragraphs} paragraphs from {summary.indexed} documents.", flush=True)
        if not serve:
            return 0
        from webapp import create_app
        app = create_app(settings)
        print(f"\n  ofsted-findings demo: open http://{host}:{port}/  (try: staying put)\n", flush=True)
        app.run(host=host, port=port, threaded=True, debug=False, use_reloader=False)
    return 0
