"""Build a replica site folder: ``site.json`` + ``files/<id>.pdf`` + ``council/``.

``build_sample_site`` renders the project's own sample documents (the demo and
most tests); ``build_corpus_site`` lays out the real PDFs of the shared corpus
(benchmarks and the full-crawl tests) without copying them into the project.
"""
from __future__ import annotations

import csv
import hashlib
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

from ofsted_findings.authorities import Register

from .documents import SAMPLE_DIR, TITLES, load_samples
from .render import render_pdf
from .site import CouncilPage, Provider, Publication, Site, ofsted_name_for

_META = re.compile(r'<meta\s+name="ofsted-findings:([a-z-]+)"\s+content="([^"]*)"', re.I)
_TITLE = re.compile(r"<h1[^>]*>(.*?)</h1>", re.I | re.S)


def _providers(register: Register, names: dict[str, str] | None = None) -> dict[str, Provider]:
    names = names or {}
    return {a.urn: Provider(urn=a.urn, name=a.name, ofsted_name=names.get(a.urn) or ofsted_name_for(a))
            for a in register}


def _write_file(out_dir: Path, file_id: str, body: bytes) -> tuple[str, str, int]:
    rel = f"files/{file_id}.pdf"
    path = out_dir / rel
    if not path.exists() or path.read_bytes() != body:
        path.write_bytes(body)
    return rel, hashlib.sha256(body).hexdigest(), len(body)


def _sort_newest_first(providers: dict[str, Provider]) -> list[Provider]:
    for p in providers.values():
        p.publications.sort(key=lambda pub: (pub.published, pub.file_id), reverse=True)
    return sorted(providers.values(), key=lambda p: p.ofsted_name.lower())


def _council_pages(sample_dir: Path, out_dir: Path) -> list[CouncilPage]:
    pages = []
    (out_dir / "council").mkdir(exist_ok=True)
    for src in sorted((sample_dir / "council").glob("*.html")):
        html = src.read_text(encoding="utf-8")
        meta = dict(_META.findall(html))
        title = _TITLE.search(html)
        shutil.copyfile(src, out_dir / "council" / src.name)
        pages.append(CouncilPage(
            authority=meta["authority"], slug=src.stem,
            title=re.sub(r"\s+", " ", title.group(1)).strip() if title else src.stem,
            published=meta["published"], path=f"council/{src.name}",
            responds_to=meta.get("responds-to")))
    return pages


def build_sample_site(out_dir: Path, sample_dir: Path = SAMPLE_DIR) -> Path:
    """Render the sample documents into a servable site folder; returns it."""
    out_dir = Path(out_dir)
    (out_dir / "files").mkdir(parents=True, exist_ok=True)
    register = Register.load()
    samples = load_samples(sample_dir)
    names = {}
    for doc in samples:
        authority = register.find(doc.authority)
        if authority is None:
            raise ValueError(f"{doc.path}: {doc.authority!r} is not in the authority register")
        names[authority.urn] = doc.meta["ofsted_name"]
    providers = _providers(register, names)
    for doc in samples:
        authority = register.find(doc.authority)
        rel, digest, size = _write_file(out_dir, doc.file_id, render_pdf(doc))
        providers[authority.urn].publications.append(Publication(
            file_id=doc.file_id, title=doc.title, document_type=doc.document_type,
            published=doc.meta["published"], event_date=doc.meta.get("event_date"),
            path=rel, sha256=digest, size=size))
    site = Site(name="sample", providers=_sort_newest_first(providers),
                council_pages=_council_pages(Path(sample_dir), out_dir))
    site.save(out_dir)
    return out_dir


def build_corpus_site(corpus_dir: Path, out_dir: Path) -> Path:
    """A replica of all 153 authorities from the shared corpus's MANIFEST.csv.

    The PDFs are linked (symlinks), not copied: the corpus stays outside the project.
    Authorities without a real letter get a rendered sample so every provider
    page has at least one publication.
    """
    corpus_dir, out_dir = Path(corpus_dir).resolve(), Path(out_dir)
    manifest = corpus_dir / "MANIFEST.csv"
    if not manifest.is_file():
        raise FileNotFoundError(f"{corpus_dir} has no MANIFEST.csv")
    (out_dir / "files").mkdir(parents=True, exist_ok=True)
    register = Register.load()
    providers = _providers(register)
    with manifest.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for n, row in enumerate(sorted(rows, key=lambda r: r["file"])):
        authority = register.by_urn(row["ofsted_provider_id"]) or register.find(row["authority"])
        if authority is None:
            raise ValueError(f"MANIFEST row {row['file']}: unknown authority {row['authority']!r}")
        file_id = str(50400000 + n)
        source = corpus_dir / row["file"]
        link = out_dir / "files" / f"{file_id}.pdf"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(source)
        published = row["published"]
        # The manifest has no visit date; focused visits happen about five weeks before the letter.
        event = (date.fromisoformat(published) - timedelta(days=35)).isoformat()
        doc_type = "focused_visit" if "focused visit" in row["document_type"].lower() else "inspection"
        providers[authority.urn].publications.append(Publication(
            file_id=file_id, title=row["document_type"], document_type=doc_type, published=published,
            event_date=event, path=f"files/{file_id}.pdf", sha256=row["sha256"],
            size=source.stat().st_size))
    # Authorities with no corpus letter still get the sample documents written for them.
    for doc in load_samples():
        authority = register.find(doc.authority)
        rel, digest, size = _write_file(out_dir, doc.file_id, render_pdf(doc))
        providers[authority.urn].publications.append(Publication(
            file_id=doc.file_id, title=doc.title, document_type=doc.document_type,
            published=doc.meta["published"], event_date=doc.meta.get("event_date"),
            path=rel, sha256=digest, size=size))
    site = Site(name="corpus", providers=_sort_newest_first(providers),
                council_pages=_council_pages(SAMPLE_DIR, out_dir))
    site.save(out_dir)
    return out_dir


__all__ = ["build_sample_site", "build_corpus_site", "TITLES"]
