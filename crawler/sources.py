"""The council news source list (councils.yaml): loaded, checked, explained."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from common.authorities import Authority, Register

DEFAULT_COUNCILS_FILE = Path(__file__).with_name("councils.yaml")
COUNCILS_FILE_ENV = "OFSTED_FINDINGS_COUNCILS_FILE"


class SourceListError(ValueError):
    """councils.yaml (or its replacement) is not valid."""


@dataclass(frozen=True)
class Listing:
    url: str
    links: str
    next: str | None = None


@dataclass(frozen=True)
class CouncilSource:
    authority: Authority
    website: str
    sitemaps: tuple[str, ...] = ()
    news_url_pattern: str = "/news"
    listing: Listing | None = None
    extra_domains: tuple[str, ...] = field(default_factory=tuple)

    @property
    def allowed_domains(self) -> set[str]:
        urls = [self.website, *self.sitemaps, *([self.listing.url] if self.listing else [])]
        return {urlsplit(u).hostname for u in urls if urlsplit(u).hostname} | set(self.extra_domains)


def councils_file() -> Path:
    return Path(os.environ.get(COUNCILS_FILE_ENV) or DEFAULT_COUNCILS_FILE)


def load_sources(path: Path | None = None, register: Register | None = None) -> list[CouncilSource]:
    path = Path(path or councils_file())
    register = register or Register.load()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SourceListError(f"cannot read the council source list {path}: {exc}") from exc
    sources = []
    for n, entry in enumerate(data.get("councils") or [], 1):
        where = f"{path}, entry {n}"
        if not isinstance(entry, dict) or "authority" not in entry or "website" not in entry:
            raise SourceListError(f"{where}: needs at least 'authority' and 'website'")
        authority = register.find(entry["authority"])
        if authority is None:
            raise SourceListError(f"{where}: {entry['authority']!r} is not in the authority register")
        listing = entry.get("listing")
        if listing is not None and not (
            isinstance(listing, dict) and listing.get("url") and listing.get("links")
        ):
            raise SourceListError(f"{where}: 'listing' needs 'url' and 'links'")
        if not entry.get("sitemaps") and not listing:
            raise SourceListError(f"{where}: give 'sitemaps' or a 'listing' (or both)")
        for url in [entry["website"], *(entry.get("sitemaps") or []), *([listing["url"]] if listing else [])]:
            if not str(url).startswith(("http://", "https://")):
                raise SourceListError(f"{where}: {url!r} is not an http(s) URL")
        sources.append(
            CouncilSource(
                authority=authority,
                website=entry["website"].rstrip("/"),
                sitemaps=tuple(entry.get("sitemaps") or ()),
                news_url_pattern=entry.get("news_url_pattern", "/news"),
                listing=Listing(listing["url"], listing["links"], listing.get("next")) if listing else None,
                extra_domains=tuple(entry.get("allowed_domains") or ()),
            )
        )
    return sources
