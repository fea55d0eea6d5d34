"""Fragments of base.html that are the same for every request of a kind.

The footer and the header's navigation depend only on the code (templates,
translations), the URLconf, the language and – for the navigation – the current view
and whether someone is signed in, so each variant is rendered once per process and
reused, like the map geometry in public/svg.py. With DEBUG on they are rendered every time, so that
template edits show without a restart.
"""

from functools import lru_cache

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils import translation

register = template.Library()


@register.simple_tag
def constant_include(template_name, **values):
    """`{% include template_name %}` with only `values` as context, rendered once per
    process for each language, URL prefix, URLconf and combination of `values`."""
    if settings.DEBUG:
        return _render(template_name, values)
    key = tuple(sorted(values.items()))
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _cached(template_name, translation.get_language(), get_script_prefix(), urlconf, key)


def _render(template_name, values):
    return get_template(template_name).render(values)


@lru_cache(maxsize=512)
def _cached(template_name, language, script_prefix, urlconf, values):
    # The active language, prefix and URLconf are the ones in the key.
    return _render(template_name, dict(values))
