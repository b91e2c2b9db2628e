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
    kind: str            # subject | heading | subheading | paragraph | bullets | lines | table | pagebreak
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
        return self.meta.get("title") or TITLES[self.document_type]

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
    meta, body = _split_front_matter(path.read_text(encoding="utf-8"), path)
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
