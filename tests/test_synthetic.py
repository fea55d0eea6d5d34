import importlib
from datetime import UTC, datetime
from io import StringIO
from unittest import skipUnless

from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase, TransactionTestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, clear_url_caches, reverse

import kjc.urls
from jobcenters.models import District, Implementation, Jobcenter, Status
from jobcenters.seeding import seed_reference_data
from jobcenters.services import update_implementation
from jobcenters.synthetic import (
    AGS_PREFIX,
    SyntheticDataError,
    remove_synthetic,
    seed_synthetic,
    synthetic_jobcenters,
)

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
FIELDS = ("status", "progress", "not_applicable_reason", "public_note", "internal_note")


def real_snapshot():
    """Every real (non-synthetic) row and history entry, as plain tuples."""
    real = Implementation.objects.exclude(jobcenter__district__ags__startswith=AGS_PREFIX)
    rows = list(real.order_by("pk").values_list("pk", *FIELDS, "version", "updated_at"))
    history = list(
        Implementation.history.filter(id__in=real.values("pk"))
        .order_by("history_id")
        .values_list("history_id", "id", *FIELDS, "version", "history_date")
    )
    return {
        "districts": list(District.objects.exclude(ags__startswith=AGS_PREFIX).values_list()),
        "jobcenters": list(
            Jobcenter.objects.exclude(district__ags__startswith=AGS_PREFIX).values_list()
        ),
        "rows": rows,
        "history": history,
    }


def synthetic_snapshot():
    rows = Implementation.objects.filter(jobcenter__in=synthetic_jobcenters())
    return {
        "rows": list(
            rows.order_by("jobcenter__district__ags", "factor__number").values_list(
                "jobcenter__district__ags", "factor__number", *FIELDS, "version", "updated_at"
            )
        ),
        "history": list(
            Implementation.history.filter(id__in=rows.values("pk"))
            .order_by("jobcenter__district__ags", "factor__number", "history_date")
            .values_list(
                "jobcenter__district__ags", "factor__number", *FIELDS, "version", "history_date"
            )
        ),
    }


class SeedSyntheticTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        seed_reference_data()
        real = Implementation.objects.get(jobcenter__district__ags="06438", factor__number=3)
        update_implementation(
            implementation=real,
            values={"status": Status.PLANNED, "progress": 10, "public_note": "echt"},
            expected_version=real.version,
            user=None,
        )

    def test_counts_names_and_labels(self):
        before = real_snapshot()
        counts = seed_synthetic(3, changes=6, now=NOW)
        self.assertEqual(counts["jobcenters"], 3)
        self.assertEqual(counts["implementations"], 3 * 35)
        jobcenters = synthetic_jobcenters().select_related("district")
        self.assertEqual(
            [(jc.district.ags, jc.name) for jc in jobcenters],
            [
                ("99001", "Synthetisches Jobcenter 0001"),
                ("99002", "Synthetisches Jobcenter 0002"),
                ("99003", "Synthetisches Jobcenter 0003"),
            ],
        )
        self.assertEqual({jc.district.regierungsbezirk for jc in jobcenters}, {"Synthetisch"})
        rows = Implementation.objects.filter(jobcenter__in=jobcenters)
        self.assertEqual(rows.count(), 105)
        self.assertFalse(rows.filter(is_demo=False).exists())
        history = Implementation.history.filter(id__in=rows.values("pk"))
        self.assertEqual(history.count(), counts["history"])
        self.assertFalse(history.filter(is_demo=False).exists())
        self.assertFalse(history.exclude(history_user=None).exists())
        # About `changes` changes per reported row, one creation entry per row.
        self.assertEqual(history.filter(history_type="+").count(), 105)
        changes = history.filter(history_type="~").count()
        reported = rows.exclude(status=Status.NOT_REPORTED).count()
        self.assertGreater(reported, 80)
        self.assertTrue(4 * reported <= changes <= 8 * reported, changes)
        # Several statuses occur, and the database constraints hold for every row.
        self.assertGreaterEqual(len(set(rows.values_list("status", flat=True))), 4)
        self.assertEqual(real_snapshot(), before)

    def test_history_is_ordered_and_ends_in_the_row_state(self):
        seed_synthetic(2, changes=8, now=NOW)
        rows = Implementation.objects.filter(jobcenter__in=synthetic_jobcenters())
        history = {}
        for entry in Implementation.history.filter(id__in=rows.values("pk")).order_by(
            "history_date", "history_id"
        ):
            history.setdefault(entry.id, []).append(entry)
        self.assertEqual(len(history), 70)
        for row in rows:
            entries = history[row.pk]
            self.assertEqual([e.version for e in entries], list(range(1, row.version + 1)))
            self.assertEqual(entries[0].history_type, "+")
            self.assertEqual(entries[0].status, Status.NOT_REPORTED)
            self.assertEqual({e.history_type for e in entries[1:]} - {"~"}, set())
            dates = [e.history_date for e in entries]
            self.assertEqual(dates, sorted(set(dates)))  # strictly increasing
            self.assertLess(dates[-1], NOW)
            self.assertGreater(dates[0], datetime(2023, 10, 1, tzinfo=UTC))  # ~3 years back
            last = entries[-1]
            self.assertEqual(
                [getattr(last, f) for f in (*FIELDS, "target_date", "updated_at")],
                [getattr(row, f) for f in (*FIELDS, "target_date", "updated_at")],
            )
            progress = [e.progress for e in entries if e.status == Status.IN_PROGRESS]
            self.assertEqual(progress, sorted(progress))
            for e in entries:
                if e.status == Status.DONE:
                    self.assertEqual(e.progress, 100)
                if e.status == Status.NOT_APPLICABLE:
                    self.assertTrue(e.not_applicable_reason)
            # Changes follow the path forward: never back to an earlier status.
            order = [Status.NOT_REPORTED, Status.NOT_STARTED, Status.PLANNED, Status.IN_PROGRESS]
            steps = [order.index(e.status) for e in entries if e.status in order]
            self.assertEqual(steps, sorted(steps))

    def test_same_seed_same_rows_other_seed_other_rows(self):
        seed_synthetic(2, seed=7, changes=5, now=NOW)
        first = synthetic_snapshot()
        seed_synthetic(2, seed=7, changes=5, now=NOW, replace=True)
        self.assertEqual(synthetic_snapshot(), first)
        seed_synthetic(2, seed=8, changes=5, now=NOW, replace=True)
        self.assertNotEqual(synthetic_snapshot()["rows"], first["rows"])

    def test_idempotent_replace_and_remove_touch_only_synthetic_rows(self):
        before = real_snapshot()
        seed_synthetic(2, changes=3, now=NOW)
        again = seed_synthetic(2, changes=3, now=NOW)
        self.assertEqual(again["existing"], 2)
        with self.assertRaisesMessage(SyntheticDataError, "use --replace"):
            seed_synthetic(4, changes=3, now=NOW)
        counts = seed_synthetic(4, changes=3, now=NOW, replace=True)
        self.assertEqual(counts["removed"], 2)
        self.assertEqual(synthetic_jobcenters().count(), 4)
        self.assertEqual(remove_synthetic(), 4)
        self.assertFalse(District.objects.filter(ags__startswith=AGS_PREFIX).exists())
        self.assertFalse(
            Implementation.history.filter(public_note__startswith="[Synthetisch]").exists()
        )
        self.assertEqual(real_snapshot(), before)

    def test_replace_also_removes_drafts_of_synthetic_rows(self):
        from jobcenters.models import PendingChange
        from jobcenters.services import submit_change

        seed_synthetic(1, changes=2, now=NOW)
        row = Implementation.objects.filter(jobcenter__in=synthetic_jobcenters()).first()
        submit_change(
            implementation=row,
            values={"public_note": "Entwurf"},
            expected_version=row.version,
            user=None,
        )
        self.assertEqual(PendingChange.objects.count(), 1)
        seed_synthetic(2, changes=2, now=NOW, replace=True)
        self.assertEqual(PendingChange.objects.count(), 0)
        self.assertEqual(synthetic_jobcenters().count(), 2)

    def test_bulk_inserts_cost_two_queries_per_jobcenter_whatever_the_history(self):
        def queries(n, changes):
            remove_synthetic()
            with CaptureQueriesContext(connection) as ctx:
                seed_synthetic(n, changes=changes, now=NOW)
            return len(ctx.captured_queries)

        base = queries(1, 2)
        # Per jobcenter: one INSERT of its 35 rows, one executemany of their history.
        self.assertEqual(queries(3, 2) - base, 2 * 2)
        self.assertEqual(queries(3, 12) - base, 2 * 2)

    def test_zero_changes_gives_rows_with_their_creation_entry_only(self):
        counts = seed_synthetic(1, changes=0, now=NOW)
        self.assertEqual(counts["history"], 35)
        rows = Implementation.objects.filter(jobcenter__in=synthetic_jobcenters())
        self.assertEqual(set(rows.values_list("status", "version")), {(Status.NOT_REPORTED, 1)})


class SeedSyntheticCommandTests(TestCase):
    def call(self, *args):
        out = StringIO()
        call_command("seed_synthetic", *args, stdout=out)
        return out.getvalue()

    def test_command_creates_reports_and_is_idempotent(self):
        out = self.call("2", "--changes", "2", "--seed", "3")
        self.assertIn("Created 2 synthetic jobcenters, 70 implementations", out)
        self.assertEqual(Jobcenter.objects.count(), 16 + 2)  # the real ones are loaded too
        self.assertIn("exist already; unchanged", self.call("2", "--changes", "2"))
        self.assertIn("(replaced 2)", self.call("1", "--changes", "2", "--replace"))
        self.assertIn("Removed 1 synthetic", self.call("--remove"))
        self.assertEqual(Jobcenter.objects.count(), 16)

    def test_bad_input_gets_a_clear_message(self):
        for args, message in [
            ((), "Give the number of jobcenters"),
            (("0",), "N must be between 1 and 999"),
            (("1000",), "N must be between 1 and 999"),
            (("abc",), "invalid positive_int value"),
            (("2", "--changes", "-1"), "invalid positive_int value"),
            (("2", "--years", "0"), "--years must be positive"),
        ]:
            with self.subTest(args=args), self.assertRaisesMessage(CommandError, message):
                self.call(*args)

    @skipUnless(connection.vendor == "postgresql", "planner statistics of PostgreSQL")
    def test_the_filled_tables_have_planner_statistics_at_once(self):
        table = Implementation.history.model._meta.db_table
        self.call("2", "--changes", "2")
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            estimate = cursor.fetchone()[0]
        self.assertEqual(estimate, Implementation.history.count())

    def test_a_different_n_needs_replace(self):
        self.call("2", "--changes", "1")
        with self.assertRaisesMessage(CommandError, "use --replace"):
            self.call("3", "--changes", "1")


@skipUnless(connection.vendor == "postgresql", "VACUUM of PostgreSQL")
class SeedSyntheticVacuumTests(TransactionTestCase):
    """Outside a transaction, as bench/run calls it, the bulk load is also vacuumed."""

    def test_the_history_is_all_visible_at_once(self):
        table = Implementation.history.model._meta.db_table
        call_command("seed_synthetic", "2", "--changes", "2", stdout=StringIO())
        with connection.cursor() as cursor:
            cursor.execute("SELECT relallvisible FROM pg_class WHERE relname = %s", [table])
            all_visible_pages = cursor.fetchone()[0]
        self.assertGreater(all_visible_pages, 0)


class BenchFloorTests(TestCase):
    """/bench/floor is routed only with KJC_BENCH=1 (bench/run sets it)."""

    def route(self, bench):
        """Build kjc.urls as a process started with KJC_BENCH=`bench` would."""
        with override_settings(KJC_BENCH=bench):
            importlib.reload(kjc.urls)
        clear_url_caches()
        self.addCleanup(self.restore_urls)

    def restore_urls(self):
        importlib.reload(kjc.urls)
        clear_url_caches()

    def test_a_real_site_has_no_floor(self):
        self.assertFalse(settings.KJC_BENCH)
        self.route(False)
        self.assertEqual(self.client.get("/bench/floor").status_code, 404)
        with self.assertRaises(NoReverseMatch):
            reverse("bench_floor")

    def test_floor_answers_without_database(self):
        self.route(True)
        with self.assertNumQueries(0):  # no query at all: the floor of a Django view
            response = self.client.get(reverse("bench_floor"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"ok\n")
        self.assertEqual(response["Content-Type"], "text/plain")

    def test_floor_sends_as_many_bytes_as_asked_within_a_bound(self):
        self.route(True)
        url = reverse("bench_floor")
        self.assertEqual(len(self.client.get(url, {"bytes": "300000"}).content), 300_000)
        for bad in ("0", "-5", "x", str(64 * 1024 * 1024)):
            with self.subTest(bad):
                self.assertEqual(self.client.get(url, {"bytes": bad}).content, b"ok\n")

    def test_floor_refuses_post(self):
        self.route(True)
        self.assertEqual(self.client.post(reverse("bench_floor")).status_code, 405)


def _bench_module(name):
    """bench/ is a folder of scripts, not a package: load one of them by path."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BenchReportTests(TestCase):
    """The benchmark's verdicts: a target is met only when the numbers say so."""

    def config(self, n, *, page_rps, page_ms, queries, rss, plain_rps=None):
        floor = {
            "rps": 1000.0,
            "wrk_runs": [{"rps": 1000.0}],
            "inproc": {"cold": {"median_ms": 0.2, "queries": 0}, "warm": {"median_ms": 0.2}},
        }
        row = {
            "name": "public:matrix",
            "path": "/matrix/",
            "kind": "page",
            "login": False,
            "wrk": {"rps": page_rps},
            "wrk_plain": {"rps": plain_rps or page_rps},
            "inproc": {"cold": {"median_ms": page_ms, "queries": queries}, "warm": None},
        }
        return {
            "db": "sqlite",
            "n": n,
            "floor": floor,
            "rows": [row],
            "rss_floor_mb": [50.0, 52.0],
            "rss_all_mb": [rss, 60.0],
        }

    def verdicts(self, configs):
        return [met for _text, met, _detail in _bench_module("report").targets(configs)]

    def test_all_met(self):
        configs = [
            self.config(16, page_rps=950, page_ms=3.0, queries=3, rss=70),
            self.config(405, page_rps=920, page_ms=90.0, queries=3, rss=100),
        ]
        # warm, warm without gzip, same bytes (no big page), cold at 16, largest at 405,
        # no editor, no dashboard, queries, RSS; no trend URL
        self.assertEqual(
            self.verdicts(configs), [True, True, None, True, True, None, None, True, True, None]
        )

    def test_each_target_can_fail(self):
        configs = [
            self.config(16, page_rps=400, page_ms=25.0, queries=3, rss=70),
            self.config(405, page_rps=600, page_ms=120.0, queries=4, rss=110),
        ]
        # 0.4 × floor; 125 × floor at 16; 600 × at 405; 3 → 4 queries; 110 MB > 2 × 52 MB
        self.assertEqual(
            self.verdicts(configs),
            [False, False, None, False, False, None, None, False, False, None],
        )

    def signed_in_row(self, name, path, ms):
        return {
            "name": name,
            "path": path,
            "kind": "internal",
            "login": True,
            "inproc": {"cold": {"median_ms": ms, "queries": 5}, "warm": None},
        }

    def test_the_editor_and_the_dashboard_have_their_own_targets(self):
        small = self.config(16, page_rps=950, page_ms=3.0, queries=3, rss=70)
        large = self.config(405, page_rps=920, page_ms=90.0, queries=3, rss=100)
        # 110 ms is 550 × the floor (0.2 ms): within the editor's 600, over the dashboard's
        # 500 and over the public pages' 100, which the signed-in editor is not judged by.
        small["rows"].append(self.signed_in_row("jobcenters:edit_jobcenter", "/bearbeiten/1/", 110))
        large["rows"].append(self.signed_in_row("reports:dashboard", "/dashboard/", 110))
        self.assertEqual(self.verdicts([small, large])[3:7], [True, True, True, False])
        large["rows"][-1]["inproc"]["cold"]["median_ms"] = 90  # 450 ×
        small["rows"][-1]["inproc"]["cold"]["median_ms"] = 130  # 650 ×
        self.assertEqual(self.verdicts([small, large])[3:7], [True, True, False, True])

    def test_a_slow_answer_without_gzip_fails_its_own_target(self):
        configs = [self.config(16, page_rps=950, plain_rps=500, page_ms=3.0, queries=3, rss=70)]
        self.assertEqual(self.verdicts(configs)[:2], [True, False])

    def test_a_big_plain_page_is_also_judged_against_the_same_bytes(self):
        configs = [self.config(405, page_rps=950, plain_rps=300, page_ms=3.0, queries=3, rss=70)]
        row = configs[0]["rows"][0]
        row["wrk_plain_floor"] = {"rps": 320.0, "bytes": 2_000_000}
        self.assertEqual(self.verdicts(configs)[1:3], [False, True])  # 0.3 × floor, 0.94 × bytes
        row["wrk_plain_floor"]["rps"] = 600.0
        self.assertEqual(self.verdicts(configs)[1:3], [False, False])
        report = _bench_module("report")
        configs[0]["server"] = "gunicorn"
        self.assertIn("× 0.50 the same bytes", "\n".join(report.config_table(configs[0])))


class BenchFormParserTests(TestCase):
    def test_forms_are_submitted_as_a_browser_would(self):
        harness = _bench_module("harness")
        forms = harness.parse_forms(
            """<form method="get"><input name="q" value="x"></form>
            <form method="post" action="/save/">
              <input type="hidden" name="csrfmiddlewaretoken" value="tok">
              <input name="row-7-version" type="hidden" value="3">
              <select name="row-7-status"><option value="a">A</option>
                <option value="b" selected>B</option></select>
              <textarea name="row-7-public_note">
Notiz &amp; mehr</textarea>
              <input type="checkbox" name="off"><input type="checkbox" name="on" checked>
              <input name="gone" disabled value="x"><input type="file" name="upload">
              <button type="submit" name="_save" value="1">Save</button>
            </form>"""
        )
        form = harness.pick_form(forms, lambda f: f.method == "post")
        self.assertEqual(form.action, "/save/")
        self.assertEqual(
            form.fields,
            [
                ["csrfmiddlewaretoken", "tok"],
                ["row-7-version", "3"],
                ["row-7-status", "b"],
                ["row-7-public_note", "Notiz & mehr"],
                ["on", "on"],
            ],
        )
        self.assertEqual(form.submits, [("_save", "1")])
