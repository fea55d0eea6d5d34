"""The state "as of" a moment, the trend and "what changed", computed from the history."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.test import TestCase
from django.utils import translation

from jobcenters import roles
from jobcenters.models import Implementation, Status, StatusSummary
from jobcenters.services import update_implementation
from reports import history

from .factories import make_catalogue, make_jobcenter, make_user

BERLIN = ZoneInfo("Europe/Berlin")


def at(y, m, d, hour=12):
    return datetime(y, m, d, hour, tzinfo=BERLIN)


# The moment every test implementation is created (its first history entry).
CREATED = at(2026, 1, 10)


def give_history(implementations, when=CREATED):
    """make_jobcenter bulk-creates rows without history; the seed writes a first entry."""
    Implementation.history.bulk_history_create(list(implementations), default_date=when)


def change(implementation, user, when, **values):
    implementation.refresh_from_db()
    return update_implementation(
        implementation=implementation,
        values=values,
        expected_version=implementation.version,
        user=user,
        when=when,
    )


def row(jobcenter, factor):
    return Implementation.objects.get(jobcenter=jobcenter, factor=factor)


class AsOfTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        roles.ensure_groups()
        cls.f1, cls.f2 = make_catalogue(factors=2)
        cls.jc_a = make_jobcenter(name="Jobcenter A")
        cls.jc_b = make_jobcenter(name="Jobcenter B")
        give_history(Implementation.objects.all())
        cls.user = make_user("editor", group=roles.COORDINATION, email="ed@example.org")
        change(row(cls.jc_a, cls.f1), cls.user, at(2026, 2, 15), status=Status.PLANNED)
        change(
            row(cls.jc_b, cls.f2),
            cls.user,
            at(2026, 3, 5),
            status=Status.NOT_APPLICABLE,
            not_applicable_reason="Keine Zielgruppe",
        )
        change(row(cls.jc_a, cls.f1), cls.user, at(2026, 4, 10), status=Status.DONE)

    def status_at(self, moment):
        return {(h.jobcenter_id, h.factor_id): h.status for h in history.snapshot(moment)}

    def test_snapshot_before_creation_is_empty(self):
        self.assertEqual(self.status_at(at(2026, 1, 1)), {})

    def test_snapshot_picks_the_latest_entry_up_to_the_moment(self):
        a1, b2 = (self.jc_a.pk, self.f1.pk), (self.jc_b.pk, self.f2.pk)
        self.assertEqual(self.status_at(at(2026, 2, 15, 11))[a1], Status.NOT_REPORTED)
        self.assertEqual(self.status_at(at(2026, 2, 15, 12))[a1], Status.PLANNED)
        state = self.status_at(history.end_of_day(date(2026, 3, 31)))
        self.assertEqual(state[a1], Status.PLANNED)
        self.assertEqual(state[b2], Status.NOT_APPLICABLE)
        self.assertEqual(len(state), 4)
        self.assertEqual(self.status_at(at(2026, 5, 1))[a1], Status.DONE)

    def test_snapshot_today_equals_the_current_rows(self):
        now_summary = history.summary_at(at(2030, 1, 1))
        self.assertEqual(now_summary, Implementation.objects.summary())

    def test_snapshot_keeps_progress_and_notes_of_that_time(self):
        [record] = history.snapshot(at(2026, 3, 1)).filter(jobcenter=self.jc_a, factor=self.f1)
        self.assertEqual(record.progress, 0)
        [record] = history.snapshot(at(2026, 5, 1)).filter(jobcenter=self.jc_a, factor=self.f1)
        self.assertEqual(record.progress, 100)

    def test_snapshot_is_scoped_by_the_implementations_given(self):
        only_a = Implementation.objects.filter(jobcenter=self.jc_a)
        records = history.snapshot(at(2026, 5, 1), only_a)
        self.assertEqual({r.jobcenter_id for r in records}, {self.jc_a.pk})

    def test_summary_per_factor(self):
        by_factor = history.summary_at(at(2026, 3, 31), key="factor_id")
        self.assertEqual(by_factor[self.f1.pk].counts[Status.PLANNED], 1)
        self.assertEqual(by_factor[self.f1.pk].counts[Status.NOT_REPORTED], 1)
        self.assertEqual(by_factor[self.f2.pk].counts[Status.NOT_APPLICABLE], 1)
        self.assertEqual(by_factor[self.f2.pk].applicable, 1)

    def test_trend_counts_each_row_once_per_moment(self):
        points = [at(2026, 1, 1), at(2026, 2, 28), at(2026, 3, 31), at(2026, 4, 30)]
        with self.assertNumQueries(1):  # one grouped query over the windowed history
            trend = history.trend(points)
        counts = [p.summary.counts for p in trend]
        self.assertEqual([p.summary.total for p in trend], [0, 4, 4, 4])
        self.assertEqual(counts[1][Status.PLANNED], 1)
        self.assertEqual(counts[1][Status.NOT_REPORTED], 3)
        self.assertEqual(counts[2][Status.NOT_APPLICABLE], 1)
        self.assertEqual(counts[2][Status.NOT_REPORTED], 2)
        self.assertEqual(counts[3][Status.DONE], 1)
        self.assertEqual(counts[3][Status.PLANNED], 0)

    def test_trend_matches_snapshots(self):
        points = history.month_ends(6, now=at(2026, 6, 20))
        for point in history.trend(points):
            self.assertEqual(point.summary, history.summary_at(point.at), point.at)

    def test_entries_with_the_same_timestamp_count_once(self):
        implementation = row(self.jc_b, self.f1)
        moment = at(2026, 2, 20)
        change(implementation, self.user, moment, status=Status.PLANNED)
        change(implementation, self.user, moment, status=Status.IN_PROGRESS, progress=40)
        [point] = history.trend([at(2026, 2, 21)])
        self.assertEqual(point.summary.total, 4)
        self.assertEqual(point.summary.counts[Status.IN_PROGRESS], 1)
        [record] = history.snapshot(at(2026, 2, 21)).filter(id=implementation.pk)
        self.assertEqual(record.status, Status.IN_PROGRESS)

    def test_month_ends(self):
        points = history.month_ends(3, now=at(2026, 3, 15))
        self.assertEqual(
            [p.astimezone(BERLIN).date() for p in points],
            [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 15)],
        )
        self.assertEqual(points[0].astimezone(BERLIN).hour, 23)

    def test_changes_since_name_who_and_old_to_new(self):
        with self.assertNumQueries(3):  # count, entries (with user, jobcenter), predecessors
            changes, total = history.changes_since(at(2026, 3, 1))
        self.assertEqual(total, 2)
        latest = changes[0]
        self.assertEqual(latest.user_name, "editor")
        # The labels are lazy; they are shown in German, the site's language.
        with translation.override("de"):
            fields = [(str(label), old, new) for label, old, new in latest.fields]
            self.assertIn(("Status", "geplant", "umgesetzt"), [tuple(map(str, f)) for f in fields])
            self.assertIn(("Fortschritt (%)", 0, 100), fields)

    def test_changes_since_on_a_new_row_show_the_status_only(self):
        changes, total = history.changes_since(at(2026, 1, 1))
        created = [c for c in changes if c.created]
        self.assertEqual(len(created), 4)
        self.assertEqual(total, 7)
        with translation.override("de"):
            self.assertEqual([str(f[0]) for f in created[0].fields], ["Status"])


class ReferenceTests(TestCase):
    """snapshot(), summaries_by() and trend() agree with a plain Python reading of the history.

    Each database has its own SQL for "latest entry up to a moment" and the counting is
    done by the database, so both are checked against the obvious computation: every
    entry read, the latest (history_date, history_id) per row kept, counted in Python.
    """

    @classmethod
    def setUpTestData(cls):
        roles.ensure_groups()
        cls.factors = make_catalogue(factors=3)
        cls.jobcenters = [make_jobcenter(name=f"Jobcenter {c}") for c in "ABC"]
        give_history(Implementation.objects.all())
        user = make_user("editor", group=roles.COORDINATION, email="ed@example.org")
        statuses = [Status.PLANNED, Status.IN_PROGRESS, Status.DONE, Status.NOT_STARTED]
        for i, implementation in enumerate(Implementation.objects.order_by("pk")):
            for step in range(i % 4):
                values = {"status": statuses[(i + step) % 4]}
                if values["status"] == Status.IN_PROGRESS:
                    values["progress"] = 40
                change(implementation, user, at(2026, 2 + step, 1 + i), **values)
        # Two entries with the same moment: the later history_id wins.
        same = Implementation.objects.order_by("pk").last()
        change(same, user, at(2026, 6, 2), status=Status.PLANNED)
        change(same, user, at(2026, 6, 2), status=Status.NOT_APPLICABLE, not_applicable_reason="x")
        cls.scope = Implementation.objects.filter(jobcenter__in=cls.jobcenters[:2])

    def reference(self, moment, scope):
        latest = {}
        for entry in Implementation.history.filter(history_date__lte=moment):
            key = (entry.history_date, entry.history_id)
            if entry.id not in latest or key > latest[entry.id][0]:
                latest[entry.id] = (key, entry)
        ids = set(scope.values_list("pk", flat=True))
        rows = [e for _key, e in latest.values() if e.id in ids and e.history_type != "-"]
        by = {"factor_id": {}, "jobcenter_id": {}}
        for key, summaries in by.items():
            for entry in rows:
                summaries.setdefault(getattr(entry, key), StatusSummary()).add(entry.status, 1)
        total = StatusSummary()
        for entry in rows:
            total.add(entry.status, 1)
        return {e.history_id for e in rows}, by, total

    def test_snapshot_and_summaries_match_the_reference(self):
        for scope in (Implementation.objects.all(), self.scope):
            for moment in (at(2026, 1, 1), at(2026, 3, 15), at(2026, 6, 2), at(2026, 7, 1)):
                ids, by, total = self.reference(moment, scope)
                snapshot = history.snapshot(moment, scope)
                self.assertEqual({e.history_id for e in snapshot}, ids, moment)
                keys = ("factor_id", "jobcenter_id")
                self.assertEqual(snapshot.summary_by(*keys), by, moment)
                for key in keys:  # one key: the other SQL, the same answer
                    self.assertEqual(snapshot.summary_by(key), {key: by[key]}, moment)
                self.assertEqual(history.summary_at(moment, scope), total, moment)

    def test_summaries_of_current_rows_match_the_reference(self):
        ids, by, _total = self.reference(at(2030, 1, 1), self.scope)
        self.assertEqual(self.scope.summary_by("factor_id", "jobcenter_id"), by)

    def test_trend_matches_the_reference(self):
        points = history.month_ends(7, now=at(2026, 7, 10))
        for scope in (Implementation.objects.all(), self.scope):
            with self.assertNumQueries(1):
                trend = history.trend(points, scope)
            for point in trend:
                self.assertEqual(point.summary, self.reference(point.at, scope)[2], point.at)
            self.assertTrue(any(p.summary.counts[Status.DONE] for p in trend))

    def test_changes_since_read_by_date_or_by_row_agree(self):
        # `everything` only changes how the history is read (see changes_since),
        # never the answer; the limit cuts inside the same moment too.
        everything = Implementation.objects.all()
        shown = 0
        for since in (at(2026, 1, 1), at(2026, 3, 15), at(2026, 6, 1)):
            for limit in (3, 200):
                by_row = history.changes_since(since, everything, limit=limit)
                with self.assertNumQueries(3):
                    by_date = history.changes_since(since, everything, limit=limit, everything=True)
                self.assertEqual(by_date, by_row, (since, limit))
                shown += len(by_date[0])
        self.assertGreater(shown, 6)

    def test_an_empty_scope_counts_nothing_without_asking(self):
        nothing = Implementation.objects.none()
        with self.assertNumQueries(0):
            self.assertEqual(nothing.summary_by("factor_id"), {"factor_id": {}})
            self.assertEqual(nothing.summary_by("factor_id", "jobcenter_id")["jobcenter_id"], {})
            trend = history.trend([at(2026, 3, 1), at(2026, 6, 1)], nothing)
        self.assertEqual([p.summary.total for p in trend], [0, 0])
        self.assertEqual(history.summary_at(at(2026, 6, 1), nothing, key="factor_id"), {})
