"""German error pages in the site layout, and a 503 page while the database is away."""

import json
import os
import re
import subprocess
import sys
import unittest
from pathlib import Path
from unittest import mock

from django.db import OperationalError, connection
from django.db.backends.utils import CursorWrapper
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import Client, TransactionTestCase, override_settings
from django.urls import include, path, reverse
from django.utils import translation

from jobcenters.models import Jobcenter
from tests.base import PersonaTestCase
from tests.factories import confirm_second_factor, make_user

ROOT = Path(__file__).resolve().parent.parent


def boom(request):
    raise RuntimeError("a bug in a view")


def broken_query(request):
    # What SQLite reports for a query it cannot handle while the database is fine.
    raise OperationalError("parser stack overflow")


def count_jobcenters(request):
    return HttpResponse(str(Jobcenter.objects.count()))


# A test-only URLconf: the real site plus views that fail on purpose.
urlpatterns = [
    path("test-boom/", boom),
    path("test-broken-query/", broken_query),
    path("test-count/", count_jobcenters),
    path("", include("kjc.urls")),
]


def german(testcase, msgid):
    with translation.override("de"):
        text = translation.gettext(msgid)
    if text == msgid:
        testcase.skipTest(
            "German catalogue does not hold the error-page strings yet "
            "(locale/de-src/security.tsv; run `make messages`)"
        )
    return text


class ErrorPageTests(PersonaTestCase):
    def assert_site_layout(self, response, status):
        self.assertEqual(response.status_code, status)
        self.assertTemplateUsed(response, "base.html")
        self.assertContains(response, '<html lang="de">', status_code=status)
        self.assertContains(response, 'class="site-header"', status_code=status)
        self.assertContains(response, 'class="site-footer"', status_code=status)
        self.assertNotContains(response, "Traceback", status_code=status)

    def test_404_for_an_unknown_address(self):
        # None: an anonymous visitor's layout reads no session and no catalogue state.
        with self.assertNumQueries(0):
            response = self.client.get("/gibt-es-nicht/")
        self.assert_site_layout(response, 404)
        self.assertTemplateUsed(response, "404.html")
        self.assertContains(response, german(self, "Page not found"), status_code=404)

    def test_404_in_english_when_chosen(self):
        self.client.cookies["django_language"] = "en"
        response = self.client.get("/gibt-es-nicht/")
        self.assertContains(response, "Page not found", status_code=404)
        self.assertContains(response, '<html lang="en">', status_code=404)

    def test_403_for_a_signed_in_user_without_a_role(self):
        user = make_user("no-role")
        self.client.force_login(user)
        confirm_second_factor(self.client, user)  # past the 2FA gate, to the 403
        response = self.client.get(reverse("reports:dashboard"))
        self.assert_site_layout(response, 403)
        self.assertTemplateUsed(response, "403.html")
        self.assertContains(response, german(self, "Access denied"), status_code=403)

    def test_403_for_a_form_without_its_security_token(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
        self.assert_site_layout(response, 403)
        self.assertTemplateUsed(response, "403_csrf.html")
        self.assertContains(response, german(self, "Form expired"), status_code=403)

    def test_400_for_a_foreign_host_name(self):
        response = self.client.get("/", headers={"host": "angreifer.example"})
        self.assertEqual(response.status_code, 400)
        self.assertTemplateUsed(response, "400.html")
        self.assertContains(response, 'class="site-header"', status_code=400)
        self.assertContains(response, german(self, "Bad request"), status_code=400)

    @override_settings(ROOT_URLCONF="tests.test_errors")
    def test_500_page_is_german_and_needs_no_database(self):
        client = Client(raise_request_exception=False)
        with self.assertNumQueries(0):
            response = client.get("/test-boom/")
        self.assertEqual(response.status_code, 500)
        self.assertTemplateUsed(response, "500.html")
        self.assertContains(response, '<html lang="de">', status_code=500)
        self.assertContains(response, "/static/css/site.css", status_code=500)
        self.assertNotContains(response, "a bug in a view", status_code=500)
        self.assertContains(response, german(self, "Server error"), status_code=500)

    def test_500_and_503_templates_render_without_context_or_queries(self):
        for name in ("500.html", "503.html"):
            with self.subTest(name), self.assertNumQueries(0):
                html = render_to_string(name)
            self.assertIn("<h1>", html)

    @override_settings(ROOT_URLCONF="tests.test_errors")
    def test_a_broken_query_is_a_bug_not_an_outage(self):
        # The database answers, so this is no 503: the error reaches the log as a 500.
        with self.assertRaises(OperationalError):
            self.client.get("/test-broken-query/")
        response = Client(raise_request_exception=False).get("/test-broken-query/")
        self.assertEqual(response.status_code, 500)


def database_down():
    """Every query fails as it does when the server is gone."""
    return mock.patch.object(
        CursorWrapper,
        "execute",
        side_effect=OperationalError("connection to server at 127.0.0.1 failed"),
    )


class BadInputTests(PersonaTestCase):
    """Input that answered 500: each now gets the page it should, with a clear message."""

    def test_an_out_of_range_date_in_the_admin_drilldown_is_a_wrong_parameter(self):
        self.login(self.coordinator)
        url = reverse("admin:reports_stichtag_changelist")
        for query in (
            "date__year=99999999999",  # OverflowError in Django's date hierarchy
            "date__year=9999",  # the year after 9999 does not exist
            "date__year=9999&date__month=12",
            "date__year=2026&date__month=2&date__day=31",
            "date__year=0",
        ):
            with self.subTest(query=query):
                response = self.client.get(url, QUERY_STRING=query)
                self.assertRedirects(response, f"{url}?e=1", fetch_redirect_response=False)
                self.assertEqual(self.client.get(f"{url}?e=1").status_code, 200)
        # A real drill-down still filters.
        self.assertEqual(self.client.get(url, QUERY_STRING="date__year=2026").status_code, 200)

    def test_an_overlong_username_is_a_failed_login(self):
        """A pasted text as username: PostgreSQL refused axes' record of the failure (its
        column holds 255 characters), a 500; now the form says the login failed."""
        from axes.models import AccessAttempt

        response = self.client.post(
            reverse("accounts:login"), {"username": "x" * 10_000, "password": "y"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors)
        attempt = AccessAttempt.objects.get()
        self.assertEqual(attempt.username, "x" * 255)
        # Real usernames are counted as typed.
        self.client.post(reverse("accounts:login"), {"username": "staff-a", "password": "wrong"})
        self.assertTrue(AccessAttempt.objects.filter(username="staff-a").exists())


class OutageTests(PersonaTestCase):
    def assert_outage_page(self, response):
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "30")
        self.assertIn("no-store", response["Cache-Control"])
        self.assertTemplateUsed(response, "503.html")
        self.assertNotContains(response, "Traceback", status_code=503)
        self.assertNotContains(response, "127.0.0.1", status_code=503)
        self.assertContains(response, '<html lang="de">', status_code=503)
        self.assertIn("Content-Security-Policy", response.headers)

    def test_public_page_answers_503_and_recovers(self):
        url = reverse("public:home")
        with database_down():
            response = self.client.get(url)
        self.assert_outage_page(response)
        # The database is back: the same address works again, nothing restarted.
        self.assertEqual(self.client.get(url).status_code, 200)
        self.assertContains(response, german(self, "Temporarily unavailable"), status_code=503)

    def test_signed_in_page_answers_503(self):
        self.login(self.coordinator)
        with database_down():
            response = self.client.get(reverse("reports:dashboard"))
        self.assert_outage_page(response)
        self.assertEqual(self.client.get(reverse("reports:dashboard")).status_code, 200)

    def test_outage_while_answering_a_404_is_a_503(self):
        # The 404 page reads the signed-in user's session: that read fails too.
        self.login(self.coordinator)
        client = self.client
        client.raise_request_exception = False
        with database_down():
            response = client.get("/gibt-es-nicht/")
        self.assert_outage_page(response)
        self.assertEqual(client.get("/gibt-es-nicht/").status_code, 404)

    def test_healthz_answers_503(self):
        with database_down():
            response = self.client.get(reverse("healthz"))
        self.assertEqual(response.status_code, 503)


@unittest.skipUnless(connection.vendor == "postgresql", "needs PostgreSQL")
@override_settings(ROOT_URLCONF="tests.test_errors")
class ClosedPortTests(TransactionTestCase):
    """The real thing on PostgreSQL: the server's port is closed, then open again."""

    def test_closed_port_answers_503_then_recovers(self):
        original_port = connection.settings_dict["PORT"]
        connection.close()
        connection.settings_dict["PORT"] = "1"
        try:
            response = self.client.get("/test-count/")
            self.assertEqual(response.status_code, 503)
            self.assertTemplateUsed(response, "503.html")
            self.assertEqual(self.client.get(reverse("healthz")).status_code, 503)
        finally:
            connection.close()
            connection.settings_dict["PORT"] = original_port
        response = self.client.get("/test-count/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"0")


class StoppedDatabaseProcessTests(unittest.TestCase):
    """A fresh process whose DATABASE_URL points at a PostgreSQL port nobody listens on."""

    SCRIPT = """
import json, django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
out = {}
for url in ("/", "/healthz", "/gibt-es-nicht/"):
    r = client.get(url)
    out[url] = [r.status_code, r.get("Retry-After"), r.content.decode()[:2000]]
print(json.dumps(out))
"""

    def test_pages_answer_503_without_a_trace(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env.update(
            DJANGO_SETTINGS_MODULE="tests.settings",
            DATABASE_URL="postgres://kjc@127.0.0.1:1/kjc?connect_timeout=3",
        )
        result = subprocess.run(
            [sys.executable, "-c", self.SCRIPT],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        out = json.loads(result.stdout.strip().splitlines()[-1])
        status, retry_after, body = out["/"]
        self.assertEqual(status, 503, body)
        self.assertEqual(retry_after, "30")
        self.assertIn("<h1>", body)
        self.assertNotIn("Traceback", body)
        self.assertEqual(out["/healthz"][0], 503)
        # An unknown address needs no database: still a 404, or the outage page.
        self.assertIn(out["/gibt-es-nicht/"][0], {404, 503})


class TranslationSourceTests(unittest.TestCase):
    """Every msgid of the security templates has German text in a locale/de-src/*.tsv."""

    TEMPLATES = [
        "400.html",
        "403.html",
        "403_csrf.html",
        "404.html",
        "500.html",
        "503.html",
        "axes/locked_out.html",
        "includes/session_timeout.html",
    ]

    def msgids(self, source):
        ids = set(re.findall(r'{% translate "([^"]+)" %}', source))
        for block in re.findall(
            r"{% blocktranslate trimmed[^%]*%}(.*?){% endblocktranslate %}", source, re.S
        ):
            text = " ".join(block.split())
            ids.add(re.sub(r"{{ (\w+) }}", r"%(\1)s", text))
        return ids

    def test_every_msgid_has_german(self):
        german = {}
        for tsv in (ROOT / "locale" / "de-src").glob("*.tsv"):
            for line in tsv.read_text(encoding="utf-8").splitlines():
                msgid, sep, text = line.partition("\t")
                if sep and not line.startswith("#"):
                    german[msgid] = text
        for name in self.TEMPLATES:
            source = (ROOT / "templates" / name).read_text(encoding="utf-8")
            ids = self.msgids(source)
            self.assertTrue(ids, name)
            for msgid in ids:
                with self.subTest(template=name, msgid=msgid):
                    self.assertIn(msgid, german)
                    self.assertTrue(german[msgid].strip())
