"""Fixtures for the web tests: a real SQLite index and store with sample documents."""

from __future__ import annotations

import pytest

from common.store import DocumentStore
from indexer.engines.sqlite import SqliteEngine
from tests.webapp import sample
from webapp import create_app


@pytest.fixture(scope="session")
def sample_data(tmp_path_factory):
    from common.config import Settings

    data_dir = tmp_path_factory.mktemp("webapp-data")
    settings = Settings.from_env(environ={}, data_dir=data_dir, base_url="http://findings.test")
    store = DocumentStore.open(settings)
    engine = SqliteEngine(settings.sqlite_index_path)
    ids = sample.build(store, engine)
    store.close()
    engine.close()
    return settings, ids


@pytest.fixture(scope="session")
def app(sample_data):
    settings, _ = sample_data
    return create_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ids(sample_data):
    return sample_data[1]


# -- browser tests: the app on an ephemeral 127.0.0.1 port, Debian's Chromium --------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_server(sample_data):
    import threading

    from werkzeug.serving import make_server

    settings, _ = sample_data
    server = make_server("127.0.0.1", 0, None, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    # Permalinks must point at this server, so the app gets its real address.
    server.app = create_app(settings.with_(base_url=base_url))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base_url
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make system-deps)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
