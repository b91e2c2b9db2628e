"""A cheap stand-in for `ofsted-findings crawl` / `index` in scheduler tests.

It behaves as the real commands do where the scheduler cares: it takes the crawl
lock the way the CLI does (so the inherited lock is exercised), stores documents
in the real document store, prints a JSON summary, and stops on SIGTERM.
Every start and end is appended to --log as "<event> <pid> <monotonic time>".
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from contextlib import nullcontext


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--sleep", type=float, default=0.0)
    parser.add_argument("--exit", type=int, default=0)
    parser.add_argument("--put", type=int, default=0, help="documents to store")
    parser.add_argument("--source", help="take this source's crawl lock, as the crawl CLI does")
    parser.add_argument("--mark-indexed", action="store_true", help="act as the incremental indexer")
    args = parser.parse_args()

    from common.config import Settings
    from common.locks import crawl_lock
    from common.store import DocumentStore

    def log(event: str) -> None:
        with open(args.log, "a") as fh:
            fh.write(f"{event} {os.getpid()} {time.time():.3f}\n")

    def on_term(signum, frame):
        log("term")
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_term)
    settings = Settings.from_env()
    with crawl_lock(settings, args.source) if args.source else nullcontext():
        log("start")
        with DocumentStore.open(settings) as store:
            for _ in range(args.put):
                body = f"document {time.time_ns()} {os.getpid()}".encode()
                store.put(
                    f"https://files.example.test/{time.time_ns()}",
                    body,
                    kind="ofsted",
                    title="Sample focused visit",
                )
            if args.mark_indexed:
                for record in store.documents(status="ok"):
                    if record.needs_indexing:
                        store.set_index_result(
                            record.document_id, status="indexed", sha256=record.sha256, paragraphs=1
                        )
        time.sleep(args.sleep)
        log("end")
    print(json.dumps({"documents": args.put}))
    return args.exit


if __name__ == "__main__":
    sys.exit(main())
