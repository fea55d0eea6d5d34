from django import template

from jobcenters.models import Status

register = template.Library()


@register.filter
def as_status(value):
    """The Status member of a stored status value, for includes/status_badge.html."""
    try:
        return Status(value)
    except ValueError:
        return value
