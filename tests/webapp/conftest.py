"""Fixtures for the web tests: a real SQLite index and store with sample documents."""
from __future__ import annotations

import pytest

from indexer.engines.sqlite import SqliteEngine
from indexer.search import Searcher
from indexer.themes import Taxonomy
from indexer.query import SynonymTable
from ofsted_findings.store import DocumentStore
from tests.webapp import sample
from webapp import create_app


@pytest.fixture(scope="session")
def sample_data(tmp_path_factory):
    from ofsted_findings.config import Settings
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


def searcher_for(settings) -> Searcher:
    return Searcher(SqliteEngine(settings.sqlite_index_path),
                    SynonymTable(Taxonomy.load().synonym_groups()))
