"""``python -m replica [--sample | --corpus DIR | --councils] [--port N]``: build and serve a replica."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from .build import build_corpus_site, build_sample_site
from .councils import build_council_sites
from .server import FILE_FAULTS, Faults, ReplicaServer


def _faults(args) -> Faults:
    files = {}
    for spec in args.fault:
        file_id, _, kind = spec.partition("=")
        files[file_id] = kind
    return Faults(files=files, robots_disallow=args.robots_disallow)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m replica",
        description="Build and serve a replica of the Ofsted reports site on 127.0.0.1.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--sample", action="store_true", help="the project's sample documents (default)")
    source.add_argument(
        "--corpus",
        type=Path,
        metavar="DIR",
        help="a folder of real PDFs with MANIFEST.csv, e.g. ../shared/corpus/ofsted-pdf",
    )
    parser.add_argument("--port", type=int, default=0, help="port of the reports host (0: any free port)")
    parser.add_argument("--files-port", type=int, default=0, help="port of the files host (0: any free port)")
    source.add_argument(
        "--councils",
        action="store_true",
        help="serve the replica council sites of every shape (replica/councils.py) instead",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="FILE_ID=KIND",
        help=f"misbehave for one file; KIND is one of {', '.join(FILE_FAULTS)}",
    )
    parser.add_argument(
        "--robots-disallow",
        action="append",
        default=[],
        metavar="PATH",
        help="add a Disallow line to robots.txt",
    )
    parser.add_argument("--site-dir", type=Path, help="where to build the site (default: a temporary folder)")
    args = parser.parse_args(argv)
    try:
        faults = _faults(args)
    except ValueError as exc:
        parser.error(str(exc))

    with tempfile.TemporaryDirectory(prefix="ofsted-replica-") as tmp:
        site_dir = args.site_dir or Path(tmp)
        try:
            if args.councils:
                build_council_sites(site_dir)
            elif args.corpus:
                build_corpus_site(args.corpus, site_dir)
            else:
                build_sample_site(site_dir)
        except (FileNotFoundError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        with ReplicaServer(
            site_dir,
            port=args.port,
            files_port=args.files_port,
            faults=faults,
        ) as replica:
            print(f"OFSTED_FINDINGS_OFSTED_URL={replica.ofsted_url}")
            print(f"OFSTED_FINDINGS_FILES_URL={replica.files_url}")
            councils = replica.write_councils_config(site_dir / "councils.yaml")
            print(f"OFSTED_FINDINGS_COUNCILS_FILE={councils}")
            print(
                f"listing: {replica.ofsted_url}/search?level_1_types=3&level_2_types%5B%5D=12&start=0&rows=100",
                flush=True,
            )
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
