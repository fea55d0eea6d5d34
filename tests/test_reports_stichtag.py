"""Stichtage: kept by the coordination office in the admin, offered by dashboard and exports."""

from datetime import date

from django.db import IntegrityError
from django.test import TestCase
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from jobcenters import roles
from reports.models import Stichtag
from tests.base import PersonaTestCase

from .factories import confirm_second_factor, make_catalogue, make_jobcenter, make_user

ADD_URL = reverse("admin:reports_stichtag_add")
LIST_URL = reverse("admin:reports_stichtag_changelist")


class StichtagModelTests(TestCase):
    def test_one_stichtag_per_date(self):
        Stichtag.objects.create(date=date(2026, 6, 30), label="H1")
        with self.assertRaises(IntegrityError):
            Stichtag.objects.create(date=date(2026, 6, 30), label="again")

    def test_latest_before(self):
        for day in (date(2025, 12, 31), date(2026, 6, 30), date(2026, 12, 31)):
            Stichtag.objects.create(date=day)
        self.assertEqual(Stichtag.objects.latest_before(date(2026, 7, 1)).date, date(2026, 6, 30))
        self.assertIsNone(Stichtag.objects.latest_before(date(2025, 1, 1)))


class StichtagAdminTests(PersonaTestCase):
    def test_admin_with_the_permissions_adds_a_stichtag(self):
        admin = make_user("root", is_superuser=True, is_staff=True)
        self.login(admin)
        response = self.client.post(ADD_URL, {"date": "30.06.2026", "label": "Halbjahr 1/2026"})
        self.assertEqual(response.status_code, 302, getattr(response, "context", None))
        self.assertEqual(Stichtag.objects.get().date, date(2026, 6, 30))
        self.assertContains(self.client.get(LIST_URL), "Halbjahr 1/2026")

    def test_jobcenter_staff_cannot_manage_stichtage(self):
        self.login(self.staff_a)
        self.assertEqual(self.client.get(ADD_URL).status_code, 403)
        self.assertEqual(self.client.post(ADD_URL, {"date": "30.06.2026"}).status_code, 403)
        self.assertFalse(Stichtag.objects.exists())

    def test_anonymous_is_sent_to_login(self):
        response = self.client.get(ADD_URL)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("admin:login"), response["Location"])

    def test_dashboard_offers_each_stichtag(self):
        Stichtag.objects.create(date=date(2026, 6, 30), label="H1")
        self.login(self.director)
        response = self.client.get(reverse("reports:dashboard"))
        self.assertContains(response, "?as_of=2026-06-30")
        self.assertContains(response, "?a=2026-06-30")

    def test_dashboard_compares_each_stichtag_with_the_one_before(self):
        Stichtag.objects.create(date=date(2026, 6, 30), label="H1")
        Stichtag.objects.create(date=date(2025, 12, 31), label="H2 2025")
        self.login(self.director)
        response = self.client.get(reverse("reports:dashboard"))
        self.assertContains(response, "?a=2025-12-31&amp;b=2026-06-30&amp;since=2025-12-31")


# Any query string: a page or a 400, never a 500.
_values = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("%d.%m.%Y")),
    st.sampled_from(["'; DROP TABLE x;--", "0", "06438", "1 OR 1=1", "%00", "\x00"]),
)
_keys = st.sampled_from(
    [
        "stichtag",
        "faktor",
        "jobcenter",
        "as_of",
        "stale_months",
        "since",
        "a",
        "b",
        "trend_months",
        "other",
    ]
)
_params = st.dictionaries(_keys, _values, max_size=4)


class QueryStringFuzzTests(HypothesisTestCase):
    def test_extreme_dates(self):
        self.client.force_login(self.director)
        confirm_second_factor(self.client, self.director)
        for day in ("0001-01-01", "9999-12-31"):
            for url, key in (
                (reverse("reports:api_matrix"), "stichtag"),
                (reverse("reports:dashboard"), "as_of"),
                (reverse("reports:dashboard"), "a"),
                (reverse("reports:dashboard"), "since"),
            ):
                response = self.client.get(url, {key: day})
                self.assertIn(response.status_code, (200, 400), (url, key, day))

    @classmethod
    def setUpTestData(cls):
        roles.ensure_groups()
        make_catalogue(factors=2)
        make_jobcenter()
        cls.director = make_user("fuzz-director", group=roles.DIRECTORS)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(params=_params)
    def test_public_endpoints(self, params):
        for url in (
            reverse("reports:api_matrix"),
            reverse("reports:api_aggregates"),
            reverse("reports:download", args=["matrix", "csv"]),
            reverse("reports:download_excel", args=["faktoren", "excel", "csv"]),
        ):
            response = self.client.get(url, params)
            self.assertIn(response.status_code, (200, 400), (url, params))

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(params=_params)
    def test_dashboard(self, params):
        self.client.force_login(self.director)
        confirm_second_factor(self.client, self.director)
        for url in (reverse("reports:dashboard"), reverse("reports:dashboard_xlsx")):
            response = self.client.get(url, params)
            self.assertIn(response.status_code, (200, 400), (url, params))
