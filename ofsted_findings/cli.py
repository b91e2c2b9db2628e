"""The `ofsted-findings` command: one entry point, one subcommand per job."""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
from pathlib import Path

from common.config import ENGINES, Settings

EXIT_OK, EXIT_FAILURES, EXIT_ERROR, EXIT_UNAVAILABLE, EXIT_BUSY = 0, 1, 2, 3, 4


# Only these put a document store where there was none; every other command needs one.
CREATES_STORE = ("crawl", "ingest", "demo", "schedule")
FILTERS = ("authority", "region", "year", "document_type", "theme", "stance", "judgement", "kind")


class NoStore(ValueError):
    """--data-dir (or the default) holds no document store."""


def _settings(args) -> Settings:
    settings = Settings.from_env(
        data_dir=args.data_dir,
        engine=args.engine,
        es_url=args.es_url,
        ofsted_url=getattr(args, "ofsted_url", None),
        files_url=getattr(args, "files_url", None),
        crawl_env=getattr(args, "env", None),
        base_url=getattr(args, "base_url", None),
    )
    if args.command not in CREATES_STORE and not settings.catalogue_path.is_file():
        raise NoStore(
            f"{settings.data_dir} holds no ofsted-findings document store (no "
            f"{settings.catalogue_path.name}): run `ofsted-findings crawl`, `ingest` or "
            "`demo` to make one, or give the folder that holds one with --data-dir "
            "(or OFSTED_FINDINGS_DATA_DIR)"
        )
    import os

    configured = getattr(args, "base_url", None) or os.environ.get("OFSTED_FINDINGS_BASE_URL")
    if not configured and settings.served_at_file.is_file():
        # The address a running `serve` or `demo` of this folder recorded.
        served = settings.served_at_file.read_text(encoding="utf-8").strip()
        if served.startswith(("http://", "https://")):
            settings = settings.with_(base_url=served)
    return settings


def _filters(args) -> dict[str, list[str]]:
    """The filters as the index holds them, from values as people write them."""
    from indexer.filter_values import limit_to_neighbours, neighbour_group, resolve_filters

    filters = resolve_filters({name: values for name in FILTERS if (values := getattr(args, name, None))})
    # --neighbours-of: an authority and its statistical neighbours, as an authority filter.
    anchors = [neighbour_group(value)[0] for value in getattr(args, "neighbours_of", None) or ()]
    return limit_to_neighbours(filters, list(dict.fromkeys(anchors)))


def _date(text: str) -> str:
    """--from/--to: a day (2024-03-01), a month (2024-03) or a year (2024)."""
    import re

    if not re.fullmatch(r"\d{4}(?:-\d{2}(?:-\d{2})?)?", text.strip()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD, YYYY-MM or YYYY")
    return text.strip()


def _date_range(args) -> dict[str, str | None]:
    """SearchRequest's date_from/date_to: a month or year stands for its first day (from)
    or its last (to)."""
    import calendar

    low, high = getattr(args, "date_from", None), getattr(args, "date_to", None)
    if low:
        low = (low + "-01-01")[:10] if len(low) == 4 else (low + "-01")[:10]
    if high:
        if len(high) == 4:
            high += "-12-31"
        elif len(high) == 7:
            year, month = int(high[:4]), int(high[5:])
            high += f"-{calendar.monthrange(year, month)[1]:02d}"
    if low and high and low > high:
        raise ValueError(f"--from {low} is after --to {high}")
    return {"date_from": low, "date_to": high}


def _out(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, default=str))


# -- subcommands -----------------------------------------------------------------
def cmd_crawl(args) -> int:
    from contextlib import ExitStack

    from common.locks import CrawlLocked, crawl_lock
    from crawler.run import run_crawl

    settings = _settings(args)
    sources = args.source or ["ofsted"]
    # The same locks the scheduler takes: no two crawls of one source ever overlap.
    with ExitStack() as locks:
        try:
            for source in sources:
                locks.enter_context(crawl_lock(settings, source))
        except CrawlLocked as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_BUSY
        summary = run_crawl(settings, sources=sources, progress=not args.quiet)
    summary["links"] = _link_after_crawl(settings)
    if args.format == "json":
        _out(summary)
    else:
        from crawler.summary import describe

        print("\n".join(describe(summary)))
    # Exit 1 when some pages failed though the rest was collected (documented in the README).
    return EXIT_FAILURES if summary.get("failed") else EXIT_OK


def _response_links(settings) -> dict[str, str]:
    """What fills an export's responds_to column: each response -> the letter it answers."""
    from common.store import DocumentStore
    from indexer.exports import response_links

    if not settings.catalogue_path.exists():
        return {}
    with DocumentStore.open(settings) as store:
        return response_links(store)


def _link_after_crawl(settings) -> int:
    """Linking is the indexer's step and follows every change to the store: after a crawl,
    every response is considered again against every letter. Returns the links made."""
    from common.store import DocumentStore
    from indexer.pipeline import link_after_change

    with DocumentStore.open(settings) as store:
        return link_after_change(store).linked


def _index_lock(settings, args):
    # The lock the scheduler's index runs take: two writers must never race on one index.
    # A wait is announced at once, and ends after --lock-timeout / OFSTED_FINDINGS_LOCK_TIMEOUT.
    from common.locks import index_lock, lock_timeout

    return index_lock(
        settings,
        timeout=lock_timeout(args.lock_timeout),
        on_wait=lambda line: print(line, file=sys.stderr, flush=True),
    )


def cmd_index(args) -> int:
    from indexer.pipeline import build_index

    settings = _settings(args)
    with _index_lock(settings, args):
        summary = build_index(
            settings, full=not args.incremental, progress=not args.quiet, workers=args.workers
        )
    if args.format == "json":
        _out(summary.to_dict())
    else:
        print("\n".join(index_lines(summary.to_dict())))
    return EXIT_FAILURES if summary.failed else EXIT_OK


def index_lines(result: dict) -> list[str]:
    """An index run's summary for a person: what was indexed, skipped (and why), failed."""
    lines = [
        f"Indexed {result.get('indexed', 0)} document(s) into {result.get('paragraphs', 0)} "
        f"paragraphs; {result.get('unchanged', 0)} unchanged."
    ]
    skipped, failed = result.get("skipped") or [], result.get("failed") or []
    if skipped:
        lines.append(f"Skipped {len(skipped)} (not stored as findings):")
        lines += [f"  - {s['source']}: {s['reason']}" for s in skipped[:50]]
    lines.append(f"Failed: {len(failed)}" + (":" if failed else " (none)."))
    lines += [f"  - {f['source']}: {f['status']}: {f['reason']}" for f in failed[:50]]
    links = result.get("links") or {}
    if links.get("responses"):
        lines.append(
            f"Council responses linked to the letter they answer: {links['linked']} of {links['responses']}"
            f" considered ({links['unlinked']} left unlinked; evidence on each document's page)."
        )
    return lines


def cmd_ingest(args) -> int:
    from indexer.pipeline import ingest

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"error: no such file or folder: {', '.join(map(str, missing))}", file=sys.stderr)
        return EXIT_ERROR
    settings = _settings(args)
    with _index_lock(settings, args):
        summary = ingest(settings, args.paths, progress=not args.quiet, workers=args.workers)
    if args.format == "json":
        _out(summary.to_dict())
    else:
        result = summary.to_dict()
        print(
            f"Ingested {result['files']} file(s): {result['new']} new or changed, "
            f"{result['unchanged']} unchanged."
        )
        for item in result["unreadable"]:
            print(f"  - unreadable: {item['source']}: {item['reason']}")
        print("\n".join(index_lines(result["index"] or {})))
    # Skipped files (not what the index is for) are reported, not failures.
    failed = summary.unreadable or (summary.index and summary.index.failed)
    return EXIT_FAILURES if failed else EXIT_OK


def cmd_search(args) -> int:
    from indexer.engines import SearchRequest
    from indexer.search import Searcher, public_hit

    settings = _settings(args)
    searcher = Searcher.open(settings)
    try:
        response = searcher.search(
            SearchRequest(
                q=args.query,
                filters=_filters(args),
                sort=args.sort,
                limit=args.limit,
                offset=args.offset,
                facets=False,
                as_typed=args.as_typed,
                **_date_range(args),
            )
        )
    finally:
        searcher.close()
    for notice in response.notices:
        print(f"note: {notice}", file=sys.stderr)
    if response.suggestion and not response.searched_for:
        print(
            f"note: did you mean “{response.suggestion}”? "
            f"(ofsted-findings search {shlex.quote(response.suggestion)})",
            file=sys.stderr,
        )
    elif response.searched_for:
        print(f"note: to search for “{args.query}” as typed, add --as-typed", file=sys.stderr)
    hits = [public_hit(h, settings) for h in response.hits]
    if args.format == "json":
        for hit in hits:
            _out(hit)
    else:
        _print_hits_table(response.total, hits)
    return EXIT_OK


def cmd_export(args) -> int:
    from indexer.engines import SearchRequest
    from indexer.exports import FORMATS, about_export, export_chunks
    from indexer.search import Searcher

    settings = _settings(args)
    fmt = args.format or (args.output.suffix.lstrip(".") if args.output else "csv")
    if fmt not in FORMATS:
        print(f"error: unknown export format {fmt!r}: choose csv, ndjson or xlsx", file=sys.stderr)
        return EXIT_ERROR
    searcher = Searcher.open(settings)
    try:
        searcher.engine.check()
        search_request = SearchRequest(
            q=args.query,
            filters=_filters(args),
            sort=args.sort,
            facets=False,
            snippets=False,
            **_date_range(args),
        )
        about = None
        if fmt == "xlsx":  # the workbook's second sheet says what it holds
            from common.store import DocumentStore

            with DocumentStore.open(settings) as store:
                about = about_export(
                    args.query,
                    search_request.filters,
                    search_request.date_from,
                    search_request.date_to,
                    searcher,
                    store,
                )
        chunks = export_chunks(
            searcher, search_request, fmt, settings.base_url, about, _response_links(settings)
        )
        if args.output:
            # Written beside the target and renamed, so a failed export never leaves half a file.
            # A killed export's .part is overwritten by the next export to that name.
            tmp = args.output.with_name(f".{args.output.name}.part")
            try:
                with open(tmp, "wb") as fh:
                    for chunk in chunks:
                        fh.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
                tmp.replace(args.output)
            except BaseException:  # an error, Ctrl-C or SIGTERM: no half file left behind
                tmp.unlink(missing_ok=True)
                raise
            print(f"wrote {args.output}", file=sys.stderr)
        else:
            out = sys.stdout.buffer
            for chunk in chunks:
                out.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
            out.flush()
    finally:
        searcher.close()
    return EXIT_OK


def cmd_documents(args) -> int:
    from common.store import DocumentStore

    settings = _settings(args)
    with DocumentStore.open(settings) as store:
        changed = store.content_changed_at()
        rows = [
            _document_row(r, settings, changed.get(r.document_id)) for r in store.documents(kind=args.kind)
        ]
    if args.format == "json":
        for row in rows:
            _out(row)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(
            "authority",
            "type",
            "published",
            "paragraphs",
            "status",
            "version",
            "content changed",
            "document_id",
        )
        for r in rows:
            table.add_row(
                r["authority"] or "?",
                r["document_type"] or "?",
                r["published"] or "",
                str(r["paragraphs"] or 0),
                r["index_status"] or r["status"],
                str(r["version"]),
                (r["content_changed_at"] or "")[:10],
                r["document_id"],
            )
        Console().print(table)
    return EXIT_OK


def _document_row(record, settings, content_changed_at: str | None = None) -> dict:
    meta = record.metadata or {}
    return {
        "document_id": record.document_id,
        "authority": record.authority or meta.get("authority"),
        "ons_code": record.ons_code or meta.get("ons_code"),
        "region": record.region or meta.get("region"),
        "document_type": record.document_type or meta.get("document_type"),
        "title": record.title or meta.get("title"),
        "source": record.source,
        "kind": record.kind,
        "published": record.published or meta.get("published"),
        "letter_date": meta.get("letter_date"),
        "visit_start": meta.get("visit_start"),
        "visit_end": meta.get("visit_end"),
        "inspectors": meta.get("inspectors") or [],
        "scope": meta.get("scope"),
        "judgements": meta.get("judgements") or {},
        "framework": meta.get("framework"),
        "paragraphs": record.paragraphs or 0,
        "status": record.status,
        "index_status": record.index_status,
        "sha256": record.sha256,
        "version": record.version,
        "content_changed_at": content_changed_at,
        "last_checked_at": record.checked_at,
        "error": record.error or record.index_error,
        "url": settings.permalink(record.document_id),
    }


def cmd_status(args) -> int:
    from common.locks import lock_states
    from common.store import DocumentStore
    from indexer.engines import EngineUnavailable, open_engine

    settings = _settings(args)
    with DocumentStore.open(settings) as store:
        report = {
            "data_dir": str(settings.data_dir),
            "store": store.counts(),
            "locks": lock_states(settings),
            "failures": [
                {"source": r.source, "status": r.index_status or r.status, "reason": r.index_error or r.error}
                for r in store.failures()
            ],
            "crawls": store.runs(limit=5),
            "council_sites": store.council_sites(),
        }
    engine = open_engine(settings)
    try:
        report["index"] = engine.stats()
    except EngineUnavailable as exc:
        report["index"] = {"engine": settings.engine, "error": str(exc)}
    finally:
        engine.close()
    _out(report) if args.format == "json" else print("\n".join(status_lines(report)))
    return EXIT_OK


def status_lines(report: dict) -> list[str]:
    """`status` for a person: what is stored and indexed, what failed and why, the last crawls."""
    store, index = report.get("store", {}), report.get("index", {})
    lines = [
        f"Data directory: {report.get('data_dir')}",
        f"Documents: {store.get('documents', 0)} known, {store.get('stored', 0)} stored, "
        f"{store.get('indexed', 0)} indexed ({store.get('paragraphs', 0)} paragraphs); "
        f"newest published {store.get('newest') or 'never'}, last checked "
        f"{store.get('last_checked') or 'never'}.",
    ]
    if "error" in index:
        lines.append(f"Index ({index.get('engine')}): unavailable: {index['error']}")
    else:
        lines.append(
            f"Index ({index.get('engine')}): {index.get('paragraphs', 0)} paragraphs from "
            f"{index.get('documents', 0)} documents"
            + (
                f" at {index.get('path') or index.get('index')}"
                if index.get("path") or index.get("index")
                else ""
            )
            + "."
        )
    failures = report.get("failures") or []
    lines.append(f"Failed documents: {len(failures) or 'none'}")
    lines += [f"  - {f['source']}: {f['status']}: {f['reason']}" for f in failures[:50]]
    crawls = report.get("crawls") or []
    lines.append("Recent crawls:" if crawls else "Recent crawls: none")
    for run in crawls:
        stats = run.get("stats") or {}
        new, changed = stats.get("documents_new", 0), stats.get("documents_changed", 0)
        lines.append(
            f"  - {run.get('started_at')} {run.get('source')}: {run.get('outcome') or 'running or killed'}; "
            f"{stats.get('pages', 0)} pages, {new} new and {changed} changed documents, "
            f"{stats.get('failed', 0)} failed"
        )
    if "locks" in report:
        from common.locks import describe_lock

        lines.append("Locks:")
        lines += [f"  - {describe_lock(state)}" for state in report["locks"]]
    if report.get("council_sites"):
        from crawler.summary import council_site_lines

        lines += council_site_lines(report["council_sites"])
    for key, value in report.items():  # anything other commands add to the report
        if key not in ("data_dir", "store", "index", "failures", "crawls", "locks", "council_sites"):
            lines.append(
                f"{key.replace('_', ' ').capitalize()}: {json.dumps(value, ensure_ascii=False, default=str)}"
            )
    return lines


def cmd_serve(args) -> int:
    import os

    from ofsted_findings.demo import recording_address
    from webapp import create_app

    address = f"http://{args.host}:{args.port}"
    settings = _settings(args)
    if not os.environ.get("OFSTED_FINDINGS_BASE_URL"):
        settings = settings.with_(base_url=address)  # a configured public address wins
    app = create_app(settings)
    print(f"Serving ofsted-findings at {address}/ (Ctrl-C to stop)", flush=True)
    with recording_address(settings):
        app.run(host=args.host, port=args.port, threaded=True, debug=False, use_reloader=False)
    return EXIT_OK


def cmd_demo(args) -> int:
    from ofsted_findings.demo import run_demo

    return run_demo(
        _settings(args), host=args.host, port=args.port, serve=not args.no_serve, verbose=args.verbose
    )


# -- output ------------------------------------------------------------------------
def _print_hits_table(total: int, hits: list[dict]) -> None:
    import re

    from rich.console import Console
    from rich.table import Table

    from indexer.explain import describe

    table = Table("authority", "document", "published", "¶", "snippet", "why", show_lines=True)
    for h in hits:
        snippet = re.sub(r"</?mark>", "", h["snippet"] or "")
        whose = "Council's own words — " if h.get("kind") == "council" else ""  # never Ofsted's findings
        table.add_row(
            h["authority"] or "?",
            whose + (h["document_title"] or h["document_type"] or ""),
            h["published"] or "",
            str(h["paragraph_number"]),
            snippet,
            "; ".join(describe(r) for r in h.get("match_reasons") or []),
        )
    console = Console()
    console.print(table)
    console.print(f"{total} paragraph(s) match; showing {len(hits)}.")


# -- parser ------------------------------------------------------------------------
def _add_search_options(p: argparse.ArgumentParser) -> None:
    """Sort, permalinks and filters, shared by `search` and `export`: the web's filters."""
    from indexer.filter_values import described_values

    p.add_argument("--sort", choices=("relevance", "date"), default="relevance")
    p.add_argument(
        "--base-url",
        help="web UI address used in permalinks (env OFSTED_FINDINGS_BASE_URL; "
        "default: the address a running `serve` or `demo` of the data "
        "directory recorded, else http://127.0.0.1:5000)",
    )
    group = p.add_argument_group(
        "filters",
        "Each is repeatable (values of one filter combine with OR; filters with AND) and "
        "matched without regard to case. A value that matches nothing is an error.",
    )
    for name in FILTERS:
        flag = "--document-type" if name == "document_type" else f"--{name}"
        # argparse formats help with %: a literal one must be doubled.
        group.add_argument(
            flag,
            dest=name,
            action="append",
            metavar=name.upper(),
            help=described_values(name).replace("%", "%%"),
        )
    group.add_argument(
        "--neighbours-of",
        dest="neighbours_of",
        action="append",
        metavar="AUTHORITY",
        help="only AUTHORITY and its ten statistical neighbours (DfE's children's-services "
        "benchmarking); with --authority, both must hold",
    )
    group.add_argument(
        "--from",
        dest="date_from",
        type=_date,
        metavar="DATE",
        help="published on or after DATE (YYYY-MM-DD, YYYY-MM or YYYY)",
    )
    group.add_argument(
        "--to",
        dest="date_to",
        type=_date,
        metavar="DATE",
        help="published on or before DATE (YYYY-MM-DD, YYYY-MM or YYYY)",
    )


def _add_lock_timeout(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lock-timeout",
        metavar="SECONDS",
        help="how long to wait for another index update to finish before giving up "
        "with exit code 4 (default 600; env OFSTED_FINDINGS_LOCK_TIMEOUT; 0: do not wait)",
    )


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", type=Path, help="document store and index (env OFSTED_FINDINGS_DATA_DIR)"
    )
    common.add_argument("--engine", choices=ENGINES, help="search engine (env OFSTED_FINDINGS_ENGINE)")
    common.add_argument("--es-url", help="Elasticsearch URL (env OFSTED_FINDINGS_ES_URL)")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    common.add_argument("-v", "--verbose", action="store_true", help="log what happens")

    parser = argparse.ArgumentParser(
        prog="ofsted-findings",
        description="Search Ofsted's findings about English councils' services for care leavers.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("crawl", parents=[common], help="crawl the configured sources into the document store")
    p.add_argument("--ofsted-url", help="reports site root (env OFSTED_FINDINGS_OFSTED_URL)")
    p.add_argument("--files-url", help="files host root (env OFSTED_FINDINGS_FILES_URL)")
    p.add_argument(
        "--source",
        action="append",
        choices=("ofsted", "councils"),
        help="what to crawl (repeatable; default: ofsted)",
    )
    p.add_argument(
        "--env", choices=("prod", "local"), help="crawler settings: prod (polite) or local (replicas)"
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser(
        "index", parents=[common], help="extract and (re)build the search index from the store"
    )
    p.add_argument("--incremental", action="store_true", help="only documents that changed since last time")
    p.add_argument("--workers", type=int, help="extraction processes (default: one per core)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    _add_lock_timeout(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ingest", parents=[common], help="add local PDF, HTML or text files or folders")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--workers", type=int, help="extraction processes (default: one per core)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    _add_lock_timeout(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("search", parents=[common], help="search paragraphs")
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument(
        "--as-typed",
        action="store_true",
        help="search the words as typed (no spelling correction of words no paragraph holds)",
    )
    _add_search_options(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser(
        "export", parents=[common], help="export the whole result set of a search (CSV, NDJSON, XLSX)"
    )
    p.add_argument("query", metavar="QUERY")
    p.add_argument(
        "--format", choices=("csv", "ndjson", "xlsx"), help="default: from --output's suffix, else csv"
    )
    p.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    _add_search_options(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("documents", parents=[common], help="list stored documents and their metadata")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--kind", choices=("ofsted", "council", "file"))
    p.add_argument("--base-url", help="web UI address used in links")
    p.set_defaults(func=cmd_documents)

    p = sub.add_parser("status", parents=[common], help="counts, failures and recent crawls")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("serve", parents=[common], help="serve the web UI and JSON API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "demo",
        parents=[common],
        help="build the sample site, crawl it on 127.0.0.1, index it and serve the UI",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--no-serve", action="store_true", help="stop after indexing (for tests)")
    p.set_defaults(func=cmd_demo)

    from scheduler.cli import add_schedule_parser

    add_schedule_parser(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # The level on the handler too: Scrapy sets the root logger to NOTSET whenever a crawler
    # is made, which would let every library's DEBUG records (trafilatura's) onto the screen.
    for handler in logging.root.handlers:
        handler.setLevel(level)
    from common.locks import LockHeld
    from common.store import StoreError
    from indexer.engines import EngineError, EngineUnavailable
    from indexer.filter_values import UnknownFilterValue

    # Expected failures become one clear line and an exit code (subclasses before their bases).
    failures = (
        (UnknownFilterValue, "", EXIT_ERROR),
        (NoStore, "", EXIT_ERROR),
        (ValueError, "", EXIT_ERROR),  # bad settings or configuration
        (EngineUnavailable, "search is unavailable: ", EXIT_UNAVAILABLE),
        (EngineError, "", EXIT_ERROR),
        (StoreError, "", EXIT_ERROR),
        (LockHeld, "", EXIT_BUSY),
    )
    from common.lifetime import sigterm_as_exit

    try:
        # A SIGTERM cleans up as an error would (crawl and scheduler install their own handlers).
        with sigterm_as_exit():
            return args.func(args)
    except tuple(kind for kind, _, _ in failures) as exc:
        prefix, code = next((p, c) for kind, p, c in failures if isinstance(exc, kind))
        print(f"error: {prefix}{exc}", file=sys.stderr)
        return code
    except OSError as exc:  # e.g. a read-only or full data directory: say which file and why
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
