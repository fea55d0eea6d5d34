"""The part of the benchmark that runs inside Django, one subcommand per call.

Called by bench/harness.py with the benchmark's environment (DATABASE_URL,
DEBUG=0, ...); prints one JSON document on stdout. Subcommands:

  setup PASSWORD        bench logins (a coordinator, two staff of two real
                        jobcenters) and half-yearly Stichtage, if that model exists
  discover              every measurable URL, by trying reverse() on the URL names
  inproc FILE           in-process timing and query counts per URL (JSON from
                        `discover` in FILE), plus a profile of the slowest page
  history TOKENS...     history rows per token and the total history count
"""

import cProfile
import hashlib
import io
import json
import os
import pstats
import re
import statistics
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kjc.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, get_resolver, reverse  # noqa: E402

from factors.models import Factor, Theme  # noqa: E402
from jobcenters import roles  # noqa: E402
from jobcenters.models import Implementation, Jobcenter, StaffMembership  # noqa: E402

HOST = "127.0.0.1"
COORDINATOR = "bench-koordination"
STAFF = ["bench-staff-1", "bench-staff-2"]
# Two real jobcenters, present at every N; the detail pages measured are theirs.
STAFF_AGS = ["06438", "06431"]
NAMESPACES = ["public", "reports", "jobcenters"]
# Uploads and other write-only screens are not read load.
SKIP_NAME = re.compile(r"import|upload|logout|delete")
# A render slower than this is measured once cold and once warm, not five times.
SLOW_SECONDS = 0.25


def second_factor_codes(password, count=400):
    """Single-use backup codes of the bench coordinator, derived from the run's random
    password, so harness.py can pass the second-factor step without a shared file."""
    return [hashlib.sha256(f"{password}:{i}".encode()).hexdigest()[:12] for i in range(count)]


def _signed_in(client, user):
    """force_login plus a confirmed second factor (django-otp), as the verify step does."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    client.force_login(user, backend=settings.AUTHENTICATION_BACKENDS[-1])
    device, _created = StaticDevice.objects.get_or_create(user=user, name="bench in process")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def out(data):
    json.dump(data, sys.stdout, default=str)
    sys.stdout.write("\n")


def setup(password):
    groups = roles.ensure_groups()
    User = get_user_model()
    users = {}
    for username, group, ags in [
        (COORDINATOR, roles.COORDINATION, None),
        (STAFF[0], roles.JOBCENTER_STAFF, STAFF_AGS[0]),
        (STAFF[1], roles.JOBCENTER_STAFF, STAFF_AGS[1]),
    ]:
        user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True})
        user.set_password(password)
        user.is_staff = True
        user.save()
        user.groups.set([groups[group]])
        if ags:
            StaffMembership.objects.get_or_create(
                user=user, jobcenter=Jobcenter.objects.get(district__ags=ags)
            )
        if username == STAFF[1]:
            # Also a member of the first jobcenter: the load test can make both edit it.
            StaffMembership.objects.get_or_create(
                user=user, jobcenter=Jobcenter.objects.get(district__ags=STAFF_AGS[0])
            )
        users[username] = ags
    coordinator = User.objects.get(username=COORDINATOR)
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    device, _created = StaticDevice.objects.get_or_create(
        user=coordinator, name="bench", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=code) for code in second_factor_codes(password)
    )
    stichtage = 0
    try:
        from reports.models import Stichtag
    except ImportError:
        Stichtag = None
    if Stichtag is not None:
        this_year = date.today().year
        for year in range(this_year - 3, this_year + 1):
            for day in (date(year, 6, 30), date(year, 12, 31)):
                if day < date.today():
                    Stichtag.objects.get_or_create(date=day, defaults={"label": f"Bench {day}"})
                    stichtage += 1
    out({"users": users, "stichtage": stichtage})


def _group_choices(pattern_text):
    """{group name: [alternatives]} for regex groups like (?P<fmt>csv|json)."""
    choices = {}
    for name, body in re.findall(r"\(\?P<(\w+)>([^()]*)\)", pattern_text):
        if re.fullmatch(r"[\w-]+(\|[\w-]+)*", body):
            choices[name] = body.split("|")
    return choices


def _param_values(name, url_name, sample):
    """Candidate values for a URL parameter, by its name; [] if unknown."""
    low = name.lower()
    if "ags" in low:
        return [sample["ags"]]
    if low in {"number", "nummer", "nr", "factor", "factor_number", "faktor"}:
        return [sample["factor_number"]]
    if low in {"theme", "theme_number", "handlungsfeld"}:
        return [sample["theme_number"]]
    if low in {"pk", "id"}:
        for key in ("factor", "jobcenter", "theme"):
            if key in url_name:
                return [sample[f"{key}_pk"]]
        return []
    if low in {"fmt", "format", "ext"}:
        return ["csv", "json", "xlsx"]
    if low in {"year", "jahr"}:
        return [date.today().year]
    return []


def _combinations(params, values):
    combos = [{}]
    for param in params:
        combos = [dict(c, **{param: v}) for c in combos for v in values[param]]
    return combos


def discover():
    """Every GET URL of the measured namespaces that answers 200, with its kind."""
    factor = Factor.objects.order_by("number").first()
    jobcenter = Jobcenter.objects.get(district__ags=STAFF_AGS[0])
    sample = {
        "ags": STAFF_AGS[0],
        "factor_number": factor.number if factor else 1,
        "factor_pk": factor.pk if factor else 1,
        "jobcenter_pk": jobcenter.pk,
        "theme_number": Theme.objects.order_by("number").values_list("number", flat=True)[0],
        "theme_pk": Theme.objects.order_by("number").values_list("pk", flat=True)[0],
    }
    resolver = get_resolver()
    anonymous = Client(HTTP_HOST=HOST)
    staff = Client(HTTP_HOST=HOST)
    _signed_in(staff, get_user_model().objects.get(username=COORDINATOR))
    found, skipped = [], []
    candidates = [("bench_floor", [], {})]
    for namespace in NAMESPACES:
        if namespace not in resolver.namespace_dict:
            continue
        _prefix, sub = resolver.namespace_dict[namespace]
        for key in list(sub.reverse_dict):
            if not isinstance(key, str) or SKIP_NAME.search(key):
                continue
            for possibilities, pattern, _defaults, _converters in sub.reverse_dict.getlist(key):
                regex_choices = _group_choices(pattern)
                for _format, params in possibilities:
                    values = {}
                    for p in params:
                        values[p] = regex_choices.get(p) or _param_values(p, key, sample)
                    missing = [p for p in params if not values[p]]
                    if missing:
                        skipped.append((f"{namespace}:{key}", f"unknown parameter {missing}"))
                        continue
                    candidates.append((f"{namespace}:{key}", params, values))
    seen = set()
    for name, params, values in candidates:
        for kwargs in _combinations(params, values):
            try:
                path = reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                continue
            if path in seen:
                continue
            seen.add(path)
            response = anonymous.get(path)
            login = False
            if response.status_code in (301, 302, 403) and name != "bench_floor":
                response = staff.get(path)
                login = True
            if response.status_code != 200:
                skipped.append((path, f"HTTP {response.status_code}"))
                continue
            found.append(
                {
                    "name": name,
                    "path": path,
                    "login": login,
                    "kind": _kind(name, path, login, response),
                    "content_type": response.get("Content-Type", ""),
                    "bytes": len(response.content) if not response.streaming else None,
                }
            )
    out({"urls": found, "skipped": skipped})


def _kind(name, path, login, response):
    if name == "bench_floor":
        return "floor"
    if "api" in name or "/api/" in path:
        return "api"
    ctype = response.get("Content-Type", "")
    if "html" not in ctype or "export" in name or "download" in name:
        return "export"
    return "internal" if login else "page"


def _clear_caches():
    for cache in caches.all():
        cache.clear()


def _timed_get(client, path):
    with CaptureQueriesContext(connection) as ctx:
        began = time.perf_counter()
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        elapsed = time.perf_counter() - began
    return elapsed, len(ctx.captured_queries), response.status_code, len(body)


def _repeat(client, path, *, cold, reps, budget):
    """Median seconds and query count over up to `reps` renders within `budget` s."""
    renders = []
    deadline = time.monotonic() + budget
    for _ in range(reps):
        if cold:
            _clear_caches()
        renders.append(_timed_get(client, path))
        if time.monotonic() > deadline:
            break
    return _summary(renders)


def _summary(renders):
    times = [r[0] for r in renders]
    queries = [r[1] for r in renders]
    statuses = {r[2] for r in renders}
    return {
        "bytes": renders[-1][3],
        "median_ms": 1000 * statistics.median(times),
        "queries": max(queries),
        "queries_min": min(queries),
        "renders": len(times),
        "statuses": sorted(statuses),
    }


def _measure_url(url, client, reps, budget):
    path = url["path"]
    # The first render also compiles templates and loads translations: discarded
    # for a fast page; for a slow one that cost is negligible and it counts as cold.
    _clear_caches()
    first = _timed_get(client, path)
    if first[0] >= SLOW_SECONDS and url["kind"] != "floor":
        # A slow export has no warm target: one render is enough.
        warm = None if url["kind"] == "export" else _summary([_timed_get(client, path)])
        return {"cold": _summary([first]), "warm": warm}
    # The floor gets more renders: it is the yardstick.
    count = 50 if url["kind"] == "floor" else reps
    return {
        "cold": _repeat(client, path, cold=True, reps=count, budget=budget),
        "warm": _repeat(client, path, cold=False, reps=count, budget=budget),
    }


def inproc(urls_file, reps=5, budget=1.0):
    urls = json.loads(Path(urls_file).read_text())["urls"]
    anonymous = Client(HTTP_HOST=HOST)
    staff = Client(HTTP_HOST=HOST)
    _signed_in(staff, get_user_model().objects.get(username=COORDINATOR))
    # Warm the process up (URL resolver, middleware, translations) before any timing.
    for client in (anonymous, staff):
        for _ in range(3):
            client.get("/bench/floor")
    coordinator = get_user_model().objects.get(username=COORDINATOR)
    # The dashboard's stored day summaries (reports/summaries.py) are data, not a cache:
    # the first request after a bulk change stores them. URLs are discovered only once,
    # on the first database at the first N, so each signed-in page is asked once here,
    # before any timing, for every database and N alike.
    _signed_in(staff, coordinator)
    for url in urls:
        if url["login"] and url["kind"] == "internal":
            staff.get(url["path"])
    results = {}
    for url in urls:
        if url["login"]:
            # A fresh session per URL: the site refreshes an idle session (one write,
            # three queries) once a minute, which would otherwise land in some count.
            _signed_in(staff, coordinator)
            staff.get("/bench/floor")
        try:
            results[url["path"]] = _measure_url(
                url, staff if url["login"] else anonymous, reps, budget
            )
        except Exception as exc:  # the tree may be mid-edit: record it and go on
            results[url["path"]] = {"cold": None, "warm": None, "error": repr(exc)[:300]}

    # Profile, cold, the slowest page (not an export) and the slowest public one.
    def cold_ms(url):
        return (results[url["path"]]["cold"] or {}).get("median_ms", 0)

    profiles = []
    pages = [u for u in urls if u["kind"] in ("page", "api", "internal")]
    public = [u for u in pages if not u["login"]]
    for group in (pages, public):
        if group:
            slowest = max(group, key=cold_ms)
            if all(p["path"] != slowest["path"] for p in profiles):
                client = staff if slowest["login"] else anonymous
                if slowest["login"]:
                    _signed_in(staff, coordinator)
                profiles.append(_profile(client, slowest["path"]))
    out({"results": results, "profiles": profiles})


def _profile(client, path):
    profiler = cProfile.Profile()
    deadline = time.monotonic() + 5
    for _ in range(3):
        if time.monotonic() > deadline:
            break
        _clear_caches()
        profiler.enable()
        client.get(path)
        profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(12)
    by_tottime = _trim_profile(text.getvalue())
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).sort_stats("cumulative")
    stats.print_stats(str(REPO / r"(?!\.venv)"), 12)
    return {
        "path": path,
        "tottime": by_tottime,
        "cumulative_project": _trim_profile(text.getvalue()),
    }


def _trim_profile(text):
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    keep = [line.replace(str(REPO) + "/", "") for line in lines[start:] if line.strip()]
    site = re.compile(r"\S*/(site-packages|lib/python3\.\d+)/")
    return [site.sub("", line) for line in keep]


def history(check):
    """History rows per token, the total, and the public note of each row now."""
    tokens = check.get("saved", []) + check.get("rejected", [])
    counts = dict.fromkeys(tokens, 0)
    for note in Implementation.history.filter(public_note__in=tokens).values_list(
        "public_note", flat=True
    ):
        counts[note] += 1
    current = dict(
        Implementation.objects.filter(pk__in=check.get("rows", [])).values_list("pk", "public_note")
    )
    out(
        {
            "total": Implementation.history.count(),
            "per_token": counts,
            "current": {str(pk): note for pk, note in current.items()},
        }
    )


def main(argv):
    command = argv[0]
    if command == "setup":
        setup(argv[1])
    elif command == "discover":
        discover()
    elif command == "inproc":
        inproc(argv[1])
    elif command == "history":
        history(json.loads(Path(argv[1]).read_text()) if len(argv) > 1 else {})
    else:
        raise SystemExit(f"unknown subcommand {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
