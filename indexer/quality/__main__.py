"""``python -m indexer.quality [--verbose] [--shared PATH] [--figures FILE]``: print the quality
figures and, with ``--figures``, write them as JSON for the web app's /help page
(``make quality`` writes ``indexer/quality/figures.json``, which is checked in)."""
from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

from indexer.quality.evaluate import (TARGETS, evaluate, evaluate_heldout, figures_document, format_heldout,
                                      format_report, shared_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexer.quality", description=__doc__)
    parser.add_argument("--shared", type=Path, default=None, help="the shared corpus folder (default ../shared)")
    parser.add_argument("--verbose", action="store_true", help="per-theme counts and every mismatch")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure is below its target")
    parser.add_argument("--figures", type=Path, default=None,
                        help="also write the figures, dated, to this JSON file (what /help shows)")
    args = parser.parse_args(argv)
    shared = args.shared or shared_dir()
    if not (shared / "corpus").is_dir():
        print(f"the shared corpus is not at {shared}; pass --shared PATH", file=sys.stderr)
        return 2
    report = evaluate(shared)
    print(format_report(report, verbose=args.verbose))
    heldout = evaluate_heldout(shared)
    held = format_heldout(heldout)
    if held:
        print("\n" + held)
    if args.figures:
        measured = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
        document = figures_document(report, heldout, measured)
        args.figures.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.figures}")
    figures = report.figures()
    below = [k for k, target in TARGETS.items()
             if (figures[k] > target if k == "leaked_lines" else figures[k] < target)]
    return 1 if args.strict and below else 0


if __name__ == "__main__":
    sys.exit(main())
