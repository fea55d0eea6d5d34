import html
from datetime import date, datetime

from django import template
from django.conf import settings
from django.template.defaultfilters import floatformat, linebreaksbr
from django.utils import timezone
from django.utils.formats import get_format, localize
from django.utils.functional import Promise
from django.utils.html import conditional_escape as cell
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from jobcenters.models import Status
from kjc.dates import date_writer

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


def _localtime():
    """localtime(value): what template_localtime(value) gives, with the current time
    zone looked up once per table, not once per cell."""
    if not settings.USE_TZ:
        return lambda value: value
    zone = timezone.get_current_timezone()

    def localtime(value):
        if (
            isinstance(value, datetime)
            and not timezone.is_naive(value)
            and getattr(value, "convert_to_local_time", True)
        ):
            return value.astimezone(zone)
        return value

    return localtime


def _texts():
    """text(value): what {{ value }} writes (local time, localized numbers and dates,
    escaped), each distinct value worked out once per table.

    A "what changed" table repeats a few labels, statuses, dates and numbers hundreds of
    times. Lazy translations are told apart by identity (each is one object per label).
    """
    written = {}
    localtime = _localtime()
    # Dates (target dates) are many and mostly distinct: written like localize() does,
    # in DATE_FORMAT, with the format split once.
    write_date = date_writer(get_format("DATE_FORMAT"))

    def text(value):
        key = id(value) if isinstance(value, Promise) else (type(value), value)
        if key not in written:
            if type(value) is date:
                written[key] = html.escape(write_date(value))
            else:
                written[key] = cell(localize(localtime(value)))
        return written[key]

    return text


def _dates(format_name):
    """date(value): value|date:format_name, escaped, each distinct result worked out once.

    Many rows share a day (stale entries) or a minute (changes saved together). A format
    without time characters depends on the local day only, one without seconds on the
    local minute only; otherwise every value is formatted on its own.
    """
    format_string = get_format(format_name)
    chars = set(format_string)
    write_local = date_writer(format_string)
    localtime = _localtime()
    written = {}

    def write(value):
        local = localtime(value)
        if not chars & set("aAfgGhHiPsuBcrUeIOTZ"):
            key = local.date()
        elif not chars & set("sucrU"):
            key = local.replace(second=0, microsecond=0)
        else:
            key = local
        if key not in written:
            text = write_local(local)
            written[key] = html.escape(text)
        return written[key]

    return write


def _share(value):
    return "–" if value is None else f"{floatformat(value, 1)} %"


def _memo(function):
    """function(value), each distinct value worked out once (per table)."""
    found = {}

    def memo(value):
        if value not in found:
            found[value] = function(value)
        return found[value]

    return memo


_COMPARE_ROW = (
    '\n      <tr><th scope="row">{}</th>\n'
    '        <td class="num">{}</td><td class="num">{}</td>\n'
    '        <td class="num">{}</td><td class="num">{}</td>\n'
    '        <td class="num">{}</td></tr>\n    '
)


@register.filter
def compare_rows(rows):
    """The body rows of a compare table (CompareRow list), built in one pass.

    The per-jobcenter table has a row per jobcenter (405 at national scale): a filter
    instead of a template loop with eight variables per row. Same HTML as that loop
    (dashboard render at N=405: see the commit that introduced it). A count, share or
    change is the same number for many rows (done of applicable, both at most 35):
    formatted once.
    """
    number = _memo(lambda n: cell(localize(n)))
    share = _memo(lambda value: cell(_share(value)))
    delta = _memo(lambda value: "–" if value is None else cell(floatformat(value, 1)))
    return mark_safe(
        "".join(
            _COMPARE_ROW.format(
                cell(row.label),
                number(row.a.done),
                share(row.a.done_share),
                number(row.b.done),
                share(row.b.done_share),
                delta(row.delta_share),
            )
            for row in rows
        )
    )


# The entry tables (stale entries, internal notes) list up to LIST_LIMIT implementations
# each, and "what changed" as many history entries: built here in one pass, as
# compare_rows is, with the HTML the template loops wrote before. Each cell is escaped
# (or already safe HTML) and a row is one str.format: per-cell format_html was most of
# the page's render time at 16 jobcenters.
_ENTRY_ROW = (
    "\n      <tr><td>{}</td><td>{}. {}</td>\n      <td>{}</td>\n      <td>{}</td></tr>\n    "
)


def _entry_rows(entries, last_cell):
    status_html = _memo(lambda value: str(status(value)))
    name = _memo(cell)
    number = _memo(lambda n: cell(localize(n)))
    return mark_safe(
        "".join(
            _ENTRY_ROW.format(
                name(i.jobcenter_name),
                number(i.factor_number),
                name(i.factor_title),
                status_html(i.status),
                last_cell(i),
            )
            for i in entries
        )
    )


@register.filter
def stale_rows(entries):
    """Body rows of the stale-entries table: jobcenter, factor, status, last update."""
    short_date = _dates("SHORT_DATE_FORMAT")
    return _entry_rows(entries, lambda i: short_date(i.updated_at))


@register.filter
def note_rows(entries):
    """Body rows of the internal-notes table: jobcenter, factor, status, the note."""
    return _entry_rows(entries, lambda i: linebreaksbr(i.internal_note, autoescape=True))


_CHANGE_ROW = (
    "\n      <tr>\n        <td>{}</td>\n        <td>{}</td>\n        <td>{}</td>\n"
    "        <td>{}</td>\n        <td>{}\n"
    '          <ul class="diff">{}</ul>\n        </td>\n      </tr>\n    '
)


@register.filter
def change_rows(changes):
    """Body rows of the "what changed" table (history.Change list)."""
    text = _texts()
    when = _dates("SHORT_DATETIME_FORMAT")
    name = _memo(cell)
    created = f"{cell(gettext('created'))}: "
    unchanged = f"<li>{cell(gettext('no visible change'))}</li>"

    def diff(fields):
        return (
            "".join(
                f"<li><strong>{text(label)}</strong>: {text(old)} → {text(new)}</li>"
                for label, old, new in fields
            )
            or unchanged
        )

    return mark_safe(
        "".join(
            _CHANGE_ROW.format(
                when(change.when),
                name(change.user_name or "–"),
                name(change.jobcenter),
                text(change.factor_number),
                created if change.created else "",
                diff(change.fields),
            )
            for change in changes
        )
    )


# The trend's chart and table: 12 to 24 bars of up to six segments, and as many table
# rows of eight numbers, built here as the compare tables are (the template loops with a
# filter per attribute took a millisecond of a 30 ms page at 16 jobcenters).
_BAR = (
    "\n        <g>\n          {}\n"
    '          <text class="tick" x="{}" y="{}">{}</text>\n        </g>\n      '
)
_SEGMENT = '<rect class="seg-{}" x="{}" y="{}" width="{}" height="{}"></rect>'


@register.filter
def trend_bars(chart):
    """The stacked bars of reports.dashboard.trend_chart's geometry, as SVG groups."""
    width = html.escape(str(chart["bar_width"]))
    label_y = cell(localize(chart["label_y"]))
    bars = []
    for bar in chart["bars"]:
        x = html.escape(str(bar.x))
        segments = "".join(
            _SEGMENT.format(html.escape(status), x, html.escape(str(y)), width, html.escape(str(h)))
            for status, y, h, _n in bar.segments
        )
        bars.append(_BAR.format(segments, x, label_y, cell(bar.label)))
    return mark_safe("".join(bars))


_TREND_ROW = '\n      <tr><th scope="row">{}</th>{}<td class="num">{}</td></tr>\n    '


@register.filter
def trend_rows(rows):
    """Body rows of the trend table: [(moment, [count per status], total)]."""
    short_date = _dates("SHORT_DATE_FORMAT")
    number = _memo(lambda n: cell(localize(n)))
    return mark_safe(
        "".join(
            _TREND_ROW.format(
                short_date(at),
                "".join(f'<td class="num">{number(n)}</td>' for n in counts),
                number(total),
            )
            for at, counts, total in rows
        )
    )
