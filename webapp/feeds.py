"""An Atom feed for any search: the newest matching paragraphs, so a reader
can subscribe to "staying close" and hear about new letters."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, request

from common.formatting import citation
from webapp.params import parse_search_args
from webapp.services import services

bp = Blueprint("feeds", __name__)

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 50
# Characters XML 1.0 cannot carry at all; a PDF's stray control codes must not break the feed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _timestamp(iso_date: str | None) -> str:
    if iso_date:
        return f"{iso_date[:10]}T00:00:00Z"
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: v for k, v in attrs.items()})
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


@bp.get("/search.atom")
def search_feed():
    params = parse_search_args(request.args)
    params.sort, params.offset, params.per_page = "date", 0, FEED_ENTRIES
    # The feed carries each paragraph's whole text, never a snippet: nothing to highlight.
    response = services().searcher.search(params.request(facets=False, snippets=False))
    settings = services().settings
    base = settings.base_url.rstrip("/")
    query = urlencode(params.query_args(sort=None, page=None, per_page=None), doseq=True)
    page_url = f"{base}/search" + (f"?{query}" if query else "")
    feed_url = f"{base}/search.atom" + (f"?{query}" if query else "")

    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    title = f"Ofsted findings: {params.q}" if params.q.strip() else "Ofsted findings: newest paragraphs"
    _sub(feed, "title", title)
    _sub(feed, "id", feed_url)
    _sub(feed, "link", rel="self", href=feed_url, type="application/atom+xml")
    _sub(feed, "link", rel="alternate", href=page_url, type="text/html")
    _sub(feed, "updated", _timestamp(max((h.get("published") or "" for h in response.hits), default=None)))
    author = _sub(feed, "author")
    _sub(author, "name", "ofsted-findings")
    for hit in response.hits:
        permalink = settings.permalink(hit["document_id"], hit.get("paragraph_number"))
        entry = _sub(feed, "entry")
        # A council's words are labelled as the council's here too, never as Ofsted's findings.
        whose = "Council's own words — " if hit.get("kind") == "council" else ""
        _sub(
            entry,
            "title",
            f"{whose}{hit.get('authority') or 'Unknown authority'}: "
            f"{hit.get('document_title') or 'document'}, paragraph {hit.get('paragraph_number')}",
        )
        _sub(entry, "id", permalink)
        _sub(entry, "link", rel="alternate", href=permalink, type="text/html")
        if hit.get("source", "").startswith(("http://", "https://")):
            _sub(entry, "link", rel="related", href=hit["source"])
        _sub(entry, "updated", _timestamp(hit.get("published")))
        if hit.get("published"):
            _sub(entry, "published", _timestamp(hit["published"]))
        for theme in hit.get("themes") or []:
            _sub(entry, "category", term=theme)
        _sub(entry, "summary", citation(hit, permalink))
        _sub(entry, "content", hit.get("text") or "", type="text")
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="application/atom+xml")
