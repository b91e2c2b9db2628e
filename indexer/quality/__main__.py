"""``python -m indexer.quality [--verbose] [--shared PATH]``: print the quality figures."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from indexer.quality.evaluate import TARGETS, evaluate, evaluate_heldout, format_heldout, format_report, shared_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexer.quality", description=__doc__)
    parser.add_argument("--shared", type=Path, default=None, help="the shared corpus folder (default ../shared)")
    parser.add_argument("--verbose", action="store_true", help="per-theme counts and every mismatch")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure is below its target")
    args = parser.parse_args(argv)
    shared = args.shared or shared_dir()
    if not (shared / "corpus").is_dir():
        print(f"the shared corpus is not at {shared}; pass --shared PATH", file=sys.stderr)
        return 2
    report = evaluate(shared)
    print(format_report(report, verbose=args.verbose))
    held = format_heldout(evaluate_heldout(shared))
    if held:
        print("\n" + held)
    figures = report.figures()
    below = [k for k, target in TARGETS.items()
             if (figures[k] > target if k == "leaked_lines" else figures[k] < target)]
    return 1 if args.strict and below else 0


if __name__ == "__main__":
    sys.exit(main())
