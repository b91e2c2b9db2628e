#!/usr/bin/env python3
"""A local Elasticsearch node for tests and development, from Maven Central.

    python deploy/es_node.py fetch      # download the distribution into the Maven cache
    python deploy/es_node.py run        # start, print the URL, stay in the foreground (make es)
    python deploy/es_node.py run --full-jit   # the same with production's JIT, for load figures
    python deploy/es_node.py start      # start in the background, print the URL
    python deploy/es_node.py stop       # stop the background node
    python deploy/es_node.py status

As a module: ``node = start_node(); node.url; node.stop()``.

The node is Elasticsearch's own integration-test distribution (no bundled JDK,
only core modules), which is what Maven Central publishes; see
../shared/research/this-machine.md for what it can and cannot do. It refuses
to run as root, so as root it runs as an unprivileged system user of its own.

Environment: OFSTED_FINDINGS_ES_VERSION (default 8.19.21, the newest on Maven Central),
OFSTED_FINDINGS_ES_MAVEN_REPO (default ~/.m2/repository), OFSTED_FINDINGS_ES_CACHE (where
it is unpacked, default .cache/elasticsearch), OFSTED_FINDINGS_ES_USER (the unprivileged
user when run as root, default ofsted-es), OFSTED_FINDINGS_ES_JAVA_OPTS (extra JVM
options), ES_JAVA_HOME (default: the Java on PATH).

As root, the unprivileged user must be able to reach the unpacked distribution and the
node's folders. A checkout under a folder it cannot enter (/root, a 0700 temporary folder)
is fine: the distribution is then unpacked into SHARED_DIR (/var/tmp/ofsted-findings-es,
owned by root, mode 0755) and the node's working folders are made there too.

Standard library only: ``make test`` runs this before anything is installed.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSION = os.environ.get("OFSTED_FINDINGS_ES_VERSION", "8.19.21")
GROUP_ID = "org.elasticsearch.distribution.integ-test-zip"
ARTIFACT_ID = "elasticsearch"
SERVICE_USER = os.environ.get("OFSTED_FINDINGS_ES_USER", "ofsted-es")
DEFAULT_HEAP = "512m"
DEV_PORT = 9200
# Where the node lives as root when the checkout (or the temporary folder) is out of the
# unprivileged user's reach. /var/tmp survives reboots, so the unpacked tree is reused.
SHARED_DIR = Path("/var/tmp/ofsted-findings-es")
FAST_START_OPTS = ["-XX:TieredStopAtLevel=1"]


class NodeError(RuntimeError):
    """The node could not be fetched or started; the message says why."""

    workdir: Path | None = None  # the failed node's folder (already removed)


def maven_repo() -> Path:
    """Where the distribution zip is cached (Maven's local repository doubles as the cache)."""
    env = os.environ.get("OFSTED_FINDINGS_ES_MAVEN_REPO")
    return Path(env).expanduser() if env else Path.home() / ".m2" / "repository"


def cache_dir() -> Path:
    """Where the zip is unpacked, once per version."""
    env = os.environ.get("OFSTED_FINDINGS_ES_CACHE")
    return Path(env).expanduser() if env else ROOT / ".cache" / "elasticsearch"


def zip_path(version: str = VERSION, repo: Path | None = None) -> Path:
    repo = repo or maven_repo()
    return repo / GROUP_ID.replace(".", "/") / ARTIFACT_ID / version / f"{ARTIFACT_ID}-{version}.zip"


def fetch(version: str = VERSION, repo: Path | None = None) -> Path:
    """The distribution zip, downloaded with Maven unless it is already cached."""
    target = zip_path(version, repo)
    if target.is_file():
        return target
    mvn = shutil.which("mvn")
    if not mvn:
        raise NodeError(
            f"{target} is not cached and Maven (mvn) is not installed to fetch it: "
            "install Maven (apt-get install maven) or copy the zip there"
        )
    command = [
        mvn,
        "-q",
        "-B",
        "dependency:get",
        "-Dtransitive=false",
        f"-Dartifact={GROUP_ID}:{ARTIFACT_ID}:{version}:zip",
    ]
    if repo or os.environ.get("OFSTED_FINDINGS_ES_MAVEN_REPO"):
        command.append(f"-Dmaven.repo.local={repo or maven_repo()}")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0 or not target.is_file():
        output = (result.stdout + result.stderr).strip().splitlines()
        raise NodeError(
            f"could not fetch Elasticsearch {version} from Maven Central "
            f"({' '.join(command)}):\n" + "\n".join(output[-20:])
        )
    return target


def unpack(version: str = VERSION, into: Path | None = None) -> Path:
    """The unpacked distribution (its home folder), unpacked once and reused."""
    into = into or cache_dir()
    home = into / f"elasticsearch-{version}"
    if (home / "bin" / "elasticsearch").is_file():
        return home
    archive = fetch(version)
    into.mkdir(parents=True, exist_ok=True)
    # Unpack beside the target and rename, so a half-unpacked tree is never reused.
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=into))
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                extracted = Path(zf.extract(info, staging))
                mode = info.external_attr >> 16  # zipfile drops Unix modes; scripts need +x
                if mode and not info.is_dir():
                    extracted.chmod(mode & 0o7777)
        staging.chmod(0o755)
        unpacked = staging / f"elasticsearch-{version}"
        try:
            unpacked.rename(home)
        except OSError:
            if not (home / "bin" / "elasticsearch").is_file():  # not a concurrent winner
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return home


def reachable_by(path: Path, user: pwd.struct_passwd | None) -> bool:
    """Can ``user`` traverse every existing folder on the way to ``path`` (and the deepest
    existing one itself)? By mode bits; None (not root: the node runs as us) always can."""
    if user is None:
        return True
    groups = {user.pw_gid} | {g.gr_gid for g in _groups_of(user.pw_name)}
    path = Path(os.path.abspath(path))
    for folder in [*reversed(path.parents), path]:
        try:
            info = folder.stat()
        except FileNotFoundError:
            break  # created later, by us, with modes we choose
        if not stat.S_ISDIR(info.st_mode):
            continue
        if info.st_uid == user.pw_uid:
            bit = stat.S_IXUSR
        elif info.st_gid in groups:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not info.st_mode & bit:
            return False
    return True


def _groups_of(name: str) -> list:
    import grp

    return [g for g in grp.getgrall() if name in g.gr_mem]


def _blocking_folder(path: Path, user: pwd.struct_passwd) -> Path:
    """The first folder on the way to ``path`` that ``user`` cannot enter (for messages)."""
    path = Path(os.path.abspath(path))
    for folder in [*reversed(path.parents), path]:
        if not reachable_by(folder, user):
            return folder
    return path


def shared_dir() -> Path:
    """SHARED_DIR, created root-owned and 0755; refused if anyone else could have planted
    or could change what is in it (it holds the code the node runs)."""
    SHARED_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)
    info = SHARED_DIR.lstat()
    if (
        not stat.S_ISDIR(info.st_mode)
        or info.st_uid != os.geteuid()
        or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    ):
        raise NodeError(
            f"{SHARED_DIR} is not a folder owned by this user and writable only by "
            "it; remove it (or set OFSTED_FINDINGS_ES_CACHE to a folder the "
            f"user {SERVICE_USER!r} can reach) and try again"
        )
    SHARED_DIR.chmod(0o755)
    return SHARED_DIR


def node_places(user: pwd.struct_passwd | None) -> tuple[Path, Path]:
    """(where the distribution is unpacked, where the node's working folder is made).

    Not root: the cache and the temporary folder, as ever. As root: the same when
    ``user`` can reach them, else SHARED_DIR for whichever it cannot."""
    unpack_into, work_parent = cache_dir(), Path(tempfile.gettempdir())
    if user is None:
        return unpack_into, work_parent
    if not reachable_by(unpack_into, user):
        unpack_into = shared_dir() / "dist"
    if not reachable_by(work_parent, user):
        work_parent = shared_dir() / "run"
        work_parent.mkdir(mode=0o755, exist_ok=True)
    return unpack_into, work_parent


def java_home() -> Path:
    env = os.environ.get("ES_JAVA_HOME") or os.environ.get("JAVA_HOME")
    if env and (Path(env) / "bin" / "java").exists():
        return Path(env)
    java = shutil.which("java")
    if not java:
        raise NodeError(
            "no Java runtime: install OpenJDK 17 or newer (apt-get install "
            "openjdk-17-jre-headless) or set ES_JAVA_HOME"
        )
    return Path(os.path.realpath(java)).parents[1]


def service_user() -> pwd.struct_passwd | None:
    """The user the node runs as: None when not root (it runs as us)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        pass
    result = subprocess.run(
        ["useradd", "-r", "-M", "-s", "/usr/sbin/nologin", SERVICE_USER], capture_output=True, text=True
    )
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        raise NodeError(
            f"Elasticsearch refuses to run as root and the user {SERVICE_USER!r} "
            f"could not be created: {result.stderr.strip()}"
        ) from None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass
class Node:
    url: str
    pid: int
    workdir: Path  # config, logs and temporary data of this node
    keep_data: bool = False  # data lives in a folder of the caller's, which stop() keeps
    process: subprocess.Popen | None = field(default=None, repr=False)

    def log_tail(self, lines: int = 40) -> str:
        return log_tail(self.workdir, lines)

    def running(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def stop(self, timeout: float = 30) -> None:
        """Stop the node (its whole process group) and remove its temporary files;
        a data folder given to start_node() stays."""
        if self.running():
            _signal_group(self.pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while self.running() and time.monotonic() < deadline:
                time.sleep(0.2)
            if self.running():
                _signal_group(self.pid, signal.SIGKILL)
                deadline = time.monotonic() + 10
                while self.running() and time.monotonic() < deadline:
                    time.sleep(0.1)
        if self.process is not None:
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        # Config, logs and (unless a data folder was given) the data live here.
        shutil.rmtree(self.workdir, ignore_errors=True)

    def to_json(self) -> dict:
        return {"url": self.url, "pid": self.pid, "workdir": str(self.workdir), "keep_data": self.keep_data}


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)  # the launcher and the server JVM it forks
    except ProcessLookupError:
        pass


def log_tail(workdir: Path, lines: int = 40) -> str:
    parts = []
    for log in sorted((workdir / "logs").glob("*.log")):
        if log.name.startswith("gc") or "deprecation" in log.name:
            continue
        text = log.read_text(errors="replace").splitlines()
        if text:
            parts.append(f"--- {log.name} ---\n" + "\n".join(text[-lines:]))
    return "\n".join(parts) or "(no log output)"


def _health(url: str) -> str | None:
    try:
        with urllib.request.urlopen(
            f"{url}/_cluster/health?wait_for_status=yellow&timeout=1s", timeout=5
        ) as response:
            return json.load(response).get("status")
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _chown_tree(path: Path, user: pwd.struct_passwd) -> None:
    for dirpath, _dirnames, filenames in os.walk(path):
        os.chown(dirpath, user.pw_uid, user.pw_gid)
        for name in filenames:
            os.chown(os.path.join(dirpath, name), user.pw_uid, user.pw_gid)


def start_node(
    port: int | None = None,
    heap: str = DEFAULT_HEAP,
    data_dir: Path | None = None,
    version: str = VERSION,
    timeout: float = 240,
    quiet: bool = True,
    fast_start: bool = True,
) -> Node:
    """Start a single-node cluster on 127.0.0.1 and wait until it is at least yellow.

    ``port`` None picks a free one. ``data_dir`` None uses a temporary folder that
    ``stop()`` removes. ``fast_start`` compiles with C1 only, which halves start-up on
    a busy two-core machine; benchmarks turn it off. Raises NodeError with the node's
    log tail if it does not come up; the half-started node is stopped first.
    """
    user = service_user()
    unpack_into, work_parent = node_places(user)
    home = unpack(version, into=unpack_into)
    if not reachable_by(home / "bin", user):  # e.g. unpacked under a umask of 077
        raise NodeError(
            f"{home} is out of reach of the user {user.pw_name!r} the node runs as: "
            f"remove it (it is unpacked again) or set OFSTED_FINDINGS_ES_CACHE"
        )
    if data_dir and not reachable_by(Path(data_dir).resolve(), user):
        blocked = _blocking_folder(Path(data_dir).resolve(), user)
        raise NodeError(
            f"the data folder {data_dir} is out of reach of the user "
            f"{user.pw_name!r} the node runs as: it cannot enter {blocked} "
            f"(mode {stat.S_IMODE(blocked.stat().st_mode):04o}); choose a folder "
            f"it can reach, e.g. under {SHARED_DIR.parent}"
        )
    java = java_home()
    if not reachable_by(java, user):
        raise NodeError(
            f"the Java runtime {java} is out of reach of the user {user.pw_name!r}; "
            "set ES_JAVA_HOME to one installed system-wide"
        )
    workdir = Path(tempfile.mkdtemp(prefix="ofsted-es-", dir=work_parent))
    try:
        # A copy per node: nothing is added to it (the index needs no dictionary or plugin),
        # but a node must never write into the shared unpacked distribution.
        config = workdir / "config"
        shutil.copytree(home / "config", config)
        (workdir / "logs").mkdir()
        (workdir / "tmp").mkdir()
        data = Path(data_dir).resolve() if data_dir else workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        if user is not None:
            _chown_tree(workdir, user)
            _chown_tree(data, user)
            os.chmod(workdir, 0o755)
    except Exception:
        shutil.rmtree(workdir, ignore_errors=True)
        raise

    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    settings = {
        "cluster.name": f"ofsted-findings-{port}",
        "node.name": "local",
        "network.host": "127.0.0.1",
        "http.port": str(port),
        "transport.port": str(free_port()),
        "discovery.type": "single-node",
        "path.data": str(data),
        "path.logs": str(workdir / "logs"),
        # Loopback-only development node; deploy/elasticsearch/ shows production security.
        "xpack.security.enabled": "false",
        # A nearly full disk on a laptop or CI runner must not make indices read-only.
        "cluster.routing.allocation.disk.threshold_enabled": "false",
        "action.destructive_requires_name": "true",
    }
    command = [str(home / "bin" / "elasticsearch")] + [f"-E{k}={v}" for k, v in settings.items()]
    if user is not None:
        command = [
            "setpriv",
            f"--reuid={user.pw_uid}",
            f"--regid={user.pw_gid}",
            "--clear-groups",
            "--",
        ] + command
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ES_", "JAVA_"))}
    java_opts = [
        f"-Xms{heap}",
        f"-Xmx{heap}",
        *(FAST_START_OPTS if fast_start else []),
        os.environ.get("OFSTED_FINDINGS_ES_JAVA_OPTS", ""),
    ]
    env.update(
        ES_JAVA_HOME=str(java),
        ES_PATH_CONF=str(config),
        ES_TMPDIR=str(workdir / "tmp"),
        ES_JAVA_OPTS=" ".join(java_opts).strip(),
    )
    console = open(workdir / "logs" / "console.log", "wb")
    try:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=console if quiet else None,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        console.close()
    node = Node(url=url, pid=process.pid, workdir=workdir, keep_data=bool(data_dir), process=process)
    deadline = time.monotonic() + timeout
    while True:
        if _health(url) in ("yellow", "green"):
            return node
        if process.poll() is not None or time.monotonic() > deadline:
            tail = node.log_tail()
            reason = (
                f"exited with status {process.returncode}"
                if process.poll() is not None
                else f"was not healthy after {timeout:.0f} s"
            )
            node.stop()
            error = NodeError(f"Elasticsearch {version} at {url} {reason}:\n{tail}")
            error.workdir = workdir
            raise error
        time.sleep(0.5)


# -- command line ------------------------------------------------------------------------


def _state_file() -> Path:
    return cache_dir() / "node.json"


def _cmd_fetch(args) -> int:
    print(fetch(args.version))
    return 0


def _cmd_run(args) -> int:
    port = args.port or (DEV_PORT if port_is_free(DEV_PORT) else None)
    node = start_node(
        port=port, heap=args.heap, data_dir=args.data, version=args.version, fast_start=not args.full_jit
    )
    atexit.register(node.stop)
    print(node.url, flush=True)
    print(
        f"Elasticsearch {args.version} is up; use OFSTED_FINDINGS_ENGINE=elasticsearch "
        f"OFSTED_FINDINGS_ES_URL={node.url}. Ctrl-C stops it.",
        file=sys.stderr,
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while node.running():
            time.sleep(1)
        print("Elasticsearch stopped by itself:\n" + node.log_tail(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        node.stop()


def _cmd_start(args) -> int:
    state = _state_file()
    if state.is_file():
        old = json.loads(state.read_text())
        if _health(old["url"]):
            print(old["url"])
            return 0
    port = args.port or (DEV_PORT if port_is_free(DEV_PORT) else None)
    node = start_node(
        port=port, heap=args.heap, data_dir=args.data, version=args.version, fast_start=not args.full_jit
    )
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps(node.to_json()))
    print(node.url)
    return 0


def _cmd_stop(args) -> int:
    state = _state_file()
    if not state.is_file():
        print("no node started by `es_node.py start` is recorded", file=sys.stderr)
        return 0
    data = json.loads(state.read_text())
    Node(
        url=data["url"],
        pid=data["pid"],
        workdir=Path(data["workdir"]),
        keep_data=data.get("keep_data", False),
    ).stop()
    state.unlink()
    print(f"stopped {data['url']}")
    return 0


def _cmd_status(args) -> int:
    state = _state_file()
    if state.is_file():
        url = json.loads(state.read_text())["url"]
        status = _health(url)
        print(f"{url} {status or 'not answering'}")
        return 0 if status else 1
    print("no node started by `es_node.py start` is recorded")
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", default=VERSION, help="Elasticsearch version (default %(default)s)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fetch", help="download the distribution into the Maven cache").set_defaults(
        func=_cmd_fetch
    )
    for name, func, text in (
        ("run", _cmd_run, "start and stay in the foreground"),
        ("start", _cmd_start, "start in the background"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--port", type=int, help=f"HTTP port (default {DEV_PORT} if free, else any)")
        p.add_argument("--heap", default=DEFAULT_HEAP, help="JVM heap (default %(default)s)")
        p.add_argument("--data", type=Path, help="keep indices in this folder (default: temporary)")
        p.add_argument(
            "--full-jit",
            action="store_true",
            help="compile with C2 as production does (starts slower; searches cost about "
            "2.5x less CPU than with the default C1-only fast start): for load figures",
        )
        p.set_defaults(func=func)
    sub.add_parser("stop", help="stop the background node").set_defaults(func=_cmd_stop)
    sub.add_parser("status", help="is the background node answering?").set_defaults(func=_cmd_status)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except NodeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
