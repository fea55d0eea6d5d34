"""Signing in through the site's login page in a browser test, second factor included."""

from django.contrib.auth import get_user_model
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD


def fresh_code(device):
    """The code the user's authenticator shows now. django-otp accepts each code only
    once (device.last_t; tests/test_accounts.py proves that guard): a test that signs the
    same user in again within 30 s forgets the last use instead of waiting for the next
    code, which keeps the browser suite fast."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
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
