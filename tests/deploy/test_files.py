"""The deployment files are validated by the tools that will read them.

compose with docker-compose's own parser, systemd units with systemd-analyze, the
nginx example with nginx -t, the gunicorn config by gunicorn itself (and by serving
a request through it); the env example is checked against the settings the code reads.
"""

from __future__ import annotations

import functools
import os
import re
import runpy
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from common.config import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / "ofsted-findings.env.example"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
DOCKERFILE = DEPLOY / "Dockerfile"
NGINX_SITE = DEPLOY / "nginx" / "ofsted-findings.conf"
UNITS = sorted((DEPLOY / "systemd").glob("*.service")) + sorted((DEPLOY / "systemd").glob("*.timer"))
VENV_BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        pytest.fail(f"{name} is not installed: `make system-deps` installs it (Debian package)")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 30) -> tuple[int, bytes]:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            pytest.fail(
                f"the server exited with {process.returncode}: {process.stderr.read().decode()[-2000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read()
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# -- compose -----------------------------------------------------------------------------
def _compose(*args: str, env_file: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    # As a fresh checkout: no OFSTED_FINDINGS_* in the environment, no env file written.
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    if env_file:
        env["OFSTED_FINDINGS_ENV_FILE"] = env_file
    return subprocess.run(
        [_tool("docker-compose"), "-f", str(COMPOSE), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@functools.cache
def _resolved_text() -> str:
    result = _compose("config")
    assert result.returncode == 0, result.stderr
    return result.stdout


def _resolved() -> dict:
    return yaml.safe_load(_resolved_text())


def _started(services: dict, profile: str | None = None) -> dict:
    """The services `up` starts: those without profiles, plus the named profile's."""
    return {
        name: svc for name, svc in services.items() if not svc.get("profiles") or profile in svc["profiles"]
    }


def _published(svc: dict) -> list[tuple[str, str]]:
    """(host address, container port) for each published port, in either compose syntax."""
    ports = []
    for port in svc.get("ports", []):
        if isinstance(port, dict):
            ports.append((port.get("host_ip", "0.0.0.0"), str(port["target"])))
        else:
            parts = port.split("/")[0].split(":")
            ports.append((parts[0] if len(parts) == 3 else "0.0.0.0", parts[-1]))
    return ports


def _mounts(svc: dict) -> dict[str, str]:
    """Mount target -> source, in either compose syntax."""
    mounts = {}
    for volume in svc.get("volumes", []):
        if isinstance(volume, dict):
            mounts[volume["target"]] = volume.get("source", "")
        else:
            source, target = volume.split(":")[:2]
            mounts[target] = source
    return mounts


def test_compose_file_is_valid_for_docker_compose():
    for args in ((), ("--profile", "cluster")):
        result = _compose(*args, "config", "-q")
        assert result.returncode == 0, f"docker-compose {' '.join(args)} config: {result.stderr}"


def test_compose_starts_with_the_documented_defaults_and_names_a_missing_env_file(tmp_path):
    assert not (DEPLOY / "ofsted-findings.env").exists()  # a fresh checkout has none
    result = _compose("config", cwd=tmp_path)  # from any folder
    assert result.returncode == 0, result.stderr
    web = yaml.safe_load(result.stdout)["services"]["web"]["environment"]
    example = dict(
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert example and all(web[name] == value for name, value in example.items())
    missing = _compose("config", "-q", env_file="./ofsted-findings.env")
    assert missing.returncode != 0
    assert "ofsted-findings.env" in missing.stderr and "find env file" in missing.stderr


def test_compose_runs_one_elasticsearch_node_by_default_and_three_in_the_cluster_profile():
    services = _resolved()["services"]
    default, cluster = _started(services), _started(services, "cluster")
    assert set(default) == {"web", "scheduler", "elasticsearch"}  # no one-shot set-up jobs
    es_default = {name for name in default if name.startswith("elasticsearch")}
    es_cluster = {name for name in cluster if name.startswith("elasticsearch")}
    assert es_default == {"elasticsearch"}
    assert default["elasticsearch"]["environment"]["discovery.type"] == "single-node"
    assert len(es_cluster) == 3
    node_names = {cluster[name]["environment"]["node.name"] for name in es_cluster}
    assert len(node_names) == 3
    for name in es_cluster - {"elasticsearch"}:
        assert set(cluster[name]["environment"]["cluster.initial_master_nodes"].split(",")) == node_names


def test_compose_exposes_only_the_web_app_and_only_on_loopback():
    config = _resolved()
    services = config["services"]
    published = {name: _published(svc) for name, svc in services.items() if _published(svc)}
    assert set(published) == {"web"}
    assert all(host == "127.0.0.1" for host, _ in published["web"]), published["web"]
    for name, svc in services.items():
        if name.startswith("elasticsearch"):
            assert set(svc["networks"]) == {"backend"}, f"{name} must stay on the internal network"
    assert config["networks"]["backend"].get("internal") is True


def test_compose_keeps_data_in_named_volumes_and_runs_web_and_scheduler_from_one_image():
    config = _resolved()
    services, volumes = config["services"], config["volumes"]
    web, scheduler = services["web"], services["scheduler"]
    assert web["image"] == scheduler["image"]
    assert web["build"]["dockerfile"].endswith("deploy/Dockerfile")
    assert scheduler["command"] == ["ofsted-findings", "schedule", "run"]
    for svc in (web, scheduler):
        data_dir = svc["environment"]["OFSTED_FINDINGS_DATA_DIR"]
        assert _mounts(svc).get(data_dir) in volumes, "the data directory is a named volume"
        assert svc["environment"]["OFSTED_FINDINGS_ENGINE"] == "elasticsearch"
        assert svc["environment"]["OFSTED_FINDINGS_ES_URL"] == "http://elasticsearch:9200"
    for name, svc in services.items():
        if name.startswith("elasticsearch"):
            assert _mounts(svc).get("/usr/share/elasticsearch/data") in volumes, name
    data_volumes = [
        _mounts(svc).get("/usr/share/elasticsearch/data")
        for name, svc in services.items()
        if name.startswith("elasticsearch")
    ]
    assert len(set(data_volumes)) == len(data_volumes), "each node has its own data volume"
    for name, svc in services.items():
        if name.startswith("elasticsearch"):  # the stock image: no dictionary, plugin or job
            assert set(_mounts(svc)) == {"/usr/share/elasticsearch/data"}, name
            assert not svc.get("depends_on"), name


def test_compose_web_command_uses_the_config_the_image_carries():
    web = _resolved()["services"]["web"]
    config_path = web["command"][web["command"].index("-c") + 1]
    assert f"COPY deploy/gunicorn.conf.py {config_path}" in DOCKERFILE.read_text()


# -- Dockerfile ----------------------------------------------------------------------------
def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_dockerfile_builds_on_python_311_slim_and_runs_as_an_unprivileged_user():
    instructions = _dockerfile_instructions()
    stages = [args for op, args in instructions if op == "FROM"]
    final_stage = len(instructions) - [op for op, _ in instructions][::-1].index("FROM") - 1
    assert stages[-1].split()[0] == "python:3.11-slim"
    users = [args for op, args in instructions[final_stage:] if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")


def test_dockerfile_copies_only_files_that_exist_and_are_not_docker_ignored():
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for op, args in _dockerfile_instructions():
        if op != "COPY" or args.startswith("--from"):
            continue
        *sources, _ = args.split()
        for source in sources:
            if source == ".":
                continue
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is not in the repository"
            assert source not in ignored, f"Dockerfile copies {source}, which .dockerignore excludes"


# -- systemd -------------------------------------------------------------------------------
@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_systemd_unit_passes_systemd_analyze_verify(unit, tmp_path):
    # The unit runs the programs of a virtualenv installed at /opt/ofsted-findings; here the
    # test's own virtualenv stands in for it, so verify also checks the commands exist.
    text = unit.read_text()
    assert "/opt/ofsted-findings/bin/" in text
    copy = tmp_path / unit.name
    copy.write_text(text.replace("/opt/ofsted-findings/bin/", f"{VENV_BIN}/"))
    result = subprocess.run(
        [_tool("systemd-analyze"), "verify", "--man=no", str(copy)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    # verify only warns (exit 0) about unknown keys and bad values; any line naming the unit fails.
    complaints = [line for line in (result.stdout + result.stderr).splitlines() if unit.name in line]
    assert result.returncode == 0 and not complaints, result.stdout + result.stderr


def test_web_unit_runs_gunicorn_with_the_env_file_and_the_hardening_it_needs():
    unit = (DEPLOY / "systemd" / "ofsted-findings-web.service").read_text()
    assert re.search(
        r"^ExecStart=/opt/ofsted-findings/bin/gunicorn --config \S+gunicorn\.conf\.py$", unit, re.M
    )
    assert re.search(r"^EnvironmentFile=/etc/ofsted-findings/ofsted-findings\.env$", unit, re.M)
    assert re.search(r"^User=ofsted$", unit, re.M)
    for setting in ("NoNewPrivileges=true", "ProtectSystem=strict", "ProtectHome=true"):
        assert re.search(rf"^{re.escape(setting)}$", unit, re.M), setting


# -- gunicorn ------------------------------------------------------------------------------
def _gunicorn_settings(monkeypatch, **env) -> dict:
    for name in ("BIND", "WORKERS", "THREADS", "TIMEOUT", "ACCESS_LOG", "LOG_LEVEL", "MAX_REQUESTS"):
        monkeypatch.delenv(ENV_PREFIX + name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(ENV_PREFIX + name, value)
    return runpy.run_path(str(GUNICORN_CONF))


def test_gunicorn_binds_loopback_by_default(monkeypatch):
    conf = _gunicorn_settings(monkeypatch)
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert conf["wsgi_app"] == "webapp:create_app()"
    assert 1 <= conf["workers"] <= 8
    assert conf["timeout"] > 0 and conf["accesslog"] == "-"


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    conf = _gunicorn_settings(
        monkeypatch, BIND="0.0.0.0:9000, [::1]:9001", WORKERS="3", TIMEOUT="60", ACCESS_LOG=""
    )
    assert conf["bind"] == ["0.0.0.0:9000", "[::1]:9001"]
    assert (conf["workers"], conf["timeout"], conf["accesslog"]) == (3, 60, None)


def test_gunicorn_replaces_workers_rarely_and_not_all_at_once(monkeypatch):
    conf = _gunicorn_settings(monkeypatch)
    assert conf["max_requests"] == 20000 and conf["max_requests_jitter"] == 2000
    conf = _gunicorn_settings(monkeypatch, MAX_REQUESTS="0")
    assert (conf["max_requests"], conf["max_requests_jitter"]) == (0, 0)
    with pytest.raises(SystemExit, match="OFSTED_FINDINGS_MAX_REQUESTS must be at least 0"):
        _gunicorn_settings(monkeypatch, MAX_REQUESTS="-1")


@pytest.mark.parametrize("value", ["many", "0", "-2"])
def test_gunicorn_refuses_a_bad_worker_count_with_a_clear_message(monkeypatch, value):
    with pytest.raises(SystemExit, match="OFSTED_FINDINGS_WORKERS must be"):
        _gunicorn_settings(monkeypatch, WORKERS=value)


def test_gunicorn_serves_the_app_on_loopback(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env.update(
        OFSTED_FINDINGS_DATA_DIR=str(tmp_path / "data"),
        OFSTED_FINDINGS_BIND=f"127.0.0.1:{port}",
        OFSTED_FINDINGS_WORKERS="1",
        OFSTED_FINDINGS_ACCESS_LOG=str(tmp_path / "access.log"),
    )
    check = subprocess.run(
        [str(VENV_BIN / "gunicorn"), "-c", str(GUNICORN_CONF), "--check-config"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert check.returncode == 0, check.stderr
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-c", str(GUNICORN_CONF)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        status, body = wait_for_http(f"http://127.0.0.1:{port}/healthz", server)
        assert status == 200 and b'"ok"' in body
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert re.search(r'"GET /healthz HTTP/1\.[01]" 200 \d+ \d+us', (tmp_path / "access.log").read_text())


# -- nginx ---
def _self_signed_certificate(cert_path: Path, key_path: Path) -> None:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "findings.example.org")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )


def test_nginx_example_passes_nginx_t(tmp_path):
    nginx = _tool("nginx")
    _self_signed_certificate(tmp_path / "fullchain.pem", tmp_path / "privkey.pem")
    site = NGINX_SITE.read_text()
    assert "/etc/ssl/ofsted-findings/fullchain.pem" in site and "/etc/ssl/ofsted-findings/privkey.pem" in site
    (tmp_path / "site.conf").write_text(site.replace("/etc/ssl/ofsted-findings/", f"{tmp_path}/"))
    (tmp_path / "nginx.conf").write_text(f"""
        pid {tmp_path}/nginx.pid;
        error_log {tmp_path}/error.log;
        events {{}}
        http {{ access_log off; include {tmp_path}/site.conf; }}
    """)
    result = subprocess.run(
        [
            nginx,
            "-t",
            "-p",
            str(tmp_path),
            "-c",
            str(tmp_path / "nginx.conf"),
            "-e",
            str(tmp_path / "error.log"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "[warn]" not in result.stderr and "[emerg]" not in result.stderr, result.stderr


def test_nginx_example_proxies_to_the_loopback_app_and_sets_security_headers():
    site = NGINX_SITE.read_text()
    assert re.search(r"server 127\.0\.0\.1:8000;", site)
    for header in (
        "Strict-Transport-Security",
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
    ):
        assert re.search(rf'add_header {header} ".+" always;', site), header


# -- the environment file --------------------------------------------------------------------
# Where the code reads its environment, and the names in it that are not settings.
PACKAGES = ("common", "ofsted_findings", "crawler", "indexer", "webapp", "scheduler", "deploy")
INTERNAL_VARIABLES = {
    "OFSTED_FINDINGS_CRAWL_LOCK_FD",  # the scheduler hands its crawl lock to the child it starts
    "OFSTED_FINDINGS_PROGRESS",  # a Scrapy setting, set by the CLI
    "OFSTED_FINDINGS_TEST_PAUSE_AT",  # the fault tests' hook (common/lifetime.py)
    "OFSTED_FINDINGS_TEST_ES_URL",  # a running node for the tests and `make quality` (tests/support)
}


def _documented_variables() -> dict[str, str]:
    documented = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.match(r"^#?\s*(OFSTED_FINDINGS_[A-Z0-9_]+)=(\S*)", line)
        if match:
            documented[match.group(1)] = match.group(2)
    return documented


def test_env_example_documents_every_setting_the_code_reads():
    documented = _documented_variables()
    settings = {ENV_PREFIX + name.upper() for name in Settings.__dataclass_fields__}
    gunicorn = {
        ENV_PREFIX + a + b
        for a, b in re.findall(r'_ENV \+ "([A-Z_]+)"|_int\("([A-Z_]+)"', GUNICORN_CONF.read_text())
    }
    compose = set(re.findall(r"\$\{(OFSTED_FINDINGS_[A-Z0-9_]+)", COMPOSE.read_text()))
    read_anywhere = set()
    for package in PACKAGES:
        for source in (ROOT / package).rglob("*.py"):
            read_anywhere |= set(re.findall(r"OFSTED_FINDINGS_[A-Z0-9_]+", source.read_text()))
    missing = (settings | gunicorn | compose | read_anywhere - INTERNAL_VARIABLES) - set(documented)
    assert not missing, f"not documented in {ENV_EXAMPLE.name}: {sorted(missing)}"


def test_env_example_values_are_accepted_by_the_settings():
    active = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            assert re.fullmatch(r"OFSTED_FINDINGS_[A-Z0-9_]+", name), f"not a setting line: {line!r}"
            active[name] = value
    defaults = {
        k: v
        for k, v in _documented_variables().items()
        if k[len(ENV_PREFIX) :].lower() in Settings.__dataclass_fields__ and k != "OFSTED_FINDINGS_DATA_DIR"
    }
    Settings.from_env(environ=active)
    Settings.from_env(environ=defaults)  # the documented defaults are valid values too
