"""The replica's data: which providers exist and what each has published.

A built site folder holds ``site.json`` (this model) and ``files/`` (the PDFs).
The server reads it; tests read it to know what a full crawl must find.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from common.authorities import Authority

SITE_FILE = "site.json"

# How Ofsted writes a council's name on the listing ("London Borough of Enfield").
_OFSTED_NAME_PATTERNS = {
    "London Borough": "London Borough of {name}",
    "Metropolitan District": "{name} Metropolitan Borough Council",
    "County": "{name} County Council",
    "Unitary Authority": "{name} Council",
}


def ofsted_name_for(authority: Authority) -> str:
    if authority.name == "City of London":
        return "City of London Corporation"
    return _OFSTED_NAME_PATTERNS.get(authority.la_type, "{name} Council").format(name=authority.name)


@dataclass
class Publication:
    file_id: str
    title: str  # the label on the provider page, e.g. "Children's services focused visit"
    document_type: str  # focused_visit | inspection | monitoring_visit | jtai
    published: str  # ISO date
    event_date: str | None  # ISO date of the visit or inspection, when known
    path: str  # relative to the site folder
    sha256: str
    size: int
    content_type: str = "application/pdf"

    @property
    def nonvisual(self) -> str:
        return f"{self.title}, PDF - {long_date(self.published)}"


@dataclass
class Provider:
    urn: str
    name: str  # the register's canonical name
    ofsted_name: str  # the listing's link text
    publications: list[Publication] = field(default_factory=list)


@dataclass
class CouncilPage:
    slug: str
    title: str
    published: str
    path: str  # the page's HTML, relative to the site folder
    responds_to: str | None = None  # file id of the Ofsted publication it answers
    about_ofsted: bool = False  # a release the council spider should keep
    # response | school | send | jobs | agenda | filler: what the page is (replica/councils.py)
    kind: str = "filler"
    url_path: str = ""  # its path on the council's site; "" means /news/<slug>


@dataclass
class CouncilSite:
    """One council's website. ``shape`` is how its news is found and how the site behaves
    (replica/councils.py SHAPES)."""

    slug: str
    authority: str
    shape: str
    pages: list[CouncilPage] = field(default_factory=list)

    def page(self, slug: str) -> CouncilPage | None:
        return next((p for p in self.pages if p.slug == slug), None)


@dataclass
class Site:
    name: str
    providers: list[Provider]
    councils: list[CouncilSite] = field(default_factory=list)

    def council(self, slug: str) -> CouncilSite | None:
        return next((c for c in self.councils if c.slug == slug), None)

    def releases(self) -> list[tuple[CouncilSite, CouncilPage]]:
        """The council pages about Ofsted, which a council crawl must find."""
        return [(c, p) for c in self.councils for p in c.pages if p.about_ofsted]

    def provider(self, urn: str) -> Provider | None:
        return next((p for p in self.providers if p.urn == urn), None)

    def publication(self, file_id: str) -> Publication | None:
        return next((pub for p in self.providers for pub in p.publications if pub.file_id == file_id), None)

    def publications(self) -> list[Publication]:
        return [pub for p in self.providers for pub in p.publications]

    def save(self, site_dir: Path) -> Path:
        path = Path(site_dir) / SITE_FILE
        path.write_text(json.dumps(asdict(self), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, site_dir: Path) -> "Site":
        path = Path(site_dir) / SITE_FILE
        if not path.is_file():
            raise FileNotFoundError(
                f"{site_dir} is not a built replica site (no {SITE_FILE}); build one with replica.build"
            )
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            name=data["name"],
            providers=[
                Provider(
                    urn=p["urn"],
                    name=p["name"],
                    ofsted_name=p["ofsted_name"],
                    publications=[Publication(**pub) for pub in p["publications"]],
                )
                for p in data["providers"]
            ],
            councils=[
                CouncilSite(
                    slug=c["slug"],
                    authority=c["authority"],
                    shape=c["shape"],
                    pages=[CouncilPage(**p) for p in c["pages"]],
                )
                for c in data.get("councils", [])
            ],
        )


def long_date(iso: str) -> str:
    """Ofsted's page format: zero-padded day, full month ("09 May 2025")."""
    return date.fromisoformat(iso).strftime("%d %B %Y")
