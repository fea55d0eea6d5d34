"""Conditional GET for the open-data page, the downloads and the API.

They share the site-wide data state of the public pages (public.freshness: latest change,
a fingerprint of implementations, catalogue and districts, plus language, sign-in and code
version), so a save, an import dated into the past, a catalogue edit or a deploy never
gets a stale 304. The open-data page also lists the Stichtage, which join its ETag.
"""

import hashlib

from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from public.freshness import data_state

from .models import Stichtag


def last_change(request, *args, **kwargs):
    return data_state(request)["latest"]


def _data_etag(request, *args, **kwargs):
    return data_state(request)["etag"]


def stichtage(request):
    """The Stichtage, read once per request (ETag and page share them)."""
    if not hasattr(request, "_kjc_stichtage"):
        request._kjc_stichtage = list(Stichtag.objects.all())
    return request._kjc_stichtage


def _page_etag(request, *args, **kwargs):
    listed = repr([(s.date, s.label) for s in stichtage(request)])
    return hashlib.sha1(
        f"{data_state(request)['etag']}|{listed}".encode(), usedforsecurity=False
    ).hexdigest()


def _conditional(etag_func):
    def decorate(view):
        view = condition(etag_func=etag_func, last_modified_func=last_change)(view)
        # Clients may keep a copy but must ask each time, so a save shows at once.
        return require_safe(cache_control(no_cache=True)(view))

    return decorate


public_data = _conditional(_data_etag)
open_data_page = _conditional(_page_etag)
