"""Signing in through the site's login page in a browser test, second factor included."""

import time

from django.contrib.auth import get_user_model
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD


def fresh_code(device):
    """The code the user's authenticator shows, waiting for the next one when this
    time step's code was already used: django-otp accepts each TOTP code only once
    (device.last_t), so a second sign-in within the same 30 s needs the next code,
    just as a person would wait for it."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    while totp.t() <= device.last_t:
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.05)
    return f"{totp.token():0{device.digits}d}"


def sign_in(page, username, password=PASSWORD):
    """Password on /anmelden/, then, when the site asks, the code of the user's
    authenticator (a confirmed TOTP device is created for the user if needed)."""
    user = get_user_model().objects.get(username=username)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="browser test", confirmed=True)
    page.goto("/anmelden/")
    page.page.fill("#id_username", username)
    page.page.fill("#id_password", password)
    with page.page.expect_navigation():
        page.page.click("main form.account-form button[type=submit]")
    if "/anmelden/bestaetigen/" in page.page.url:
        page.page.fill("#id_code", fresh_code(device))
        with page.page.expect_navigation():
            page.page.click("main form.account-form button[type=submit]")
    assert "/anmelden/" not in page.page.url, page.page.url
