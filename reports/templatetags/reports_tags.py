from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join

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


def _share(value):
    return "–" if value is None else f"{floatformat(value, 1)} %"


@register.filter
def compare_rows(rows):
    """The body rows of a compare table (CompareRow list), built in one pass.

    The per-jobcenter table has a row per jobcenter (405 at national scale): a filter
    instead of a template loop with eight variables per row. Same HTML as that loop
    (dashboard render at N=405: see the commit that introduced it).
    """
    return format_html_join(
        "",
        '\n      <tr><th scope="row">{}</th>\n'
        '        <td class="num">{}</td><td class="num">{}</td>\n'
        '        <td class="num">{}</td><td class="num">{}</td>\n'
        '        <td class="num">{}</td></tr>\n    ',
        (
            (
                row.label,
                localize(row.a.done),
                _share(row.a.done_share),
                localize(row.b.done),
                _share(row.b.done_share),
                "–" if (delta := row.delta_share) is None else floatformat(delta, 1),
            )
            for row in rows
        ),
    )
