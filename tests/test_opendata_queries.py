"""The metadata documents run the same number of queries at 16 and at 405 jobcenters."""

from datetime import UTC, datetime

from django.test import TestCase
from django.urls import reverse

from jobcenters.models import Implementation, Jobcenter, Status
from jobcenters.seeding import seed_reference_data
from jobcenters.services import update_implementation
from jobcenters.synthetic import seed_synthetic

from .factories import make_user

# 1. the data version (ETag, Last-Modified, page-cache key; pagecache/decorators.py)
FRESHNESS = 1

EXPECTED = {
    # No data: the document is code and settings only.
    ("opendata:openapi", ()): 0,
    ("opendata:robots", ()): 0,
    # The data state's date comes with the data version.
    ("opendata:datapackage", ()): FRESHNESS,
    # 2. the AGS of the districts with a jobcenter (political geocoding)
    ("opendata:catalogue", ("ttl",)): FRESHNESS + 1,
    ("opendata:catalogue", ("jsonld",)): FRESHNESS + 1,
    # 2. the latest released status changes (previous status by subquery)
    ("opendata:changes_feed", ()): FRESHNESS + 1,
    # 2. the jobcenter with its district, 3. its latest status changes
    ("opendata:jobcenter_feed", ("06438",)): FRESHNESS + 2,
    # 2. the factor, 3. its latest status changes
    ("opendata:factor_feed", (1,)): FRESHNESS + 2,
    # 2. the factor numbers, 3. the jobcenters' AGS
    ("opendata:sitemap", ()): FRESHNESS + 2,
}

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


class QueryPinMixin:
    def test_query_counts(self):
        for (name, args), expected in EXPECTED.items():
            url = reverse(name, args=args)
            with self.subTest(url):
                with self.assertNumQueries(expected):
                    response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                # From the page cache: the data version only.
                with self.assertNumQueries(FRESHNESS if expected else 0):
                    self.assertEqual(self.client.get(url).status_code, 200)


def seed_reference_with_changes():
    """The 16 jobcenters of the seed and some released changes for the feeds (also the
    pins of tests/test_public_stichtag_queries.py)."""
    seed_reference_data()
    user = make_user("pin-editor")
    for row in Implementation.objects.filter(jobcenter__district__ags="06438")[:3]:
        update_implementation(
            implementation=row,
            values={"status": Status.PLANNED, "progress": 10},
            expected_version=row.version,
            user=user,
        )


class ReferenceQueryPins(QueryPinMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        seed_reference_with_changes()

    def test_size(self):
        self.assertEqual(Jobcenter.objects.count(), 16)
        self.assertEqual(Implementation.history.filter(history_type="~").count(), 3)


class NationwideQueryPins(QueryPinMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        seed_synthetic(389, changes=2, now=NOW)

    def test_size(self):
        self.assertEqual(Jobcenter.objects.count(), 405)
