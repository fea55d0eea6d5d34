"""Conditional GET and the page cache for the public pages, the open data and the API.

Every page's validators and cache key come from the data version: one row that
database triggers bump with every change to the catalogue, districts, jobcenters,
statuses, their history and the Stichtage (jobcenters/triggers.py). Reading it is
one primary-key query, so a page answered from the cache costs that query and a
cache lookup, at any number of jobcenters.

The key also carries what besides the data shapes a page: the code (templates,
translations, app code), the language, the signed-in session, today's date (pages
mark entries as stale relative to today) and the operator's details from the
settings, so a deploy, a language switch or midnight never serve an outdated page.
"""

import functools
import gzip
import hashlib
import logging
import re
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import DatabaseError
from django.dispatch import receiver
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.functional import cached_property
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from jobcenters.models import DataVersion, Implementation

# A cached page is only ever found again under the same data version; the timeout
# just bounds how long superseded pages occupy memory.
PAGE_CACHE_SECONDS = 15 * 60

# Compressed once per data version, sent many times. Level 1 costs 0.45 ms on the
# 110 KB start page at 405 jobcenters (level 6: 1.8 ms, for 15 % fewer bytes); only
# for big bodies, whose warm answers are bound by the bytes they send, level 6 pays:
# the 1.2 MB matrix page becomes 24 KB instead of 35 KB for 4 ms instead of 2 ms, once.
GZIP_FAST_LEVEL = 1
GZIP_DENSE_LEVEL = 6
GZIP_BIG_BODY = 512 * 1024

# What a page is made of besides the data: templates, translations and the Python
# code of the apps that render it (labels, definitions, formatting).
CODE_SOURCES = [
    ("templates", {".html", ".svg", ".txt"}),
    ("public", {".py"}),
    ("reports", {".py"}),
    ("jobcenters", {".py"}),
    ("factors", {".py"}),
    ("kjc", {".py"}),
    ("opendata", {".py"}),
]

logger = logging.getLogger(__name__)

_ACCEPTS_GZIP = re.compile(r"\bgzip\b")


@functools.cache
def code_version():
    """A hash of templates, translations and app code, computed once per process."""
    digest = hashlib.sha1(usedforsecurity=False)
    roots = [(Path(settings.BASE_DIR) / name, suffixes) for name, suffixes in CODE_SOURCES]
    roots += [(Path(path), {".mo"}) for path in settings.LOCALE_PATHS]
    for root, suffixes in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in suffixes and path.is_file() and "migrations" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# Settings that a page shows (the operator's details) or that shape it (what counts as
# stale): joined once per process, and again whenever one of them is changed (tests).
PAGE_SETTINGS = [
    "KJC_OPERATOR_NAME",
    "KJC_OPERATOR_ADDRESS",
    "KJC_OPERATOR_EMAIL",
    "KJC_OPERATOR_PHONE",
    "KJC_STALE_MONTHS",
]


@functools.cache
def _deployment():
    """The code version and the page settings: the same for every request of a process."""
    return "|".join([code_version(), *(str(getattr(settings, name)) for name in PAGE_SETTINGS)])


@receiver(setting_changed)
def _forget_deployment(setting, **kwargs):
    if setting in PAGE_SETTINGS:
        _deployment.cache_clear()


def _viewer(request, language=None):
    """Everything but the data that shapes a page; no query.

    `language` is the one the request will be answered in; by default the active one.
    A signed-in page carries the session's expiry for the idle warning
    (includes/session_timeout.html), so it must not be answered with an older copy.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        session = f"1:{user.pk}:{request.session.get('kjc_expires_at', '')}"
    else:
        session = "0"
    language = language or translation.get_language() or ""
    return f"{_deployment()}|{language}|{session}|{timezone.localdate().isoformat()}"


def _weak_etag(key):
    # Weak: the same page goes out gzip-compressed or not, byte-different but equivalent.
    digest = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()
    return f'W/"{digest}"'


class DataState:
    """The data version as one request sees it: read once, shared by cache and validators."""

    def __init__(self):
        generation, counter, changed_at = DataVersion.objects.current()
        self.version = f"{generation}:{counter}"
        self.changed_at = changed_at

    @cached_property
    def latest(self):
        """The latest status change ("As of" on the pages): one query, only when rendering."""
        return Implementation.objects.latest_change()


def data_state(request):
    """The request's DataState (one primary-key query, the first time only)."""
    state = getattr(request, "_kjc_data_state", None)
    if state is None:
        state = request._kjc_data_state = DataState()
    return state


def _etag(request, *args, **kwargs):
    return _weak_etag(f"{_viewer(request)}|{data_state(request).version}")


# HTTP dates have whole seconds. Until the second of the latest change has passed (with
# a margin for the database's clock), a change later in that same second would carry
# the same date, and a client revalidating with If-Modified-Since alone would get a
# 304 for an outdated page; so no Last-Modified is sent then (the ETag still is).
LAST_MODIFIED_SETTLED = timedelta(seconds=2)


def _last_modified(request, *args, **kwargs):
    changed_at = data_state(request).changed_at
    if timezone.now() - changed_at < LAST_MODIFIED_SETTLED:
        return None
    return changed_at


def _static_etag(request, *args, **kwargs):
    """Pages without data change with the code, the language, sign-in and the settings."""
    return _weak_etag(_viewer(request))


# Browsers may keep a page but must ask again each time, so a save shows at once.
_revalidate = cache_control(no_cache=True)

# What PageCacheMiddleware needs to know of a view: does its page show data?
DATA, STATIC = "data", "static"


def public_page(view):
    """GET/HEAD only (405 otherwise), ETag/Last-Modified from the data version, 304 on a
    match; anonymous visitors are answered from the page cache (PageCacheMiddleware)."""
    conditional = condition(etag_func=_etag, last_modified_func=_last_modified)(view)
    wrapped = require_safe(_revalidate(conditional))
    wrapped.page_cache = DATA
    return wrapped


def static_page(view):
    """Like public_page for pages that show no data: the ETag needs no query."""
    wrapped = require_safe(_revalidate(condition(etag_func=_static_etag)(view)))
    wrapped.page_cache = STATIC
    return wrapped


def _compress(body):
    level = GZIP_DENSE_LEVEL if len(body) >= GZIP_BIG_BODY else GZIP_FAST_LEVEL
    return gzip.compress(body, compresslevel=level, mtime=0)


class CachedPage(NamedTuple):
    status: int
    headers: list  # [(name, value)] as the whole middleware stack left them
    gzip_body: bytes


def _from_cache(request, page, plain=None):
    """A response from a CachedPage, compressed if accepted.

    `plain` is the uncompressed body when the caller has it (just rendered).
    """
    compressed = bool(_ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))
    body = page.gzip_body if compressed else plain or gzip.decompress(page.gzip_body)
    response = HttpResponse(body, status=page.status)
    for name, value in page.headers:
        response.headers[name] = value
    if compressed:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Length"] = str(len(body))
    return response


def _cache_get(key):
    """The cached page, or None also when the cache is unreachable: pages then render."""
    try:
        return cache.get(key)
    except Exception:  # any backend's connection error; the page is still answered
        logger.warning("Page cache unreachable; rendering %s", key, exc_info=True)
        return None


def _cache_set(key, page):
    try:
        cache.set(key, page, PAGE_CACHE_SECONDS)
    except Exception:
        logger.warning("Page cache unreachable; not storing %s", key, exc_info=True)


class PageCacheMiddleware:
    """Answers anonymous GET/HEAD of the public pages, open data and API from the cache,
    before sessions, language, CSRF, authentication and the view run.

    The key holds the data version (one primary-key query; none for pages without
    data), the absolute URL, the language the request would be answered in and
    everything else that shapes a page (_viewer), so invalidation is exact: a save is
    visible on the very next request. Stored is the response as the rest of the stack
    left it, with every header those middleware add (CSP, frame options, language,
    Vary); the security middleware sits outside and adds its headers on every answer.
    Only visitors without a session or messages are served this way: their pages
    are the same bytes for everyone. Bodies are kept gzip-compressed, smaller in the
    cache and sent as they are to every client that accepts gzip (all browsers do).
    """

    # Cookies that do not make a visitor's page their own (the language is in the key).
    NEUTRAL_COOKIES = frozenset({settings.LANGUAGE_COOKIE_NAME, settings.CSRF_COOKIE_NAME})
    STORED_STATUSES = frozenset({200, 400, 404})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        kind = self._page_kind(request)
        if kind is None:
            return self.get_response(request)
        try:
            key = self._key(request, kind)
        except DatabaseError:  # the stack below answers an outage with its 503 page
            return self.get_response(request)
        page = _cache_get(key)
        if page is None:
            response = self.get_response(request)
            if not self._storable(response):
                return response
            patch_vary_headers(response, ["Accept-Encoding"])
            page = CachedPage(
                response.status_code,
                [item for item in response.items() if item[0] != "Content-Length"],
                _compress(response.content),
            )
            _cache_set(key, page)
            # The same response a later visitor gets from the cache.
            return _from_cache(request, page, plain=response.content)
        response = _from_cache(request, page)
        if kind == DATA and "Last-Modified" not in response:
            # Withheld while the change was fresh (_last_modified); it may have settled.
            last_modified = _last_modified(request)
            if last_modified:
                response.headers["Last-Modified"] = http_date(last_modified.timestamp())
        return get_conditional_response(
            request,
            etag=response.get("ETag"),
            last_modified=parse_http_date_safe(response.get("Last-Modified")),
            response=response,
        )

    def _page_kind(self, request):
        if request.method not in ("GET", "HEAD") or not self.NEUTRAL_COOKIES.issuperset(
            request.COOKIES
        ):
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        return getattr(match.func, "page_cache", None)

    def _key(self, request, kind):
        # The language LocaleMiddleware will choose (the site has no language prefixes).
        language = translation.get_language_from_request(request)
        data = data_state(request).version if kind == DATA else ""
        key = f"{_viewer(request, language)}|{data}|{request.build_absolute_uri()}"
        return "page:" + hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()

    def _storable(self, response):
        return (
            response.status_code in self.STORED_STATUSES
            and not response.streaming
            and not response.cookies  # e.g. messages read and cleared: this visitor's page
            and "Content-Encoding" not in response
        )
