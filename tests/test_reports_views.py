from django.urls import reverse

from tests.base import PersonaTestCase


class SkeletonTests(PersonaTestCase):
    def test_open_data_is_public(self):
        self.assertEqual(self.client.get(reverse("reports:open_data")).status_code, 200)

    def test_dashboard_needs_login(self):
        response = self.client.get(reverse("reports:dashboard"))
        self.assertEqual(response.status_code, 302)
        self.assertIn("login", response["Location"])
        self.login(self.director)
        self.assertEqual(self.client.get(reverse("reports:dashboard")).status_code, 200)
