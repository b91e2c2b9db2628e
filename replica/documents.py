"""The project's sample documents: a YAML header plus lightly marked-up text.

The format is described in ``sample/README.md``. Parsing it here keeps the
renderer free of text handling and lets tests check the samples themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

SAMPLE_DIR = Path(__file__).with_name("sample")
SAMPLE_NOTICE = "Sample document written for ofsted-findings – not a real Ofsted publication"
SAMPLE_TITLE_PREFIX = "Sample: "

TITLES = {
    "focused_visit": "Children's services focused visit",
    "inspection": "Children's services inspection",
    "monitoring_visit": "Monitoring visit",
    "jtai": "Joint area child protection inspection",
}
REQUIRED = ("authority", "ofsted_name", "document_type", "published", "file_id")


class SampleFormatError(ValueError):
    """A sample document does not follow the format in sample/README.md."""


@dataclass
class Block:
    kind: str  # subject | heading | subheading | paragraph | bullets | lines | table | pagebreak
    text: str = ""
    items: list = field(default_factory=list)


@dataclass
class SampleDocument:
    path: Path
    meta: dict
    blocks: list[Block]

    @property
    def file_id(self) -> str:
        return str(self.meta["file_id"])

    @property
    def authority(self) -> str:
        return self.meta["authority"]

    @property
    def document_type(self) -> str:
        return self.meta["document_type"]

    @property
    def title(self) -> str:
        """As listed on the replica's provider page: says it is a sample (the crawler still
        recognises the type in it), so the catalogue and every citation say so too."""
        return f"{SAMPLE_TITLE_PREFIX}{self.meta.get('title') or TITLES[self.document_type]}"

    @property
    def subject(self) -> str:
        return next((b.text for b in self.blocks if b.kind == "subject"), self.title)

    @property
    def running_title(self) -> str:
        return self.meta.get("running_title") or self.subject

    @property
    def is_letter(self) -> bool:
        return self.document_type != "inspection"


def _split_front_matter(text: str, path: Path) -> tuple[dict, str]:
    if not text.startswith("---\n"):
        raise SampleFormatError(f"{path}: must start with a '---' front-matter line")
    try:
        header, body = text[4:].split("\n---\n", 1)
    except ValueError:
        raise SampleFormatError(f"{path}: front matter is not closed with '---'") from None
    meta = yaml.safe_load(header) or {}
    missing = [k for k in REQUIRED if k not in meta]
    if missing:
        raise SampleFormatError(f"{path}: front matter lacks {', '.join(missing)}")
    if meta["document_type"] not in TITLES:
        raise SampleFormatError(f"{path}: unknown document_type {meta['document_type']!r}")
    # YAML reads bare dates as date objects; the site wants ISO strings.
    for key in ("published", "event_date"):
        if meta.get(key) is not None:
            meta[key] = str(meta[key])
    return meta, body


def _parse_block(lines: list[str]) -> Block:
    first = lines[0]
    if first == "===":
        return Block("pagebreak")
    if first.startswith("### "):
        return Block("subheading", first[4:].strip())
    if first.startswith("## "):
        return Block("heading", first[3:].strip())
    if first.startswith("# "):
        return Block("subject", first[2:].strip())
    if all(line.startswith("◼ ") for line in lines):
        return Block("bullets", items=[line[2:].strip() for line in lines])
    if all(line.startswith("| ") or line == "|" for line in lines):
        return Block("lines", items=[line[2:] for line in lines])
    if all(line.startswith("+ ") for line in lines):
        return Block("table", items=[[cell.strip() for cell in line[2:].split("|")] for line in lines])
    return Block("paragraph", " ".join(line.strip() for line in lines))


def parse_sample(path: Path) -> SampleDocument:
    return parse_sample_text(path.read_text(encoding="utf-8"), path)


def parse_sample_text(text: str, path: Path) -> SampleDocument:
    meta, body = _split_front_matter(text, path)
    blocks, current = [], []
    for line in body.splitlines() + [""]:
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append(_parse_block(current))
            current = []
    return SampleDocument(path=path, meta=meta, blocks=blocks)


def load_samples(sample_dir: Path = SAMPLE_DIR) -> list[SampleDocument]:
    docs = [parse_sample(p) for p in sorted((Path(sample_dir) / "ofsted").glob("*.txt"))]
    ids = [d.file_id for d in docs]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise SampleFormatError(f"duplicate file_id in samples: {sorted(duplicates)}")
    return docs


PLACEHOLDER_LETTER = """---
authority: {name}
ofsted_name: {ofsted_name}
document_type: focused_visit
published: {published}
event_date: {event_date}
visit_dates: {visit_dates}
file_id: {file_id}
---
| {letter_date}

| Director of Children’s Services
| {ofsted_name}

Dear Director

# Focused visit to {name} children’s services

This letter summarises the findings of the focused visit to {name} children’s services on {visit_dates}. His Majesty’s Inspectors for this visit were Sample Inspector and Example Inspector.

Inspectors looked at the local authority’s arrangements for care leavers.

## Headline findings

This is a generated sample letter for {name}, written so that every authority on the replica site has a publication. It is not a real Ofsted publication and says nothing about {name}’s services.

## What needs to improve in this area of social work practice?

◼ Sample area for improvement: the timeliness of pathway plans.
◼ Sample area for improvement: the sufficiency of suitable accommodation.

## Main findings

Sample finding: care leavers are supported by personal advisers who keep in touch with them, and staying put arrangements are offered to young people in foster care.

Sample finding: young people receive a health passport and are helped to register with a doctor.

===

Sample finding: leaders know the service and have plans to improve it.

Ofsted will take the findings from this focused visit into account when planning the next inspection or visit.

Yours sincerely

| Sample Inspector
| His Majesty’s Inspector
"""


def placeholder_letter(name: str, ofsted_name: str, file_id: str, index: int) -> SampleDocument:
    """A short generated letter for an authority that has no other document."""
    from datetime import date, timedelta

    published = date(2024, 1, 8) + timedelta(days=7 * index)
    visit = published - timedelta(days=35)
    day_after = visit + timedelta(days=1)
    visit_dates = (
        f"{visit.day} and {day_after.day} {day_after:%B %Y}"
        if visit.month == day_after.month
        else f"{visit.day} {visit:%B} and {day_after.day} {day_after:%B %Y}"
    )
    text = PLACEHOLDER_LETTER.format(
        name=name,
        ofsted_name=ofsted_name,
        published=published.isoformat(),
        event_date=visit.isoformat(),
        visit_dates=visit_dates,
        file_id=file_id,
        letter_date=f"{published.day} {published:%B %Y}",
    )
    return parse_sample_text(text, Path(f"<placeholder for {name}>"))
