"""Issue 19's pages in real Chromium: axe-core finds nothing on the authority history, the
two-document comparison, the researcher's view and "me and my neighbours"; the forms work."""

from __future__ import annotations

import json
import threading

import pytest

from common.config import Settings
from common.store import DocumentStore
from indexer.engines.sqlite import SqliteEngine
from tests.webapp import history_sample
from tests.webapp.test_browser import AXE, _axe
from webapp import create_app


@pytest.fixture(scope="module")
def history_server(tmp_path_factory):
    from werkzeug.serving import make_server

    data_dir = tmp_path_factory.mktemp("history-browser")
    settings = Settings.from_env(environ={}, data_dir=data_dir)
    store = DocumentStore.open(settings)
    engine = SqliteEngine(settings.sqlite_index_path)
    ids = history_sample.build(store, engine)
    store.close()
    engine.close()
    server = make_server("127.0.0.1", 0, None, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    server.app = create_app(settings.with_(base_url=base_url))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base_url, ids
    server.shutdown()
    thread.join(timeout=10)


def test_history_pages_pass_axe(browser, history_server):
    base_url, ids = history_server
    assert AXE.is_file(), "run `npm ci` (make setup does) to install axe-core"
    context = browser.new_context(base_url=base_url, bypass_csp=True)
    page = context.new_page()
    problems = {}
    try:
        for url in (
            "/authorities/wigan",
            f"/authorities/wigan/compare?from={ids['sif-2015']}&to={ids['ilacs-2026']}",
            "/themes/improvements",
            "/themes/improvements?from=2020-01-01&neighbours_of=Wigan",
            "/compare?q=pathway+plans&neighbours_of=Wigan",
            "/search?q=pathway+plans&neighbours_of=Wigan",
        ):
            page.goto(url)
            if violations := _axe(page):
                problems[url] = violations
    finally:
        context.close()
    assert not problems, json.dumps(problems, indent=1)


def test_compare_two_documents_from_the_authority_page_and_preset_neighbours(browser, history_server):
    base_url, ids = history_server
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto("/authorities/wigan")
        assert page.get_by_role("img", name="The experiences and progress of care leavers").count() == 1
        page.select_option("#compare-from", ids["sif-2015"])
        page.select_option("#compare-to", ids["ilacs-2019"])
        page.get_by_role("button", name="Compare", exact=True).click()
        page.wait_for_url("**/authorities/wigan/compare?**")
        assert page.get_by_role("heading", name="What changed between two documents").is_visible()
        resolved = page.locator(".app-outcome--resolved + ul")
        assert "Unsuitable accommodation" in resolved.inner_text()
        # The paragraph link leads to the very paragraph.
        resolved.get_by_role("link").first.click()
        assert page.url.endswith(f"/documents/{ids['sif-2015']}#p2")
        page.goto("/compare?q=pathway+plans")
        page.select_option("#neighbours-of", "Wigan")
        page.get_by_role("button", name="Compare with neighbours").click()
        page.wait_for_url("**neighbours_of=Wigan**")
        table = page.locator(".app-compare-table").inner_text()
        assert "Wigan" in table and "Sefton" in table and "Kent" not in table
    finally:
        context.close()
