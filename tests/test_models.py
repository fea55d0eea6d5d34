from django.db import IntegrityError, transaction
from django.test import TestCase

from jobcenters.models import Implementation, Status, StatusSummary

from .factories import make_catalogue, make_jobcenter


class ImplementationConstraintTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.factors = make_catalogue(factors=2)
        cls.jobcenter = make_jobcenter()

    def row(self):
        return Implementation.objects.filter(jobcenter=self.jobcenter).first()

    def assert_rejected(self, **fields):
        with self.assertRaises(IntegrityError), transaction.atomic():
            Implementation.objects.filter(pk=self.row().pk).update(**fields)

    def test_one_row_per_jobcenter_and_factor(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            Implementation.objects.create(jobcenter=self.jobcenter, factor=self.factors[0])

    def test_progress_above_100_is_rejected_by_the_database(self):
        self.assert_rejected(progress=150)

    def test_done_requires_progress_100(self):
        self.assert_rejected(status=Status.DONE, progress=50)

    def test_not_applicable_requires_a_reason(self):
        self.assert_rejected(status=Status.NOT_APPLICABLE, not_applicable_reason="")

    def test_unknown_status_is_rejected(self):
        self.assert_rejected(status="erfunden")

    def test_valid_values_are_accepted(self):
        Implementation.objects.filter(pk=self.row().pk).update(
            status=Status.NOT_APPLICABLE, not_applicable_reason="Kein Bedarf vor Ort"
        )
        self.assertEqual(self.row().status, Status.NOT_APPLICABLE)


class StatusSummaryTests(TestCase):
    def test_not_applicable_leaves_the_denominator(self):
        summary = StatusSummary({Status.DONE: 2, Status.NOT_APPLICABLE: 2, Status.NOT_STARTED: 2})
        self.assertEqual(summary.applicable, 4)
        self.assertEqual(summary.done_share, 50)

    def test_not_reported_is_its_own_count(self):
        summary = StatusSummary({Status.NOT_REPORTED: 3, Status.NOT_STARTED: 1})
        self.assertEqual(summary.reported, 1)
        self.assertEqual(summary.counts[Status.NOT_STARTED], 1)

    def test_no_applicable_entries_gives_no_share(self):
        self.assertIsNone(StatusSummary({Status.NOT_APPLICABLE: 1}).done_share)

    def test_summary_by_factor_pivots_one_query(self):
        factors = make_catalogue(factors=2)
        a, b = make_jobcenter(), make_jobcenter()
        Implementation.objects.filter(jobcenter=a, factor=factors[0]).update(
            status=Status.DONE, progress=100
        )
        with self.assertNumQueries(1):
            summary = Implementation.objects.summary_by_factor()
        self.assertEqual(summary[factors[0].pk].counts[Status.DONE], 1)
        self.assertEqual(summary[factors[0].pk].counts[Status.NOT_REPORTED], 1)
        self.assertEqual(summary[factors[1].pk].total, 2)
        self.assertEqual(Implementation.objects.filter(jobcenter=b).status_counts()[Status.DONE], 0)
