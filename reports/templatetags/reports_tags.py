from django import template
from django.utils.html import format_html

from jobcenters.models import Status

register = template.Library()


@register.filter
def status(value):
    """A status as icon + text with the site's colour class (never colour alone).

    A filter rather than an {% include %}: the dashboard shows hundreds of them.
    """
    try:
        status = Status(value)
    except ValueError:
        return value
    return format_html(
        '<span class="st st-{}"><span aria-hidden="true">{}</span> {}</span>',
        status.value,
        status.icon,
        status.label,
    )
