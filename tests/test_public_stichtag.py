"""The public pages as of a Stichtag (?stichtag=YYYY-MM-DD), tried from the outside."""

from datetime import timedelta

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from jobcenters.models import Implementation, Status
from reports.models import Stichtag

from .factories import make_catalogue, make_district, make_jobcenter, make_user
from .test_public_pages import DATA_PAGES
from .test_reports_history import at, change, give_history, row

# Created 10.01.2026 (not started), factor 1 of Offenbach done on 01.05.2026.
BEFORE, AFTER = "2026-03-31", "2026-06-30"


class StichtagDataMixin:
    @classmethod
    def setUpTestData(cls):
        make_catalogue(factors=3, themes=1)
        cls.offenbach = make_jobcenter(
            district=make_district(ags="06438", name="Kreis Offenbach"),
            name="Pro Arbeit – Kreis Offenbach",
        )
        cls.fulda = make_jobcenter(district=make_district(ags="06631", name="Landkreis Fulda"))
        give_history(Implementation.objects.all())
        cls.editor = make_user("stichtag-editor")
        cls.factor = cls.offenbach.implementations.get(factor__number=1).factor
        change(
            row(cls.offenbach, cls.factor),
            cls.editor,
            at(2026, 5, 1),
            status=Status.DONE,
            progress=100,
            public_note="Kursplanung abgestimmt",
        )

    def setUp(self):
        cache.clear()


class AsOfPageTests(StichtagDataMixin, TestCase):
    def test_every_page_answers_as_of_a_stichtag_with_the_banner(self):
        for name, args in DATA_PAGES:
            path = reverse(name, args=args)
            with self.subTest(path):
                response = self.client.get(path, {"stichtag": AFTER})
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "Stand zum Stichtag 30.06.2026")
                self.assertContains(response, f'<a href="{path}">Heutigen Stand zeigen</a>')

    def test_english_banner(self):
        for name, args in DATA_PAGES:
            path = reverse(name, args=args)
            with self.subTest(path):
                response = self.client.get(
                    path, {"stichtag": AFTER}, headers={"accept-language": "en"}
                )
                self.assertContains(response, "Status as of 30 June 2026")
                self.assertContains(response, "Show today’s status")

    def test_todays_page_has_no_banner(self):
        for name, args in DATA_PAGES:
            with self.subTest(name):
                response = self.client.get(reverse(name, args=args))
                self.assertNotContains(response, "Stand zum Stichtag")

    def test_the_state_is_the_one_of_that_day(self):
        path = reverse("public:jobcenter_detail", args=["06438"])
        before = self.client.get(path, {"stichtag": BEFORE}).content.decode()
        after = self.client.get(path, {"stichtag": AFTER}).content.decode()
        self.assertNotIn("Kursplanung abgestimmt", before)
        self.assertIn("Kursplanung abgestimmt", after)
        matrix = reverse("public:matrix")
        done_cell = f'<td class="st st-{Status.DONE}"'
        self.assertNotContains(self.client.get(matrix, {"stichtag": BEFORE}), done_cell)
        self.assertContains(self.client.get(matrix, {"stichtag": AFTER}), done_cell, count=1)
        factor = reverse("public:factor_detail", args=[1])
        self.assertNotContains(
            self.client.get(factor, {"stichtag": BEFORE}), "Kursplanung abgestimmt"
        )

    def test_a_later_change_does_not_alter_a_past_stichtag(self):
        path = reverse("public:jobcenter_detail", args=["06438"])
        first = self.client.get(path, {"stichtag": AFTER}).content.decode()
        change(row(self.offenbach, self.factor), self.editor, timezone.now(), public_note="Neu")
        self.assertContains(self.client.get(path), "Neu")
        second = self.client.get(path, {"stichtag": AFTER}).content.decode()
        self.assertIn("Kursplanung abgestimmt", second)
        self.assertNotIn(">Neu<", second)
        self.assertEqual(first.count("Kursplanung abgestimmt"), 1)

    def test_links_stay_on_the_stichtag(self):
        links = {
            ("public:home", ()): "/jobcenter/06438/?stichtag=2026-06-30",
            ("public:factor_list", ()): "/faktoren/1/?stichtag=2026-06-30",
            ("public:factor_detail", (1,)): "/jobcenter/06438/?stichtag=2026-06-30",
            ("public:jobcenter_list", ()): "/jobcenter/06438/?stichtag=2026-06-30",
            ("public:jobcenter_detail", ("06438",)): "/faktoren/1/?stichtag=2026-06-30",
            ("public:matrix", ()): "/faktoren/1/?stichtag=2026-06-30",
        }
        for (name, args), href in links.items():
            with self.subTest(name):
                response = self.client.get(reverse(name, args=args), {"stichtag": AFTER})
                self.assertContains(response, f'href="{href}"')
                today = self.client.get(reverse(name, args=args))
                self.assertNotContains(today, "?stichtag=")

    def test_the_status_filter_asks_the_stichtags_state(self):
        path = reverse("public:factor_list")
        query = {"status": Status.DONE}
        factor = '<a href="/faktoren/1/'
        self.assertContains(self.client.get(path, {**query, "stichtag": AFTER}), factor)
        self.assertNotContains(self.client.get(path, {**query, "stichtag": BEFORE}), factor)
        self.assertContains(self.client.get(path, query), factor)

    def test_filters_keep_the_stichtag(self):
        response = self.client.get(reverse("public:factor_list"), {"stichtag": AFTER})
        self.assertContains(response, '<input type="hidden" name="stichtag" value="2026-06-30">')
        response = self.client.get(
            reverse("public:matrix"), {"stichtag": AFTER, "regierungsbezirk": ""}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Stand zum Stichtag 30.06.2026")


class BadStichtagTests(StichtagDataMixin, TestCase):
    def bad_values(self):
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        return {
            "2026-02-31": "einen Tag an, den es gibt, im Format JJJJ-MM-TT",
            "30.06.2026": "einen Tag an, den es gibt, im Format JJJJ-MM-TT",
            "junk": "einen Tag an, den es gibt, im Format JJJJ-MM-TT",
            "2026-06-30'--": "einen Tag an, den es gibt, im Format JJJJ-MM-TT",
            "99999-01-01": "einen Tag an, den es gibt, im Format JJJJ-MM-TT",
            tomorrow: "Das Datum liegt in der Zukunft.",
            "1999-12-31": "Das Datum liegt vor dem Jahr 2000.",
            "2026-01-09": "Der erste erfasste Stand ist vom 10.01.2026.",
        }

    def test_bad_dates_answer_a_clear_400_page(self):
        for name, args in DATA_PAGES:
            path = reverse(name, args=args)
            for value, message in self.bad_values().items():
                with self.subTest(path=path, value=value):
                    response = self.client.get(path, {"stichtag": value})
                    self.assertEqual(response.status_code, 400)
                    self.assertContains(response, message, status_code=400)
                    self.assertContains(
                        response, f'<a href="{path}">Heutigen Stand zeigen</a>', status_code=400
                    )
                    self.assertTemplateUsed(response, "public/stichtag_invalid.html")

    def test_the_first_day_of_the_history_is_fine(self):
        response = self.client.get(reverse("public:home"), {"stichtag": "2026-01-10"})
        self.assertContains(response, "Stand zum Stichtag 10.01.2026")

    def test_a_bad_stichtag_is_never_cached(self):
        path = reverse("public:home")
        self.client.get(path, {"stichtag": "junk"})
        # Rendered again: the data version, the first history entry is not asked (the
        # form fails first), the page itself renders the 400.
        with self.assertNumQueries(1):
            response = self.client.get(path, {"stichtag": "junk"})
        self.assertEqual(response.status_code, 400)
        self.client.get(path, {"stichtag": "2026-01-09"})
        with self.assertNumQueries(2):  # data version, first history entry
            response = self.client.get(path, {"stichtag": "2026-01-09"})
        self.assertEqual(response.status_code, 400)

    def test_empty_database_has_no_state_to_show(self):
        Implementation.history.all().delete()
        response = self.client.get(reverse("public:home"), {"stichtag": AFTER})
        self.assertContains(response, "Es gibt noch keinen erfassten Stand.", status_code=400)


class AsOfCacheTests(StichtagDataMixin, TestCase):
    def test_etags_differ_per_stichtag(self):
        path = reverse("public:matrix")
        today = self.client.get(path).headers["ETag"]
        before = self.client.get(path, {"stichtag": BEFORE}).headers["ETag"]
        after = self.client.get(path, {"stichtag": AFTER}).headers["ETag"]
        self.assertEqual(len({today, before, after}), 3)

    def test_conditional_get_of_an_as_of_page(self):
        for name, args in DATA_PAGES:
            path = reverse(name, args=args)
            with self.subTest(path):
                etag = self.client.get(path, {"stichtag": AFTER}).headers["ETag"]
                response = self.client.get(
                    path, {"stichtag": AFTER}, headers={"if-none-match": etag}
                )
                self.assertEqual(response.status_code, 304)
                other = self.client.get(path, {"stichtag": BEFORE}, headers={"if-none-match": etag})
                self.assertEqual(other.status_code, 200)

    def test_as_of_pages_are_cached_per_stichtag(self):
        for name, args in DATA_PAGES:
            path = reverse(name, args=args)
            with self.subTest(path):
                first = self.client.get(path, {"stichtag": AFTER})
                with self.assertNumQueries(1):  # the data version only
                    again = self.client.get(path, {"stichtag": AFTER})
                self.assertEqual(again.content, first.content)
                other = self.client.get(path, {"stichtag": BEFORE})
                self.assertNotEqual(other.content, first.content)

    def test_a_change_reaches_the_cached_as_of_page(self):
        path = reverse("public:jobcenter_detail", args=["06438"])
        self.client.get(path, {"stichtag": AFTER})
        # A change dated into the past (an import) alters the Stichtag's state.
        change(row(self.offenbach, self.factor), self.editor, at(2026, 6, 1), public_note="Spät")
        self.assertContains(self.client.get(path, {"stichtag": AFTER}), "Spät")


class OpenDataStichtagLinksTests(StichtagDataMixin, TestCase):
    def test_the_stichtag_list_links_each_stichtags_pages(self):
        Stichtag.objects.create(date="2026-06-30", label="Halbjahr 1/2026")
        response = self.client.get(reverse("reports:open_data"))
        self.assertEqual(response.status_code, 200)
        for name in ("public:home", "public:factor_list", "public:jobcenter_list", "public:matrix"):
            self.assertContains(response, f'href="{reverse(name)}?stichtag=2026-06-30"')
        for name, args in DATA_PAGES[:4]:
            page = self.client.get(reverse(name, args=args), {"stichtag": "2026-06-30"})
            self.assertEqual(page.status_code, 200)
