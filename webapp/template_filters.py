"""Jinja filters and globals. Document text is always escaped; a snippet is
the one piece of HTML we output, and bleach lets only <mark> through."""

from __future__ import annotations

from flask import url_for
from markupsafe import Markup

from common.formatting import citation, date_time, long_date
from indexer.engines.base import FACETS, sanitise_snippet
from indexer.explain import describe
from webapp.services import services


def safe_snippet(html: str | None) -> Markup:
    # The engines hand back snippets already through bleach, as Markup; anything else
    # (a plain string from elsewhere) goes through it here.
    return html if isinstance(html, Markup) else sanitise_snippet(html or "")


def theme_label(theme_id: str) -> str:
    return services().taxonomy.labels().get(theme_id, theme_id)


STANCE_LABELS = {"strength": "Strength", "improvement": "Area for improvement", "neutral": "Neutral"}


def stance_label(stance: str | None) -> str:
    return STANCE_LABELS.get(stance or "", stance or "")


FACET_LABELS = {
    "authority": "Local authority",
    "region": "Region",
    "year": "Year published",
    "document_type": "Document type",
    "theme": "Theme",
    "stance": "Ofsted's finding",
    "judgement": "Care leavers judged",
    "kind": "Whose words",
}
# A paragraph's kind is whose words it is, however the document arrived (issue 17).
KIND_LABELS = {"ofsted": "Ofsted's findings", "council": "Council's own words", "file": "Other documents"}


def facet_value_label(facet: str, value: str) -> str:
    if facet == "theme":
        return theme_label(value)
    if facet == "stance":
        return stance_label(value)
    if facet == "kind":
        return KIND_LABELS.get(value, value)
    return value


def match_reason(reason: dict) -> str:
    """One of a hit's match_reasons in words, filters named as the pages name them."""
    return describe(
        reason, lambda facet, value: f"{FACET_LABELS.get(facet, facet)}: {facet_value_label(facet, value)}"
    )


def file_name(path: str | None) -> str:
    """Only the name of an ingested file: its folders on the server are nobody's business."""
    return (path or "").replace("\\", "/").rsplit("/", 1)[-1]


def authority_slug(name: str | None) -> str | None:
    """The slug of a register authority's page, or None for names the register lacks."""
    found = services().register.find(name) if name else None
    return found.slug if found else None


def search_url(endpoint: str, args) -> str:
    """url_for with a MultiDict of repeated arguments (facet values)."""
    return url_for(endpoint, **args.to_dict(flat=False))


def init_app(app) -> None:
    app.add_template_filter(safe_snippet, "snippet")
    app.add_template_filter(long_date, "long_date")
    app.add_template_filter(file_name, "file_name")
    app.add_template_filter(date_time, "date_time")
    app.add_template_filter(theme_label, "theme_label")
    app.add_template_filter(stance_label, "stance_label")
    app.add_template_filter(match_reason, "match_reason")
    app.add_template_global(facet_value_label)
    app.add_template_global(search_url)
    app.add_template_global(authority_slug)
    app.add_template_global(FACET_LABELS, "FACET_LABELS")
    app.add_template_global(citation)
    from webapp.marking import mark_terms

    app.add_template_filter(mark_terms, "mark_terms")
    app.add_template_global(FACETS, "facet_names")

    @app.context_processor
    def settings_context():
        settings = services().settings
        return {"settings": settings, "sample_data": settings.holds_sample_data}
