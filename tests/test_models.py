from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CheckConstraint
from django.test import TestCase

from jobcenters.models import STATUS_RULES, Implementation, Status, StatusSummary

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

    def test_summary_by_pivots_one_query(self):
        factors = make_catalogue(factors=2)
        a, b = make_jobcenter(), make_jobcenter()
        Implementation.objects.filter(jobcenter=a, factor=factors[0]).update(
            status=Status.DONE, progress=100
        )
        with self.assertNumQueries(1):
            summary = Implementation.objects.summary_by("factor_id", demo=True)["factor_id"]
        self.assertEqual(summary[factors[0].pk].counts[Status.DONE], 1)
        self.assertEqual(summary[factors[0].pk].counts[Status.NOT_REPORTED], 1)
        self.assertEqual(summary[factors[1].pk].total, 2)
        self.assertEqual(Implementation.objects.filter(jobcenter=b).summary().done, 0)
        with self.assertNumQueries(1):
            both = Implementation.objects.summary_by("factor_id", "jobcenter_id", demo=True)
        self.assertEqual(both["factor_id"], summary)
        self.assertEqual(both["jobcenter_id"][a.pk].done, 1)


class StatusRuleValidationTests(TestCase):
    """Model validation checks the status constraints in Python, with Django's message
    and the database's verdict, but without a query per constraint."""

    @classmethod
    def setUpTestData(cls):
        cls.factors = make_catalogue(factors=2)
        cls.jobcenter = make_jobcenter()

    cases = [
        {},
        {"progress": 150},
        {"progress": -1},
        {"status": Status.DONE, "progress": 50},
        {"status": Status.DONE, "progress": 100},
        {"status": Status.NOT_APPLICABLE, "not_applicable_reason": ""},
        {"status": Status.NOT_APPLICABLE, "not_applicable_reason": " "},
        {"status": "erfunden"},
    ]

    def candidate(self, **fields):
        row = Implementation.objects.filter(jobcenter=self.jobcenter).first()
        for name, value in fields.items():
            setattr(row, name, value)
        return row

    def test_python_rules_agree_with_the_database(self):
        checks = [c for c in Implementation._meta.constraints if isinstance(c, CheckConstraint)]
        self.assertEqual(len(checks), len(STATUS_RULES))
        for fields in self.cases:
            row = self.candidate(**fields)
            for constraint in checks:
                with self.subTest(fields=fields, constraint=constraint.name):
                    try:
                        constraint.validate(Implementation, row)  # Django: a query
                        database_says_ok = True
                    except ValidationError:
                        database_says_ok = False
                    rule = STATUS_RULES[constraint.name.removeprefix("implementation_")]
                    self.assertEqual(rule[1](row), database_says_ok)

    def test_validation_asks_no_query_and_names_the_broken_rule(self):
        for fields, broken in [
            ({"progress": 150}, "implementation_progress_0_to_100"),
            ({"status": Status.DONE, "progress": 50}, "implementation_done_means_100"),
            ({"status": "erfunden"}, "implementation_status_valid"),
        ]:
            row = self.candidate(**fields)
            with (
                self.subTest(fields=fields),
                self.assertNumQueries(0),
                self.assertRaises(ValidationError) as caught,
            ):
                row.validate_constraints(exclude={"jobcenter", "factor"})
            # Django's own message for the constraint, in German.
            constraint = next(c for c in Implementation._meta.constraints if c.name == broken)
            self.assertEqual(caught.exception.messages, [constraint.get_violation_error_message()])
            self.assertIn(f"Bedingung „{broken}“ ist nicht erfüllt", caught.exception.messages[0])
        valid = self.candidate()
        with self.assertNumQueries(0):
            valid.validate_constraints(exclude={"jobcenter", "factor"})

    def test_a_rule_on_an_excluded_field_is_skipped(self):
        row = self.candidate(progress=150)
        row.validate_constraints(exclude={"jobcenter", "factor", "progress"})

    def test_the_unique_constraint_is_still_checked(self):
        existing = self.candidate()
        duplicate = Implementation(jobcenter=self.jobcenter, factor=existing.factor)
        with self.assertRaises(ValidationError):
            duplicate.validate_constraints()
