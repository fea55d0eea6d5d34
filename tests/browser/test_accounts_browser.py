"""The account life cycle in chromium: the coordination office invites, the new staff
member sets a password, sets up the second factor, edits their jobcenter and signs out.
Every new page passes axe-core (WCAG 2.1 A/AA) in German and English at 1280 and 360 px."""

import re
from base64 import b32decode

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent
from jobcenters import roles
from jobcenters.models import Implementation, Status
from tests.factories import (
    PASSWORD,
    confirm_second_factor,
    make_catalogue,
    make_jobcenter,
    make_user,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Wb4#pz9Lqe2!nm"
MARKER = "Neuer Stand aus dem Browser-Test"


def assert_clean(page, what):
    assert page.axe_violations() == [], what
    assert page.csp_violations() == [], what
    assert page.external_requests() == [], what


def code_for(secret_text):
    secret = secret_text.replace(" ", "")
    secret += "=" * (-len(secret) % 8)
    return f"{TOTP(b32decode(secret)).token():06d}"


def submit(page, selector="form.account-form button[type=submit]"):
    with page.page.expect_navigation():
        page.page.click(selector)


def sign_in(page, username, password):
    page.goto("/anmelden/")
    page.page.fill("#id_username", username)
    page.page.fill("#id_password", password)
    submit(page)


def test_invite_set_password_second_factor_edit_sign_out(make_page):
    roles.ensure_groups()
    make_catalogue(factors=2)
    jobcenter = make_jobcenter(name="Jobcenter Browserkreis")
    office = make_user("office", group=roles.COORDINATION)
    office_device = TOTPDevice.objects.create(user=office, name="phone", confirmed=True)
    ags = jobcenter.district.ags

    # The coordination office: password, then the code, then the invitation page.
    desk = make_page()
    sign_in(desk, "office", PASSWORD)
    assert "/anmelden/bestaetigen/?next=%2Fdashboard%2F" in desk.page.url
    assert_clean(desk, "verify")
    desk.page.fill("#id_code", f"{TOTP(office_device.bin_key).token():06d}")
    submit(desk)
    assert desk.page.url.endswith("/dashboard/")
    desk.goto("/konten/einladen/")
    assert_clean(desk, "invite")
    desk.page.fill("#id_username", "jc-browser")
    desk.page.fill("#id_first_name", "Bea")
    desk.page.fill("#id_last_name", "Browser")
    desk.page.fill("#id_email", "bea.browser@example.org")
    desk.page.select_option("#id_jobcenter", label=jobcenter.name)
    submit(desk)
    assert desk.page.url.endswith("/konten/")
    assert "jc-browser" in desk.page.locator("main").inner_text()
    assert_clean(desk, "account list")

    # The new staff member, at 360 px: the link from the e-mail, the own password.
    link = re.search(r"https?://\S+(/konten/einladung/\S+/)", mail.outbox[-1].body).group(1)
    staff = make_page(width=360, height=780)
    staff.goto(link)
    assert "jc-browser" in staff.page.locator("main").inner_text()
    assert_clean(staff, "invitation accept")
    staff.page.fill("#id_new_password1", NEW_PASSWORD)
    staff.page.fill("#id_new_password2", NEW_PASSWORD)
    submit(staff)
    assert_clean(staff, "invitation done")

    # Sign in: the second factor is set up first (KJC_REQUIRE_2FA is on without DEBUG).
    sign_in(staff, "jc-browser", NEW_PASSWORD)
    assert "/konto/zwei-faktor/" in staff.page.url
    assert staff.page.locator("figure.qr svg").count() == 1
    assert_clean(staff, "two-factor setup")
    staff.page.fill("#id_code", code_for(staff.page.locator("[data-secret]").inner_text()))
    submit(staff)
    assert staff.page.locator(".backup-codes li").count() == 10
    assert_clean(staff, "backup codes")
    with staff.page.expect_navigation():
        staff.page.click("main a.button-primary")
    assert staff.page.url.endswith(f"/bearbeiten/{ags}/")

    # Edit the own jobcenter, then sign out with the header's button.
    staff.page.select_option("select[name$='-status'] >> nth=0", Status.PLANNED)
    # The notes sit behind the row's closed "Notes and link" disclosure: open it first.
    staff.page.click("details.more >> nth=0 >> summary")
    staff.page.fill("textarea[name$='-public_note'] >> nth=0", MARKER)
    with staff.page.expect_navigation():
        staff.page.click("form.editor button[type=submit] >> nth=0")
    assert Implementation.objects.filter(jobcenter=jobcenter, public_note=MARKER).exists()
    header = staff.page.locator("header .account-menu")
    assert "Bea Browser" in header.inner_text()
    with staff.page.expect_navigation():
        header.locator("button[type=submit]").click()
    assert staff.page.locator("header .account-menu").count() == 0
    assert staff.goto(f"/bearbeiten/{ags}/").url
    assert "/anmelden/" in staff.page.url
    kinds = set(AuditEvent.objects.values_list("kind", flat=True))
    assert {"invitation", "invitation_accepted", "otp_setup", "login", "logout"} <= kinds


def signed_in_cookie(user, *, verified=True):
    client = Client()
    client.force_login(user)
    if verified:
        confirm_second_factor(client, user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("width", [1280, 360])
def test_every_account_page_passes_axe(make_page, live_server, language, width):
    roles.ensure_groups()
    make_catalogue(factors=1)
    make_jobcenter(name="Jobcenter Axe")
    office = make_user("office-axe", group=roles.COORDINATION, email="office@example.org")
    newcomer = make_user("new-axe", group=roles.DIRECTORS)
    returning = make_user("back-axe", group=roles.DIRECTORS)
    TOTPDevice.objects.create(user=returning, name="phone", confirmed=True)
    AuditEvent.objects.create(
        kind=AuditEvent.Kind.LOGIN_FAILED, username="x", ip_address="192.0.2.1"
    )
    pages = {
        None: [
            "/anmelden/",
            "/passwort-vergessen/",
            "/passwort-vergessen/gesendet/",
            "/passwort-neu/MQ/falsch-123/",
            "/passwort-neu/fertig/",
            "/konten/einladung/MQ/falsch-123/",
            "/konten/einladung/fertig/",
        ],
        (office, True): [
            "/konto/",
            "/konto/passwort/",
            "/konto/passwort/geaendert/",
            "/konten/",
            "/konten/einladen/",
            "/konten/protokoll/",
        ],
        (newcomer, False): ["/konto/zwei-faktor/"],
        (returning, False): ["/anmelden/bestaetigen/"],
    }
    for persona, paths in pages.items():
        page = make_page(width=width, height=800, language=language)
        if persona:
            user, verified = persona
            page.page.context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": signed_in_cookie(user, verified=verified),
                        "url": live_server.url,
                    }
                ]
            )
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, path
            assert page.page.locator(f"html[lang='{language}']").count() == 1, path
            assert_clean(page, f"{path} {language} {width}")
