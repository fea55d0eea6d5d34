"""KJC Monitor benchmark: floor vs every page, SQLite and PostgreSQL, N=16 and N=405.

Run through bench/run (benchmark, then a short load test) or bench/load (load
test only); see bench/README.md. Standard library only; Django work happens in
bench/django_side.py subprocesses with the same environment as the server.
Every server started here is stopped on exit, and every loop is bounded in
count and time. Traffic goes to 127.0.0.1 only.
"""

import argparse
import atexit
import contextlib
import hashlib
import html.parser
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
HOST = "127.0.0.1"
PYTHON = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv").exists() else sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = "kjc_bench"
REAL_JOBCENTERS = 16
ADMIN_PATH = "/" + os.environ.get("KJC_ADMIN_PATH", "admin/").strip("/") + "/"

SERVERS = []  # Popen objects of running gunicorn masters, stopped at exit
# The code measured: a copy of the work tree taken when the run starts, so that
# teammates' edits during the run cannot change the pages between two configurations.
TREE = REPO
SKIP_IN_COPY = {".venv", ".git", "node_modules", "staticfiles", ".pytest_cache", ".ruff_cache"}


def snapshot_tree():
    """Copy the work tree (code, templates, static, locale) to bench/out/tree."""
    global TREE
    if TREE != REPO:
        return
    target = OUT / "tree"
    shutil.rmtree(target, ignore_errors=True)

    def ignore(directory, names):
        skip = {n for n in names if n == "__pycache__" or n.endswith(".pyc")}
        if Path(directory) == REPO:
            skip |= {n for n in names if n in SKIP_IN_COPY or n.startswith("db.sqlite3")}
        if Path(directory) == BENCH:
            skip |= {"out"}
        return skip

    shutil.copytree(REPO, target, ignore=ignore, symlinks=True)
    TREE = target


def log(message):
    stamp = datetime.now(UTC).strftime("%H:%M:%S")
    print(f"[bench {stamp}] {message}", file=sys.stderr, flush=True)


# --- environment, database, Django subprocesses --------------------------------------------


def bench_env(database_url):
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "kjc.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": "bench-" + secrets.token_hex(24),
            "ALLOWED_HOSTS": HOST,
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONDONTWRITEBYTECODE": "1",
            # Turns on /bench/floor, the yardstick (kjc/urls.py); off on a real site.
            "KJC_BENCH": "1",
            # Staff sign in with their password alone (the load test's editors); the
            # coordination office always needs its second factor: backup codes below.
            "KJC_REQUIRE_2FA": "0",
        }
    )
    return env


def fresh_database(db):
    """A new, empty database; returns its DATABASE_URL."""
    if db == "sqlite":
        path = OUT / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"  # absolute path: sqlite:////abs/...
    import psycopg  # from the project's requirements

    admin_url = PG_ADMIN_URL.replace("postgres://", "postgresql://")
    with psycopg.connect(admin_url, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        c.execute(f"CREATE DATABASE {PG_DB}")
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_DB


def django(env, *args, timeout=300, capture=True):
    """Run manage.py or bench/django_side.py; return stdout (JSON parsed for django_side)."""
    script = (
        str(TREE / "bench" / "django_side.py") if args[0] == "side" else str(TREE / "manage.py")
    )
    argv = [PYTHON, script, *(args[1:] if args[0] == "side" else args)]
    done = subprocess.run(
        argv, cwd=TREE, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    if args[0] == "side":
        return json.loads(done.stdout.strip().splitlines()[-1])
    return done.stdout


def loadavg():
    """The 1-minute load average: how busy the shared 2 cores were."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


# --- the server -----------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """The project's gunicorn configuration on 127.0.0.1, two sync workers."""

    def __init__(self, env, label):
        self.port = free_port()
        self.log_path = OUT / f"gunicorn-{label}.log"
        env = dict(env)
        # Worker recycling (max_requests) would restart workers every few hundred
        # milliseconds under wrk and measure Django's import time, not the app.
        env.update(
            {"BIND": f"{HOST}:{self.port}", "WEB_CONCURRENCY": "2", "GUNICORN_MAX_REQUESTS": "0"}
        )
        conf = TREE / "gunicorn.conf.py"
        argv = [GUNICORN]
        if conf.exists():
            argv += ["-c", str(conf)]
            self.how = "gunicorn.conf.py (WEB_CONCURRENCY=2, GUNICORN_MAX_REQUESTS=0)"
        else:
            self.how = "flags (no gunicorn.conf.py): --workers 2 --worker-class sync"
        # The command line wins over the config file: 127.0.0.1 only, whatever it says.
        argv += ["--bind", f"{HOST}:{self.port}", "--workers", "2", "--worker-class", "sync"]
        argv += ["kjc.wsgi"]
        self.log_file = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            argv,
            cwd=TREE,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        SERVERS.append(self)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                status, _body, _h, _t = request(self.port, "GET", "/bench/floor")
                if status == 200 and len(self.workers()) >= 2:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within 30 s; see {self.log_path}")

    def wait_idle(self, limit=30.0):
        """Wait until requests wrk left queued are done: the floor answers fast again."""
        began = time.monotonic()
        while time.monotonic() - began < limit:
            try:
                _s, _b, _h, elapsed = request(self.port, "GET", "/bench/floor", timeout=limit)
            except OSError:
                elapsed = limit
            if elapsed < 0.03:
                break
            time.sleep(0.05)
        return time.monotonic() - began

    def workers(self):
        pid = self.proc.pid
        try:
            text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def worker_rss_mb(self):
        sizes = []
        for pid in self.workers():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def stop(self):
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.log_file.close()
        if self in SERVERS:
            SERVERS.remove(self)


def stop_all_servers(*_args):
    for server in list(SERVERS):
        with contextlib.suppress(Exception):
            server.stop()


def _on_signal(signum, _frame):
    stop_all_servers()
    sys.exit(128 + signum)


# --- HTTP (http.client, our own cookie jar: the site's cookies are Secure) ------------------


def request(port, method, path, *, body=None, headers=None, timeout=60):
    """(status, body bytes, headers dict lower-cased, seconds)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        began = time.perf_counter()
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - began
        hdrs = {}
        for key, value in response.getheaders():
            hdrs.setdefault(key.lower(), []).append(value)
        return response.status, data, hdrs, elapsed
    finally:
        conn.close()


class Browser:
    """A signed-in (or anonymous) user: a cookie jar that ignores the Secure flag."""

    codes_used = -1  # backup codes of the bench coordinator used so far in this run

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def _remember(self, hdrs):
        for line in hdrs.get("set-cookie", []):
            name, _, rest = line.partition("=")
            value = rest.split(";", 1)[0]
            if "expires=Thu, 01 Jan 1970" in line or "Max-Age=0" in line:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def get(self, path):
        headers = {"Cookie": self.cookie_header()} if self.cookies else {}
        status, body, hdrs, elapsed = request(self.port, "GET", path, headers=headers)
        self._remember(hdrs)
        return status, body, hdrs, elapsed

    def post(self, path, fields):
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": self.cookie_header(),
            "Referer": f"http://{HOST}:{self.port}{path}",
        }
        status, body, hdrs, elapsed = request(
            self.port, "POST", path, body=urlencode(fields).encode(), headers=headers
        )
        self._remember(hdrs)
        return status, body, hdrs, elapsed

    def login(self, username, password):
        path = "/anmelden/"
        status, body, _h, _t = self.get(path)
        form = pick_form(parse_forms(body.decode()), lambda f: "password" in f.names())
        if status != 200 or form is None:
            raise RuntimeError(f"no login form at {path} (HTTP {status})")
        fields = form.values()
        fields.update({"username": username, "password": password})
        status, _body, hdrs, _t = self.post(form.action or path, list(fields.items()))
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login of {username} failed (HTTP {status})")
        location = (hdrs.get("location") or [""])[0]
        if "/anmelden/bestaetigen/" in location:
            self._second_factor(location, password)

    def _second_factor(self, path, password):
        """The verify step with the next unused backup code (django_side.py setup)."""
        status, body, _h, _t = self.get(path)
        form = pick_form(parse_forms(body.decode()), lambda f: "code" in f.names())
        if status != 200 or form is None:
            raise RuntimeError(f"no second-factor form at {path} (HTTP {status})")
        Browser.codes_used += 1
        code = hashlib.sha256(f"{password}:{Browser.codes_used}".encode()).hexdigest()[:12]
        fields = form.values()
        fields["code"] = code
        status, _body, _h, _t = self.post(form.action or path, list(fields.items()))
        if status != 302:
            raise RuntimeError(f"second factor refused (HTTP {status})")


class Form:
    def __init__(self, attrs):
        self.action = attrs.get("action") or ""
        self.method = (attrs.get("method") or "get").lower()
        self.fields = []  # [name, value]
        self.submits = []

    def names(self):
        return [name for name, _value in self.fields]

    def values(self):
        return dict(self.fields)


class FormParser(html.parser.HTMLParser):
    """Forms with their successful controls, as a browser would submit them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.form = None
        self.select = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.form = Form(a)
            self.forms.append(self.form)
        if self.form is None:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image", "button"):
                self.form.submits.append((name, a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.form.fields.append([name, a.get("value", "on")])
            elif kind != "file":
                self.form.fields.append([name, a.get("value", "")])
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            self.form.submits.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self.select = {"name": name, "first": None, "chosen": None}
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            if self.select["first"] is None:
                self.select["first"] = value
            if "selected" in a:
                self.select["chosen"] = value
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_endtag(self, tag):
        if tag == "select" and self.select is not None and self.form is not None:
            chosen = self.select["chosen"]
            value = chosen if chosen is not None else self.select["first"]
            if value is not None:
                self.form.fields.append([self.select["name"], value])
            self.select = None
        elif tag == "textarea" and self.textarea is not None and self.form is not None:
            name, text = self.textarea
            self.form.fields.append([name, text[1:] if text.startswith("\n") else text])
            self.textarea = None
        elif tag == "form":
            self.form = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data


def parse_forms(text):
    parser = FormParser()
    parser.feed(text)
    return parser.forms


def pick_form(forms, test):
    return next((f for f in forms if test(f)), None)


# --- wrk ------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(match.group(1)) * UNITS[match.group(2)] if match else None


# As every browser does; cached pages are kept compressed and sent as they are.
BROWSER_HEADERS = ["-H", "Accept-Encoding: gzip"]


def wrk_summary(text):
    """req/s, p50/p99 ms, requests and errors (non-2xx/3xx + socket) from wrk's output."""
    result = {"rps": None, "p50_ms": None, "p99_ms": None, "requests": 0, "errors": 0}
    if m := re.search(r"Requests/sec:\s+([\d.]+)", text):
        result["rps"] = float(m.group(1))
    if m := re.search(r"^\s+50%\s+(\S+)", text, re.M):
        result["p50_ms"] = _ms(m.group(1))
    if m := re.search(r"^\s+99%\s+(\S+)", text, re.M):
        result["p99_ms"] = _ms(m.group(1))
    if m := re.search(r"(\d+) requests in", text):
        result["requests"] = int(m.group(1))
    for pattern in (r"Non-2xx or 3xx responses:\s+(\d+)", r"Socket errors: (.*)"):
        if m := re.search(pattern, text):
            result["errors"] += sum(int(x) for x in re.findall(r"\d+", m.group(1)))
    return result


def wrk(port, path, *, seconds, connections=8, cookie=None, script=None, gzip=True):
    """One wrk run; `gzip=False` sends no Accept-Encoding, as curl and scripts do."""
    argv = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "30s",
        *(BROWSER_HEADERS if gzip else []),
    ]
    if cookie:
        argv += ["-H", f"Cookie: {cookie}"]
    if script:
        argv += ["-s", str(script)]
    argv.append(f"http://{HOST}:{port}{path}")
    began = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
    text = done.stdout
    result = wrk_summary(text)
    result["wall_s"] = round(time.monotonic() - began, 2)
    if done.returncode != 0 or result["rps"] is None:
        result["wrk_failed"] = (done.stderr or text)[-500:]
    return result


def ensure_wrk():
    if shutil.which("wrk"):
        return
    log("wrk not found: installing Debian's package")
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, timeout=300)
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update", "-q"], check=False, timeout=300)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, timeout=300)


# --- one configuration: (database, N) -------------------------------------------------------


def dedupe(urls):
    """(measured, left out): one export per URL name and content type.

    Exports carry no target; the first variant of each (the matrix, the largest
    dataset) stands for the others, which keeps the run under ten minutes.
    """
    seen, kept, left = set(), [], []
    for url in urls:
        key = (url["name"], url["content_type"].split(";")[0])
        if url["kind"] == "export" and key in seen:
            left.append(url["path"])
            continue
        seen.add(key)
        kept.append(url)
    return kept, left


def wrk_seconds(url, duration):
    if url["kind"] == "floor":
        return duration + 1
    return duration


def measure(env, db, n, urls, *, password, duration, label):
    from report import SAME_BYTES_FLOOR_FROM  # bench/report.py, which says it in RESULTS.md

    load_before = loadavg()
    log(f"{db} N={n}: in-process renders of {len(urls)} URLs (load average {load_before})")
    urls_file = OUT / f"urls-{label}.json"
    urls_file.write_text(json.dumps({"urls": urls}))
    began = time.monotonic()
    inproc = django(env, "side", "inproc", str(urls_file), timeout=400)
    inproc_seconds = time.monotonic() - began
    log(f"{db} N={n}: gunicorn + wrk ({duration} s per page)")
    server = Server(env, label)
    try:
        staff = Browser(server.port)
        staff.login("bench-koordination", password)
        cookie = staff.cookie_header()
        rows = []
        floor = next(u for u in urls if u["kind"] == "floor")
        # The floor first and alone: its worker RSS is the baseline. One unrecorded
        # second of wrk first, so that both workers have served requests.
        wrk(server.port, floor["path"], seconds=1)
        floor_runs = [wrk(server.port, floor["path"], seconds=duration + 1)]
        rss_floor = server.worker_rss_mb()
        for url in urls:
            if url["kind"] == "floor":
                continue
            if url["kind"] == "export" and url["login"]:
                # Staff spreadsheets: no target; measured in process only.
                rows.append({**url, "first_ms": None, "first_status": "in process only"})
                continue
            who = staff if url["login"] else Browser(server.port)
            try:
                status, _body, _h, first = who.get(url["path"])
            except OSError as exc:  # e.g. a timeout: recorded, and the run goes on
                status, first = f"{type(exc).__name__}", None
                server.wait_idle(limit=60)
            row = {**url, "first_ms": first and 1000 * first, "first_status": status}
            if status == 200:
                # One connection per worker for slow URLs, so that no long queue is left.
                slow = url["kind"] == "export" or first > 0.3
                row["wrk"] = wrk(
                    server.port,
                    url["path"],
                    seconds=wrk_seconds(url, duration),
                    connections=2 if slow else 8,
                    cookie=cookie if url["login"] else None,
                )
                row["wrk"]["connections"] = 2 if slow else 8
                row["idle_wait_s"] = server.wait_idle(limit=60)
                if not url["login"]:
                    # Anonymous pages again without gzip: the plain copy in the page cache.
                    row["wrk_plain"] = wrk(
                        server.port,
                        url["path"],
                        seconds=wrk_seconds(url, duration),
                        connections=2 if slow else 8,
                        gzip=False,
                    )
                    row["idle_wait_s"] += server.wait_idle(limit=60)
                    size = ((inproc["results"].get(url["path"]) or {}).get("cold") or {}).get(
                        "bytes"
                    )
                    if size and size >= SAME_BYTES_FLOOR_FROM:
                        # A big plain body is bound by the bytes it moves: the floor
                        # sending as many bytes tells what of its time is the page's.
                        row["wrk_plain_floor"] = wrk(
                            server.port,
                            f"{floor['path']}?bytes={size}",
                            seconds=wrk_seconds(url, duration),
                            connections=2 if slow else 8,
                            gzip=False,
                        )
                        row["wrk_plain_floor"]["bytes"] = size
                        row["idle_wait_s"] += server.wait_idle(limit=60)
            rows.append(row)
        rss_all = server.worker_rss_mb()
        # The floor again at the end: both runs stand side by side with the pages.
        floor_runs.append(wrk(server.port, floor["path"], seconds=duration + 1))
        how = server.how
    finally:
        server.stop()
    return {
        "db": db,
        "n": n,
        "floor": {
            **floor,
            "wrk_runs": floor_runs,
            "rps": statistics.mean(r["rps"] or 0 for r in floor_runs),
            "inproc": inproc["results"][floor["path"]],
        },
        "rows": [dict(r, inproc=inproc["results"].get(r["path"])) for r in rows],
        "rss_floor_mb": rss_floor,
        "rss_all_mb": rss_all,
        "profiles": inproc["profiles"],
        "inproc_seconds": inproc_seconds,
        "server": how,
        "loadavg": [load_before, loadavg()],
        "duration": duration,
    }


def run_benchmark(args):
    ensure_wrk()
    OUT.mkdir(exist_ok=True)
    snapshot_tree()
    started = time.monotonic()
    password = "bench-" + secrets.token_urlsafe(16)
    configs = []
    collected = False
    duration = args.duration
    urls = None  # discovered once, on the first database at the smallest N
    for db in args.db:
        url = fresh_database(db)
        env = bench_env(url)
        log(f"{db}: migrate + seed (real 16 jobcenters, demo statuses)")
        t0 = time.monotonic()
        django(env, "migrate", "--noinput", "-v0")
        django(env, "seed", "--demo")
        seed_seconds = {16: time.monotonic() - t0}
        if not collected:
            django(env, "collectstatic", "--noinput", "-v0")
            collected = True
        django(env, "side", "setup", password)
        for n in sorted(args.n):
            if n > REAL_JOBCENTERS:
                t0 = time.monotonic()
                out = django(env, "seed_synthetic", str(n - REAL_JOBCENTERS), "--replace")
                seed_seconds[n] = time.monotonic() - t0
                log(f"{db} N={n}: {out.strip()}")
            if urls is None:
                discovered = django(env, "side", "discover", timeout=300)
                urls, left_out = dedupe(discovered["urls"])
                skipped = discovered["skipped"] + [(p, "same export as above") for p in left_out]
            label = f"{db}-{n}"
            if time.monotonic() - started > 0.55 * args.budget and duration > 1:
                duration = 1
                log("behind the time budget: wrk runs 1 s per URL from here on")
            result = measure(env, db, n, urls, password=password, duration=duration, label=label)
            result["seed_seconds"] = seed_seconds.get(n)
            result["skipped"] = skipped
            configs.append(result)
            (OUT / "bench.json").write_text(
                json.dumps({"configs": configs, "meta": machine_facts(args)}, indent=1)
            )
    elapsed = time.monotonic() - started
    data = {"configs": configs, "meta": machine_facts(args), "seconds": elapsed}
    (OUT / "bench.json").write_text(json.dumps(data, indent=1))
    log(f"benchmark done in {elapsed:.0f} s")
    return data


# --- load with concurrent edits -------------------------------------------------------------


class StaffEditor(threading.Thread):
    """Signs in through the admin login and saves one edit per second in the editor."""

    def __init__(self, port, username, password, ags, seconds, number):
        super().__init__(daemon=True)
        self.port, self.username, self.password, self.ags = port, username, password, ags
        self.seconds, self.number = seconds, number
        # saves: (token, implementation pk, time the 302 arrived); rejected: tokens of
        # saves answered with the form again (an edit conflict): they must not be stored.
        self.saves, self.rejected, self.errors, self.visible = [], [], [], 0
        self.latencies = []
        self.checked = 0

    def run(self):
        try:
            browser = Browser(self.port)
            browser.login(self.username, self.password)
        except Exception as exc:  # reported, not raised: the load test goes on
            self.errors.append(f"login: {exc}")
            return
        editor = f"/bearbeiten/{self.ags}/"
        public = f"/jobcenter/{self.ags}/"
        deadline = time.monotonic() + self.seconds
        for i in range(int(self.seconds) + 1):  # at most one edit per second
            tick = time.monotonic()
            if tick >= deadline:
                break
            try:
                self.edit_once(browser, editor, public, i)
            except Exception as exc:
                self.errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))

    def edit_once(self, browser, editor, public, i):
        status, body, _h, t = browser.get(editor)
        self.latencies.append(t)
        if status != 200:
            self.errors.append(f"GET {editor}: HTTP {status}")
            return
        form = pick_form(
            parse_forms(body.decode()),
            lambda f: f.method == "post" and any(n.endswith("public_note") for n in f.names()),
        )
        if form is None:
            self.errors.append("no editor form with a public_note field")
            return
        notes = [k for k, (name, _v) in enumerate(form.fields) if name.endswith("public_note")]
        token = f"Lasttest-{self.number}-{i:03d}-{secrets.token_hex(4)}"
        field = form.fields[notes[i % len(notes)]]
        field[1] = token
        # The editor is a formset: rows-<i>-public_note, with the row's pk in rows-<i>-id.
        prefix = field[0].removesuffix("public_note")
        row = next((int(v) for name, v in form.fields if name == prefix + "id"), None)
        fields = [tuple(f) for f in form.fields] + [s for s in form.submits if s[0] == "_save"][:1]
        status, body, hdrs, t = browser.post(form.action or editor, fields)
        self.latencies.append(t)
        if status in (301, 302, 303):
            self.saves.append((token, row, time.monotonic()))
            # The very next public request must show the change.
            p_status, p_body, _h, t = Browser(self.port).get(public)
            self.latencies.append(t)
            if p_status == 200:
                self.checked += 1
                if token.encode() in p_body:
                    self.visible += 1
        elif status == 200:
            self.rejected.append(token)
        else:
            self.errors.append(f"POST {editor}: HTTP {status}")


def run_load(args, password=None):
    ensure_wrk()
    OUT.mkdir(exist_ok=True)
    snapshot_tree()
    db = args.load_db
    url = fresh_database(db)
    env = bench_env(url)
    password = password or "bench-" + secrets.token_urlsafe(16)
    log(f"load: {db}, N={args.load_n}, {args.load_seconds} s, {args.connections} connections")
    django(env, "migrate", "--noinput", "-v0")
    django(env, "seed", "--demo")
    if not (TREE / "staticfiles" / "staticfiles.json").exists():
        django(env, "collectstatic", "--noinput", "-v0")
    setup = django(env, "side", "setup", password)
    if args.load_n > REAL_JOBCENTERS:
        django(env, "seed_synthetic", str(args.load_n - REAL_JOBCENTERS), "--replace")
    urls = django(env, "side", "discover", timeout=300)["urls"]
    public = [u["path"] for u in urls if u["kind"] in ("page", "api") and not u["login"]]
    paths_file = OUT / "load-paths.txt"
    paths_file.write_text("\n".join(public) + "\n")
    before = django(env, "side", "history")["total"]
    server = Server(env, "load")
    try:
        pairs = [(n, a) for n, a in setup["users"].items() if a is not None]
        if not args.separate_jobcenters:
            # Both edit the same jobcenter and, each second, the same row: conflicts are
            # likely, and the optimistic lock must turn every one into a refusal.
            pairs = [(n, pairs[0][1]) for n, _a in pairs]
        staff = [
            StaffEditor(server.port, name, password, ags, args.load_seconds, k)
            for k, (name, ags) in enumerate(pairs)
        ]
        for editor in staff:
            editor.start()
        env_wrk = dict(os.environ, KJC_BENCH_PATHS=str(paths_file))
        argv = [
            "wrk",
            "-t2",
            f"-c{args.connections}",
            f"-d{args.load_seconds}s",
            "--latency",
            "--timeout",
            "10s",
            *BROWSER_HEADERS,
            "-s",
            str(BENCH / "rotate.lua"),
            f"http://{HOST}:{server.port}/",
        ]
        done = subprocess.run(
            argv, capture_output=True, text=True, env=env_wrk, timeout=args.load_seconds + 60
        )
        for editor in staff:
            editor.join(timeout=30)
        rss = server.worker_rss_mb()
    finally:
        server.stop()
    public_result = wrk_summary(done.stdout)
    saves = sorted((s for e in staff for s in e.saves), key=lambda s: s[2])
    tokens = [token for token, _row, _t in saves]
    rejected = [t for e in staff for t in e.rejected]
    last_saved = {row: token for token, row, _t in saves}  # the latest save of each row
    check = {"saved": tokens, "rejected": rejected, "rows": list(last_saved)}
    tokens_file = OUT / "load-tokens.json"
    tokens_file.write_text(json.dumps(check))
    after = django(env, "side", "history", str(tokens_file))
    lost = [t for t in tokens if after["per_token"][t] != 1]
    phantom = [t for t in rejected if after["per_token"][t] != 0]
    overwritten = [
        row for row, token in last_saved.items() if after["current"].get(str(row)) != token
    ]
    latencies = sorted(t for e in staff for t in e.latencies)
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "db": db,
        "n": args.load_n,
        "seconds": args.load_seconds,
        "connections": args.connections,
        "public_paths": public,
        "public": public_result,
        "same_jobcenter": not args.separate_jobcenters,
        "saves": len(tokens),
        "conflicts": len(rejected),
        "phantom_writes": len(phantom),
        "rows_not_last_saved": len(overwritten),
        "staff_errors": [err for e in staff for err in e.errors],
        "history_delta": after["total"] - before,
        "lost_updates": len(lost) + len(overwritten) + abs(after["total"] - before - len(tokens)),
        "visible": sum(e.visible for e in staff),
        "checked": sum(e.checked for e in staff),
        "staff_p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else None,
        "rss_mb": rss,
        "wrk_output": done.stdout[-1500:],
    }
    (OUT / "load.json").write_text(json.dumps(result, indent=1))
    log(
        f"load: {result['saves']} saves, {result['lost_updates']} lost, "
        f"{public_result['errors']} public errors, {len(result['staff_errors'])} staff errors"
    )
    return result


# --- machine facts and RESULTS.md -----------------------------------------------------------


def machine_facts(args):
    mem = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = subprocess.run(
        [
            PYTHON,
            "-c",
            "import django,sys,sqlite3;print(sys.version.split()[0],django.get_version(),"
            "sqlite3.sqlite_version)",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    pg = ""
    with contextlib.suppress(Exception):
        import psycopg

        with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://")) as c:
            pg = c.execute("SHOW server_version").fetchone()[0]
    wrk_version = subprocess.run(
        ["wrk", "-v"], capture_output=True, text=True, check=False
    ).stdout.split("\n")[0]
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "python": versions[0] if versions else platform.python_version(),
        "django": versions[1] if len(versions) > 1 else "",
        "sqlite": versions[2] if len(versions) > 2 else "",
        "postgresql": pg,
        "wrk": wrk_version.strip(),
        "duration": args.duration,
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip(),
        "uncommitted": len(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=REPO,
                capture_output=True,
                text=True,
            ).stdout.splitlines()
        ),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["run", "load", "report"])
    parser.add_argument("--db", default="sqlite,postgres", type=lambda s: s.split(","))
    parser.add_argument("--n", default="16,405", type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--duration", type=int, default=2, help="wrk seconds per page (2)")
    parser.add_argument("--no-load", action="store_true", help="run: skip the load test")
    parser.add_argument(
        "--budget", type=int, default=540, help="seconds the run aims at; wrk shortens after half"
    )
    parser.add_argument("--load-seconds", type=int, default=60)
    parser.add_argument("--load-db", default="postgres", choices=["sqlite", "postgres"])
    parser.add_argument("--load-n", type=int, default=REAL_JOBCENTERS)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--separate-jobcenters",
        action="store_true",
        help="load: each staff client edits its own jobcenter (default: both edit one)",
    )
    args = parser.parse_args(argv)
    for db in args.db:
        if db not in ("sqlite", "postgres"):
            parser.error(f"--db: {db!r} is neither sqlite nor postgres")
    for n in args.n:
        if not REAL_JOBCENTERS <= n <= REAL_JOBCENTERS + 999:
            parser.error(f"--n: {n} must be between 16 and 1015")
    if not 1 <= args.load_seconds <= 600 or not 1 <= args.duration <= 60:
        parser.error("--load-seconds must be 1–600 and --duration 1–60")
    if not 1 <= args.connections <= 256:
        parser.error("--connections must be 1–256")

    from report import write_results  # bench/report.py

    # Every server started from here on is stopped however the run ends.
    atexit.register(stop_all_servers)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    if args.mode == "run":
        run_benchmark(args)
        if not args.no_load:
            run_load(args)
    elif args.mode == "load":
        run_load(args)
    write_results(OUT, BENCH / "RESULTS.md")
    log(f"wrote {BENCH / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
