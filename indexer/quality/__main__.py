"""``python -m indexer.quality [--verbose] [--shared PATH] [--figures FILE] [--skip-extraction]
[--skip-relevance] [--skip-linking] [--skip-similar] [--engines sqlite,elasticsearch] [--es-url URL]``:
print the quality figures: extraction (metadata, themes, stance) against the gold set, then
relevance of both engines against the judged queries beside a plain BM25 baseline, council
responses linked to their letters (indexer/quality/linking/) by crawl and by ingest beside a
closest-letter baseline, and similar practice (issue 19) against its judged sources beside plain
more-like-this baselines. With ``--figures``, also write the
extraction figures as JSON for the web app's /help page (``make quality`` writes
``indexer/quality/figures.json``, which is checked in)."""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import sys
import tempfile
import uuid
from contextlib import ExitStack
from pathlib import Path

from indexer.quality.evaluate import (
    ROOT,
    TARGETS,
    evaluate,
    evaluate_heldout,
    figures_document,
    format_heldout,
    format_report,
    shared_dir,
)

ENGINES = ("sqlite", "elasticsearch")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexer.quality", description=__doc__)
    parser.add_argument(
        "--shared", type=Path, default=None, help="the shared corpus folder (default ../shared)"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="per-theme counts, every mismatch, every query"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure is below its target")
    parser.add_argument(
        "--figures",
        type=Path,
        default=None,
        help="also write the extraction figures, dated, to this JSON file (what /help shows)",
    )
    parser.add_argument("--skip-extraction", action="store_true", help="only the relevance figures")
    parser.add_argument("--skip-relevance", action="store_true", help="only the extraction figures")
    parser.add_argument("--skip-linking", action="store_true", help="leave out the linking figures")
    parser.add_argument(
        "--skip-similar", action="store_true", help="without the similar-practice figures (issue 19)"
    )
    parser.add_argument(
        "--engines",
        default=",".join(ENGINES),
        help="engines whose relevance is measured (default: sqlite,elasticsearch)",
    )
    parser.add_argument(
        "--es-url",
        default=os.environ.get("OFSTED_FINDINGS_TEST_ES_URL"),
        help="a running Elasticsearch node (default: start one on 127.0.0.1 for the run)",
    )
    args = parser.parse_args(argv)
    shared = args.shared or shared_dir()
    if not (shared / "corpus").is_dir():
        print(f"the shared corpus is not at {shared}; pass --shared PATH", file=sys.stderr)
        return 2
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = sorted(set(engines) - set(ENGINES))
    if unknown:
        print(f"unknown engine(s) {', '.join(unknown)}: choose from {', '.join(ENGINES)}", file=sys.stderr)
        return 2
    below = []
    if not args.skip_extraction:
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
        below = [
            k
            for k, target in TARGETS.items()
            if (figures[k] > target if k == "leaked_lines" else figures[k] < target)
        ]
    if not args.skip_linking:
        print()
        below += _linking(shared, args.verbose)
    if not args.skip_relevance:
        print()
        print(_relevance(shared, engines, args.es_url, args.verbose))
    if not args.skip_similar:
        print()
        print(_similar(shared, engines, args.es_url, args.verbose))
    return 1 if args.strict and below else 0


def _linking(shared: Path, verbose: bool) -> list[str]:
    """Responses linked to their letters (indexer/quality/linking/), each half by each way in;
    the held-out half on its own lines. Returns the figures below their targets."""
    from indexer.quality.linking_gold import SPLITS, TARGETS, WAYS, format_line, run

    below = []
    for split in SPLITS:
        for way in WAYS:
            figures = run(shared, split, way)
            print(format_line(figures))
            if verbose:
                for mistake in figures["mistakes"]:
                    print(
                        f"    {mistake['page']}: labelled {mistake['labelled']}, linked {mistake['linked']}"
                    )
            if (
                figures["right_letter"] < TARGETS["right_letter"]
                or figures["links_right_share"] < TARGETS["links_right"]
            ):
                below.append(f"linking {split} {way}")
            if figures["nonresponse_links"] > TARGETS["nonresponse_links"]:
                below.append(f"linking {split} {way} non-responses")
    return below


def _relevance(shared: Path, names: list[str], es_url: str | None, verbose: bool) -> str:
    from indexer.quality.relevance import evaluate as evaluate_relevance
    from indexer.quality.relevance import format_run

    with ExitStack() as stack:
        return format_run(
            evaluate_relevance(shared, _fresh_engines(stack, names, es_url, "relevance")), verbose=verbose
        )


def _similar(shared: Path, names: list[str], es_url: str | None, verbose: bool) -> str:
    """Similar practice (indexer.quality.similarity) on fresh engines, as _relevance does."""
    from indexer.quality.similarity import evaluate as evaluate_similar
    from indexer.quality.similarity import format_run

    with ExitStack() as stack:
        return format_run(
            evaluate_similar(shared, _fresh_engines(stack, names, es_url, "similar")), verbose=verbose
        )


def _fresh_engines(stack: ExitStack, names: list[str], es_url: str | None, purpose: str) -> dict:
    """Empty engines of each name for one evaluation, closed (and their indices dropped) after."""
    engines = {}
    for name in names:
        if name == "sqlite":
            from indexer.engines.sqlite import SqliteEngine

            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"{purpose}-sqlite-")))
            engines[name] = SqliteEngine(folder / "index.sqlite3")
            stack.callback(engines[name].close)
        else:
            from indexer.engines.elasticsearch import ElasticsearchEngine

            url = es_url or _start_node(stack)
            engines[name] = ElasticsearchEngine(url, f"{purpose}-{uuid.uuid4().hex[:12]}")
            stack.callback(engines[name].close)
            stack.callback(_drop, engines[name])  # callbacks run last first: before close
    return engines


def _start_node(stack: ExitStack) -> str:
    """A node of deploy/es_node.py's (a script, not a package) for the run, stopped after."""
    name = "ofsted_findings_es_node"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "deploy" / "es_node.py")
        sys.modules[name] = importlib.util.module_from_spec(spec)  # dataclasses look it up there
        spec.loader.exec_module(sys.modules[name])
    es_node = sys.modules[name]
    print("starting an Elasticsearch node on 127.0.0.1 for the relevance run…", file=sys.stderr)
    node = es_node.start_node()
    stack.callback(node.stop)
    return node.url


def _drop(engine) -> None:
    for name in engine.indices():
        engine.es.options(ignore_status=404).indices.delete(index=name)


if __name__ == "__main__":
    sys.exit(main())
