"""The web UI and JSON API: a Flask app factory with one blueprint per area.

``create_app`` never touches the search engine or the store while starting,
so a dead Elasticsearch node gives "search is unavailable" pages, not a
crash at boot (see ``webapp.services``).
"""

from __future__ import annotations

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from common.config import Settings
from webapp import errors, security, template_filters
from webapp.services import Services


def create_app(settings: Settings | None = None, *, searcher=None, store=None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        SETTINGS=settings,
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=64 * 1024,  # the app takes no uploads; refuse large bodies early
    )
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    # Our templates first; the GOV.UK Design System macros from govuk-frontend-jinja
    # under their own prefix, as LandRegistry/govuk-frontend-flask does.
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(app.root_path + "/templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.autoescape = True
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.extensions["ofsted_findings"] = Services(settings, searcher=searcher, store=store)

    from webapp import api, exports, feeds, history_views, pages, similar

    app.register_blueprint(pages.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(history_views.bp)  # issue 19: histories and the researcher's view
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.register_blueprint(similar.bp)  # its page and its /api/v1 route
    template_filters.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    return app
