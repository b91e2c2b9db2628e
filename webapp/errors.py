"""Error pages and JSON errors: every failure gets a clear message, never a traceback."""

from __future__ import annotations

from flask import jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from indexer.engines.base import EngineUnavailable
from webapp.params import BadSearchParameters
from webapp.services import StoreUnavailable


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, title: str, message: str, problems: list[str] | None = None):
    if wants_json():
        body = {"error": {"status": status, "title": title, "message": message}}
        if problems:
            body["error"]["problems"] = problems
        return make_response(jsonify(body), status)
    return make_response(
        render_template("error.html", status=status, title=title, message=message, problems=problems or []),
        status,
    )


def init_app(app) -> None:
    @app.errorhandler(EngineUnavailable)
    def engine_unavailable(exc):
        app.logger.warning("search engine unavailable: %s", exc)
        response = error_response(
            503,
            "Search is unavailable",
            "search is unavailable: the search index cannot be reached "
            "right now. Please try again in a few minutes.",
        )
        return _retry_later(response)

    @app.errorhandler(StoreUnavailable)
    def store_unavailable(exc):
        app.logger.warning("document store unavailable: %s", exc)
        response = error_response(
            503,
            "Documents are unavailable",
            "The document store cannot be read right now. Please try again in a few minutes.",
        )
        return _retry_later(response)

    @app.errorhandler(BadSearchParameters)
    def bad_parameters(exc):
        return error_response(400, "Bad request", "Some search parameters could not be read.", exc.problems)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        titles = {404: "Page not found", 405: "Method not allowed", 413: "Request too large"}
        message = {404: "There is nothing at this address. Check it, or search instead."}.get(
            exc.code, exc.description or ""
        )
        return error_response(exc.code or 500, titles.get(exc.code, exc.name), message)

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("unexpected error on %s", request.path)
        return error_response(
            500, "Sorry, something went wrong", "The error has been logged. Please try again later."
        )


def _retry_later(response):
    response.headers["Retry-After"] = "60"
    return response
