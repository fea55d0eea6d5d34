"""Conditional GET for the public pages: Last-Modified and ETag from the latest change.

The data state is read with three queries per request (cached on the request, so
the page can reuse it for "Stand: …"):

1. the implementations: latest `updated_at`, row count and the sum of `version`
   (every save through the services bumps both `updated_at` and `version`);
2. and 3. a fingerprint of everything else a public page shows: the catalogue
   (themes, factors) and the districts with their jobcenters.

The ETag also carries the language, whether someone is signed in (the header
differs) and a hash of the templates, translations and app code, so that a deploy
or a language switch never answers 304 with an outdated page.
"""

import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Q, Sum
from django.http import HttpResponse
from django.utils import translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from factors.models import Factor
from jobcenters.models import District, Implementation

# A cached page is only ever found again under the same data state; the timeout
# just bounds how long superseded pages occupy memory.
PAGE_CACHE_SECONDS = 15 * 60

# What a page is made of besides the data: templates, translations and the Python
# code of the apps that render it (labels, definitions, formatting).
CODE_SOURCES = [
    ("templates", {".html", ".svg"}),
    ("public", {".py"}),
    ("jobcenters", {".py"}),
    ("factors", {".py"}),
    ("kjc", {".py"}),
]


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
    """What besides the data shapes a page: code, language and the signed-in session.

    A signed-in page carries the session's expiry for the idle warning
    (includes/session_timeout.html), so it must not be answered with an older copy.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        session = f"1:{user.pk}:{request.session.get('kjc_expires_at', '')}"
    else:
        session = "0"
    return "|".join([code_version(), translation.get_language() or "", session])


def data_state(request):
    """{'latest': datetime|None, 'etag': str} – three queries, once per request."""
    state = getattr(request, "_kjc_data_state", None)
    if state is not None:
        return state
    # Query 1: the implementations.
    implementations = Implementation.objects.aggregate(
        latest=Max("updated_at"),
        rows=Count("pk"),
        versions=Sum("version"),
        demo=Count("pk", filter=Q(is_demo=True)),
    )
    # Queries 2 and 3: the catalogue and the districts with their jobcenters.
    catalogue = Factor.objects.order_by("pk").values_list(
        "pk",
        "number",
        "title",
        "description",
        "addressee",
        "verified",
        "source",
        "theme__number",
        "theme__name",
        "theme__description",
        "theme__order",
    )
    districts = District.objects.order_by("pk").values_list(
        "pk",
        "ags",
        "name",
        "kind",
        "regierungsbezirk",
        "seat",
        "model",
        "jobcenter__pk",
        "jobcenter__name",
        "jobcenter__option_since",
        "jobcenter__website",
    )
    digest = hashlib.sha1(usedforsecurity=False)
    for row in [*catalogue, *districts]:
        digest.update(repr(row).encode())
    key = "|".join(
        [
            _viewer(request),
            str(implementations["latest"]),
            str(implementations["rows"]),
            str(implementations["versions"]),
            str(implementations["demo"]),
            digest.hexdigest(),
        ]
    )
    state = {
        "latest": implementations["latest"],
        "etag": hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest(),
    }
    request._kjc_data_state = state
    return state


def _etag(request, *args, **kwargs):
    return data_state(request)["etag"]


def _last_modified(request, *args, **kwargs):
    return data_state(request)["latest"]


def _static_etag(request, *args, **kwargs):
    """Pages without data change with the code, the language, sign-in and operator settings."""
    key = "|".join(
        [
            _viewer(request),
            settings.KJC_OPERATOR_NAME,
            settings.KJC_OPERATOR_ADDRESS,
            settings.KJC_OPERATOR_EMAIL,
            settings.KJC_OPERATOR_PHONE,
            str(settings.KJC_STALE_MONTHS),
        ]
    )
    return hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()


# Browsers may keep a page but must ask again each time, so a save shows at once.
_revalidate = cache_control(no_cache=True)


def cached_by(etag_func):
    """Serve anonymous visitors a page rendered before for the very same ETag.

    The ETag changes with every save, import, catalogue or district change,
    language and deploy (see data_state and _static_etag); with the full path and
    query string it keys the cache, so invalidation is exact: nothing is ever
    looked up under an outdated key. Only the body is kept; middleware adds the
    headers anew.
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
            hit = cache.get(key)
            if hit is not None:
                status, content_type, body = hit
                return HttpResponse(body, status=status, content_type=content_type)
            response = view(request, *args, **kwargs)
            if response.status_code in (200, 404) and not response.streaming:
                cache.set(
                    key,
                    (response.status_code, response["Content-Type"], response.content),
                    PAGE_CACHE_SECONDS,
                )
            return response

        return wrapper

    return decorator


def public_page(view):
    """GET/HEAD only (405 otherwise), with ETag/Last-Modified and 304 on a match."""
    conditional = condition(etag_func=_etag, last_modified_func=_last_modified)(
        cached_by(_etag)(view)
    )
    return require_safe(_revalidate(conditional))


def static_page(view):
    """Like public_page for pages that show no data: the ETag needs no query."""
    cached = cached_by(_static_etag)(view)
    return require_safe(_revalidate(condition(etag_func=_static_etag)(cached)))
