"""Which council websites the councils crawl reads: every authority of the register, at the
website the register gives it, with the overrides of councils.yaml applied (loaded, checked,
explained here; the file's header documents its schema)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from common.authorities import Authority, Register

DEFAULT_COUNCILS_FILE = Path(__file__).with_name("councils.yaml")
COUNCILS_FILE_ENV = "OFSTED_FINDINGS_COUNCILS_FILE"
ENTRY_KEYS = {"authority", "website", "news_hosts", "sitemaps", "listing", "exclude", "skip"}


class SourceListError(ValueError):
    """councils.yaml (or its replacement) is not valid."""


@dataclass(frozen=True)
class Listing:
    url: str
    links: str | None = None  # CSS selector of the article links; None: found generically
    next: str | None = None  # CSS selector of the next-page link; None: found generically


@dataclass(frozen=True)
class CouncilSource:
    authority: Authority
    website: str  # the site root, e.g. https://www.leeds.gov.uk
    news_hosts: tuple[str, ...] = ()  # roots of other hosts the council's news lives on
    sitemaps: tuple[str, ...] = ()  # sitemaps read besides those robots.txt names
    listing: Listing | None = None  # a news listing read besides the one found from the home page
    exclude: tuple[str, ...] = ()  # URLs containing any of these are never requested
    overridden: bool = False  # councils.yaml has an entry for it

    @property
    def roots(self) -> tuple[str, ...]:
        return (self.website, *self.news_hosts)

    @property
    def hosts(self) -> set[str]:
        """The hosts (host:port) of the council's site: its pages may be on these or their subdomains."""
        urls = [*self.roots, *self.sitemaps, *([self.listing.url] if self.listing else [])]
        return {urlsplit(u).netloc.lower() for u in urls if urlsplit(u).netloc}

    # kept for callers that ask which domains a source spans
    @property
    def allowed_domains(self) -> set[str]:
        return {urlsplit(f"//{h}").hostname for h in self.hosts}


def website_url(domain: str) -> str:
    """The register's web domain ("leeds.gov.uk") as a site root: councils serve their site on
    www. (the bare domain redirects there, or does not answer at all)."""
    domain = domain.strip().lower().rstrip("/")
    if domain.startswith(("http://", "https://")):
        return domain
    return "https://" + (domain if domain.startswith("www.") else "www." + domain)


def councils_file() -> Path:
    return Path(os.environ.get(COUNCILS_FILE_ENV) or DEFAULT_COUNCILS_FILE)


def _http_url(where: str, url, what: str) -> str:
    if not isinstance(url, str) or not url.startswith(("http://", "https://")) or not urlsplit(url).netloc:
        raise SourceListError(f"{where}: {what} {url!r} is not an http(s) URL")
    return url.rstrip("/") if what in ("website", "news host") else url


def _url_list(where: str, entry: dict, key: str, what: str) -> tuple[str, ...]:
    value = entry.get(key) or []
    if not isinstance(value, list):
        raise SourceListError(f"{where}: '{key}' must be a list")
    return tuple(_http_url(where, url, what) for url in value)


def _override(where: str, entry, register: Register) -> tuple[Authority, dict]:
    if not isinstance(entry, dict) or "authority" not in entry:
        raise SourceListError(f"{where}: needs 'authority' (a name in the authority register)")
    unknown = set(entry) - ENTRY_KEYS
    if unknown:
        raise SourceListError(f"{where}: unknown key(s) {sorted(unknown)}; valid keys: {sorted(ENTRY_KEYS)}")
    authority = register.find(str(entry["authority"]))
    if authority is None:
        raise SourceListError(f"{where}: {entry['authority']!r} is not in the authority register")
    listing = entry.get("listing")
    if listing is not None and not (isinstance(listing, dict) and listing.get("url")):
        raise SourceListError(f"{where}: 'listing' needs 'url' (and may give 'links' and 'next' selectors)")
    exclude = entry.get("exclude") or []
    if not isinstance(exclude, list) or not all(isinstance(e, str) and e for e in exclude):
        raise SourceListError(f"{where}: 'exclude' must be a list of URL fragments")
    fields = {
        "news_hosts": _url_list(where, entry, "news_hosts", "news host"),
        "sitemaps": _url_list(where, entry, "sitemaps", "sitemap"),
        "exclude": tuple(exclude),
        "overridden": True,
    }
    if entry.get("website"):
        fields["website"] = _http_url(where, entry["website"], "website")
    if listing:
        fields["listing"] = Listing(
            _http_url(where, listing["url"], "listing"), listing.get("links"), listing.get("next")
        )
    if entry.get("skip"):
        fields["skip"] = True
    return authority, fields


def load_sources(path: Path | None = None, register: Register | None = None) -> list[CouncilSource]:
    """Every authority of the register (or, when the file says ``only_listed: true``, only those
    it lists), each at its register website unless an override entry says otherwise."""
    path = Path(path or councils_file())
    register = register or Register.load()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SourceListError(f"cannot read the council overrides {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise SourceListError(f"{path}: expected a mapping with a 'councils' list")
    overrides: dict[str, dict] = {}
    for n, entry in enumerate(data.get("councils") or [], 1):
        authority, fields = _override(f"{path}, entry {n}", entry, register)
        if authority.name in overrides:
            raise SourceListError(f"{path}, entry {n}: a second entry for {authority.name}")
        overrides[authority.name] = fields
    only_listed = bool(data.get("only_listed"))
    sources = []
    for authority in register:
        fields = dict(overrides.get(authority.name) or {})
        if (only_listed and not fields) or fields.pop("skip", False):
            continue
        website = fields.pop("website", None)
        if website is None:
            if not authority.website:
                raise SourceListError(
                    f"{authority.name} has no website in the authority register; give one in {path}"
                )
            website = website_url(authority.website)
        sources.append(CouncilSource(authority=authority, website=website, **fields))
    return sources


__all__ = ["CouncilSource", "Listing", "SourceListError", "load_sources", "website_url"]
