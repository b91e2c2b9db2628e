"""gunicorn settings for the ofsted-findings web app.

    gunicorn -c deploy/gunicorn.conf.py

The app is built by ``webapp.create_app()``, which reads every OFSTED_FINDINGS_*
setting from the environment. The knobs below come from the environment too, so
the same file serves systemd, the container image and the soak tests:

    OFSTED_FINDINGS_BIND            address to listen on (default 127.0.0.1:8000; loopback
                                    unless told otherwise, so only the reverse proxy reaches it)
    OFSTED_FINDINGS_WORKERS         worker processes (default 2 x cores + 1, at most 8)
    OFSTED_FINDINGS_THREADS         threads per worker (default 2)
    OFSTED_FINDINGS_TIMEOUT         seconds before a silent worker is restarted (default 30)
    OFSTED_FINDINGS_MAX_REQUESTS    requests a worker serves before it is replaced (default
                                    20000, 0 for never)
    OFSTED_FINDINGS_ACCESS_LOG      access log file, "-" for stdout (default), "" for none
    OFSTED_FINDINGS_LOG_LEVEL       gunicorn's error log level (default info)
"""

from __future__ import annotations

import multiprocessing
import os

_ENV = "OFSTED_FINDINGS_"
DEFAULT_BIND = "127.0.0.1:8000"
MAX_DEFAULT_WORKERS = 8  # beyond this the search engine, not gunicorn, is the bottleneck


def _int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(_ENV + name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{_ENV}{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise SystemExit(f"{_ENV}{name} must be at least {minimum}, not {value}")
    return value


def _default_workers() -> int:
    # The usual (2 x cores) + 1: search requests are short and partly wait on SQLite or
    # Elasticsearch, so a few more workers than cores keeps the CPUs busy.
    return min(2 * multiprocessing.cpu_count() + 1, MAX_DEFAULT_WORKERS)


wsgi_app = "webapp:create_app()"
bind = [
    address.strip() for address in os.environ.get(_ENV + "BIND", DEFAULT_BIND).split(",") if address.strip()
] or [DEFAULT_BIND]

workers = _int("WORKERS", _default_workers())
threads = _int("THREADS", 2)
worker_class = "gthread"
timeout = _int("TIMEOUT", 30)
graceful_timeout = 30
keepalive = 5
# A worker that has served this many requests is replaced, so a slow leak never builds up;
# the jitter stops all workers restarting at once. Not too often: a new worker imports the
# app and fills its caches again, under load. At 2000, five workers serving 100 requests/s
# were each replaced every 100 s, and each replacement showed as a spike of seconds in
# the load test's latencies (benchmarks/load.py).
max_requests = _int("MAX_REQUESTS", 20000, minimum=0)
max_requests_jitter = max_requests // 10

# The app takes no uploads; these limits refuse oversized request lines and headers early.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

_access_log = os.environ.get(_ENV + "ACCESS_LOG", "-")
accesslog = _access_log or None
errorlog = "-"
loglevel = os.environ.get(_ENV + "LOG_LEVEL", "info")
# Response time in microseconds (%(D)s) so the access log doubles as a latency record.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(D)sus "%(a)s"'

# Behind nginx on the same machine: trust X-Forwarded-* only from loopback.
forwarded_allow_ips = "127.0.0.1,::1"
proxy_allow_ips = "127.0.0.1,::1"

proc_name = "ofsted-findings-web"
