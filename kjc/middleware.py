"""Project middleware: Permissions-Policy header, private pages, idle session expiry,
outage page."""

import logging
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    connections,
)
from django.dispatch import receiver
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

from kjc import security

logger = logging.getLogger(__name__)

# How long a client should wait before asking again while the database is away.
RETRY_AFTER_SECONDS = 30


class PermissionsPolicyMiddleware:
    """Switches off browser features the site never uses (camera, location, ...)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})"
            for feature, origins in settings.KJC_PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class PrivatePagesMiddleware:
    """Every answer to a signed-in request says `Cache-Control: private, no-store`.

    Signed-in pages show internal notes, drafts, who is signed in and CSRF tokens: no
    browser history, disk cache or shared proxy may keep a copy. A signed-in request
    always carries the session cookie, so that decides without a query; the request
    that signs in (no cookie yet) is caught by its user. Anonymous visitors' pages keep
    their public headers, and PageCacheMiddleware, outside this one, answers them from
    the cache before it runs.
    """

    PUBLIC_DIRECTIVES = ("public", "max-age", "s-maxage")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self.is_private(request):
            directives = response.get("Cache-Control", "")
            kept = [
                part.strip()
                for part in directives.split(",")
                if part.strip() and part.split("=")[0].strip().lower() not in self.PUBLIC_DIRECTIVES
            ]
            if kept:
                response["Cache-Control"] = ", ".join(kept)
            elif "Cache-Control" in response:
                del response["Cache-Control"]
            patch_cache_control(response, private=True, no_store=True)
        return response

    @staticmethod
    def is_private(request):
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            return True
        # Without a session cookie this costs no query: there is no session to read.
        user = getattr(request, "user", None)
        return user is not None and user.is_authenticated


class SessionActivityMiddleware:
    """Ends a signed-in session after SESSION_COOKIE_AGE seconds without a request.

    Django moves a session's expiry forward only when the session is saved. Saving it
    on every request (SESSION_SAVE_EVERY_REQUEST) would cost a write per page view, so
    the session is touched at most once per KJC_SESSION_REFRESH_SECONDS instead: the
    expiry may come up to that many seconds early, never late.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only sessions the request has already read: checking costs no extra query.
        if session is not None and session.accessed and response.status_code < 500:
            security.refresh_session_expiry(session)
        return response


class DatabaseUnavailableMiddleware:
    """A database outage answers 503 with a short German page instead of a trace.

    Django opens a fresh connection for the next request (and with CONN_HEALTH_CHECKS
    drops a persistent one that broke), so the site recovers by itself once the
    database answers again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The outage struck while Django was already answering an error (e.g. the 404
        # page reading the session): note_outage() marked the request.
        if response.status_code == 500 and getattr(request, "_kjc_database_down", False):
            return database_unavailable_response()
        return response

    def process_exception(self, request, exception):
        if not is_outage(exception):
            return None
        logger.error("Database unavailable while serving %s", request.path, exc_info=exception)
        return database_unavailable_response()


@receiver(got_request_exception, dispatch_uid="kjc.middleware.note_outage")
def note_outage(sender, request=None, **kwargs):
    exception = sys.exc_info()[1]
    if request is not None and exception is not None and is_outage(exception):
        request._kjc_database_down = True


def is_outage(exception):
    # SQLite raises OperationalError for faults in a query too (a missing table, a
    # query too deep to parse): those are bugs and stay 500s with a trace in the log.
    return isinstance(exception, OperationalError | InterfaceError) and not database_answers()


def database_answers(alias=DEFAULT_DB_ALIAS):
    """Whether the database takes a new connection and answers a trivial query.

    Asked on a fresh connection: the request's own may be broken or inside a
    transaction that the failed query has spoiled.
    """
    probe = connections[alias].copy()
    try:
        with probe.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    finally:
        probe.close()
    return True


def database_unavailable_response():
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
