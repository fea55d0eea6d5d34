"""Gunicorn settings for KJC Monitor, read from environment variables.

Run: gunicorn -c gunicorn.conf.py kjc.wsgi
A malformed value stops start-up with a message naming the variable.
"""

import os
import sys


def _int(name, default, *, minimum=1):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        sys.exit(f"gunicorn.conf.py: {name}={raw!r} is not a whole number.")
    if value < minimum:
        sys.exit(f"gunicorn.conf.py: {name}={value} must be at least {minimum}.")
    return value


def _cores():
    # The CPUs this process may run on, which in a container can be fewer than the host's.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# Only the buffering reverse proxy may talk to gunicorn (deploy/nginx.conf): a sync worker
# serves one connection at a time, so a slow or half-sent request straight from a client
# would hold it for up to GUNICORN_TIMEOUT. Hence 127.0.0.1 on PORT by default; BIND wins
# (e.g. "unix:/run/kjc.sock", or "0.0.0.0:8000" on a container network only the proxy
# shares, as in compose.yaml).
bind = os.environ.get("BIND") or f"127.0.0.1:{_int('PORT', 8000)}"

# Sync workers: measured best for this app's server-rendered pages (gthread was far slower).
# 2 × cores + 1, capped: each worker holds its own Django process (~60–80 MB), and a
# container often reports the host's cores rather than its CPU quota.
worker_class = "sync"
workers = _int("WEB_CONCURRENCY", min(2 * _cores() + 1, 9))

# A request that takes longer than this is killed and logged; pages here render in well under 1 s.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
# Sync workers close every connection after the answer; this applies to other worker types.
keepalive = 5

# Recycle each worker after a number of requests (with jitter, so they do not all restart at
# once) to bound slow memory growth.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000, minimum=0)
max_requests_jitter = max_requests // 10

# Which proxies may set X-Forwarded-* headers: a comma-separated list of IPs, or "*" when the
# app is reachable only through the proxy (as in compose.yaml).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to stdout/stderr for the container runtime; %(M)s is the request time in milliseconds.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'

# Worker heartbeats on a RAM disk: a container's overlay filesystem can stall them.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
