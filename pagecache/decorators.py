"""Conditional GET for the public pages, the open data and the API.

Every page's validators and cache key come from the data version: one row that
database triggers bump with every change to the tables the apps registered
(pagecache/triggers.py). Reading it is one primary-key query, so a page answered
from the cache costs that query and a cache lookup, at any number of jobcenters.

The key also carries what besides the data shapes a page: the code (templates,
translations, app code), the language, the signed-in session, today's date (pages
mark entries as stale relative to today) and the settings named in
PAGE_CACHE_SETTINGS, so a deploy, a language switch or midnight never serve an
outdated page.
"""

import functools
import hashlib
from datetime import timedelta
from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone, translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from .models import DataVersion

# What a page is made of besides the data: templates, translations and the Python code
# of the project package and its own apps (labels, definitions, formatting); migrations
# excluded.
CODE_SUFFIXES = {".py", ".html", ".svg", ".txt", ".mo"}


def _code_roots():
    base = Path(settings.BASE_DIR).resolve()
    project = import_module(settings.ROOT_URLCONF.rpartition(".")[0] or settings.ROOT_URLCONF)
    roots = [Path(project.__file__).parent]
    roots += [Path(path) for engine in settings.TEMPLATES for path in engine.get("DIRS", ())]
    roots += [
        Path(config.path)
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base)
        and "site-packages" not in Path(config.path).parts  # a virtualenv inside the project
    ]
    roots += [Path(path) for path in settings.LOCALE_PATHS]
    return roots


@functools.cache
def code_version():
    """A hash of templates, translations and app code, computed once per process."""
    digest = hashlib.sha1(usedforsecurity=False)
    for root in _code_roots():
        for path in sorted(root.rglob("*")):
            if path.suffix in CODE_SUFFIXES and path.is_file() and "migrations" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _page_settings():
    return getattr(settings, "PAGE_CACHE_SETTINGS", ())


@functools.cache
def _deployment():
    """The code version and the page settings: the same for every request of a process."""
    return "|".join([code_version(), *(str(getattr(settings, n)) for n in _page_settings())])


@receiver(setting_changed)
def _forget_deployment(setting, **kwargs):
    if setting in _page_settings() or setting == "PAGE_CACHE_SETTINGS":
        _deployment.cache_clear()


def viewer(request, language=None):
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


def data_state(request):
    """The request's DataState (one primary-key query, the first time only)."""
    state = getattr(request, "_kjc_data_state", None)
    if state is None:
        state = request._kjc_data_state = DataState()
    return state


def _etag(request, *args, **kwargs):
    return _weak_etag(f"{viewer(request)}|{data_state(request).version}")


def canonical_params(form_class, query):
    """The cleaned values of `query` as a stable string, or None when they are not valid
    (no query: the form validates plain values)."""
    if not query:
        return _canonical_defaults(form_class)
    return _canonical(form_class, query)


@functools.cache
def _canonical_defaults(form_class):
    # Most visitors send no parameters: validate the form's defaults once per process.
    return _canonical(form_class, {})


def _canonical(form_class, query):
    if not set(query).issubset(form_class.base_fields):
        return None
    form = form_class(query)
    if not form.is_valid():
        return None
    return str(
        sorted(
            (name, str(value))
            for name, value in form.cleaned_data.items()
            if value not in (None, "")
        )
    )


def _params_etag(form_class):
    """ETag of a page with parameters: it differs per cleaned value (per Stichtag), and
    a bad parameter's answer never shares the ETag of a good one."""

    def etag(request, *args, **kwargs):
        params = canonical_params(form_class, request.GET)
        if params is None:
            params = "raw:" + request.GET.urlencode()
        return _weak_etag(f"{viewer(request)}|{data_state(request).version}|{params}")

    return etag


# HTTP dates have whole seconds. Until the second of the latest change has passed (with
# a margin for the database's clock), a change later in that same second would carry
# the same date, and a client revalidating with If-Modified-Since alone would get a
# 304 for an outdated page; so no Last-Modified is sent then (the ETag still is).
LAST_MODIFIED_SETTLED = timedelta(seconds=2)


def last_modified(request, *args, **kwargs):
    changed_at = data_state(request).changed_at
    if timezone.now() - changed_at < LAST_MODIFIED_SETTLED:
        return None
    return changed_at


def _static_etag(request, *args, **kwargs):
    """Pages without data change with the code, the language, sign-in and the settings."""
    return _weak_etag(viewer(request))


# Browsers may keep a page but must ask again each time, so a save shows at once.
_revalidate = cache_control(no_cache=True)

# What PageCacheMiddleware needs to know of a view: does its page show data?
DATA, STATIC = "data", "static"


def public_page(view=None, *, params=None):
    """GET/HEAD only (405 otherwise), ETag/Last-Modified from the data version, 304 on a
    match; anonymous visitors are answered from the page cache (PageCacheMiddleware).

    `params`: the form class that validates the view's query parameters (no query).
    The cache then keys a request by the cleaned values and stores only valid ones:
    `?stichtag=…` variants are cached per Stichtag, a bad or unknown parameter is
    rendered every time and never fills the cache.
    """
    if view is None:
        return functools.partial(public_page, params=params)
    etag_func = _etag if params is None else _params_etag(params)
    conditional = condition(etag_func=etag_func, last_modified_func=last_modified)(view)
    wrapped = require_safe(_revalidate(conditional))
    wrapped.page_cache = DATA
    wrapped.page_cache_params = params
    return wrapped


def static_page(view):
    """Like public_page for pages that show no data: the ETag needs no query."""
    wrapped = require_safe(_revalidate(condition(etag_func=_static_etag)(view)))
    wrapped.page_cache = STATIC
    return wrapped
