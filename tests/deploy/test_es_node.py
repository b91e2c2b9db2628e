"""deploy/es_node.py: fetching, and failing to start clearly."""

from __future__ import annotations

import pytest

from tests.support.elasticsearch import _es_node_module

es_node = _es_node_module()


def test_fetch_uses_the_cache_and_explains_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("OFSTED_FINDINGS_ES_MAVEN_REPO", str(tmp_path / "repo"))
    cached = es_node.zip_path("1.2.3")
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"zip")
    assert es_node.fetch("1.2.3") == cached
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    with pytest.raises(es_node.NodeError, match=r"not cached and Maven \(mvn\) is not installed"):
        es_node.fetch("9.9.9")


def test_a_node_that_cannot_start_fails_with_its_log(monkeypatch):
    if not es_node.zip_path().is_file():
        pytest.fail(f"{es_node.zip_path()} is missing: run `python deploy/es_node.py fetch` (make es-fetch)")
    with pytest.raises(es_node.NodeError) as failure:
        es_node.start_node(heap="lots", timeout=120)
    message = str(failure.value)
    assert "exited with status" in message and "console.log" in message
    assert "Invalid" in message or "lots" in message
    assert failure.value.workdir is not None and not failure.value.workdir.exists()


def test_status_without_a_background_node(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OFSTED_FINDINGS_ES_CACHE", str(tmp_path))
    assert es_node.main(["status"]) == 1
    assert "no node" in capsys.readouterr().out
    assert es_node.main(["stop"]) == 0


def test_the_es_url_fixture_fails_rather_than_skips(tmp_path):
    import socket
    import subprocess
    import sys

    from tests.support.elasticsearch import ROOT

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    test = tmp_path / "test_needs_es.py"
    test.write_text("def test_it(es_url):\n    pass\n")
    env = {
        **__import__("os").environ,
        "OFSTED_FINDINGS_TEST_ES_URL": f"http://127.0.0.1:{port}",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.support.elasticsearch",
            "--rootdir",
            str(tmp_path),
            str(test),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout
    assert "1 error" in result.stdout and "skipped" not in result.stdout
    assert "is not a healthy Elasticsearch node" in result.stdout


# -- where the node lives when run as root (its user must reach every folder) ---------------


def _nobody():
    import pwd

    return pwd.getpwnam("nobody")


def _private_and_public(tmp_path_factory):
    import tempfile
    from pathlib import Path

    base = Path(tempfile.mkdtemp(prefix="es-node-places-"))  # /tmp: 1777
    base.chmod(0o755)
    private, public = base / "private", base / "public"
    private.mkdir(mode=0o700)
    public.mkdir(mode=0o755)
    return base, private, public


def test_reachable_by_follows_every_folder_on_the_way(tmp_path_factory):
    import shutil

    base, private, public = _private_and_public(tmp_path_factory)
    try:
        nobody = _nobody()
        assert es_node.reachable_by(public / "checkout" / ".cache", nobody)
        assert not es_node.reachable_by(private / "checkout" / ".cache", nobody)
        assert not es_node.reachable_by(private, nobody)
        assert es_node.reachable_by(private / "x", None)  # not root: the node runs as us
        assert es_node._blocking_folder(private / "checkout" / "x", nobody) == private
    finally:
        shutil.rmtree(base)


def test_a_checkout_under_a_0700_folder_runs_the_node_from_the_shared_folder(tmp_path_factory, monkeypatch):
    import shutil

    base, private, public = _private_and_public(tmp_path_factory)
    try:
        monkeypatch.setattr(es_node, "SHARED_DIR", public / "shared")
        monkeypatch.setenv("OFSTED_FINDINGS_ES_CACHE", str(private / "checkout" / ".cache"))
        monkeypatch.setenv("TMPDIR", str(private / "tmp"))
        (private / "tmp").mkdir()
        monkeypatch.setattr(es_node.tempfile, "tempdir", None)  # re-read TMPDIR
        unpack_into, work_parent = es_node.node_places(_nobody())
        assert unpack_into == public / "shared" / "dist"
        assert work_parent == public / "shared" / "run"
        assert oct((public / "shared").stat().st_mode & 0o777) == "0o755"
        # Reachable places are kept as they are; not root, nothing moves.
        monkeypatch.setenv("OFSTED_FINDINGS_ES_CACHE", str(public / "cache"))
        monkeypatch.setenv("TMPDIR", str(public))
        monkeypatch.setattr(es_node.tempfile, "tempdir", None)
        assert es_node.node_places(_nobody()) == (public / "cache", public)
        monkeypatch.setenv("OFSTED_FINDINGS_ES_CACHE", str(private / "cache"))
        assert es_node.node_places(None) == (private / "cache", public)
    finally:
        shutil.rmtree(base)


def test_the_shared_folder_is_refused_if_others_could_write_to_it(tmp_path_factory, monkeypatch):
    import shutil

    base, private, public = _private_and_public(tmp_path_factory)
    try:
        planted = public / "planted"
        planted.mkdir()
        planted.chmod(0o777)
        monkeypatch.setattr(es_node, "SHARED_DIR", planted)
        with pytest.raises(es_node.NodeError, match="writable only by it"):
            es_node.shared_dir()
    finally:
        shutil.rmtree(base)


def test_a_data_folder_the_node_user_cannot_reach_is_refused_clearly(tmp_path_factory, monkeypatch):
    import os
    import shutil

    if os.geteuid() != 0:
        pytest.skip("only as root does the node run as another user")
    if not es_node.zip_path().is_file():
        pytest.fail(f"{es_node.zip_path()} is missing: run `python deploy/es_node.py fetch` (make es-fetch)")
    base, private, public = _private_and_public(tmp_path_factory)
    try:
        with pytest.raises(es_node.NodeError, match=r"cannot enter .*private \(mode 0700\)"):
            es_node.start_node(data_dir=private / "data")
    finally:
        shutil.rmtree(base)


# -- the production cluster configuration (deploy/elasticsearch/) -------------------------

CLUSTER = es_node.ROOT / "deploy" / "elasticsearch"


def _index_settings() -> dict:
    from indexer.engines.elasticsearch import index_settings

    return index_settings()["index"]


def test_the_cluster_configuration_is_secure_and_forms_a_quorum():
    import yaml

    config = yaml.safe_load((CLUSTER / "elasticsearch.yml").read_text(encoding="utf-8"))
    assert config["xpack.security.enabled"] is True
    assert config["xpack.security.transport.ssl.enabled"] is True
    assert config["xpack.security.transport.ssl.verification_mode"] == "full"
    assert config["xpack.security.http.ssl.enabled"] is True
    assert config["action.destructive_requires_name"] is True
    masters = config["cluster.initial_master_nodes"]
    assert len(masters) == 3 and sorted(masters) == sorted(config["discovery.seed_hosts"])
    assert "master" in config["node.roles"] and "data" in config["node.roles"]


def test_the_cluster_heap_is_fixed_and_below_compressed_pointer_limit():
    options = [
        line
        for line in (CLUSTER / "jvm.options.d" / "heap.options").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    sizes = {opt[:4]: opt[4:] for opt in options}
    assert sizes["-Xms"] == sizes["-Xmx"]
    value, unit = int(sizes["-Xmx"][:-1]), sizes["-Xmx"][-1].lower()
    assert unit in "gm" and (value if unit == "g" else value / 1024) <= 31


def test_the_index_settings_agree_with_the_nodes_and_the_reasoning():
    settings = _index_settings()
    readme = (CLUSTER / "README.md").read_text(encoding="utf-8")
    # The engine sends stems (indexer/analysis.py): the index needs no analysis chain of its own.
    assert "analysis" not in settings
    assert f"auto_expand_replicas: {settings['auto_expand_replicas']}" in readme
    assert settings["number_of_shards"] == 1 and "| Primary shards | 1 |" in readme
