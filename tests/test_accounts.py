"""The account life cycle from outside: sign-in, start pages, sign-out, password reset and
change, invitation, the second factor, the audit list and the per-account cap."""

import re
from datetime import timedelta
from unittest import mock

from axes.models import AccessAttempt
from django.contrib.admin.sites import site as admin_site
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent
from accounts.tokens import invitation_token
from jobcenters import roles
from jobcenters.models import StaffMembership
from tests.base import PersonaTestCase
from tests.factories import PASSWORD, make_user

Kind = AuditEvent.Kind
LOGIN = reverse("accounts:login")
NEW_PASSWORD = "Rv7#kq2Lmw9!tz"


def totp_code(device):
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return f"{token:06d}"


def main_html(response):
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


class AccountTestCase(PersonaTestCase):
    def sign_in(self, username, password=PASSWORD, next_url=None, **extra):
        data = {"username": username, "password": password}
        if next_url is not None:
            data["next"] = next_url
        return self.client.post(LOGIN, data, **extra)

    def totp_device(self, user):
        return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    def verify(self, code, next_url=None):
        data = {"code": code}
        if next_url:
            data["next"] = next_url
        return self.client.post(reverse("accounts:verify"), data)


@override_settings(KJC_REQUIRE_2FA=False)
class LoginTests(AccountTestCase):
    def test_login_page_is_german_in_the_site_layout(self):
        response = self.client.get(LOGIN)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<html lang="de">')
        self.assertContains(response, "Anmeldung für Mitarbeitende")
        self.assertContains(response, 'class="site-header"')
        self.assertContains(response, 'class="site-footer"')
        self.assertContains(response, f'href="{reverse("accounts:password_reset")}"')
        self.assertContains(response, "Passwort vergessen?")
        self.assertIn(f'href="{reverse("public:home")}"', main_html(response))

    def test_nav_opens_the_site_login(self):
        response = self.client.get(reverse("public:home"))
        self.assertContains(response, f'href="{LOGIN}"')
        self.assertNotContains(response, f'href="{reverse("admin:login")}"')

    def test_admin_login_redirects_to_the_site_login(self):
        response = self.client.get(reverse("admin:login"), {"next": "/admin/"})
        self.assertRedirects(response, f"{LOGIN}?next=%2Fadmin%2F", fetch_redirect_response=False)
        response = self.client.get(reverse("admin:index"))
        self.assertEqual(response.status_code, 302)

    def test_login_required_pages_send_to_the_site_login(self):
        url = reverse("jobcenters:editor_index")
        self.assertRedirects(
            self.client.get(url), f"{LOGIN}?next={url}", fetch_redirect_response=False
        )

    def test_start_page_per_role(self):
        editor = reverse("jobcenters:edit_jobcenter", args=[self.jobcenter_a.district.ags])
        both = make_user(
            "staff-ab",
            group=roles.JOBCENTER_STAFF,
            jobcenters=[self.jobcenter_a, self.jobcenter_b],
        )
        nobody = make_user("no-jobcenter", group=roles.JOBCENTER_STAFF)
        cases = [
            (self.staff_a, editor),
            (both, reverse("jobcenters:editor_index")),
            (self.director, reverse("reports:dashboard")),
            (self.coordinator, reverse("reports:dashboard")),
            (nobody, reverse("public:home")),
        ]
        for user, expected in cases:
            with self.subTest(user=user.username):
                response = self.sign_in(user.username)
                self.assertRedirects(response, expected, fetch_redirect_response=False)
                self.client.post(reverse("accounts:logout"))

    def test_unsafe_next_lands_on_the_start_page(self):
        editor = reverse("jobcenters:edit_jobcenter", args=[self.jobcenter_a.district.ags])
        for unsafe in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
            with self.subTest(unsafe):
                response = self.sign_in("staff-a", next_url=unsafe)
                self.assertRedirects(response, editor, fetch_redirect_response=False)
                self.assertNotIn("/accounts/profile/", response["Location"])
                self.client.post(reverse("accounts:logout"))
        response = self.sign_in("staff-a", next_url="/methodik/")
        self.assertRedirects(response, "/methodik/", fetch_redirect_response=False)

    def test_header_names_the_user_and_signs_out_by_post(self):
        self.staff_a.first_name, self.staff_a.last_name = "Erika", "Muster"
        self.staff_a.save()
        self.sign_in("staff-a")
        response = self.client.get(reverse("public:method"))
        self.assertContains(response, "Angemeldet als")
        self.assertContains(response, "Erika Muster")
        self.assertContains(response, f'action="{reverse("accounts:logout")}"')
        self.assertContains(response, "Abmelden")
        self.assertEqual(self.client.get(reverse("accounts:logout")).status_code, 405)
        self.assertIn("_auth_user_id", self.client.session)
        response = self.client.post(reverse("accounts:logout"))
        self.assertRedirects(response, reverse("public:home"), fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertNotContains(self.client.get(reverse("public:method")), "Angemeldet als")

    def test_wrong_password_is_a_clear_german_message(self):
        response = self.sign_in("staff-a", "wrong-password-123")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Benutzername")
        self.assertContains(response, 'role="alert"')

    def test_every_login_and_failure_is_in_the_audit_list(self):
        self.sign_in("staff-a", "wrong-password-123", REMOTE_ADDR="203.0.113.9")
        self.sign_in("staff-a", REMOTE_ADDR="203.0.113.9")
        failed = AuditEvent.objects.get(kind=Kind.LOGIN_FAILED)
        self.assertEqual((failed.username, failed.ip_address), ("staff-a", "203.0.113.9"))
        login = AuditEvent.objects.get(kind=Kind.LOGIN)
        self.assertEqual((login.user, login.ip_address), (self.staff_a, "203.0.113.9"))
        self.client.post(reverse("accounts:logout"))
        self.assertTrue(AuditEvent.objects.filter(kind=Kind.LOGOUT, user=self.staff_a).exists())

    def test_axes_lockout_is_logged(self):
        for _ in range(5):
            response = self.sign_in("staff-a", "wrong-password-123")
        self.assertEqual(response.status_code, 429)
        self.assertTrue(AuditEvent.objects.filter(kind=Kind.LOCKOUT, username="staff-a").exists())


@override_settings(KJC_REQUIRE_2FA=False)
class PasswordTests(AccountTestCase):
    def test_password_reset_same_answer_german_mail(self):
        self.staff_a.email = "staff-a@example.org"
        self.staff_a.save()
        url = reverse("accounts:password_reset")
        page = self.client.get(url)
        self.assertContains(page, "Passwort vergessen?")
        known = self.client.post(url, {"email": "staff-a@example.org"})
        unknown = self.client.post(url, {"email": "nobody@example.org"})
        self.assertRedirects(known, reverse("accounts:password_reset_done"))
        self.assertRedirects(unknown, reverse("accounts:password_reset_done"))
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["staff-a@example.org"])
        self.assertIn("neues Passwort", message.subject)
        self.assertIn("Guten Tag staff-a", message.body)
        link = re.search(r"http://testserver(/passwort-neu/\S+)", message.body).group(1)
        # Django moves the token into the session and redirects to a set-password URL.
        response = self.client.get(link, follow=True)
        self.assertContains(response, "Neues Passwort")
        response = self.client.post(
            response.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        self.assertRedirects(response, reverse("accounts:password_reset_complete"))
        self.staff_a.refresh_from_db()
        self.assertTrue(self.staff_a.check_password(NEW_PASSWORD))
        kinds = set(AuditEvent.objects.values_list("kind", flat=True))
        self.assertLessEqual({Kind.PASSWORD_RESET_REQUESTED, Kind.PASSWORD_RESET}, kinds)
        # Used once: the same link is void now.
        response = self.client.get(link, follow=True)
        self.assertContains(response, "nicht mehr gültig")

    def test_password_reset_is_rate_limited_per_address_and_per_client(self):
        self.staff_a.email = "staff-a@example.org"
        self.staff_a.save()
        url = reverse("accounts:password_reset")
        for _ in range(6):
            response = self.client.post(url, {"email": "staff-a@example.org"})
            self.assertRedirects(response, reverse("accounts:password_reset_done"))
        self.assertEqual(len(mail.outbox), 3)  # KJC_PASSWORD_RESET_LIMIT
        # Per client: one address trying many accounts is cut off as well.
        self.staff_b.email = "staff-b@example.org"
        self.staff_b.save()
        for _ in range(6):
            self.client.post(url, {"email": "staff-b@example.org"}, REMOTE_ADDR="198.51.100.3")
        for _ in range(3):
            self.client.post(url, {"email": "x@example.org"}, REMOTE_ADDR="198.51.100.3")
        self.assertEqual(len(mail.outbox), 3 + 3)
        self.assertTrue(AuditEvent.objects.filter(detail="rate limited, not sent").exists())

    def test_password_change_refuses_the_user_name_twice(self):
        user = make_user("jc-06434", group=roles.JOBCENTER_STAFF)
        self.login(user)
        url = reverse("accounts:password_change")
        response = self.client.post(
            url,
            {
                "old_password": PASSWORD,
                "new_password1": "jc-06434jc-06434",
                "new_password2": "jc-06434jc-06434",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Benutzernamen")
        user.refresh_from_db()
        self.assertTrue(user.check_password(PASSWORD))
        response = self.client.post(
            url,
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        self.assertRedirects(response, reverse("accounts:password_change_done"))
        user.refresh_from_db()
        self.assertTrue(user.check_password(NEW_PASSWORD))
        self.assertTrue(AuditEvent.objects.filter(kind=Kind.PASSWORD_CHANGED, user=user).exists())

    def test_email_local_part_is_refused_too(self):
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        user = make_user("erika", email="e.muster@example.org")
        with self.assertRaises(ValidationError):
            validate_password("xx-E.Muster-2026!", user)

    def test_password_change_needs_a_login(self):
        url = reverse("accounts:password_change")
        response = self.client.get(url)
        self.assertRedirects(response, f"{LOGIN}?next={url}", fetch_redirect_response=False)


@override_settings(KJC_REQUIRE_2FA=False)
class InvitationTests(AccountTestCase):
    def invite(self, **overrides):
        data = {
            "username": "jc-neu",
            "first_name": "Nora",
            "last_name": "Neu",
            "email": "nora.neu@example.org",
            "jobcenter": self.jobcenter_a.pk,
            **overrides,
        }
        return self.client.post(reverse("accounts:invite"), data)

    def test_only_the_coordination_office_invites(self):
        url = reverse("accounts:invite")
        self.assertEqual(self.client.get(url).status_code, 302)
        for user in (self.staff_a, self.director):
            self.login(user)
            with self.subTest(user.username):
                self.assertEqual(self.client.get(url).status_code, 403)
                self.assertEqual(self.invite().status_code, 403)
        self.assertFalse(get_user_model().objects.filter(username="jc-neu").exists())
        self.login(self.coordinator)
        self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(self.client.put(reverse("accounts:audit_list")).status_code, 405)

    def test_invitation_sets_own_password_once(self):
        self.login(self.coordinator)
        response = self.invite()
        self.assertRedirects(response, reverse("accounts:account_list"))
        user = get_user_model().objects.get(username="jc-neu")
        self.assertFalse(user.has_usable_password())
        self.assertTrue(StaffMembership.objects.filter(user=user, jobcenter=self.jobcenter_a))
        self.assertIn(roles.JOBCENTER_STAFF, roles.group_names(user))
        message = mail.outbox[0]
        self.assertEqual(message.to, ["nora.neu@example.org"])
        self.assertIn("Einladung", message.subject)
        self.assertIn("Guten Tag Nora Neu", message.body)
        expires = timezone.localdate() + timedelta(days=7)
        self.assertIn(f"bis {expires.day}. ", message.body)
        self.assertNotIn(PASSWORD, message.body)
        event = AuditEvent.objects.get(kind=Kind.INVITATION)
        self.assertEqual((event.user, event.actor), (user, self.coordinator))
        self.client.post(reverse("accounts:logout"))

        link = re.search(r"https?://\S+(/konten/einladung/\S+)", message.body).group(1)
        page = self.client.get(link, follow=True)
        self.assertContains(page, "jc-neu")
        set_url = page.redirect_chain[-1][0]
        response = self.client.post(
            set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        self.assertRedirects(response, reverse("accounts:invitation_done"))
        response = self.sign_in("jc-neu", NEW_PASSWORD)
        editor = reverse("jobcenters:edit_jobcenter", args=[self.jobcenter_a.district.ags])
        self.assertRedirects(response, editor, fetch_redirect_response=False)
        self.assertTrue(AuditEvent.objects.filter(kind=Kind.INVITATION_ACCEPTED).exists())
        self.client.post(reverse("accounts:logout"))
        # Used once: the link is void after the password is set.
        self.assertContains(self.client.get(link, follow=True), "nicht mehr gültig")

    def test_invitation_expires(self):
        self.login(self.coordinator)
        self.invite()
        user = get_user_model().objects.get(username="jc-neu")
        token = invitation_token.make_token(user)
        self.assertTrue(invitation_token.check_token(user, token))
        later = invitation_token._now() + timedelta(days=7, hours=1)
        with mock.patch.object(invitation_token, "_now", return_value=later):
            self.assertFalse(invitation_token.check_token(user, token))
        with (
            override_settings(KJC_INVITATION_DAYS=8),
            mock.patch.object(invitation_token, "_now", return_value=later),
        ):
            self.assertTrue(invitation_token.check_token(user, token))
        # A password-reset token is no invitation token.
        from django.contrib.auth.tokens import default_token_generator

        self.assertFalse(
            invitation_token.check_token(user, default_token_generator.make_token(user))
        )
        self.assertFalse(invitation_token.check_token(user, "zzzzzzzzzzzzzzzzzzzz-abc"))

    def test_duplicate_names_and_bad_input_are_clear_messages(self):
        self.login(self.coordinator)
        response = self.invite(username="staff-a")
        self.assertContains(response, "bereits vergeben")
        response = self.invite(email="not-an-address", jobcenter="99999")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(mail.outbox), 0)


class SecondFactorTests(AccountTestCase):
    def test_coordinator_must_set_up_then_verify(self):
        response = self.sign_in("coordinator")
        dashboard = reverse("reports:dashboard")
        self.assertRedirects(response, dashboard, fetch_redirect_response=False)
        response = self.client.get(dashboard)
        setup = reverse("accounts:two_factor_setup")
        self.assertRedirects(
            response, f"{setup}?next=%2Fdashboard%2F", fetch_redirect_response=False
        )
        page = self.client.get(setup)
        self.assertContains(page, "<svg")
        self.assertContains(page, "Zweiten Faktor einrichten")
        self.assertNotContains(page, "http://")  # nothing drawn by a third party
        device = TOTPDevice.objects.get(user=self.coordinator, confirmed=False)
        response = self.client.post(setup, {"code": "000000", "next": dashboard})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "nicht gültig")
        # django-otp throttles the device for a second after a failure; a person is slower.
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
        response = self.client.post(setup, {"code": totp_code(device), "next": dashboard})
        self.assertContains(response, "Ersatzcodes")
        codes = re.findall(r"<code>(\w+)</code>", response.content.decode())
        self.assertEqual(len(codes), 10)
        self.assertEqual(self.client.get(dashboard).status_code, 200)
        self.assertTrue(AuditEvent.objects.filter(kind=Kind.OTP_SETUP).exists())

        # Next sign-in: the code is asked for; a backup code works once.
        self.client.post(reverse("accounts:logout"))
        self.sign_in("coordinator")
        response = self.client.get(dashboard)
        self.assertRedirects(
            response,
            f"{reverse('accounts:verify')}?next=%2Fdashboard%2F",
            fetch_redirect_response=False,
        )
        response = self.verify(codes[0], dashboard)
        self.assertRedirects(response, dashboard, fetch_redirect_response=False)
        self.client.post(reverse("accounts:logout"))
        self.sign_in("coordinator")
        response = self.verify(codes[0])
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "nicht gültig")

    def test_a_used_authenticator_code_is_refused_the_second_time(self):
        """django-otp's replay guard: the browser tests reset it to sign in again quickly
        (tests/browser/signin.py), so it is proven here."""
        device = self.totp_device(self.coordinator)
        dashboard = reverse("reports:dashboard")
        code = totp_code(device)
        self.sign_in("coordinator")
        self.assertRedirects(self.verify(code, dashboard), dashboard, fetch_redirect_response=False)
        self.client.post(reverse("accounts:logout"))
        self.sign_in("coordinator")
        response = self.verify(code)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.client.get(dashboard).status_code, 302)

    def test_every_protected_url_family_needs_the_second_factor(self):
        self.totp_device(self.coordinator)
        self.sign_in("coordinator")
        ags = self.jobcenter_a.district.ags
        urls = [
            reverse("admin:index"),
            reverse("admin:jobcenters_implementation_changelist"),
            reverse("jobcenters:editor_index"),
            reverse("jobcenters:edit_jobcenter", args=[ags]),
            reverse("jobcenters:export_status", args=[ags, "csv"]),
            reverse("jobcenters:import_status", args=[ags]),
            reverse("factors:import_catalogue"),
            reverse("jobcenters:review_queue"),
            reverse("reports:dashboard"),
            reverse("reports:dashboard_xlsx"),
            reverse("accounts:account_list"),
            reverse("accounts:audit_list"),
            reverse("accounts:invite"),
        ]
        for url in urls:
            with self.subTest(url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(reverse("accounts:verify")))
        self.assertEqual(self.client.post(reverse("jobcenters:review_action")).status_code, 302)
        # Public pages stay open.
        self.assertEqual(self.client.get(reverse("public:home")).status_code, 200)

    def test_staff_needs_it_only_with_the_setting(self):
        editor = reverse("jobcenters:edit_jobcenter", args=[self.jobcenter_a.district.ags])
        self.sign_in("staff-a")
        with override_settings(KJC_REQUIRE_2FA=True):
            self.assertEqual(self.client.get(editor).status_code, 302)
        with override_settings(KJC_REQUIRE_2FA=False):
            self.assertEqual(self.client.get(editor).status_code, 200)

    def test_directors_always(self):
        self.sign_in("director")
        with override_settings(KJC_REQUIRE_2FA=False):
            self.assertEqual(self.client.get(reverse("reports:dashboard")).status_code, 302)

    def test_demo_accounts_exempt_only_with_debug(self):
        demo = make_user("demo-director", group=roles.DIRECTORS)
        demo.groups.add(roles.ensure_groups()[roles.DEMO_ACCOUNTS])
        with override_settings(KJC_DEMO_LOGINS=True):
            self.sign_in("demo-director")
            self.assertEqual(self.client.get(reverse("reports:dashboard")).status_code, 200)
        with override_settings(KJC_DEMO_LOGINS=False):
            self.assertEqual(self.client.get(reverse("reports:dashboard")).status_code, 302)

    def test_wrong_codes_lock_like_wrong_passwords(self):
        device = self.totp_device(self.coordinator)
        self.sign_in("coordinator", REMOTE_ADDR="203.0.113.5")
        for attempt in range(1, 5):
            response = self.client.post(
                reverse("accounts:verify"), {"code": "123456"}, REMOTE_ADDR="203.0.113.5"
            )
            self.assertEqual(response.status_code, 200, attempt)
        response = self.client.post(
            reverse("accounts:verify"), {"code": "123456"}, REMOTE_ADDR="203.0.113.5"
        )
        self.assertEqual(response.status_code, 429)
        self.assertTemplateUsed(response, "axes/locked_out.html")
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(AuditEvent.objects.filter(kind=Kind.OTP_FAILED).count(), 5)
        self.assertEqual(AccessAttempt.objects.get(username="coordinator").failures_since_start, 5)
        # Even with the right password, the pair stays locked.
        response = self.sign_in("coordinator", REMOTE_ADDR="203.0.113.5")
        self.assertEqual(response.status_code, 429)
        self.assertTrue(device.pk)

    def test_coordination_office_resets_a_lost_factor(self):
        lost = self.totp_device(self.director)
        StaticDevice.objects.create(user=self.director, name="Backup codes")
        url = reverse("accounts:reset_factor", args=[self.director.pk])
        self.login(self.staff_a)
        self.assertEqual(self.client.post(url).status_code, 403)
        self.login(self.coordinator)
        self.assertEqual(self.client.get(url).status_code, 405)
        listing = self.client.get(reverse("accounts:account_list"))
        self.assertContains(listing, url)
        response = self.client.post(url)
        self.assertRedirects(response, reverse("accounts:account_list"))
        self.assertFalse(TOTPDevice.objects.filter(pk=lost.pk).exists())
        self.assertFalse(StaticDevice.objects.filter(user=self.director).exists())
        event = AuditEvent.objects.get(kind=Kind.OTP_RESET)
        self.assertEqual((event.user, event.actor), (self.director, self.coordinator))
        self.assertEqual(
            self.client.post(reverse("accounts:reset_factor", args=[99999])).status_code, 404
        )


class AuditListTests(AccountTestCase):
    def test_coordinator_reads_it_nobody_edits_it(self):
        self.sign_in("staff-a", "wrong-password-123", REMOTE_ADDR="192.0.2.44")
        url = reverse("accounts:audit_list")
        self.login(self.staff_a)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.login(self.director)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.login(self.coordinator)
        response = self.client.get(url)
        self.assertContains(response, "192.0.2.44")
        self.assertContains(response, "Anmeldung fehlgeschlagen")
        for junk in ("?seite=99999999999999999999", "?seite=1e400", "?art=x&konto=%00"):
            with self.subTest(junk):
                self.assertEqual(self.client.get(url + junk).status_code, 200)
        response = self.client.get(url, {"art": Kind.LOGIN_FAILED, "konto": "staff-a"})
        self.assertContains(response, "192.0.2.44")

        model_admin = admin_site._registry[AuditEvent]
        superuser = make_user("root", is_superuser=True)
        request = RequestFactory().get("/")
        request.user = superuser
        self.assertTrue(model_admin.has_view_permission(request))
        self.assertFalse(model_admin.has_add_permission(request))
        self.assertFalse(model_admin.has_change_permission(request))
        self.assertFalse(model_admin.has_delete_permission(request))
        changelist = reverse("admin:accounts_auditevent_changelist")
        self.assertContains(self.client.get(changelist), "192.0.2.44")
        event = AuditEvent.objects.first()
        delete = reverse("admin:accounts_auditevent_delete", args=[event.pk])
        self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)
        self.assertTrue(AuditEvent.objects.filter(pk=event.pk).exists())


@override_settings(KJC_TRUSTED_PROXIES=1, KJC_REQUIRE_2FA=False)
class AccountCapTests(AccountTestCase):
    """Issue 11 item 9: rotating X-Forwarded-For must not give unlimited guesses."""

    def guess(self, number, password="wrong-password-123"):
        return self.client.post(
            LOGIN,
            {"username": "staff-a", "password": password},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.18.{number // 250}.{number % 250 + 1}",
        )

    def test_rotating_addresses_hit_the_account_cap(self):
        for number in range(20):
            response = self.guess(number)
            self.assertEqual(response.status_code, 200, number)  # axes: new pair each time
        self.assertFalse(AccessAttempt.objects.filter(failures_since_start__gte=5).exists())
        # The 21st try, even with the right password and a fresh address, is refused.
        response = self.guess(21, PASSWORD)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertContains(response, "zu viele fehlgeschlagene Anmeldeversuche")
        self.assertContains(response, "Koordinierungsstelle")

        # The coordination office unlocks it (logged), and the right password works.
        self.login(self.coordinator)
        response = self.client.post(reverse("accounts:unlock", args=[self.staff_a.pk]))
        self.assertRedirects(response, reverse("accounts:account_list"))
        self.assertTrue(AuditEvent.objects.filter(kind=Kind.UNLOCK, user=self.staff_a).exists())
        self.client.post(reverse("accounts:logout"))
        self.assertEqual(self.guess(22, PASSWORD).status_code, 302)

    def test_the_cap_runs_out_after_the_window(self):
        for number in range(20):
            self.guess(number)
        AuditEvent.objects.update(created_at=timezone.now() - timedelta(hours=1, minutes=1))
        self.assertEqual(self.guess(30, PASSWORD).status_code, 302)
