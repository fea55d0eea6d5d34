"""Table bodies with one row per jobcenter, built in Python.

These tables grow with the number of jobcenters (16 in Hesse, ~405 nationwide). A
template variable per cell costs tens of microseconds, so the rows are joined with
`html_join` (format_html_join's escaping, without its per-value overhead) from values
prepared once per request (labels, date strings, one reverse() per table).
"""

import html
from datetime import datetime
from functools import cache
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import get_format
from django.utils.html import format_html, format_html_join
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from factors.models import Factor
from jobcenters.models import District, Status
from kjc.dates import date_writer


def cell(value):
    """conditional_escape() without its lazy-argument wrapper and SafeString per value."""
    if type(value) is int:  # most cells are counts: nothing to escape
        return str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def html_join(format_string, rows):
    """format_html_join("", format_string, rows) with the same escaping, for big tables.

    Each value is escaped exactly as conditional_escape() does (already-safe HTML is
    kept, anything else goes through html.escape, as django.utils.html.escape does),
    but a 405-row table has ~5,000 values and the generic path costs microseconds each.
    """
    fill = format_string.format
    return mark_safe("".join(fill(*map(cell, row)) for row in rows))  # noqa: S308


# A value no real argument has: reversed once, then replaced by each row's argument.
_ARG_MARKER = "7531902468"


def url_maker(viewname):
    """A function arg -> the path of `viewname` with that one argument.

    `reverse()` costs tens of microseconds; a table with a link per row reverses once
    here and splices each argument in, quoted exactly as `reverse()` quotes it.
    """
    prefix, marker, suffix = reverse(viewname, args=[_ARG_MARKER]).rpartition(_ARG_MARKER)
    assert marker, viewname
    safe = RFC3986_SUBDELIMS + "/~:@"
    return lambda arg: prefix + quote(str(arg), safe=safe) + suffix


class DateLabels:
    """SHORT_DATE_FORMAT strings, formatted once per distinct day."""

    def __init__(self):
        self.cache = {}
        self.tz = timezone.get_current_timezone()
        self.format = date_writer(get_format("SHORT_DATE_FORMAT"))

    def __call__(self, value):
        if value is None:
            return "–"
        if isinstance(value, datetime):  # the local day counts
            if value.tzinfo is None:
                value = timezone.localtime(value)  # raises, as the date filter would
            value = value.astimezone(self.tz).date()
        label = self.cache.get(value)
        if label is None:
            label = self.cache[value] = self.format(value)
        return label


def status_badges():
    """{status value: '<span class="st …">icon text</span>'} in the active language."""
    return _status_badges(translation.get_language())


@cache
def _status_badges(language):
    # Built once per process and language (`language` is the active one).
    return {
        status.value: format_html(
            '<span class="st st-{}"><span aria-hidden="true">{}</span> {}</span>',
            status.value,
            status.icon,
            status.label,
        )
        for status in Status
    }


def status_counts(counts, badges):
    """includes/status_counts.html for [(status, n)], with `badges` from status_badges()."""
    # Badges are safe HTML and counts are ints: nothing here needs escaping.
    items = "".join(f"<li>{badges[status]}: {int(n)}</li>" for status, n in counts)
    return mark_safe(f'\n<ul class="counts">{items}</ul>\n')  # noqa: S308


def share_rows(rows):
    """Home page: district, share implemented, reported of total."""
    of = _("%(reported)s of %(total)s")
    jobcenter_href = url_maker("public:jobcenter_detail")
    return html_join(
        '<tr><th scope="row"><a href="{}">{}</a></th>'
        '<td data-sort-value="{}">{}</td><td data-sort-value="{}">{}</td></tr>\n',
        (
            (
                jobcenter_href(row["district"].ags),
                row["district"].name,
                row["sort_share"],
                row["share"],
                row["summary"].reported,
                of % {"reported": row["summary"].reported, "total": row["summary"].total},
            )
            for row in rows
        ),
    )


def jobcenter_list_rows(rows):
    """Jobcenter list: district (kind), jobcenter, Regierungsbezirk, share, reported, update."""
    of = _("%(reported)s of %(total)s")
    kinds = dict(District.Kind.choices)
    dates = DateLabels()
    jobcenter_href = url_maker("public:jobcenter_detail")
    return html_join(
        '<tr><th scope="row"><a href="{}">{}</a><br><small>{}</small></th>'
        '<td lang="de">{}</td><td>{}</td>'
        '<td class="bar-cell" data-sort-value="{}">{} {}</td>'
        '<td data-sort-value="{}">{}</td>'
        '<td data-sort-value="{}">{}</td></tr>\n',
        (
            (
                jobcenter_href(row["district"].ags),
                row["district"].name,
                kinds.get(row["district"].kind, row["district"].kind),
                row["jobcenter"].name,
                row["district"].regierungsbezirk,
                row["sort_share"],
                row["bar"],
                row["share"],
                row["summary"].reported,
                of % {"reported": row["summary"].reported, "total": row["summary"].total},
                int(row["summary"].latest.timestamp()) if row["summary"].latest else "",
                dates(row["summary"].latest),
            )
            for row in rows
        ),
    )


def factor_jobcenter_rows(rows):
    """Factor page: jobcenter, status, progress, target date, public note (or reason)."""
    badges = status_badges()
    dates = DateLabels()
    jobcenter_href = url_maker("public:jobcenter_detail")

    def note(impl):
        parts = [impl.public_note] if impl.public_note else []
        if impl.status == Status.NOT_APPLICABLE and impl.not_applicable_reason:
            parts.append(impl.not_applicable_reason)
        return format_html_join(mark_safe("<br>"), "{}", ((p,) for p in parts))

    return html_join(
        '<tr><th scope="row"><a href="{}">{}</a></th><td>{}</td>'
        '<td class="num">{}\u00a0%</td><td>{}</td><td lang="de">{}</td></tr>\n',
        (
            (
                jobcenter_href(row["district"].ags),
                row["district"].name,
                badges.get(row["impl"].status, ""),
                row["impl"].progress,
                dates(row["impl"].target_date),
                note(row["impl"]),
            )
            for row in rows
        ),
    )


def factor_list_rows(rows):
    """Factor list: number, factor (theme · addressee), status bar and counts, share, coverage."""
    badges = status_badges()
    addressees = dict(Factor.Addressee.choices)
    reported_of = _("%(reported)s of %(total)s have reported")
    factor_href = url_maker("public:factor_detail")
    return html_join(
        "\n    <tr>\n      <td>{}</td>\n"
        '      <th scope="row"><a href="{}" lang="de">{}</a><br><small>'
        '<span lang="de">{}</span> · {}</small></th>\n'
        "      <td>{}{}</td>\n      <td>{}</td>\n      <td>{}</td>\n    </tr>\n    ",
        (
            (
                row["factor"].number,
                factor_href(row["factor"].number),
                row["factor"].title,
                row["factor"].theme_name,
                addressees.get(row["factor"].addressee, row["factor"].addressee),
                row["bar"],
                status_counts(row["counts"], badges),
                row["share"],
                reported_of % {"reported": row["summary"].reported, "total": row["summary"].total},
            )
            for row in rows
        ),
    )


def jobcenter_factor_rows(groups):
    """Jobcenter page, a table body per theme: factor, status, progress, target date,
    note, update. `groups`: lists of queries.PublicEntry."""
    badges = status_badges()
    dates = DateLabels()
    factor_href = url_maker("public:factor_detail")
    evidence = _("evidence")
    factor_n = _("factor %(number)s")

    def note(impl):
        text = cell(impl.public_note)
        if impl.status == Status.NOT_APPLICABLE and impl.not_applicable_reason:
            text += ("<br>" if impl.public_note else "") + cell(impl.not_applicable_reason)
        if impl.evidence_url:
            which = cell(factor_n % {"number": impl.factor_number})
            text += (
                f' <a href="{cell(impl.evidence_url)}" rel="noopener">{cell(evidence)}'
                f'<span class="visually-hidden"> – {which}</span></a>'
            )
        return mark_safe(text)  # noqa: S308 - every value is escaped above

    row = (
        "\n      <tr>\n"
        '        <th scope="row"><a href="{}">{}. <span lang="de">{}</span></a></th>\n'
        "        <td>{}</td>\n"
        '        <td class="num">{}\u00a0%</td>\n'
        '        <td class="col-target">{}</td>\n'
        '        <td class="col-note" lang="de">{}</td>\n'
        '        <td class="col-updated">{}</td>\n'
        "      </tr>\n    "
    )
    return [
        html_join(
            row,
            (
                (
                    factor_href(impl.factor_number),
                    impl.factor_number,
                    impl.factor_title,
                    badges.get(impl.status, ""),
                    impl.progress,
                    dates(impl.target_date),
                    note(impl),
                    dates(impl.updated_at),
                )
                for impl in implementations
            ),
        )
        for implementations in groups
    ]


def jobcenter_theme_tables(groups):
    """Jobcenter page: (rows of the progress-per-theme table, a section with a table
    per theme). `groups`: dicts with theme, summary, bar, share and rows (see
    jobcenter_factor_rows)."""
    done_of = _("%(done)s of %(applicable)s")
    progress = html_join(
        '\n    <tr><th scope="row"><a href="#theme-{}" lang="de">{}</a></th><td>{}</td>'
        '<td class="bar-cell">{} {}</td></tr>\n  ',
        (
            (
                g["theme"].number,
                g["theme"],
                done_of % {"done": g["summary"].done, "applicable": g["summary"].applicable},
                g["bar"],
                g["share"],
            )
            for g in groups
        ),
    )
    head = format_html(
        "    <thead><tr>\n"
        '      <th scope="col">{}</th>\n'
        '      <th scope="col">{}</th>\n'
        '      <th scope="col">{}</th>\n'
        '      <th scope="col" class="col-target">{}</th>\n'
        '      <th scope="col" class="col-note">{}</th>\n'
        '      <th scope="col" class="col-updated">{}</th>\n'
        "    </tr></thead>\n",
        _("Factor"),
        _("Status"),
        _("Progress"),
        _("Target date"),
        _("Note"),
        _("Updated"),
    )
    sections = html_join(
        '\n<div class="theme-group">\n'
        '  <h3 id="theme-{}" lang="de">{}</h3>\n'
        '  <div class="table-scroll" role="region" aria-labelledby="theme-{}" tabindex="0">\n'
        "  <table>\n{}    <tbody>\n    {}\n    </tbody>\n  </table>\n  </div>\n</div>\n",
        ((g["theme"].number, g["theme"], g["theme"].number, head, g["rows"]) for g in groups),
    )
    return progress, sections


def done_list_items(rows):
    """Factor page: the <li> per jobcenter that has implemented it, with note and evidence."""
    jobcenter_href = url_maker("public:jobcenter_detail")
    evidence = _("evidence")

    def extra(row):
        impl, name = row["impl"], row["jobcenter"].name
        note = (
            format_html(': <span lang="de">{}</span>', impl.public_note) if impl.public_note else ""
        )
        if not impl.evidence_url:
            return note
        return format_html(
            '{} (<a href="{}" rel="noopener">{}<span class="visually-hidden"> – {}</span></a>)',
            note,
            impl.evidence_url,
            evidence,
            name,
        )

    return html_join(
        '\n    <li><a href="{}">{}</a>{}</li>\n    ',
        ((jobcenter_href(row["district"].ags), row["jobcenter"].name, extra(row)) for row in rows),
    )
