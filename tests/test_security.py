"""Login lockout, sessions, cookies and security headers, tested from outside."""

import importlib
import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client, RequestFactory, SimpleTestCase, override_settings
from django.urls import clear_url_caches, reverse
from django.utils import timezone, translation

import kjc.urls
from jobcenters import roles
from kjc import security
from tests.base import PersonaTestCase
from tests.factories import PASSWORD, confirm_second_factor, make_user
from tests.test_fuzz_queries import discover_routes, sample_kwargs

ROOT = Path(__file__).resolve().parent.parent
ATTACKER = "203.0.113.7"
OTHER_ADDRESS = "198.51.100.20"


def german(msgid):
    """The German text of one of our msgids, or a skip while the catalogue lacks it."""
    with translation.override("de"):
        text = translation.gettext(msgid)
    if text == msgid:
        raise AssertionError(f"untranslated: {msgid!r}")
    return text


def german_or_skip(testcase, msgid):
    try:
        return german(msgid)
    except AssertionError:
        testcase.skipTest(
            "German catalogue does not hold the security strings yet "
            "(locale/de-src/security.tsv; run `make messages`)"
        )


def inline_code(html):
    """What the CSP would block in a browser: inline scripts, styles, handlers."""
    problems = []
    for match in re.finditer(r"<[a-zA-Z][^>]*>", html):
        tag = match.group(0)
        if re.search(r"\sstyle\s*=", tag, re.I):
            problems.append(f"style attribute: {tag[:100]}")
        if re.search(r"\son[a-z]+\s*=", tag, re.I):
            problems.append(f"event handler: {tag[:100]}")
        if re.search(r"(?:href|src|action)\s*=\s*[\"']?\s*javascript:", tag, re.I):
            problems.append(f"javascript: URL: {tag[:100]}")
    for match in re.finditer(r"<script\b([^>]*)>(.*?)</script>", html, re.S | re.I):
        attrs, body = match.groups()
        is_data = re.search(r"type=[\"']application/(?:ld\+)?json", attrs)
        if "src=" not in attrs and body.strip() and not is_data:
            problems.append(f"inline script: {body.strip()[:100]}")
    if re.search(r"<style\b", html, re.I):
        problems.append("style element")
    return problems


class HeaderTests(PersonaTestCase):
    """Every security header on a public page, the admin login page and an error page."""

    def assert_security_headers(self, response):
        csp = response.headers["Content-Security-Policy"]
        directives = dict(
            (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in csp.split(";"))
        )
        self.assertEqual(directives["default-src"], "'self'")
        self.assertEqual(directives["script-src"], "'self'")
        self.assertEqual(directives["style-src"], "'self'")
        self.assertEqual(directives["img-src"], "'self' data:")
        self.assertEqual(directives["object-src"], "'none'")
        self.assertEqual(directives["base-uri"], "'self'")
        self.assertEqual(directives["form-action"], "'self'")
        self.assertEqual(directives["frame-ancestors"], "'none'")
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("unsafe-eval", csp)
        self.assertEqual(response.headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response.headers["Referrer-Policy"], "same-origin")
        self.assertEqual(response.headers["X-Frame-Options"], "DENY")
        self.assertEqual(response.headers["Cross-Origin-Opener-Policy"], "same-origin")
        self.assertEqual(
            response.headers["Strict-Transport-Security"],
            "max-age=31536000; includeSubDomains; preload",
        )
        policy = response.headers["Permissions-Policy"]
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            self.assertIn(f"{feature}=()", policy)

    def assert_no_inline_code(self, response):
        self.assertEqual(inline_code(response.content.decode()), [])

    def test_public_pages(self):
        for name in ("public:home", "reports:open_data"):
            with self.subTest(name):
                response = self.client.get(reverse(name), secure=True)
                self.assertEqual(response.status_code, 200)
                self.assert_security_headers(response)
                self.assert_no_inline_code(response)

    def test_login_page(self):
        response = self.client.get(reverse("accounts:login"), secure=True)
        self.assertEqual(response.status_code, 200)
        self.assert_security_headers(response)
        self.assert_no_inline_code(response)

    def test_signed_in_page_and_error_page(self):
        self.login(self.coordinator)
        response = self.client.get(reverse("reports:dashboard"), secure=True)
        self.assertEqual(response.status_code, 200)
        self.assert_security_headers(response)
        response = self.client.get("/gibt-es-nicht/", secure=True)
        self.assertEqual(response.status_code, 404)
        self.assert_security_headers(response)
        self.assert_no_inline_code(response)

    def test_no_page_has_inline_code(self):
        """Every GET page of the site, as a visitor and as the coordination office."""
        routes = discover_routes(sample_kwargs(self.jobcenter_a, self.factors[0]))
        self.assertIn("public:home", routes)
        for persona in (None, self.coordinator):
            if persona:
                self.login(persona)
            for name, (path, _params) in sorted(routes.items()):
                response = self.client.get(path)
                if "html" not in response.get("Content-Type", ""):
                    continue
                with self.subTest(name=name, persona=str(persona)):
                    self.assertEqual(inline_code(response.content.decode()), [])

    def test_inline_code_finder(self):
        self.assertEqual(
            len(
                inline_code(
                    '<p style="color:red" onclick="x()"><a href="javascript:x()">a</a></p>'
                    "<script>alert(1)</script><style>p{}</style>"
                )
            ),
            5,
        )
        clean = (
            '<script src="/static/js/a.js" defer></script>'
            '<script type="application/json" id="d">{"a": 1}</script><p>style=onclick=</p>'
        )
        self.assertEqual(inline_code(clean), [])

    def test_plain_http_is_redirected_in_production(self):
        with override_settings(SECURE_SSL_REDIRECT=True):
            response = self.client.get(reverse("public:home"))
        self.assertEqual(response.status_code, 301)
        self.assertTrue(response["Location"].startswith("https://"))


class LockoutTests(PersonaTestCase):
    def post_login(self, username, password, address=ATTACKER):
        return self.client.post(
            reverse("accounts:login"),
            {"username": username, "password": password, "next": reverse("admin:index")},
            REMOTE_ADDR=address,
        )

    def fail(self, times, username="staff-a", address=ATTACKER):
        for _ in range(times):
            response = self.post_login(username, "wrong-password-123", address)
        return response

    def test_five_failures_lock_username_and_address_for_an_hour(self):
        for attempt in range(1, 5):
            response = self.post_login("staff-a", "wrong-password-123")
            self.assertEqual(response.status_code, 200, attempt)  # the login form again
        response = self.post_login("staff-a", "wrong-password-123")
        self.assertEqual(response.status_code, 429)
        self.assertTemplateUsed(response, "axes/locked_out.html")
        self.assertTemplateUsed(response, "base.html")

        # Even the right password is refused now, and nobody is signed in.
        response = self.post_login("staff-a", PASSWORD)
        self.assertEqual(response.status_code, 429)
        self.assertNotIn("_auth_user_id", self.client.session)

        # The lock is for this pair only: another address, or another user, still gets in.
        self.assertEqual(self.post_login("staff-a", PASSWORD, OTHER_ADDRESS).status_code, 302)
        self.client.logout()
        self.assertEqual(self.post_login("staff-b", PASSWORD).status_code, 302)

        # An hour later the lock has run out.
        self.client.logout()
        AccessAttempt.objects.filter(username="staff-a").update(
            attempt_time=timezone.now() - timedelta(hours=1, minutes=1)
        )
        self.assertEqual(self.post_login("staff-a", PASSWORD).status_code, 302)

    def test_lock_message_is_german(self):
        response = self.fail(5)
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, '<html lang="de">', status_code=429)
        title = german_or_skip(self, "Sign-in locked")
        self.assertContains(response, title, status_code=429)
        self.assertContains(
            response,
            german(
                "After %(limit)s failed sign-in attempts, sign-in with this user name from "
                "your network address is locked for one hour."
            )
            % {"limit": 5},
            status_code=429,
        )
        self.assertContains(response, "Koordinierungsstelle", status_code=429)

    @override_settings(KJC_OPERATOR_EMAIL="koordination@example.org")
    def test_lock_page_names_whom_to_contact(self):
        response = self.fail(5)
        self.assertContains(response, 'href="mailto:koordination@example.org"', status_code=429)

    @override_settings(KJC_OPERATOR_EMAIL="")
    def test_lock_page_links_the_contact_page_without_an_address(self):
        response = self.fail(5)
        self.assertEqual(response.status_code, 429)
        html = response.content.decode()
        main = html[html.index("<main") : html.index("</main>")]
        self.assertIn(f'href="{reverse("public:contact")}"', main)
        self.assertNotIn("mailto:", main)

    def test_success_resets_the_count(self):
        self.fail(4)
        self.assertEqual(self.post_login("staff-a", PASSWORD).status_code, 302)
        self.assertFalse(AccessAttempt.objects.filter(username="staff-a").exists())
        self.client.logout()
        response = self.fail(4)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.post_login("staff-a", PASSWORD).status_code, 302)

    def test_failures_are_stored_without_the_password(self):
        self.fail(1)
        attempt = AccessAttempt.objects.get(username="staff-a", ip_address=ATTACKER)
        self.assertNotIn("wrong-password-123", attempt.post_data)

    def test_coordination_office_lifts_the_lock_in_the_admin(self):
        self.fail(5)
        attempt = AccessAttempt.objects.get(username="staff-a")
        changelist = reverse("admin:axes_accessattempt_changelist")
        delete = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])

        # Anonymous: sent to the login page; the outsider (staff of another jobcenter): 403.
        response = self.client.get(changelist)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("admin:login"), response["Location"])
        self.login(self.staff_b)
        self.assertEqual(self.client.get(changelist).status_code, 403)
        self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)
        self.assertTrue(AccessAttempt.objects.filter(pk=attempt.pk).exists())
        self.client.logout()

        self.login(self.coordinator)
        response = self.client.get(changelist)
        self.assertContains(response, "staff-a")
        response = self.client.post(delete, {"post": "yes"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(AccessAttempt.objects.filter(pk=attempt.pk).exists())
        self.client.logout()

        self.assertEqual(self.post_login("staff-a", PASSWORD).status_code, 302)

    def test_director_may_not_lift_a_lock(self):
        self.fail(5)
        self.login(self.director)
        attempt = AccessAttempt.objects.get(username="staff-a")
        delete = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
        self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)
        self.assertTrue(AccessAttempt.objects.filter(pk=attempt.pk).exists())

    def test_operator_lifts_the_lock_with_the_command(self):
        self.fail(5)
        call_command("axes_reset_username", "staff-a", verbosity=0)
        self.assertEqual(self.post_login("staff-a", PASSWORD).status_code, 302)

    def test_lockout_works_on_a_moved_admin(self):
        # KJC_ADMIN_PATH is read when kjc.urls is imported: import it again, moved.
        try:
            with override_settings(KJC_ADMIN_PATH="verwaltung-7/"):
                importlib.reload(kjc.urls)
                clear_url_caches()
                self.assertEqual(reverse("admin:login"), "/verwaltung-7/login/")
                self.assertEqual(self.client.get("/admin/login/").status_code, 404)
                # The moved admin's login sends people to the site's login.
                response = self.client.get("/verwaltung-7/login/")
                self.assertRedirects(
                    response, reverse("accounts:login"), fetch_redirect_response=False
                )
                response = self.fail(5)
                self.assertEqual(response.status_code, 429)
                self.assertEqual(self.post_login("staff-a", PASSWORD).status_code, 429)
        finally:
            importlib.reload(kjc.urls)
            clear_url_caches()
        self.assertEqual(reverse("admin:login"), "/" + settings.KJC_ADMIN_PATH + "login/")

    @override_settings(KJC_TRUSTED_PROXIES=1)
    def test_behind_a_proxy_the_forwarded_address_counts(self):
        def via_proxy(password, forwarded_for):
            return self.client.post(
                reverse("accounts:login"),
                {"username": "staff-a", "password": password},
                REMOTE_ADDR="127.0.0.1",
                HTTP_X_FORWARDED_FOR=forwarded_for,
            )

        for _ in range(5):
            # The attacker forges a left-hand entry; the proxy appends the real address.
            response = via_proxy("wrong-password-123", f"10.9.9.9, {ATTACKER}")
        self.assertEqual(response.status_code, 429)
        self.assertEqual(AccessAttempt.objects.get().ip_address, ATTACKER)
        # A colleague behind the same proxy is not locked out.
        self.assertEqual(via_proxy(PASSWORD, OTHER_ADDRESS).status_code, 302)

    def test_without_trusted_proxies_the_header_is_ignored(self):
        for _ in range(5):
            self.client.post(
                reverse("accounts:login"),
                {"username": "staff-a", "password": "wrong-password-123"},
                REMOTE_ADDR=ATTACKER,
                HTTP_X_FORWARDED_FOR=OTHER_ADDRESS,
            )
        self.assertEqual(AccessAttempt.objects.get().ip_address, ATTACKER)
        self.assertEqual(self.post_login("staff-a", PASSWORD).status_code, 429)

    def test_test_client_logins_still_check_the_password(self):
        self.assertFalse(self.client.login(username="staff-a", password="wrong-password-123"))
        self.assertTrue(self.client.login(username="staff-a", password=PASSWORD))


class PasswordAndSessionTests(PersonaTestCase):
    def test_passwords_need_twelve_characters(self):
        user = make_user("pw-user", group=roles.JOBCENTER_STAFF)
        with self.assertRaises(ValidationError) as raised:
            validate_password("Kx9#mq2Lp7v", user)  # 11 characters
        self.assertIn("password_too_short", [e.code for e in raised.exception.error_list])
        validate_password("Kx9#mq2Lp7vR", user)  # 12 characters: accepted

    def real_login(self):
        response = self.client.post(
            reverse("accounts:login"),
            {"username": "staff-a", "password": PASSWORD, "next": reverse("admin:index")},
            secure=True,
        )
        self.assertEqual(response.status_code, 302)
        # The second step is tested in tests/test_accounts.py; here the session counts.
        confirm_second_factor(self.client, self.staff_a)
        return response

    def test_login_cookie_is_secure_httponly_samesite(self):
        response = self.real_login()
        cookie = response.cookies[settings.SESSION_COOKIE_NAME]
        self.assertTrue(cookie["secure"])
        self.assertTrue(cookie["httponly"])
        self.assertEqual(cookie["samesite"], "Lax")
        self.assertEqual(cookie["max-age"], settings.SESSION_COOKIE_AGE)
        self.assertEqual(settings.SESSION_COOKIE_AGE, 30 * 60)
        login_page = Client().get(reverse("accounts:login"), secure=True)
        csrf = login_page.cookies[settings.CSRF_COOKIE_NAME]
        self.assertTrue(csrf["secure"])
        self.assertEqual(csrf["samesite"], "Lax")

    def session_row(self):
        return Session.objects.get(session_key=self.client.session.session_key)

    def test_activity_moves_the_expiry_at_most_once_a_minute(self):
        self.real_login()
        first_expiry = self.session_row().expire_date
        # A request right after: no write, the cookie is not sent again.
        response = self.client.get(reverse("reports:dashboard"), secure=True)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn(settings.SESSION_COOKIE_NAME, response.cookies)
        self.assertEqual(self.session_row().expire_date, first_expiry)

        # Ten minutes of inactivity later (moved back in the stored session): refreshed.
        session = self.client.session
        stamped = session[security.SESSION_EXPIRES_AT] - 600
        session[security.SESSION_EXPIRES_AT] = stamped
        session.save()
        response = self.client.get(reverse("reports:dashboard"), secure=True)
        self.assertEqual(response.status_code, 200)
        self.assertIn(settings.SESSION_COOKIE_NAME, response.cookies)
        self.assertGreater(self.client.session[security.SESSION_EXPIRES_AT], stamped)
        self.assertGreaterEqual(
            self.session_row().expire_date,
            timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 5),
        )

    def test_idle_session_ends(self):
        self.real_login()
        Session.objects.filter(session_key=self.client.session.session_key).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
        response = self.client.get(reverse("reports:dashboard"), secure=True)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])

    def test_pages_carry_the_warning_for_signed_in_users_only(self):
        response = self.client.get(reverse("public:home"))
        self.assertNotContains(response, 'id="session-timeout"')
        self.real_login()
        response = self.client.get(reverse("reports:dashboard"), secure=True)
        expires_at = self.client.session[security.SESSION_EXPIRES_AT]
        self.assertContains(response, f'data-session-expires-at="{expires_at}"')
        self.assertContains(response, "js/session-timeout.js")

    def test_refresh_rule(self):
        age, step = settings.SESSION_COOKIE_AGE, settings.KJC_SESSION_REFRESH_SECONDS
        session = {"_auth_user_id": "1", security.SESSION_EXPIRES_AT: 10_000 + age}
        self.assertFalse(security.refresh_session_expiry(session, now=10_000 + step - 1))
        self.assertTrue(security.refresh_session_expiry(session, now=10_000 + step))
        self.assertEqual(session[security.SESSION_EXPIRES_AT], 10_000 + step + age)
        anonymous = {}
        self.assertFalse(security.refresh_session_expiry(anonymous, now=10_000))
        self.assertEqual(anonymous, {})

    def test_warning_partial_for_signed_in_users_only(self):
        self.real_login()
        request = RequestFactory().get("/dashboard/")
        request.session = self.client.session
        request.user = self.staff_a
        # Epoch seconds stay plain digits even where numbers get German grouping.
        with override_settings(USE_THOUSAND_SEPARATOR=True), translation.override("de"):
            html = render_to_string("includes/session_timeout.html", request=request)
        expires_at = self.client.session[security.SESSION_EXPIRES_AT]
        self.assertIn(f'data-session-expires-at="{expires_at}"', html)
        server_now = int(re.search(r'data-session-server-now="(\d+)"', html).group(1))
        self.assertLessEqual(abs(server_now - time.time()), 5)
        self.assertIn('data-session-warn-seconds="120"', html)
        self.assertIn("js/session-timeout.js", html)

        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()
        self.assertEqual(
            render_to_string("includes/session_timeout.html", request=request).strip(), ""
        )


class DeployCheckTests(SimpleTestCase):
    def test_check_deploy_is_clean(self):
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DATABASE_URL", "SECURE_", "SESSION_"))
        }
        env.update(
            DEBUG="0",
            SECRET_KEY="ci-" + os.urandom(24).hex(),
            ALLOWED_HOSTS="kjc.example.org",
            CSRF_TRUSTED_ORIGINS="https://kjc.example.org",
            DJANGO_SETTINGS_MODULE="kjc.settings",
        )
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
