"""The linking evaluation: sample council pages (indexer/quality/linking/) against real letters.

The pages are rendered to HTML with their date where the gold set says, the letters of their
authorities are read from ``../shared`` (never copied into the project), and the linker runs as
the project runs it, by one of two ways in:

* ``crawl``: letters stored as the Ofsted crawl stores them (PDFs from the files host, with the
  site's publication date), pages as the council crawl stores them (kind council, with the date
  the crawler read and the sitemap ``lastmod``), then the `crawl` command's linking step. The
  full-inspection reports of the corpus exist only as text, which the Ofsted crawl never fetches:
  they arrive by ``ingest``, as they would.
* ``ingest``: every letter, report and page given to ``ingest`` as a file.

The baseline, in the same run, links each response to its authority's letter closest before
its date (what a reader with the dates alone would do).
"""

from __future__ import annotations

import csv
import html
import json
import re
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from common.authorities import Register
from common.config import Settings
from common.store import DocumentStore, document_id_for
from indexer.linking import RELATION

GOLD_DIR = Path(__file__).parent / "linking"
SPLITS = ("tuning", "heldout")
WAYS = ("crawl", "ingest")
SAMPLE_LABEL = "Sample document written for ofsted-findings' linking evaluation; not a real council page."
TARGETS = {"right_letter": 0.95, "links_right": 0.98, "nonresponse_links": 0}


def load_gold(split: str) -> list[dict]:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: choose one of {', '.join(SPLITS)}")
    entries = yaml.safe_load((GOLD_DIR / f"responses-{split}.yaml").read_text(encoding="utf-8"))
    for entry in entries:
        odd = [p for p in entry["paragraphs"] if not isinstance(p, str)]
        if odd:  # "X said: ..." unquoted reads as a mapping in YAML
            raise ValueError(f"{split} {entry['id']}: a paragraph is not text (quote it): {odd[0]!r}")
    return entries


def _escape(text: str) -> str:
    return html.escape(str(text), quote=True)


def render_html(entry: dict) -> str:
    """The sample page as a council CMS would serve it, its date where ``date_in`` says."""
    published = str(entry["published"]) if entry.get("published") else None
    where = entry.get("date_in") or "none"
    head, byline = [f"<title>{_escape(entry['title'])} | News</title>"], ""
    if published and where == "json-ld":
        data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": entry["title"]}
        data["datePublished"] = f"{published}T09:00:00+00:00"
        head.append(f'<script type="application/ld+json">{json.dumps(data)}</script>')
    elif published and where == "meta":
        head.append(f'<meta property="article:published_time" content="{published}T10:30:00Z">')
    elif published and where == "time":
        byline = f'<p class="date"><time datetime="{published}">{_long(published)}</time></p>'
    elif published and where == "printed":
        byline = f'<p class="date">Published: {_long(published)}</p>'
    body = "".join(f"<p>{_escape(p)}</p>" for p in entry["paragraphs"])
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">{"".join(head)}</head><body>'
        f'<header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>'
        f"<main><article><h1>{_escape(entry['title'])}</h1>{byline}{body}"
        f"<p><em>{_escape(SAMPLE_LABEL)}</em></p></article></main>"
        f"<footer><p>Contact the council</p></footer></body></html>"
    )


def _long(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day} {day.strftime('%B')} {day.year}"


@dataclass
class Letter:
    key: str  # the corpus file name without its extension: what the gold set's ``answers`` says
    path: Path
    authority: str
    document_type: str
    published: str | None


def corpus_letters(shared: Path, authorities: set[str]) -> list[Letter]:
    """Every letter and report in the corpus of these authorities, once each: the focused visit
    letters as PDFs (their text copies in corpus/ofsted are the same letters), the full
    inspection reports as text."""
    register = Register.load()
    letters = []
    pdf_dir = shared / "corpus" / "ofsted-pdf"
    with open(pdf_dir / "MANIFEST.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            found = register.find(row["authority"])
            if found and found.name in authorities:
                path = pdf_dir / row["file"]
                letters.append(Letter(path.stem, path, found.name, row["document_type"], row["published"]))
    for path in sorted((shared / "corpus" / "ofsted").glob("ilacs-*.txt")):
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        found = register.find_in_text(path.stem.split("-", 3)[-1].replace("-", " "))
        m = re.search(r"inspection - (\d{1,2} \w+ \d{4})", first)
        if found and found.name in authorities:
            day = _parse_long(m.group(1)) if m else None
            letters.append(Letter(path.stem, path, found.name, "Children's services inspection", day))
    return letters


def _parse_long(text: str) -> str | None:
    try:
        from datetime import datetime

        return datetime.strptime(text.title(), "%d %B %Y").date().isoformat()
    except ValueError:
        return None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def build(settings: Settings, entries: list[dict], letters: list[Letter], way: str, work: Path) -> dict:
    """Store the letters and pages by ``way`` and run the linking step as the project does;
    returns document id -> gold key (page id or letter key)."""
    from indexer.pipeline import ingest, link_after_change

    if way not in WAYS:
        raise ValueError(f"unknown way in {way!r}: choose one of {', '.join(WAYS)}")
    register = Register.load()
    pages_dir = work / "pages"
    pages_dir.mkdir(parents=True, exist_ok=True)
    keys: dict[str, str] = {}
    files: list[Path] = []
    if way == "crawl":
        with DocumentStore.open(settings) as store:
            for letter in letters:
                if letter.path.suffix != ".pdf":
                    files.append(letter.path)
                    continue
                url = f"https://files.ofsted.gov.uk/v1/file/{letter.key}"
                store.put(
                    url,
                    letter.path.read_bytes(),
                    kind="ofsted",
                    content_type="application/pdf",
                    title=letter.key,
                    authority=letter.authority,
                    document_type=letter.document_type,
                    published=letter.published,
                )
                keys[document_id_for(url)] = letter.key
            for entry in entries:
                authority = register.find(entry["authority"]).name
                url = f"https://www.{_slug(authority)}.gov.uk/news/{entry['id']}"
                published = str(entry["published"]) if entry.get("published") else None
                stated = published if entry.get("date_in") in ("json-ld", "meta", "time", "printed") else None
                extra = {"council_site": f"https://www.{_slug(authority)}.gov.uk/", "quotes": []}
                if published and entry.get("date_in") == "sitemap":
                    extra["sitemap_lastmod"] = published
                store.put(
                    url,
                    render_html(entry).encode("utf-8"),
                    kind="council",
                    content_type="text/html; charset=utf-8",
                    title=entry["title"],
                    authority=authority,
                    published=stated,
                    extra=extra,
                )
                keys[document_id_for(url)] = entry["id"]
            link_after_change(store)  # what `crawl` runs once the crawl is over
    else:
        for letter in letters:
            files.append(letter.path)
        for entry in entries:
            path = pages_dir / f"{entry['id']}.html"
            path.write_text(render_html(entry), encoding="utf-8")
            files.append(path)
            keys[document_id_for(str(path.resolve()))] = entry["id"]
    if files:
        ingest(settings, files, progress=False, workers=1)
    for letter in letters:
        keys.setdefault(document_id_for(str(letter.path.resolve())), letter.key)
    return keys


def measure(settings: Settings, entries: list[dict], keys: dict[str, str]) -> dict:
    """The figures of one run, and each mistake."""
    by_key = {v: k for k, v in keys.items()}
    with DocumentStore.open(settings) as store:
        links = store.linked_from(RELATION)
        baseline = _baseline(store, keys, {e["id"] for e in entries})
    figures = {
        "pages": len(entries),
        "responses": 0,
        "answerable": 0,
        "right": 0,
        "links": 0,
        "links_right": 0,
    }
    figures |= {"nonresponse_links": 0, "none_kept_unlinked": 0, "none_labelled": 0, "mistakes": []}
    base = {"right": 0, "links": 0, "links_right": 0}
    for entry in entries:
        doc = by_key.get(entry["id"])
        linked = keys.get(links.get(doc)) if doc in links else None
        guess = baseline.get(doc)
        answer = entry["answers"] if entry["answers"] != "none" else None
        figures["responses"] += bool(entry["response"])
        if linked is not None:
            figures["links"] += 1
            figures["links_right"] += linked == answer
        if guess is not None:
            base["links"] += 1
            base["links_right"] += guess == answer
        if not entry["response"] and linked is not None:
            figures["nonresponse_links"] += 1
        if answer:
            figures["answerable"] += 1
            figures["right"] += linked == answer
            base["right"] += guess == answer
        elif entry["response"]:
            figures["none_labelled"] += 1
            figures["none_kept_unlinked"] += linked is None
        if linked != answer:
            figures["mistakes"].append({"page": entry["id"], "labelled": answer, "linked": linked})
    figures["right_letter"] = _share(figures["right"], figures["answerable"])
    figures["links_right_share"] = _share(figures["links_right"], figures["links"])
    figures["baseline"] = {
        "right_letter": _share(base["right"], figures["answerable"]),
        "links_right_share": _share(base["links_right"], base["links"]),
        "links": base["links"],
    }
    return figures


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 1.0


def _baseline(store: DocumentStore, keys: dict[str, str], pages: set[str]) -> dict[str, str]:
    """Each council page -> its authority's letter closest before its stated date."""
    records = [r for r in (store.get(doc) for doc in keys) if r is not None]
    letters = [r for r in records if keys[r.document_id] not in pages]
    guesses = {}
    for page in records:
        if keys[page.document_id] not in pages or not page.published:
            continue
        before = [
            r
            for r in letters
            if r.authority == page.authority and r.published and r.published <= page.published
        ]
        if before:
            guesses[page.document_id] = keys[max(before, key=lambda r: r.published).document_id]
    return guesses


def run(shared: Path, split: str, way: str) -> dict:
    entries = load_gold(split)
    authorities = {Register.load().find(e["authority"]).name for e in entries}
    letters = corpus_letters(shared, authorities)
    with tempfile.TemporaryDirectory(prefix="ofsted-findings-linking-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", engine="sqlite")
        keys = build(settings, entries, letters, way, Path(tmp))
        figures = measure(settings, entries, keys)
    figures.update(split=split, way=way, letters=len(letters))
    return figures


def format_line(figures: dict) -> str:
    b = figures["baseline"]
    return (
        f"linking {figures['split']:<8} via {figures['way']:<6}: right letter {figures['right']}/"
        f"{figures['answerable']} ({figures['right_letter']:.0%}), links right {figures['links_right']}/"
        f"{figures['links']} ({figures['links_right_share']:.0%}), links from non-responses "
        f"{figures['nonresponse_links']}, 'none' responses left unlinked {figures['none_kept_unlinked']}/"
        f"{figures['none_labelled']}; baseline (closest letter before): right {b['right_letter']:.0%}, "
        f"links right {b['links_right_share']:.0%}"
    )
