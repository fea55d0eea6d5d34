"""The page cache: anonymous GET/HEAD of public pages answered before the rest of the stack."""

import functools
import gzip
import hashlib
import logging
import re
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import DatabaseError
from django.dispatch import receiver
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

from .decorators import DATA, canonical_params, data_state, last_modified, viewer

# A cached page is only ever found again under the same data version; the timeout
# just bounds how long superseded pages occupy memory.
PAGE_CACHE_SECONDS = 15 * 60

# Compressed once per data version, sent many times: a fast level for ordinary pages,
# a denser one for big bodies, whose warm answers are bound by the bytes they send.
GZIP_FAST_LEVEL = 1
GZIP_DENSE_LEVEL = 6
GZIP_BIG_BODY = 512 * 1024

GZIP, IDENTITY = "gzip", "identity"

logger = logging.getLogger(__name__)

_ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def _compress(body):
    level = GZIP_DENSE_LEVEL if len(body) >= GZIP_BIG_BODY else GZIP_FAST_LEVEL
    return gzip.compress(body, compresslevel=level, mtime=0)


@functools.lru_cache(maxsize=1024)
def page_view(path_info):
    """The page-cached view at `path_info`, or None.

    Remembered per path: resolving walks the URL patterns in order, which costs a warm
    page at the end of the list as much as the rest of its answer. The bound keeps
    probes of random paths from growing it.
    """
    try:
        match = resolve(path_info)
    except Resolver404:
        return None
    return match.func if getattr(match.func, "page_cache", None) else None


@receiver(setting_changed)
def _forget_views(**kwargs):
    page_view.cache_clear()  # tests swap URLconfs and the settings the URLs depend on


class CachedPage(NamedTuple):
    status: int
    headers: list  # [(name, value)] as the whole middleware stack left them
    body: bytes  # exactly what is sent: gzip-compressed or plain, as the key says


def _response(page, encoding):
    response = HttpResponse(page.body, status=page.status)
    for name, value in page.headers:
        response.headers[name] = value
    if encoding == GZIP:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Length"] = str(len(page.body))
    return response


def _cache_get(key):
    """The cached page, or None also when the cache is unreachable: pages then render."""
    try:
        return cache.get(key)
    except Exception:  # any backend's connection error; the page is still answered
        logger.warning("Page cache unreachable; rendering %s", key, exc_info=True)
        return None


def _cache_set(entries):
    try:
        cache.set_many(entries, PAGE_CACHE_SECONDS)
    except Exception:
        logger.warning("Page cache unreachable; not storing %s", list(entries), exc_info=True)


class PageCacheMiddleware:
    """Answers anonymous GET/HEAD of the public pages, open data and API from the cache,
    before sessions, language, CSRF, authentication and the view run.

    The key holds the data version (one primary-key query; none for pages without
    data), the address (for views that declare their parameters: the path and the
    cleaned parameters), the language the request would be answered in, everything
    else that shapes a page (decorators.viewer) and the encoding sent. Invalidation is
    exact: a save is visible on the very next request. Stored is the response as the
    rest of the stack left it, with every header those middleware add (CSP, frame
    options, language, Vary); the security middleware sits outside and adds its
    headers on every answer. Only visitors without a session or messages are served
    this way: their pages are the same bytes for everyone.

    Each page is kept gzip-compressed for clients that accept gzip, and plain for
    those that do not (curl, scripts) once one asks: a hit is sent as it is stored,
    never compressed or decompressed per request.
    """

    # Cookies that do not make a visitor's page their own (the language is in the key).
    NEUTRAL_COOKIES = frozenset({settings.LANGUAGE_COOKIE_NAME, settings.CSRF_COOKIE_NAME})
    # With a query string only 200 is stored: the parameters are the visitor's to
    # choose, and a page past the end must not take a place in the cache.
    STORED_STATUSES = frozenset({200, 404})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = self._view(request)
        if view is None:
            return self.get_response(request)
        address = self._address(request, view)
        if address is None:  # parameters the view does not take, or bad values
            return self.get_response(request)
        try:
            key = self._key(request, view.page_cache, address)
        except DatabaseError:  # the stack below answers an outage with its 503 page
            return self.get_response(request)
        encoding = (
            GZIP if _ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")) else IDENTITY
        )
        page = _cache_get(f"{key}:{encoding}")
        if page is None and encoding == IDENTITY:
            page = self._plain_copy(key)
        if page is None:
            response = self.get_response(request)
            if not self._storable(request, response):
                return response
            page = self._store(key, response, encoding)
            return _response(page, encoding)  # the same response a later visitor gets
        response = _response(page, encoding)
        if view.page_cache == DATA and "Last-Modified" not in response:
            # Withheld while the change was fresh (last_modified); it may have settled.
            changed_at = last_modified(request)
            if changed_at:
                response.headers["Last-Modified"] = http_date(changed_at.timestamp())
        return get_conditional_response(
            request,
            etag=response.get("ETag"),
            last_modified=parse_http_date_safe(response.get("Last-Modified")),
            response=response,
        )

    def _view(self, request):
        if request.method not in ("GET", "HEAD") or not self.NEUTRAL_COOKIES.issuperset(
            request.COOKIES
        ):
            return None
        return page_view(request.path_info)

    def _address(self, request, view):
        """What of the URL the page depends on, or None when it is not to be cached."""
        form_class = getattr(view, "page_cache_params", None)
        if form_class is None:
            return request.build_absolute_uri()
        cleaned = canonical_params(form_class, request.GET)
        if cleaned is None:
            return None
        return f"{request.build_absolute_uri(request.path)}?{cleaned}"

    def _key(self, request, kind, address):
        # The language LocaleMiddleware will choose (the site has no language prefixes).
        language = translation.get_language_from_request(request)
        data = data_state(request).version if kind == DATA else ""
        key = f"{viewer(request, language)}|{data}|{address}"
        return "page:" + hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()

    def _plain_copy(self, key):
        """The first plain hit after gzip ones: decompressed once, then kept plain too."""
        packed = _cache_get(f"{key}:{GZIP}")
        if packed is None:
            return None
        page = packed._replace(body=gzip.decompress(packed.body))
        _cache_set({f"{key}:{IDENTITY}": page})
        return page

    def _store(self, key, response, encoding):
        patch_vary_headers(response, ["Accept-Encoding"])
        headers = [item for item in response.items() if item[0] != "Content-Length"]
        plain = CachedPage(response.status_code, headers, response.content)
        entries = {f"{key}:{GZIP}": plain._replace(body=_compress(plain.body))}
        if encoding == IDENTITY:
            entries[f"{key}:{IDENTITY}"] = plain
        _cache_set(entries)
        return entries[f"{key}:{encoding}"]

    def _storable(self, request, response):
        statuses = self.STORED_STATUSES if not request.GET else {200}
        return (
            response.status_code in statuses
            and not response.streaming
            and not response.cookies  # e.g. messages read and cleared: this visitor's page
            and "Content-Encoding" not in response
        )
