"""Login lockout glue between django-axes and the rest of the project.

Unlocking an account: the coordination office deletes the entry in the admin under
"Axes › Access attempts", or an operator runs one of
    manage.py axes_reset_username USERNAME
    manage.py axes_reset_ip ADDRESS
    manage.py axes_reset            (every lock)
"""

import ipaddress
import time

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver


class LockoutBackend(AxesStandaloneBackend):
    """axes' lockout check for every login that comes in over HTTP.

    Every login form of the site (the admin's, Django's LoginView) passes the request
    to ``authenticate()``. A call without a request comes from code running inside the
    process — the test client's ``login()`` or a shell — where there is no client
    address to count against; axes would raise there, so those calls are left to the
    next backend, which still checks the password.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request):
    """The client's address for the lockout count (settings.AXES_CLIENT_IP_CALLABLE).

    Behind KJC_TRUSTED_PROXIES reverse proxies, REMOTE_ADDR is the proxy's address for
    everybody; the client's is then the entry that the outermost trusted proxy appended
    to X-Forwarded-For. Entries further left come from the client and could be forged,
    so they are never used.
    """
    remote = request.META.get("REMOTE_ADDR")
    trusted = settings.KJC_TRUSTED_PROXIES
    if not trusted:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < trusted:
        return remote
    candidate = forwarded[-trusted]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


# Epoch second at which the signed-in session ends unless the user does something;
# read by templates/includes/session_timeout.html for the warning before expiry.
SESSION_EXPIRES_AT = "kjc_expires_at"


def refresh_session_expiry(session, *, now=None):
    """Move a signed-in session's expiry forward, at most once per refresh interval.

    Returns True when the session was changed (and so will be saved with a new expiry).
    """
    if SESSION_KEY not in session:
        return False
    now = int(time.time() if now is None else now)
    age = settings.SESSION_COOKIE_AGE
    expires_at = session.get(SESSION_EXPIRES_AT)
    if expires_at is not None and expires_at - now > age - settings.KJC_SESSION_REFRESH_SECONDS:
        return False
    session[SESSION_EXPIRES_AT] = now + age
    return True


@receiver(user_logged_in, dispatch_uid="kjc.security.stamp_session_at_login")
def stamp_session_at_login(sender, request, user, **kwargs):
    # Every login (the login form, the test client's login) starts the idle clock.
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_EXPIRES_AT] = int(time.time()) + settings.SESSION_COOKIE_AGE


def lockout_username(request, credentials=None):
    """The username axes counts failures for (settings.AXES_USERNAME_CALLABLE).

    axes' default stores whatever was typed; Django's login form does not limit its
    length, and on PostgreSQL a name longer than axes' column (255) failed the insert:
    a 500 for a pasted text. No account has such a name, so the cut changes no count.
    """
    from axes.models import AccessAttempt

    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    source = credentials if credentials else getattr(request, "data", request.POST)
    username = source.get(field)
    if isinstance(username, str):
        username = username[: AccessAttempt._meta.get_field("username").max_length]
    return username
