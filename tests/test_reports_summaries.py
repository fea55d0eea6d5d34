"""Stored day summaries (reports/summaries.py) say exactly what the history says, and the
database forgets a stored day whenever a change of the history reaches back to it."""

from datetime import date

from django.test import TestCase

from jobcenters import roles
from jobcenters.models import Implementation, Status
from reports import history, summaries
from reports.models import DaySummary

from .base import PersonaTestCase
from .factories import make_catalogue, make_jobcenter, make_user
from .test_reports_history import at, change, give_history, row

# Month ends of 2026 before "now" (mid-October 2026): the trend's stored points.
NOW = at(2026, 10, 14)
POINTS = history.month_ends(6, now=NOW)
ENDED = [p.date() for p in POINTS[:-1]]  # 31.05. … 30.09.


def counts(points):
    return [p.summary.counts for p in points]


class StoredDaysTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        roles.ensure_groups()
        cls.f1, cls.f2, cls.f3 = make_catalogue(factors=3)
        cls.jc_a = make_jobcenter(name="Jobcenter A")
        cls.jc_b = make_jobcenter(name="Jobcenter B")
        give_history(Implementation.objects.all())
        cls.user = make_user("editor", group=roles.COORDINATION)
        change(row(cls.jc_a, cls.f1), cls.user, at(2026, 5, 3), status=Status.PLANNED)
        change(row(cls.jc_a, cls.f1), cls.user, at(2026, 7, 9), status=Status.IN_PROGRESS)
        change(row(cls.jc_b, cls.f2), cls.user, at(2026, 6, 30, 23), status=Status.DONE)
        change(
            row(cls.jc_b, cls.f3),
            cls.user,
            at(2026, 8, 1, 0),
            status=Status.NOT_APPLICABLE,
            not_applicable_reason="Kein Bedarf",
        )

    def subjects(self):
        return [{}, {"factor": self.f1}, {"factor__theme": self.f2.theme}]

    def assert_as_history(self):
        for subject in self.subjects():
            with self.subTest(subject=subject):
                stored = summaries.trend(POINTS, subject)
                expected = history.trend(POINTS, Implementation.objects.filter(**subject))
                # The last point is today: the rows as they are, i.e. the latest history.
                self.assertEqual(counts(stored)[:-1], counts(expected)[:-1])
                self.assertEqual(
                    stored[-1].summary.counts,
                    Implementation.objects.filter(**subject).summary().counts,
                )

    def test_the_stored_trend_is_the_history_trend(self):
        self.assert_as_history()
        # One row per day, factor and status: 5 days × 3 factors × 6 statuses.
        self.assertEqual(DaySummary.objects.count(), 5 * 3 * len(Status))
        self.assertEqual(sorted(DaySummary.objects.values_list("day", flat=True).distinct()), ENDED)

    def test_stored_month_ends_are_read_with_one_query(self):
        summaries.trend(POINTS, {})
        with self.assertNumQueries(1):
            summaries.trend(POINTS, {"factor": self.f2})

    def test_a_normal_edit_keeps_the_stored_days(self):
        summaries.trend(POINTS, {})
        stored = DaySummary.objects.count()
        change(row(self.jc_b, self.f1), self.user, NOW, status=Status.PLANNED)
        self.assertEqual(DaySummary.objects.count(), stored)
        self.assert_as_history()

    def test_a_change_dated_into_the_past_forgets_the_days_it_reaches(self):
        summaries.trend(POINTS, {})
        change(row(self.jc_b, self.f1), self.user, at(2026, 7, 15), status=Status.DONE)
        # 31.05. and 30.06. are kept; from the day before the change on, every day goes.
        self.assertEqual(
            sorted(DaySummary.objects.values_list("day", flat=True).distinct()), ENDED[:2]
        )
        self.assert_as_history()

    def test_editing_or_deleting_history_rows_in_place_forgets_their_days(self):
        entry = Implementation.history.get(id=row(self.jc_a, self.f1).pk, status=Status.PLANNED)
        for write in (
            lambda: Implementation.history.filter(pk=entry.pk).update(status=Status.DONE),
            lambda: Implementation.history.filter(pk=entry.pk).delete(),
        ):
            with self.subTest(write=write):
                summaries.trend(POINTS, {})
                write()
                # The entry of 03.05. reaches back to 02.05., before the first stored day.
                self.assertFalse(DaySummary.objects.exists())
                self.assert_as_history()

    def test_deleting_an_implementation_forgets_every_day(self):
        summaries.trend(POINTS, {})
        extra = make_jobcenter(name="Jobcenter C")
        give_history(extra.implementations.all(), when=at(2026, 2, 1))
        self.assertEqual(DaySummary.objects.count(), 0)  # history dated February
        summaries.trend(POINTS, {})
        extra.implementations.first().delete()
        self.assertEqual(DaySummary.objects.count(), 0)
        self.assert_as_history()

    def test_a_past_day_per_factor_and_per_jobcenter(self):
        day = date(2026, 7, 20)
        expected = history.snapshot(history.end_of_day(day)).summary_by(*summaries.KEYS)
        stored = summaries.on_day(day)
        for key in summaries.KEYS:
            with self.subTest(key=key):
                self.assertEqual(
                    {pk: s.counts for pk, s in stored[key].items()},
                    {pk: s.counts for pk, s in expected[key].items()},
                )
        with self.assertNumQueries(1):
            summaries.on_day(day)
        # A month end stored by the trend gets its jobcenter rows added, not twice its factors.
        summaries.trend(POINTS, {})
        summaries.on_day(date(2026, 6, 30))
        self.assertEqual(
            DaySummary.objects.filter(day=date(2026, 6, 30), factor__isnull=False).count(),
            3 * len(Status),
        )
        self.assertEqual(
            DaySummary.objects.filter(day=date(2026, 6, 30), jobcenter__isnull=False).count(),
            2 * len(Status),
        )


class DashboardUsesStoredDaysTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        give_history(Implementation.objects.all())

    def test_the_coordination_office_reads_stored_days_and_staff_do_not(self):
        query = {"a": "2026-03-31", "trend_months": "3"}
        self.login(self.staff_a)
        self.assertEqual(self.client.get("/dashboard/", query).status_code, 200)
        self.assertFalse(DaySummary.objects.exists())  # 3 rows of their own: the history
        self.login(self.director)
        response = self.client.get("/dashboard/", query)
        self.assertEqual(response.status_code, 200)
        # The comparison's day A (a month end) per factor and jobcenter, the trend's too.
        self.assertTrue(DaySummary.objects.filter(day=date(2026, 3, 31), jobcenter__isnull=False))
        self.assertEqual(len(response.context["dash"].trend), 3)
        self.assertEqual(response.context["dash"].compare_jobcenters[0].a.total, 3)
