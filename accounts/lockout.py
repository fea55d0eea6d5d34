"""A per-account cap on failed sign-ins, across all client addresses.

django-axes locks a (user name, address) pair after settings.AXES_FAILURE_LIMIT
failures. A client that can choose its address (one that reaches gunicorn directly and
rotates X-Forwarded-For under KJC_TRUSTED_PROXIES) never trips that; this cap counts the
account's failed sign-ins and wrong second-factor codes from the audit list, whatever
the address. It is lifted by waiting, by a successful sign-in before the cap is reached,
or by the coordination office (an "unlock" entry).
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from .models import AuditEvent

Kind = AuditEvent.Kind
FAILURES = [Kind.LOGIN_FAILED, Kind.OTP_FAILED]
RESETS = [Kind.LOGIN, Kind.UNLOCK]


def recent_failures(username, *, now=None):
    """Failures for this user name since the window opened or the last reset."""
    if not username:
        return 0
    now = now or timezone.now()
    since = now - settings.KJC_ACCOUNT_LOCK_WINDOW
    events = AuditEvent.objects.filter(username=username)
    last_reset = events.filter(kind__in=RESETS, created_at__gte=since).aggregate(
        last=Max("created_at")
    )["last"]
    return events.filter(kind__in=FAILURES, created_at__gte=last_reset or since).count()


def account_locked(username, *, now=None):
    return recent_failures(username, now=now) >= settings.KJC_ACCOUNT_FAILURE_LIMIT


def window_minutes():
    return int(settings.KJC_ACCOUNT_LOCK_WINDOW / timedelta(minutes=1))
