"""The public pages as of a Stichtag run the same number of queries at 16 and at 405
jobcenters (the sizes of tests/test_opendata_queries.py)."""

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from jobcenters.models import Implementation, Jobcenter
from jobcenters.synthetic import seed_synthetic

from .test_opendata_queries import NOW, seed_reference_with_changes

# 1. the data version (ETag, Last-Modified, page-cache key), 2. the first history entry
# (a Stichtag before it has no state; it takes the place of today's "As of" query).
FRESHNESS = 1
FIRST_STATE = 1

EXPECTED = {
    # 3. districts with jobcenters, 4. status counts per jobcenter of the snapshot,
    # 5. themes (with the provisional flag), 6. status counts per theme of the snapshot
    ("public:home", ()): FRESHNESS + FIRST_STATE + 4,
    # 3. factors with theme, 4. status counts per factor of the snapshot, 5. theme choices
    ("public:factor_list", ()): FRESHNESS + FIRST_STATE + 3,
    # 3. the factor with its theme, 4. districts with jobcenters, 5. the snapshot's rows
    ("public:factor_detail", (1,)): FRESHNESS + FIRST_STATE + 3,
    # 3. Regierungsbezirk choices, 4. districts with jobcenters, 5. counts and latest
    # change per jobcenter of the snapshot
    ("public:jobcenter_list", ()): FRESHNESS + FIRST_STATE + 3,
    # 3. the jobcenter with its district, 4. its snapshot rows with factor and theme
    ("public:jobcenter_detail", ("06438",)): FRESHNESS + FIRST_STATE + 2,
    # 3. Regierungsbezirk choices, 4. factors, 5. jobcenters, 6. one snapshot row per
    # cell, 7. the theme choices rendered in the filter form
    ("public:matrix", ()): FRESHNESS + FIRST_STATE + 5,
}


class AsOfQueryPinMixin:
    def test_as_of_query_counts(self):
        stichtag = timezone.localdate().isoformat()
        for (name, args), expected in EXPECTED.items():
            url = reverse(name, args=args)
            with self.subTest(url):
                with self.assertNumQueries(expected):
                    response = self.client.get(url, {"stichtag": stichtag})
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "Stand zum Stichtag")
                # From the page cache: the data version only.
                with self.assertNumQueries(FRESHNESS):
                    response = self.client.get(url, {"stichtag": stichtag})
                self.assertEqual(response.status_code, 200)
                # Revalidated: the data version only.
                etag = response.headers["ETag"]
                cache.clear()
                with self.assertNumQueries(FRESHNESS):
                    response = self.client.get(
                        url, {"stichtag": stichtag}, headers={"if-none-match": etag}
                    )
                self.assertEqual(response.status_code, 304)

    def test_filtered_as_of_query_counts(self):
        stichtag = timezone.localdate().isoformat()
        theme = Implementation.objects.values_list("factor__theme_id", flat=True).first()
        for name in ("public:factor_list", "public:matrix"):
            with self.subTest(name):
                # + validating the chosen theme
                with self.assertNumQueries(EXPECTED[name, ()] + 1):
                    response = self.client.get(
                        reverse(name), {"stichtag": stichtag, "theme": theme}
                    )
                self.assertEqual(response.status_code, 200)


class ReferenceAsOfQueryPins(AsOfQueryPinMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        seed_reference_with_changes()

    def test_size(self):
        self.assertEqual(Jobcenter.objects.count(), 16)


class NationwideAsOfQueryPins(AsOfQueryPinMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        seed_synthetic(389, changes=2, now=NOW)

    def test_size(self):
        self.assertEqual(Jobcenter.objects.count(), 405)
