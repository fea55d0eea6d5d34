"""Every answer to a signed-in request says `Cache-Control: private, no-store`; the
anonymous public pages (and their page-cache copies) keep their public headers."""

from django.conf import settings
from django.urls import reverse

from jobcenters import roles, spreadsheets
from tests.base import PersonaTestCase
from tests.factories import PASSWORD, make_user
from tests.test_fuzz_queries import discover_routes, sample_kwargs
from tests.test_spreadsheets import upload


def assert_private(testcase, response, url):
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    testcase.assertIn("private", directives, url)
    testcase.assertIn("no-store", directives, url)
    testcase.assertNotIn("public", directives, url)


class PrivatePagesTests(PersonaTestCase):
    def signed_in_urls(self):
        """Every named page of the apps, the admin's and the ones with internal notes."""
        routes = discover_routes(sample_kwargs(self.jobcenter_a, self.factors[0]))
        urls = {path for path, _params in routes.values()}
        ags = self.jobcenter_a.district.ags
        urls |= {
            reverse("jobcenters:edit_jobcenter", args=[ags]),
            reverse("jobcenters:import_status", args=[ags]),
            reverse("factors:import_catalogue"),
            reverse("admin:index"),
            reverse("admin:jobcenters_implementation_changelist"),
            reverse(
                "admin:jobcenters_implementation_history",
                args=[self.jobcenter_a.implementations.first().pk],
            ),
            "/no-such-page/",
        }
        for name in ("public:home", "public:matrix", "public:factor_list", "reports:open_data"):
            self.assertIn(reverse(name), urls)
        return sorted(urls)

    def test_every_signed_in_answer_is_private(self):
        urls = self.signed_in_urls()
        for user in (self.staff_a, self.coordinator, self.director):
            self.login(user)
            for url in urls:
                with self.subTest(user=user.username, url=url):
                    response = self.client.get(url)
                    assert_private(self, response, url)
                    # Asked again with its validator: a 304 is private too.
                    if etag := response.get("ETag"):
                        again = self.client.get(url, headers={"if-none-match": etag})
                        assert_private(self, again, url)

    def test_the_import_preview_is_private(self):
        self.login(self.staff_a)
        rows = spreadsheets.implementations_for_export([self.jobcenter_a])
        url = reverse("jobcenters:import_status", args=[self.jobcenter_a.district.ags])
        response = self.client.post(url, {"file": upload(spreadsheets.write_csv(rows), "a.csv")})
        self.assertEqual(response.status_code, 200)
        self.assertIn("preview", response.context)
        assert_private(self, response, url)

    def test_signing_in_and_out_is_private(self):
        user = make_user("private-staff", group=roles.JOBCENTER_STAFF, jobcenters=[])
        login = reverse(settings.LOGIN_URL)
        response = self.client.post(login, {"username": user.username, "password": "x" * 8})
        # A failed login shows the form again (Django marks its login view never_cache).
        self.assertEqual(response.status_code, 200)
        assert_private(self, response, login)
        signed_in = self.client.post(login, {"username": user.username, "password": PASSWORD})
        self.assertEqual(signed_in.status_code, 302)
        assert_private(self, signed_in, login)
        assert_private(self, self.client.post(reverse("admin:logout")), "logout")

    def test_anonymous_public_pages_keep_their_public_headers(self):
        for name in ("public:home", "public:matrix", "reports:open_data"):
            url = reverse(name)
            for attempt in ("rendered", "from the page cache"):
                with self.subTest(url=url, attempt=attempt):
                    response = self.client.get(url)
                    self.assertEqual(response.status_code, 200)
                    directives = response.get("Cache-Control", "")
                    self.assertIn("no-cache", directives)
                    self.assertNotIn("private", directives)
                    self.assertNotIn("no-store", directives)
