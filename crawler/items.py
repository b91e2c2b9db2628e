"""What the spiders yield: a fetched document (or a failure to fetch one)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class OfstedDocument:
    """One publication from an Ofsted provider page.

    ``status`` is the HTTP status of the document fetch (200, or 304 when the
    store's copy is still current); ``error`` is set instead when it could not
    be fetched, and the pipeline records the failure."""

    source: str  # the publication link as the page gives it
    provider_url: str
    ofsted_name: str  # the provider's name as Ofsted writes it
    authority: str | None  # the register's canonical name
    urn: str
    ons_code: str | None
    region: str | None
    document_type: str
    title: str
    published: str | None  # ISO date
    event_date: str | None = None  # ISO date of the visit/inspection, when given
    status: int = 0
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    url: str | None = None  # where the bytes finally came from (after redirects)
    error: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def descriptive(self) -> dict:
        """The catalogue fields the store accepts."""
        return {
            "title": self.title,
            "document_type": self.document_type,
            "authority": self.authority,
            "ons_code": self.ons_code,
            "region": self.region,
            "urn": self.urn,
            "published": self.published,
            "event_date": self.event_date,
        }


@dataclass
class CouncilRelease:
    """A council news page about an Ofsted inspection or visit."""

    source: str
    council_site: str  # the council's website root
    authority: str
    ons_code: str | None
    region: str | None
    title: str | None
    published: str | None  # ISO date
    status: int = 0
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    quotes: list = field(default_factory=list)  # [{"speaker", "role", "quote"}]
    error: str | None = None
    # Dates the site gave beside the page (ISO): "sitemap_lastmod", "listed_date"; the
    # indexer chooses the document's date, the crawler never guesses one.
    extra: dict = field(default_factory=dict)

    @property
    def descriptive(self) -> dict:
        return {
            "title": self.title,
            "document_type": "Council response",
            "authority": self.authority,
            "ons_code": self.ons_code,
            "region": self.region,
            "published": self.published,
        }
