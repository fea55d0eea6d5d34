"""The environment of Django's Jinja2 backend (settings.TEMPLATES), which renders only
the tables with hundreds or thousands of rows (templates/jinja2/). They read and print
like the Django templates around them: Django's translations as `_()`, every value shown
as Django's template language shows it (datetimes in the site's time zone, dates and
numbers in the language's format), and its `date`, `floatformat` and `linebreaksbr`
filters."""

from django.conf import settings
from django.template import defaultfilters
from django.utils import formats, timezone, translation
from jinja2 import Environment


def shown(value):
    """A value as `{{ value }}` prints it in a Django template (render_value_in_context)."""
    if isinstance(value, str):
        return value
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)  # what localize() makes of it, without its format lookups
    return formats.localize(timezone.template_localtime(value))


def date(value, arg=None):
    """Django's `date` filter; an aware datetime first in the current time zone, as
    Django's template language converts every datetime before a filter sees it."""
    return defaultfilters.date(timezone.template_localtime(value), arg)


def environment(**options):
    env = Environment(extensions=["jinja2.ext.i18n"], finalize=shown, **options)
    env.install_gettext_translations(translation, newstyle=True)
    env.filters.update(
        date=date,
        floatformat=defaultfilters.floatformat,
        linebreaksbr=defaultfilters.linebreaksbr,
    )
    return env
