"""Rendered public pages are cached per data state; a change shows on the very next request."""

from django.core.cache import cache
from django.test import TestCase, override_settings
from django.urls import reverse

from jobcenters.models import Implementation, Status
from jobcenters.services import update_implementation

from .factories import make_catalogue, make_jobcenter, make_user


class PageCacheTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.factors = make_catalogue(factors=2)
        cls.jobcenter = make_jobcenter(name="Jobcenter Cache")
        cls.editor = make_user("editor")

    def setUp(self):
        cache.clear()

    def edit(self, **values):
        row = Implementation.objects.get(jobcenter=self.jobcenter, factor=self.factors[0])
        update_implementation(
            implementation=row, values=values, expected_version=row.version, user=self.editor
        )

    def test_a_warm_page_costs_one_query(self):
        url = reverse("public:matrix")
        cold = self.client.get(url)
        # Warm: only the data version is read (public/freshness.py), no page queries.
        with self.assertNumQueries(1):
            warm = self.client.get(url)
        self.assertEqual(warm.content, cold.content)

    def test_a_save_is_visible_on_the_very_next_request(self):
        urls = [
            reverse("public:home"),
            reverse("public:matrix"),
            reverse("public:factor_detail", args=[self.factors[0].number]),
            reverse("public:jobcenter_detail", args=[self.jobcenter.district.ags]),
        ]
        for values in (
            {"status": Status.IN_PROGRESS, "progress": 40, "public_note": "Marker-Cache-1"},
            {"status": Status.DONE, "public_note": "Marker-Cache-2"},
        ):
            before = {url: self.client.get(url).content for url in urls}  # fills the cache
            self.edit(**values)
            for url in urls:
                with self.subTest(url=url, values=values):
                    served = self.client.get(url).content
                    cache.clear()
                    fresh = self.client.get(url).content
                    self.assertNotEqual(served, before[url])
                    self.assertEqual(served, fresh)

    def test_a_catalogue_change_is_visible_on_the_very_next_request(self):
        url = reverse("public:factor_list")
        self.client.get(url)
        self.factors[1].title = "Neuer Titel aus dem Katalog"
        self.factors[1].save()
        self.assertContains(self.client.get(url), "Neuer Titel aus dem Katalog")

    def test_languages_are_cached_apart(self):
        url = reverse("public:method")
        german = self.client.get(reverse("public:home"))
        english = self.client.get(reverse("public:home"), headers={"accept-language": "en"})
        self.assertContains(german, '<html lang="de"')
        self.assertContains(english, '<html lang="en"')
        self.assertEqual(self.client.get(url).status_code, 200)

    @override_settings(LANGUAGE_CODE="de")
    def test_signed_in_users_are_never_served_from_the_cache(self):
        url = reverse("public:home")
        self.client.get(url)
        self.client.force_login(self.editor)
        response = self.client.get(url)
        self.assertContains(response, "session-timeout")

    def test_text_pages_are_cached_but_follow_the_operator_settings(self):
        url = reverse("public:imprint")
        self.assertContains(self.client.get(url), "noch zu ergänzen")
        with override_settings(KJC_OPERATOR_NAME="Geschäftsstelle der KJC Hessen"):
            self.assertContains(self.client.get(url), "Geschäftsstelle der KJC Hessen")
        self.assertNotContains(self.client.get(url), "Geschäftsstelle der KJC Hessen")
