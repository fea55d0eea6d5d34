from django import template
from django.template.defaultfilters import floatformat, linebreaksbr
from django.utils.formats import date_format, get_format, localize
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.timezone import template_localtime
from django.utils.translation import gettext

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


def _statuses():
    """status(value), built once per status for one table (the language is fixed)."""
    built = {}

    def html(value):
        if value not in built:
            built[value] = status(value)
        return built[value]

    return html


def _texts():
    """text(value): what {{ value }} writes (local time, localized numbers and dates,
    escaped), each distinct value worked out once per table.

    A "what changed" table repeats a few labels, statuses, dates and numbers hundreds of
    times. Lazy translations are told apart by identity (each is one object per label).
    """
    written = {}

    def text(value):
        key = id(value) if isinstance(value, Promise) else (type(value), value)
        if key not in written:
            written[key] = conditional_escape(localize(template_localtime(value)))
        return written[key]

    return text


def _dates(format_name):
    """date(value): value|date:format_name, each distinct result worked out once.

    Many rows share a day (stale entries) or a minute (changes saved together). A format
    without time characters depends on the local day only, one without seconds on the
    local minute only; otherwise every value is formatted on its own.
    """
    chars = set(get_format(format_name))
    written = {}

    def date(value):
        local = template_localtime(value)
        if not chars & set("aAfgGhHiPsuBcrUeIOTZ"):
            key = local.date()
        elif not chars & set("sucrU"):
            key = local.replace(second=0, microsecond=0)
        else:
            key = local
        if key not in written:
            written[key] = date_format(local, format_name)
        return written[key]

    return date


def _share(value):
    return "–" if value is None else f"{floatformat(value, 1)} %"


@register.filter
def compare_rows(rows):
    """The body rows of a compare table (CompareRow list), built in one pass.

    The per-jobcenter table has a row per jobcenter (405 at national scale): a filter
    instead of a template loop with eight variables per row. Same HTML as that loop
    (dashboard render at N=405: see the commit that introduced it). A share is the
    same float for many rows (done of applicable, both at most 35): formatted once.
    """
    formatted = {}

    def share(value):
        if value not in formatted:
            formatted[value] = _share(value)
        return formatted[value]

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
                share(row.a.done_share),
                localize(row.b.done),
                share(row.b.done_share),
                "–" if (delta := row.delta_share) is None else floatformat(delta, 1),
            )
            for row in rows
        ),
    )


# The entry tables (stale entries, internal notes) list up to LIST_LIMIT implementations
# each, and "what changed" as many history entries: built here in one pass, as
# compare_rows is, with the HTML the template loops wrote before.
_ENTRY_ROW = (
    "\n      <tr><td>{}</td><td>{}. {}</td>\n      <td>{}</td>\n      <td>{}</td></tr>\n    "
)


def _entry_rows(entries, last_cell):
    status_html = _statuses()
    return format_html_join(
        "",
        _ENTRY_ROW,
        (
            (
                i.jobcenter.name,
                localize(i.factor.number),
                i.factor.title,
                status_html(i.status),
                last_cell(i),
            )
            for i in entries
        ),
    )


@register.filter
def stale_rows(entries):
    """Body rows of the stale-entries table: jobcenter, factor, status, last update."""
    date = _dates("SHORT_DATE_FORMAT")
    return _entry_rows(entries, lambda i: date(i.updated_at))


@register.filter
def note_rows(entries):
    """Body rows of the internal-notes table: jobcenter, factor, status, the note."""
    return _entry_rows(entries, lambda i: linebreaksbr(i.internal_note, autoescape=True))


@register.filter
def change_rows(changes):
    """Body rows of the "what changed" table (history.Change list)."""
    text = _texts()
    date = _dates("SHORT_DATETIME_FORMAT")
    created = format_html("{}: ", gettext("created"))
    unchanged = format_html("<li>{}</li>", gettext("no visible change"))
    return format_html_join(
        "",
        "\n      <tr>\n        <td>{}</td>\n        <td>{}</td>\n        <td>{}</td>\n"
        "        <td>{}</td>\n        <td>{}\n"
        '          <ul class="diff">{}</ul>\n        </td>\n      </tr>\n    ',
        (
            (
                date(change.when),
                change.user_name or "–",
                change.jobcenter,
                text(change.factor_number),
                created if change.created else "",
                format_html_join(
                    "",
                    "<li><strong>{}</strong>: {} → {}</li>",
                    ((text(label), text(old), text(new)) for label, old, new in change.fields),
                )
                or unchanged,
            )
            for change in changes
        ),
    )
