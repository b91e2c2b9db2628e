"""Build a replica site folder: ``site.json`` + ``files/<id>.pdf`` + ``council/``.

``build_sample_site`` renders the project's own sample documents (the demo and
most tests); ``build_corpus_site`` lays out the real PDFs of the shared corpus
(benchmarks and the full-crawl tests) without copying them into the project.
"""

from __future__ import annotations

import csv
import hashlib
import re
from datetime import date, timedelta
from pathlib import Path

from common.authorities import Register

from .council_markup import FILLER, article_page
from .documents import SAMPLE_DIR, load_samples, placeholder_letter
from .render import render_pdf
from .site import CouncilPage, CouncilSite, Provider, Publication, Site, ofsted_name_for

_META = re.compile(r'<meta\s+name="ofsted-findings:([a-z-]+)"\s+content="([^"]*)"', re.I)
_TITLE = re.compile(r"<h1[^>]*>(.*?)</h1>", re.I | re.S)


def _providers(register: Register, names: dict[str, str] | None = None) -> dict[str, Provider]:
    names = names or {}
    return {
        a.urn: Provider(urn=a.urn, name=a.name, ofsted_name=names.get(a.urn) or ofsted_name_for(a))
        for a in register
    }


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


# The council releases in ../shared/corpus say "published: unknown"; these dates
# (a day or so after the letter each answers, or the day the text names) let the
# replica publish them like a council would.
CORPUS_RELEASES = {
    "darlington-2021-council-release": ("Darlington", "2021-11-30", "sitemap"),
    "derbyshire-2021-council-release": ("Derbyshire", "2021-11-25", "listing"),
    "ealing-council-release": ("Ealing", "2021-12-09", "boilerplate"),
    # The text names no council; its quotes match Hartlepool's February 2022 letter,
    # and it mentions World Social Work Day (15 March 2022).
    "unnamed-council-2022-release": ("Hartlepool", "2022-03-15", "sitemap"),
}


def _council(
    councils: dict[str, CouncilSite], register: Register, authority_name: str, shape: str
) -> CouncilSite:
    authority = register.find(authority_name)
    if authority is None:
        raise ValueError(f"council release for {authority_name!r}: not in the authority register")
    if authority.slug not in councils:
        councils[authority.slug] = CouncilSite(slug=authority.slug, authority=authority.name, shape=shape)
    return councils[authority.slug]


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _add_filler(out_dir: Path, councils: dict[str, CouncilSite]) -> None:
    for council in councils.values():
        for slug, title, published, paragraphs in FILLER:
            rel = f"council/{council.slug}/{slug}.html"
            _write_text(out_dir / rel, article_page(council, title, published, paragraphs))
            council.pages.append(CouncilPage(slug=slug, title=title, published=published, path=rel))


def _sample_releases(
    sample_dir: Path, out_dir: Path, register: Register, councils: dict[str, CouncilSite]
) -> None:
    for src in sorted((Path(sample_dir) / "council").glob("*.html")):
        html = src.read_text(encoding="utf-8")
        meta = dict(_META.findall(html))
        title = _TITLE.search(html)
        council = _council(councils, register, meta["authority"], meta.get("site-shape", "listing"))
        rel = f"council/{council.slug}/{src.stem}.html"
        _write_text(out_dir / rel, html)
        council.pages.append(
            CouncilPage(
                slug=src.stem,
                title=re.sub(r"\s+", " ", title.group(1)).strip() if title else src.stem,
                published=meta["published"],
                path=rel,
                responds_to=meta.get("responds-to"),
                about_ofsted=True,
                kind="response",
            )
        )


def _corpus_releases(
    corpus_root: Path,
    out_dir: Path,
    register: Register,
    councils: dict[str, CouncilSite],
    letters: dict[tuple[str, str], str],
) -> None:
    """Wrap the shared corpus's council release texts in their council's site."""
    for stem, (authority_name, published, shape) in CORPUS_RELEASES.items():
        src = corpus_root / f"{stem}.txt"
        if not src.is_file():
            continue
        text = src.read_text(encoding="utf-8")
        body = text.split("\n---\n", 1)[1] if text.startswith("---\n") else text
        paragraphs = [line.strip().lstrip("•-").strip() for line in body.splitlines() if line.strip()]
        title = paragraphs[0] if len(paragraphs[0]) < 120 else paragraphs[0].split(".")[0][:110]
        if paragraphs[0] == title and len(paragraphs) > 1 and paragraphs[1] == title:
            paragraphs = paragraphs[1:]
        council = _council(councils, register, authority_name, shape)
        rel = f"council/{council.slug}/{stem}.html"
        _write_text(out_dir / rel, article_page(council, title, published, paragraphs))
        council.pages.append(
            CouncilPage(
                slug=stem,
                title=title,
                published=published,
                path=rel,
                about_ofsted=True,
                kind="response",
                responds_to=letters.get((council.authority, published)),
                # Served where a CMS would put it: under a slug made from its title.
                url_path="/news/" + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80],
            )
        )


def _letter_before(providers: dict[str, Provider], authority, published: str) -> str | None:
    """The file id of the authority's latest publication on or before ``published``."""
    provider = providers[authority.urn]
    earlier = [p for p in provider.publications if p.published <= published]
    return max(earlier, key=lambda p: p.published).file_id if earlier else None


def _publish_samples(out_dir: Path, register, providers: dict, samples) -> None:
    """Render each sample document to PDF and list it on its authority's provider page."""
    for doc in samples:
        _publish(out_dir, providers[register.find(doc.authority).urn], doc)


def _publish(out_dir: Path, provider: Provider, doc) -> None:
    """Render one document to PDF and list it on its provider's page."""
    rel, digest, size = _write_file(out_dir, doc.file_id, render_pdf(doc))
    provider.publications.append(
        Publication(
            file_id=doc.file_id,
            title=doc.title,
            document_type=doc.document_type,
            published=doc.meta["published"],
            event_date=doc.meta.get("event_date"),
            path=rel,
            sha256=digest,
            size=size,
        )
    )


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
    _publish_samples(out_dir, register, providers, samples)
    councils: dict[str, CouncilSite] = {}
    _sample_releases(Path(sample_dir), out_dir, register, councils)
    _add_filler(out_dir, councils)
    site = Site(name="sample", providers=_sort_newest_first(providers), councils=list(councils.values()))
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
        providers[authority.urn].publications.append(
            Publication(
                file_id=file_id,
                title=row["document_type"],
                document_type=doc_type,
                published=published,
                event_date=event,
                path=f"files/{file_id}.pdf",
                sha256=row["sha256"],
                size=source.stat().st_size,
            )
        )
    # Authorities with no corpus letter still get the sample documents written for them.
    _publish_samples(out_dir, register, providers, load_samples())
    councils: dict[str, CouncilSite] = {}
    _sample_releases(SAMPLE_DIR, out_dir, register, councils)
    letters = {}
    for _stem, (authority_name, published, _shape) in CORPUS_RELEASES.items():
        authority = register.find(authority_name)
        letters[(authority.name, published)] = _letter_before(providers, authority, published)
    _corpus_releases(corpus_dir.parent, out_dir, register, councils, letters)
    _add_filler(out_dir, councils)
    for index, provider in enumerate(p for p in providers.values() if not p.publications):
        _publish(
            out_dir,
            provider,
            placeholder_letter(provider.name, provider.ofsted_name, str(59200000 + index), index),
        )
    site = Site(name="corpus", providers=_sort_newest_first(providers), councils=list(councils.values()))
    site.save(out_dir)
    return out_dir


__all__ = ["build_sample_site", "build_corpus_site"]
