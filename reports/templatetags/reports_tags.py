from django import template
from django.template import engines
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from jobcenters.models import Status

register = template.Library()


@register.filter
def as_status(value):
    """The Status member of a stored status value, for includes/status_badge.html."""
    try:
        return Status(value)
    except ValueError:
        return value


@register.simple_tag
def jinja2_include(template_name, **values):
    """templates/jinja2/`template_name` rendered with `values` by Django's Jinja2 backend
    (kjc/jinja2.py): the dashboard's long tables. A {% cache %} around the tag skips it."""
    html = engines["jinja2"].get_template(template_name).render(values)
    return mark_safe(html)  # noqa: S308 - Jinja2 autoescapes


@register.simple_tag
def status_badges():
    """{status value: includes/status_badge.html of it}: each badge written once, for a
    Jinja2 table that repeats them (`{% status_badges as badges %}`)."""
    return {
        status.value: render_to_string("includes/status_badge.html", {"status": status})
        for status in Status
    }
