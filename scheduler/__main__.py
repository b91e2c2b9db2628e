"""`python -m scheduler ACTION ...`: the same as `ofsted-findings schedule ACTION ...`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from common.config import ENGINES
from scheduler.cli import add_schedule_parser


def main(argv: list[str] | None = None) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path)
    common.add_argument("--engine", choices=ENGINES)
    common.add_argument("--es-url")
    common.add_argument("-q", "--quiet", action="store_true")
    common.add_argument("-v", "--verbose", action="store_true")
    parser = argparse.ArgumentParser(prog="python -m scheduler")
    sub = parser.add_subparsers(dest="command", required=True)
    add_schedule_parser(sub, common)
    args = parser.parse_args(["schedule", *(sys.argv[1:] if argv is None else argv)])
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
