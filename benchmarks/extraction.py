"""Extraction throughput on the real PDFs (issue 6: >= 200 pages/s on 2 cores).

    python -m benchmarks extraction          # all 266 PDFs of ../shared/corpus/ofsted-pdf
    python -m benchmarks.extraction --limit 60 --workers 2 --compare

Prints pages/s for the full extraction (text, paragraphs, metadata, themes,
stance) in one process and in a process pool, as the pipeline runs it, plus
pypdfium2's bare text reading; ``--compare`` adds pdfminer.six's layout
analysis on the same files when it is installed (the measurement behind the
choice of pypdfium2). Environment: OFSTED_FINDINGS_SHARED (default ../shared).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pypdfium2 as pdfium

from common.config import shared_dir
from common.store import DocumentRecord, document_id_for
from indexer.extract import ExtractionError, extract_document

ROOT = Path(__file__).resolve().parents[1]


def _corpus(limit: int | None) -> list[Path]:
    shared = shared_dir()
    files = sorted((shared / "corpus" / "ofsted-pdf").glob("*.pdf"))
    if not files:
        raise SystemExit(f"no PDFs under {shared}/corpus/ofsted-pdf (set OFSTED_FINDINGS_SHARED)")
    return files[:limit] if limit else files


def _extract_one(path: str) -> int:
    data = Path(path).read_bytes()
    record = DocumentRecord(document_id=document_id_for(path), source=path, kind="file")
    try:
        return extract_document(record, data).metadata.get("pages", 0)
    except ExtractionError:
        return 0


def _pages(path: Path) -> int:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def _text_only(path: Path) -> None:
    pdf = pdfium.PdfDocument(str(path))
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
    finally:
        pdf.close()


def _rate(label: str, pages: int, seconds: float) -> float:
    rate = pages / seconds if seconds else float("inf")
    print(f"  {label:<44} {pages:>6} pages in {seconds:6.2f} s  = {rate:7.0f} pages/s", flush=True)
    return rate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.extraction",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N PDFs")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--compare", action="store_true", help="also time pdfminer.six if installed")
    args = parser.parse_args(argv if argv is not None else [])
    files = _corpus(args.limit)
    pages = sum(_pages(p) for p in files)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    # Other work on the machine shows up directly in pages/s: say how busy it was.
    print(
        f"{len(files)} PDFs, {pages} pages; {os.cpu_count()} CPUs; load average {load:.1f} at start",
        flush=True,
    )
    _extract_one(str(files[0]))  # warm imports and the taxonomy before timing

    started = time.perf_counter()
    for path in files:
        _text_only(path)
    _rate("pypdfium2 text only, 1 process", pages, time.perf_counter() - started)

    started = time.perf_counter()
    done = sum(_extract_one(str(p)) for p in files)
    single = _rate("full extraction, 1 process", done, time.perf_counter() - started)

    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        done = sum(pool.map(_extract_one, [str(p) for p in files], chunksize=4))
    pooled = _rate(f"full extraction, pool of {args.workers} processes", done, time.perf_counter() - started)
    print(
        f"  pool speed-up: {pooled / single:.2f}x; target >= 200 pages/s on 2 cores: "
        f"{'met' if pooled >= 200 else 'NOT met'}; load average now {os.getloadavg()[0]:.1f}",
        flush=True,
    )

    if args.compare:
        try:
            from pdfminer.high_level import extract_text
        except ImportError:
            print("  pdfminer.six is not installed: pip install pdfminer.six to compare")
        else:
            sample = files[: max(1, len(files) // 5)]
            sample_pages = sum(_pages(p) for p in sample)
            started = time.perf_counter()
            for path in sample:
                extract_text(str(path))
            _rate("pdfminer.six layout analysis, 1 process", sample_pages, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
