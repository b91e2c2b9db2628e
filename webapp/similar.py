"""Similar practice in other councils, and "learn from": a page and its JSON.

``/documents/<id>/paragraphs/<n>/similar`` (page) and
``/api/v1/documents/<id>/paragraphs/<n>/similar`` (JSON): the paragraphs of other
authorities that describe the same practice (``SearchEngine.similar``), filtered by
``neighbours_of=<authority>`` (that authority and its statistical neighbours) and
``stance``. On an area for improvement the page leads with "learn from": the strengths
on the same practice elsewhere, the authority's neighbours first (``indexer.similar.learn_from``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, jsonify, render_template, request

from indexer.engines.base import opening_snippet
from indexer.search import public_hit
from indexer.similar import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    STANCE_VALUES,
    UnknownParagraph,
    learn_from,
    neighbourhood,
)
from webapp.params import BadSearchParameters
from webapp.services import services

bp = Blueprint("similar", __name__)

PATH = "/documents/<document_id>/paragraphs/<int:n>/similar"
# Paragraph numbers are small; a larger one is no paragraph (and too big for SQLite's integers).
MAX_PARAGRAPH = 1_000_000


@dataclass
class SimilarParams:
    neighbours_of: str | None = None  # the register's name for it
    stance: str | None = None
    limit: int = DEFAULT_LIMIT


def parse_similar_args(args) -> SimilarParams:
    """The query's parameters; a value that matches nothing is a 400 that lists the valid ones."""
    problems = []
    params = SimilarParams()
    register = services().register
    neighbours_of = (args.get("neighbours_of") or "").strip()
    if neighbours_of:
        found = register.find(neighbours_of) or register.by_ons_code(neighbours_of.upper())
        if found is None:
            problems.append(
                f"neighbours_of: {neighbours_of[:80]!r} is not an authority; valid values: "
                + ", ".join(a.name for a in register)
            )
        else:
            params.neighbours_of = found.name
    stance = (args.get("stance") or "").strip().lower()
    if stance:
        if stance in STANCE_VALUES:
            params.stance = stance
        else:
            problems.append(
                f"stance: {stance[:40]!r} is not a stance; valid values: {', '.join(STANCE_VALUES)}"
            )
    limit = (args.get("limit") or "").strip()
    if limit:
        if limit.isdigit() and 1 <= int(limit) <= MAX_LIMIT:
            params.limit = int(limit)
        else:
            problems.append(f"limit: {limit[:20]!r} is not a whole number from 1 to {MAX_LIMIT}")
    if problems:
        raise BadSearchParameters(problems)
    return params


def _source(document_id: str, n: int) -> dict:
    if n > MAX_PARAGRAPH:
        abort(404)
    paragraph = services().searcher.engine.paragraph(document_id, n)
    if paragraph is None:
        abort(404)
    return paragraph


def _similar(document_id: str, n: int, params: SimilarParams) -> list[dict]:
    try:
        return services().searcher.engine.similar(
            document_id, n, limit=params.limit, neighbours_of=params.neighbours_of, stance=params.stance
        )
    except UnknownParagraph:
        abort(404)


@bp.get("/api/v1" + PATH)
def similar_json(document_id: str, n: int):
    params = parse_similar_args(request.args)
    source = _source(document_id, n)
    settings = services().settings
    return jsonify(
        {
            "paragraph": public_hit(
                {**source, "snippet": opening_snippet(source.get("text") or "")}, settings
            ),
            "neighbours_of": params.neighbours_of,
            "neighbours": list(neighbourhood(params.neighbours_of, services().register)[1:])
            if params.neighbours_of
            else None,
            "stance": params.stance,
            "results": [public_hit(hit, settings) for hit in _similar(document_id, n, params)],
        }
    )


@bp.get(PATH)
def similar_page(document_id: str, n: int):
    params = parse_similar_args(request.args)
    source = _source(document_id, n)
    results = _similar(document_id, n, params)
    learn, neighbours = [], ()
    if (
        source.get("stance") == "improvement"
        and source.get("kind") == "ofsted"
        and not params.stance
        and not params.neighbours_of
    ):
        learn, neighbours = learn_from(
            services().searcher.engine, document_id, n, authorities=services().register
        )
    home = services().register.find(source.get("authority") or "")
    return render_template(
        "similar.html",
        source=source,
        results=results,
        learn=learn,
        neighbours=neighbours,
        params=params,
        home=home,
        stances=STANCE_VALUES,
    )
