"""/sitemap.xml lists the public pages; /robots.txt points to it and keeps crawlers out
of the staff areas."""

import xml.etree.ElementTree as ET

from django.test import TestCase, override_settings
from django.urls import reverse

from .opendata_data import make_open_data

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class SitemapTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_open_data(variety=False)

    def locations(self):
        response = self.client.get(reverse("opendata:sitemap"))
        self.assertEqual(response.status_code, 200)
        root = ET.fromstring(response.content)
        return [loc.text for loc in root.iter(f"{SITEMAP}loc")]

    def test_every_public_page_is_listed_and_answers(self):
        locations = self.locations()
        for path in (
            "/",
            "/faktoren/",
            "/faktoren/1/",
            "/faktoren/3/",
            "/jobcenter/06414/",
            "/jobcenter/06438/",
            "/matrix/",
            "/daten/",
            "/impressum/",
        ):
            self.assertIn(f"http://testserver{path}", locations)
        self.assertEqual(len(locations), 11 + 3 + 2)
        for location in locations:
            with self.subTest(location):
                path = location.removeprefix("http://testserver")
                self.assertEqual(self.client.get(path).status_code, 200)

    def test_no_staff_page_is_listed(self):
        for location in self.locations():
            for staff in ("/bearbeiten/", "/dashboard/", "/admin/", "/freigabe/"):
                self.assertNotIn(staff, location)

    @override_settings(KJC_ADMIN_PATH="verwaltung-x/")
    def test_robots_points_to_the_sitemap_and_disallows_staff_areas(self):
        response = self.client.get(reverse("opendata:robots"))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("text/plain"))
        lines = response.content.decode().splitlines()
        self.assertIn("Sitemap: http://testserver/sitemap.xml", lines)
        for path in ("/verwaltung-x/", "/bearbeiten/", "/dashboard/", "/freigabe/", "/katalog/"):
            self.assertIn(f"Disallow: {path}", lines)
        self.assertNotIn("Disallow: /", lines)

    def test_robots_follows_a_moved_admin_even_when_cached(self):
        url = reverse("opendata:robots")
        self.assertIn("Disallow: /admin/", self.client.get(url).content.decode().splitlines())
        with override_settings(KJC_ADMIN_PATH="verwaltung-y/"):
            lines = self.client.get(url).content.decode().splitlines()
        self.assertIn("Disallow: /verwaltung-y/", lines)
        self.assertNotIn("Disallow: /admin/", lines)

    def test_wrong_method(self):
        self.assertEqual(self.client.post(reverse("opendata:sitemap")).status_code, 405)
        self.assertEqual(self.client.post(reverse("opendata:robots")).status_code, 405)
