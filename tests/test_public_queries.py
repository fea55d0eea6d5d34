"""Every public page runs the same number of queries at 2 jobcenters × 3 factors and at
100 jobcenters × 35 factors."""

from django.test import TestCase
from django.urls import reverse

from factors.models import Factor
from jobcenters.models import Implementation, OperatingModel, Status

from .factories import make_catalogue, make_district, make_jobcenter

# The first query of every data page reads the data version for the ETag,
# Last-Modified and the page-cache key (pagecache/); a rendered page
# then also reads the date of the latest change for "As of" (AS_OF).
FRESHNESS = 1
AS_OF = 1

EXPECTED = {
    # 2. districts with jobcenters (map, table), 3. status counts per jobcenter,
    # 4. themes (with the provisional flag), 5. status counts per theme, + as of
    ("public:home", ()): FRESHNESS + 4 + AS_OF,
    # 2. factors with theme (+ provisional flag), 3. status counts per factor, + as of,
    # 5. the theme choices rendered in the filter form
    ("public:factor_list", ()): FRESHNESS + 3 + AS_OF,
    # 2. the factor with its theme, 3. districts with jobcenters (map),
    # 4. this factor's implementations, + as of
    ("public:factor_detail", (1,)): FRESHNESS + 3 + AS_OF,
    # 2. Regierungsbezirk choices, 3. districts with jobcenters, 4. counts and latest
    # change per jobcenter (whose maximum is the "As of")
    ("public:jobcenter_list", ()): FRESHNESS + 3,
    # 2. the jobcenter with its district, 3. its implementations with factor and theme
    # (its own latest change comes from those rows)
    ("public:jobcenter_detail", ("06438",)): FRESHNESS + 2,
    # 2. Regierungsbezirk choices, 3. factors, 4. jobcenters, 5. one row per cell,
    # + as of, 7. the theme choices rendered in the filter form
    ("public:matrix", ()): FRESHNESS + 5 + AS_OF,
    # Pages without data: no query at all.
    ("public:method", ()): 0,
    ("public:imprint", ()): 0,
    ("public:privacy", ()): 0,
    ("public:accessibility", ()): 0,
    ("public:easy_language", ()): 0,
    ("public:contact", ()): 0,
}

FILTERED = {
    # + validating the chosen theme (the select still renders its options)
    ("public:factor_list", "theme"): FRESHNESS + 4 + AS_OF,
    ("public:matrix", "theme"): FRESHNESS + 6 + AS_OF,
}


class QueryCountMixin:
    jobcenters = 2
    factors = 3

    @classmethod
    def setUpTestData(cls):
        make_catalogue(factors=cls.factors, themes=3)
        make_jobcenter(district=make_district(ags="06438", name="Kreis Offenbach"))
        for _ in range(cls.jobcenters - 1):
            make_jobcenter()
        make_district(ags="06411", name="Darmstadt", model=OperatingModel.JOINT)
        # Some variety, including demo rows, so no branch is skipped.
        Implementation.objects.filter(factor__number=1).update(
            status=Status.DONE, progress=100, public_note="Öffentlich", is_demo=True
        )
        Implementation.objects.filter(factor__number=2).update(
            status=Status.NOT_APPLICABLE, not_applicable_reason="Trifft nicht zu"
        )

    def test_query_counts(self):
        self.assertEqual(Implementation.objects.count(), self.jobcenters * self.factors)
        for (name, args), expected in EXPECTED.items():
            with self.subTest(name):
                with self.assertNumQueries(expected):
                    response = self.client.get(reverse(name, args=args))
                self.assertEqual(response.status_code, 200)

    def test_matrix_has_one_cell_per_jobcenter_and_factor(self):
        html = self.client.get(reverse("public:matrix")).content.decode()
        self.assertEqual(html.count('<td class="st '), self.jobcenters * self.factors)
        html = self.client.get(reverse("public:jobcenter_list")).content.decode()
        self.assertEqual(html.count('<tr><th scope="row">'), self.jobcenters)

    def test_filtered_query_counts(self):
        theme = Factor.objects.get(number=1).theme_id
        for (name, param), expected in FILTERED.items():
            with self.subTest(name):
                with self.assertNumQueries(expected):
                    response = self.client.get(
                        reverse(name), {param: theme, "regierungsbezirk": "Darmstadt"}
                    )
                self.assertEqual(response.status_code, 200)

    def test_not_modified_costs_only_the_freshness_queries(self):
        for (name, args), expected in EXPECTED.items():
            with self.subTest(name):
                url = reverse(name, args=args)
                etag = self.client.get(url).headers["ETag"]
                with self.assertNumQueries(FRESHNESS if expected else 0):
                    response = self.client.get(url, headers={"if-none-match": etag})
                self.assertEqual(response.status_code, 304)


class SmallQueryCountTests(QueryCountMixin, TestCase):
    jobcenters = 2
    factors = 3


class LargeQueryCountTests(QueryCountMixin, TestCase):
    jobcenters = 100
    factors = 35
