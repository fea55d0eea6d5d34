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
import re
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
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
    ("templates", {".html", ".svg"}),
    ("public", {".py"}),
    ("reports", {".py"}),
    ("jobcenters", {".py"}),
    ("factors", {".py"}),
    ("kjc", {".py"}),
]

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


def _viewer(request):
    """Everything but the data that shapes a page; no query.

    A signed-in page carries the session's expiry for the idle warning
    (includes/session_timeout.html), so it must not be answered with an older copy.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        session = f"1:{user.pk}:{request.session.get('kjc_expires_at', '')}"
    else:
        session = "0"
    return "|".join(
        [
            code_version(),
            translation.get_language() or "",
            session,
            timezone.localdate().isoformat(),
            settings.KJC_OPERATOR_NAME,
            settings.KJC_OPERATOR_ADDRESS,
            settings.KJC_OPERATOR_EMAIL,
            settings.KJC_OPERATOR_PHONE,
            str(settings.KJC_STALE_MONTHS),
        ]
    )


def _weak_etag(key):
    # Weak: the same page goes out gzip-compressed or not, byte-different but equivalent.
    digest = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()
    return f'W/"{digest}"'


class DataState:
    """The data version as one request sees it: read once, shared by validators and page."""

    def __init__(self, request):
        generation, counter, changed_at = DataVersion.objects.current()
        self.changed_at = changed_at
        self.etag = _weak_etag(f"{_viewer(request)}|{generation}:{counter}")

    @cached_property
    def latest(self):
        """The latest status change ("As of" on the pages): one query, only when rendering."""
        return Implementation.objects.latest_change()


def data_state(request):
    """The request's DataState (one primary-key query, the first time only)."""
    state = getattr(request, "_kjc_data_state", None)
    if state is None:
        state = request._kjc_data_state = DataState(request)
    return state


def _etag(request, *args, **kwargs):
    return data_state(request).etag


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


def _compress(body):
    level = GZIP_DENSE_LEVEL if len(body) >= GZIP_BIG_BODY else GZIP_FAST_LEVEL
    return gzip.compress(body, compresslevel=level, mtime=0)


def _from_cache(request, entry, plain=None):
    """A response from a cached (status, headers, gzip body), compressed if accepted.

    `plain` is the uncompressed body when the caller has it (just rendered).
    """
    status, headers, body = entry
    compressed = bool(_ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))
    if not compressed:
        body = plain if plain is not None else gzip.decompress(body)
    response = HttpResponse(body, status=status)
    for name, value in headers:
        response[name] = value
    if compressed:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


def cached_by(etag_func):
    """Serve anonymous visitors a response rendered before for the very same ETag.

    With the full path and query string the ETag keys the cache, so invalidation is
    exact: nothing is ever looked up under an outdated key. The view's own headers
    (content type, download name, CORS) are kept with the body; middleware adds the
    rest anew. Bodies are kept gzip-compressed: smaller in the cache and sent as they
    are to every client that accepts gzip (all browsers do).
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.is_authenticated:
                return view(request, *args, **kwargs)
            etag = etag_func(request, *args, **kwargs)
            key = (
                "page:"
                + hashlib.sha1(
                    f"{etag}|{request.get_full_path()}".encode(), usedforsecurity=False
                ).hexdigest()
            )
            entry = cache.get(key)
            if entry is not None:
                return _from_cache(request, entry)
            response = view(request, *args, **kwargs)
            if response.status_code not in (200, 400, 404) or response.streaming:
                return response
            entry = (response.status_code, list(response.items()), _compress(response.content))
            cache.set(key, entry, PAGE_CACHE_SECONDS)
            # The same response a later visitor gets from the cache.
            return _from_cache(request, entry, plain=response.content)

        return wrapper

    return decorator


def public_page(view):
    """GET/HEAD only (405 otherwise), with ETag/Last-Modified, 304 on a match, cached."""
    conditional = condition(etag_func=_etag, last_modified_func=_last_modified)(
        cached_by(_etag)(view)
    )
    return require_safe(_revalidate(conditional))


def static_page(view):
    """Like public_page for pages that show no data: the ETag needs no query."""
    cached = cached_by(_static_etag)(view)
    return require_safe(_revalidate(condition(etag_func=_static_etag)(cached)))
