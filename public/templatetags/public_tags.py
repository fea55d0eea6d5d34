"""Small filters for the public templates."""

from django import template

from jobcenters.models import Status

register = template.Library()


@register.filter
def as_status(value):
    """A stored status value as its Status member (for includes/status_badge.html)."""
    try:
        return Status(value)
    except ValueError:
        return None


@register.filter
def field_label(form, name):
    """The label of a form field by name (for listing a form's errors)."""
    field = form.fields.get(name)
    return field.label if field is not None else name
