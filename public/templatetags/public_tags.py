"""Small filters for the public templates: a status as icon + text + colour class."""

from django import template
from django.utils.formats import number_format

from jobcenters.models import Status
from public.rows import status_badges

register = template.Library()


@register.filter
def status_badge(value):
    """`<span class="st st-umgesetzt">● implemented</span>`: never colour alone."""
    return status_badges().get(value, "")


@register.filter
def status_label(value):
    try:
        return Status(value).label
    except ValueError:
        return ""


@register.filter
def percent(value, digits=1):
    """42.5 → '42,5 %' (German) / '42.5 %' (English); '–' for None."""
    if value is None or value == "":
        return "–"
    return f"{number_format(round(float(value), int(digits)), int(digits))}\u00a0%"


@register.filter
def field_label(form, name):
    """The label of a form field by name (for listing a form's errors)."""
    field = form.fields.get(name)
    return field.label if field is not None else name
