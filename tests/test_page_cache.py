"""Rendered public pages are cached per data state; a change shows on the very next request."""

import gzip
from datetime import timedelta
from unittest import mock, skipUnless

from django.conf import settings
from django.contrib.messages import INFO
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection, connections
from django.http import QueryDict
from django.test import Client, RequestFactory, TestCase, TransactionTestCase, override_settings
from django.urls import resolve, reverse
from django.utils import timezone

from jobcenters.models import Implementation, Status
from jobcenters.services import update_implementation
from pagecache.decorators import _canonical, canonical_params
from pagecache.middleware import page_view
from pagecache.models import DataVersion

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
        # Warm: only the data version is read (pagecache/), no page queries.
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


class EarlyAnswerTests(TestCase):
    """PageCacheMiddleware answers before sessions, language, CSRF and the view: a page
    from the cache must carry what the whole stack would have added, and only reach
    visitors whose page is everyone's page."""

    @classmethod
    def setUpTestData(cls):
        make_catalogue(factors=2)
        make_jobcenter(name="Jobcenter Frühe Antwort")
        cls.editor = make_user("frueh")

    def setUp(self):
        cache.clear()

    def test_a_page_from_the_cache_has_every_header_of_a_rendered_one(self):
        # Settled data: Last-Modified on both answers, however long the requests take.
        DataVersion.objects.update(changed_at=timezone.now() - timedelta(minutes=5))
        for url in (reverse("public:matrix"), reverse("public:imprint"), "/api/v1/matrix"):
            with self.subTest(url):
                rendered = self.client.get(url)
                served = self.client.get(url)
                self.assertEqual(served.content, rendered.content)
                self.assertEqual(dict(served.headers), dict(rendered.headers))
                for header in (
                    "Content-Security-Policy",
                    "X-Frame-Options",
                    "Permissions-Policy",
                    "Referrer-Policy",
                    "X-Content-Type-Options",
                    "Content-Language",
                    "ETag",
                ):
                    self.assertIn(header, served.headers)
                self.assertEqual(served["Content-Length"], str(len(served.content)))
                self.assertIn("Accept-Encoding", served["Vary"])

    def test_hits_cost_the_data_version_or_nothing_and_answer_304(self):
        for url, queries in ((reverse("public:jobcenter_list"), 1), (reverse("public:method"), 0)):
            with self.subTest(url):
                etag = self.client.get(url)["ETag"]
                with self.assertNumQueries(queries):
                    self.assertEqual(self.client.get(url).status_code, 200)
                with self.assertNumQueries(queries):
                    response = self.client.get(url, headers={"if-none-match": etag})
                self.assertEqual(response.status_code, 304)
                self.assertEqual(response.content, b"")

    def test_last_modified_is_added_once_the_change_has_settled(self):
        url = reverse("public:matrix")
        DataVersion.objects.update(changed_at=timezone.now())  # however slow the set-up was
        self.assertNotIn("Last-Modified", self.client.get(url))  # the data is seconds old
        settled = DataVersion.objects.current()[2] + timedelta(seconds=5)
        with mock.patch("pagecache.decorators.timezone.now", return_value=settled):
            response = self.client.get(url)
            self.assertIn("Last-Modified", response)
            again = self.client.get(url, headers={"if-modified-since": response["Last-Modified"]})
        self.assertEqual(again.status_code, 304)

    def test_signed_in_visitors_get_their_own_page(self):
        url = reverse("public:home")
        self.client.get(url)  # cached for everyone
        self.client.force_login(self.editor)
        self.assertContains(self.client.get(url), "session-timeout")

    def test_a_waiting_message_reaches_its_visitor_only(self):
        url = reverse("public:home")
        self.client.get(url)  # cached for everyone
        storage = CookieStorage(RequestFactory().get(url))
        visitor = Client()
        visitor.cookies["messages"] = storage._encode([Message(INFO, "Nur für Sie")])
        self.assertContains(visitor.get(url), "Nur für Sie")
        # Shown once, the message is cleared with a cookie: that page is not cached.
        self.assertNotContains(self.client.get(url), "Nur für Sie")
        self.assertNotContains(visitor.get(url), "Nur für Sie")

    def test_an_unknown_host_is_refused_even_when_the_page_is_cached(self):
        url = reverse("public:matrix")
        self.client.get(url)
        response = Client(raise_request_exception=False).get(url, HTTP_HOST="evil.example")
        self.assertEqual(response.status_code, 400)

    @override_settings(SECURE_SSL_REDIRECT=True)
    def test_plain_http_is_redirected_before_the_cache(self):
        url = reverse("public:matrix")
        self.client.get(url, secure=True)
        self.assertEqual(self.client.get(url).status_code, 301)
        self.assertEqual(self.client.get(url, secure=True).status_code, 200)

    def test_the_language_is_chosen_as_the_rest_of_the_stack_would(self):
        url = reverse("public:method")
        english = self.client.get(url, headers={"accept-language": "en"})
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
        german = self.client.get(url, headers={"accept-language": "en"})  # the cookie wins
        self.assertEqual(english["Content-Language"], "en")
        self.assertEqual(german["Content-Language"], "de")
        self.assertContains(german, '<html lang="de"')

    def test_an_unreachable_cache_only_costs_speed(self):
        url = reverse("public:matrix")
        with (
            mock.patch.object(cache, "get", side_effect=ConnectionError("cache down")),
            mock.patch.object(cache, "set", side_effect=ConnectionError("cache down")),
            self.assertLogs("pagecache.middleware", "WARNING"),
        ):
            self.assertEqual(self.client.get(url).status_code, 200)
            self.assertEqual(self.client.get(url).status_code, 200)

    def test_every_public_page_goes_through_the_page_cache(self):
        # A new public view without @public_page/@static_page would render on every
        # request and send no validators.
        from public import urls as public_urls
        from reports import urls as report_urls

        patterns = [p for p in public_urls.urlpatterns if p.name != "set_language"] + [
            p
            for p in report_urls.urlpatterns
            if p.name
            in {
                "open_data",
                "download",
                "download_excel",
                "api_index",
                "api_matrix",
                "api_aggregates",
            }
        ]
        self.assertEqual(len(patterns), 18)
        for pattern in patterns:
            with self.subTest(pattern.name):
                self.assertIn(getattr(pattern.callback, "page_cache", None), {"data", "static"})


class ViewLookupTests(TestCase):
    """The middleware remembers which view a path resolves to; tests and deploys that
    change the URLs must not be answered with a remembered view."""

    def test_a_path_is_resolved_once_and_forgotten_when_settings_change(self):
        page_view.cache_clear()
        self.assertIs(page_view("/matrix/"), resolve("/matrix/").func)
        self.assertIsNone(page_view("/anmelden/"))  # a page, but not a cached one
        self.assertIsNone(page_view("/gibt-es-nicht/"))
        self.assertEqual(page_view.cache_info().misses, 3)
        page_view("/matrix/")
        self.assertEqual(page_view.cache_info().hits, 1)
        with override_settings(KJC_OPERATOR_NAME="Anders"):
            self.assertEqual(page_view.cache_info().currsize, 0)

    def test_a_page_without_parameters_is_keyed_as_before(self):
        # The defaults are validated once per process, to the same key as a full check.
        form_class = resolve("/matrix/").func.page_cache_params
        self.assertEqual(canonical_params(form_class, QueryDict()), _canonical(form_class, {}))
        self.assertEqual(canonical_params(form_class, QueryDict("stichtag=")), "[]")
        self.assertIsNone(canonical_params(form_class, QueryDict("stichtag=morgen")))


@skipUnless(connection.vendor == "postgresql", "CONN_HEALTH_CHECKS is set for PostgreSQL")
class HealthCheckTests(TransactionTestCase):
    """The data-version query stands in for Django's health check (one round trip per
    cached page, not two) and, like it, survives a connection the server has dropped."""

    def setUp(self):
        cache.clear()
        self.url = reverse("public:matrix")
        self.assertEqual(self.client.get(self.url).status_code, 200)

    def start_request(self):
        # As request_started does outside the test client: a new request checks again.
        connection.health_check_done = False

    def test_a_cached_page_runs_no_separate_health_check(self):
        self.assertTrue(connection.health_check_enabled)
        self.start_request()
        with (
            mock.patch.object(type(connections["default"]), "is_usable") as is_usable,
            self.assertNumQueries(1),
        ):
            self.assertEqual(self.client.get(self.url).status_code, 200)
        is_usable.assert_not_called()

    def test_a_dropped_connection_is_replaced_within_the_request(self):
        pid = connection.connection.info.backend_pid
        # Another session ends this one, as a server restart would.
        with type(connection.connection).connect(**connection.get_connection_params()) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        self.start_request()
        self.assertEqual(self.client.get(self.url).status_code, 200)
        self.assertNotEqual(connection.connection.info.backend_pid, pid)


def cached_entries():
    """How many entries the (in-memory) page cache holds."""
    return len(cache._cache)


class EncodingTests(TestCase):
    """A hit is sent as it is stored: gzip to clients that take it, plain to the rest
    (curl, scripts), without compressing or decompressing per request."""

    @classmethod
    def setUpTestData(cls):
        make_catalogue(factors=2)
        make_jobcenter(name="Jobcenter Ohne Gzip")

    def setUp(self):
        cache.clear()

    GZIP = {"accept-encoding": "gzip, deflate, br"}

    def test_plain_hits_do_no_decompression(self):
        url = reverse("public:matrix")
        packed = self.client.get(url, headers=self.GZIP)  # rendered, stored compressed
        first_plain = self.client.get(url)  # decompressed once, kept plain from now on
        with (
            mock.patch("pagecache.middleware.gzip.decompress") as decompress,
            mock.patch("pagecache.middleware.gzip.compress") as compress,
            self.assertNumQueries(2),  # the data version, once per request
        ):
            plain = self.client.get(url)
            again = self.client.get(url, headers=self.GZIP)
        decompress.assert_not_called()
        compress.assert_not_called()
        self.assertEqual(plain.content, first_plain.content)
        self.assertEqual(gzip.decompress(again.content), plain.content)
        self.assertEqual(again.content, packed.content)

    def test_a_plain_first_visitor_leaves_both_copies(self):
        url = reverse("public:factor_list")
        rendered = self.client.get(url)
        with mock.patch("pagecache.middleware.gzip.decompress") as decompress:
            plain = self.client.get(url)
            packed = self.client.get(url, headers=self.GZIP)
        decompress.assert_not_called()
        self.assertEqual(plain.content, rendered.content)
        self.assertEqual(gzip.decompress(packed.content), rendered.content)

    def test_both_encodings_carry_the_headers_of_a_rendered_page(self):
        url = reverse("public:matrix")
        # Settled data: Last-Modified on both answers, however long the requests take.
        DataVersion.objects.update(changed_at=timezone.now() - timedelta(minutes=5))
        for headers in ({}, self.GZIP):
            with self.subTest(headers):
                cache.clear()
                rendered = self.client.get(url, headers=headers)
                served = self.client.get(url, headers=headers)
                self.assertEqual(dict(served.headers), dict(rendered.headers))
                self.assertEqual(served["Content-Length"], str(len(served.content)))
                self.assertEqual("Content-Encoding" in served, bool(headers))


class QueryVariantTests(TestCase):
    """Downloads and the API with parameters are cached per data version and per
    cleaned parameters (Stichtag, factor, jobcenter, page); bad ones never are."""

    @classmethod
    def setUpTestData(cls):
        make_catalogue(factors=2)
        cls.jobcenter = make_jobcenter(name="Jobcenter Varianten")
        cls.editor = make_user("varianten")

    def setUp(self):
        cache.clear()
        self.yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()

    def test_a_stichtag_variant_is_answered_from_the_cache(self):
        for url in (
            f"/daten/matrix.csv?stichtag={self.yesterday}",
            f"/daten/matrix.json?stichtag={self.yesterday}&faktor=1",
            f"/api/v1/matrix?stichtag={self.yesterday}&seite=1",
            f"/api/v1/aggregates?stichtag={self.yesterday}",
        ):
            with self.subTest(url):
                cold = self.client.get(url)
                self.assertEqual(cold.status_code, 200)
                with self.assertNumQueries(1):  # the data version
                    warm = self.client.get(url)
                self.assertEqual(warm.content, cold.content)

    def test_spellings_of_the_same_parameters_share_one_entry(self):
        base = f"/daten/matrix.csv?stichtag={self.yesterday}"
        self.client.get(base)
        entries = cached_entries()
        for url in (f"{base}&faktor=", f"/daten/matrix.csv?faktor=&stichtag={self.yesterday}"):
            with self.subTest(url), self.assertNumQueries(1):
                self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(cached_entries(), entries)

    def test_a_stichtag_variant_follows_a_change(self):
        url = f"/daten/matrix.csv?stichtag={self.yesterday}"
        row = Implementation.objects.filter(jobcenter=self.jobcenter).first()
        values = {"status": Status.PLANNED, "public_note": "Geplant"}
        update_implementation(
            implementation=row, values=values, expected_version=row.version, user=self.editor
        )
        Implementation.history.update(history_date=timezone.now() - timedelta(days=3))
        before = self.client.get(url).content
        self.assertIn(b"Jobcenter Varianten", before)
        # A correction of the past (history only) changes yesterday's state too.
        Implementation.history.update(public_note="Nachgetragen")
        served = self.client.get(url).content
        cache.clear()
        self.assertEqual(served, self.client.get(url).content)
        self.assertIn(b"Nachgetragen", served)

    def test_bad_or_unknown_parameters_are_answered_but_never_stored(self):
        for url, status in (
            ("/daten/matrix.csv?stichtag=gestern", 400),
            ("/daten/matrix.csv?stichtag=2999-01-01", 400),
            ("/daten/faktoren.csv?faktor=1", 400),  # the view's own rule
            ("/api/v1/matrix?seite=0", 400),
            ("/api/v1/matrix?seite=99", 404),  # a page past the end
            ("/api/v1/matrix?utm_source=x", 200),
            ("/matrix/?utm_source=x&status=nonsense", None),
        ):
            with self.subTest(url):
                response = self.client.get(url)
                if status:
                    self.assertEqual(response.status_code, status)
                if response.status_code != 200 or "/api/" in url:
                    self.assertEqual(cached_entries(), 0)
                cache.clear()


class CodeVersionTests(TestCase):
    def test_the_code_version_covers_the_project_its_apps_and_nothing_installed(self):
        # A deploy that changes any of these must not meet pages cached by the old code.
        from pagecache.decorators import _code_roots

        base = settings.BASE_DIR.resolve()
        roots = _code_roots()
        names = {root.name for root in roots}
        project = {"kjc", "templates", "locale", "pagecache", "factors", "jobcenters", "reports"}
        self.assertLessEqual(project | {"public"}, names)
        for root in roots:
            self.assertTrue(root.resolve().is_relative_to(base), root)
            self.assertNotIn("site-packages", root.parts)
