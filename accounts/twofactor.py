"""Who must confirm a second factor, and the helpers around django-otp's devices."""

import segno
from django.conf import settings
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from jobcenters import roles

BACKUP_CODE_COUNT = 10
TOTP_NAME = "Authenticator"
BACKUP_NAME = "Backup codes"


def second_factor_required(user):
    """The coordination office and directors always; staff when KJC_REQUIRE_2FA is on.

    Seeded demo accounts are exempt only where they may sign in at all (DEBUG).
    """
    if not user.is_authenticated:
        return False
    if settings.KJC_DEMO_LOGINS and roles.DEMO_ACCOUNTS in roles.group_names(user):
        return False
    if roles.sees_everything(user):
        return True
    return settings.KJC_REQUIRE_2FA


def has_confirmed_device(user):
    return any(True for _device in devices_for_user(user, confirmed=True))


def pending_totp_device(user):
    """The user's unconfirmed authenticator device, created on first visit of set-up."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def qr_svg(device):
    """The device's otpauth:// URL as an inline SVG QR code, drawn on the server."""
    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(
        scale=4, dark="#000", light="#fff", title=_("QR code for the authenticator app")
    )


def new_backup_codes(user):
    """Replace the user's backup codes with fresh single-use ones; returns them once."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def reset_devices(user):
    """Remove every second factor of the user (lost phone); they set one up again."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def match(user, code):
    """The confirmed device that accepts this code (authenticator or backup code), or None."""
    code = "".join(str(code).split())
    if not code or len(code) > 16:
        return None
    for device in devices_for_user(user, confirmed=True):
        if device.verify_is_allowed()[0] and device.verify_token(code):
            return device
    return None
