#!/usr/bin/env python
"""Hostile staff uploads against the goal "answered within 2 s and 100 MB" (issue 11.6).

    .venv/bin/python bench/uploads.py            # all cases, one table
    .venv/bin/python bench/uploads.py --db sqlite:////tmp/x.sqlite3

Each case runs in a fresh child process: Django's test client, signed in as staff of
06438 (the coordination office for the all-jobcenter import), posts the file once
to warm up nothing but the page, then once measured: wall time, the growth of the
process's peak RSS (ru_maxrss) over its RSS before the request, and, in a second
request under tracemalloc, the peak of Python allocations. The files come from
tests/hostile_files.py. The scratch database is migrated and seeded (--demo) once.
Not a timed test: run it by hand, on a quiet machine if you can.
"""

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "sqlite:////tmp/kjc-bench-uploads.sqlite3"
GOAL_SECONDS = 2.0
GOAL_MB = 100


def _cases():
    from tests import hostile_files as files

    return {
        "xlsx: 1 row × 2,000,000 cells": lambda: ("s.xlsx", files.wide_xlsx_row()),
        "xlsx: 1 row × 500,000 cells (8 MB unpacked)": lambda: (
            "s.xlsx",
            files.wide_xlsx_row(500_000),
        ),
        "xlsx: 2,500,000 shared strings": lambda: ("s.xlsx", files.many_shared_strings()),
        "xlsx: 200,000 shared strings (3 MB unpacked)": lambda: (
            "s.xlsx",
            files.many_shared_strings(200_000),
        ),
        "xlsx: 150,001 other elements": lambda: (
            "s.xlsx",
            files.xlsx(["<row>", "<x/>" * 150_001, "</row>"]),
        ),
        "xlsx: a row 1,048,576 lines down": lambda: ("s.xlsx", files.far_row()),
        "csv: header of 1,000,000 columns": lambda: ("s.csv", files.wide_csv_header()),
        "csv: one line of 1,500,000 characters": lambda: ("s.csv", files.long_csv_line()),
        "body of 3 MB (over the limit)": lambda: ("s.csv", b"x" * (3 * 1024 * 1024)),
        "real export of all jobcenters, back": None,  # built from the database
    }


def _setup_django(db):
    os.environ["DATABASE_URL"] = db
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kjc.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _prepare(db):
    _setup_django(db)
    from django.core.management import call_command

    from jobcenters.models import Jobcenter

    call_command("migrate", verbosity=0)
    if not Jobcenter.objects.exists():
        call_command("seed", "--demo", verbosity=0, stdout=io.StringIO())


def _users():
    from django.contrib.auth import get_user_model

    from jobcenters import roles
    from jobcenters.models import Jobcenter, StaffMembership

    groups = roles.ensure_groups()
    model = get_user_model()
    staff, _ = model.objects.get_or_create(username="bench-uploads-staff")
    staff.groups.add(groups[roles.JOBCENTER_STAFF])
    jobcenter = Jobcenter.objects.get(district__ags="06438")
    StaffMembership.objects.get_or_create(user=staff, jobcenter=jobcenter)
    coordinator, _ = model.objects.get_or_create(username="bench-uploads-coordinator")
    coordinator.groups.add(groups[roles.COORDINATION])
    return staff, coordinator


def _rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _child(db, name):
    _setup_django(db)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()  # so that the response carries its template context
    staff, coordinator = _users()
    client = Client(HTTP_HOST="127.0.0.1")
    if name == "real export of all jobcenters, back":
        client.force_login(coordinator)
        filename = "alle.xlsx"
        data = client.get(reverse("jobcenters:export_all_status", args=["xlsx"])).content
        url = reverse("jobcenters:import_all_status")
    else:
        client.force_login(staff)
        filename, data = _cases()[name]()
        url = reverse("jobcenters:import_status", args=["06438"])

    def post():
        return client.post(url, {"file": SimpleUploadedFile(filename, data)})

    client.get(url)  # templates, session, imports of the page itself
    before = _rss_mb()
    start = time.perf_counter()
    response = post()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    post()
    python_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    errors = (
        response.context["errors"] if response.context and "errors" in response.context else None
    )
    print(
        json.dumps(
            {
                "case": name,
                "file_kb": round(len(data) / 1024),
                "status": response.status_code,
                "seconds": round(seconds, 3),
                "rss_mb": round(max(0.0, peak - before), 1),
                "python_mb": round(python_peak, 1),
                "answer": str(errors[0].message)[:70] if errors else "",
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        return _child(args.db, args.case)
    _prepare(args.db)
    rows = []
    for name in _cases():
        out = subprocess.run(
            [sys.executable, __file__, "--db", args.db, "--case", name],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode:
            print(out.stderr, file=sys.stderr)
            continue
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"Goal: answered within {GOAL_SECONDS} s and {GOAL_MB} MB extra worker memory.\n")
    print("| case | file KB | status | s | +RSS MB | Python peak MB | goal | answer |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for row in rows:
        ok = row["seconds"] <= GOAL_SECONDS and max(row["rss_mb"], row["python_mb"]) <= GOAL_MB
        print(
            f"| {row['case']} | {row['file_kb']} | {row['status']} | {row['seconds']} "
            f"| {row['rss_mb']} | {row['python_mb']} | {'met' if ok else 'MISSED'} "
            f"| {row['answer']} |"
        )


if __name__ == "__main__":
    main()
