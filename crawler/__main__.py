"""``python -m crawler [SOURCE ...] [--progress]``: one crawl from the environment's
settings (OFSTED_FINDINGS_*), printing the summary as JSON on stdout.

The CLI's ``ofsted-findings crawl`` is the user-facing way; this entry point is
for running a crawl in a fresh process (tests, schedulers)."""

from __future__ import annotations

import argparse
import json
import sys

from common.config import Settings

from .run import SPIDERS, run_crawl


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler")
    parser.add_argument(
        "sources",
        nargs="*",
        default=["ofsted"],
        metavar="SOURCE",
        help=f"what to crawl: {', '.join(SPIDERS)} (default: ofsted)",
    )
    parser.add_argument("--progress", action="store_true", help="show progress on stderr")
    args = parser.parse_args(argv)
    unknown = [s for s in args.sources if s not in SPIDERS]
    if unknown:
        parser.error(f"unknown source(s) {', '.join(unknown)}: choose from {', '.join(SPIDERS)}")
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    summary = run_crawl(settings, sources=args.sources, progress=args.progress)
    # Every change to the store is followed by the indexer's linking step, as after `crawl`.
    from common.store import DocumentStore
    from indexer.pipeline import link_after_change

    with DocumentStore.open(settings) as store:
        summary["links"] = link_after_change(store).linked
    print(json.dumps(summary, ensure_ascii=False))
    return 1 if summary.get("failed") else 0


if __name__ == "__main__":
    sys.exit(main())
