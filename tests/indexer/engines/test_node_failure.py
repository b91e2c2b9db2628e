"""Killing Elasticsearch in the middle of a rebuild (issue 4, "Failure and bad input").

A soak test: it starts a node of its own twice (about a minute), so it runs with
`pytest -m soak tests/indexer/engines`, not in every `make test`. The everyday suite
covers the same promise without killing anything (test_contract.py,
test_an_interrupted_rebuild_keeps_the_old_index_serving; test_elasticsearch.py,
test_a_rebuild_cleans_up_what_an_interrupted_one_left).
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pytest

from indexer.engines.base import EngineUnavailable, SearchRequest
from indexer.engines.elasticsearch import BULK_CHUNK, ElasticsearchEngine
from indexer.query import parse
from tests.support.elasticsearch import _es_node_module

from .conftest import PARAGRAPHS

pytestmark = [pytest.mark.soak, pytest.mark.elasticsearch]


def test_killing_the_node_during_a_rebuild_leaves_the_old_index_serving():
    es_node = _es_node_module()
    # Not under pytest's private tmp_path: the node's own user must reach it.
    data = Path(tempfile.mkdtemp(prefix="ofsted-es-data-"))
    data.chmod(0o755)
    nodes = [es_node.start_node(data_dir=data)]
    try:
        url = nodes[0].url
        engine = ElasticsearchEngine(url, "killed-mid-rebuild", request_timeout=10)
        engine.rebuild(PARAGRAPHS)
        old = engine.live_index()

        def paragraphs_then_kill():
            for i in range(BULK_CHUNK + 10):  # the first chunk reaches the new index
                yield replace(PARAGRAPHS[i % len(PARAGRAPHS)], document_id=f"bulk{i}")
                if i == BULK_CHUNK + 5:
                    os.killpg(nodes[0].pid, signal.SIGKILL)
                    while nodes[0].running():
                        time.sleep(0.1)

        with pytest.raises(EngineUnavailable, match=url):
            engine.rebuild(paragraphs_then_kill())

        nodes.append(es_node.start_node(port=int(url.rsplit(":", 1)[1]), data_dir=data))
        assert engine.live_index() == old
        response = engine.search(SearchRequest(q="", limit=100), parse(""))
        assert response.total == len(PARAGRAPHS)
        assert len(engine.indices()) == 2  # the old index and the half-built orphan

        assert engine.rebuild(PARAGRAPHS[:3]) == 3
        assert engine.live_index() != old and engine.indices() == [old, engine.live_index()]

        for node in nodes:
            node.stop()
        assert not nodes[0].workdir.exists() and not nodes[-1].workdir.exists()
        assert any(data.iterdir())  # the data folder given to start_node() stays
    finally:
        for node in nodes:
            node.stop()
        shutil.rmtree(data, ignore_errors=True)
