"""Table bodies with one row per jobcenter, built in Python.

These tables grow with the number of jobcenters (16 in Hesse, ~405 nationwide). A
template variable per cell costs tens of microseconds, so the rows are joined with
`format_html_join` from values prepared once per request (labels, date strings).
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from jobcenters.models import District, Status


class DateLabels:
    """SHORT_DATE_FORMAT strings, formatted once per distinct day."""

    def __init__(self):
        self.cache = {}

    def __call__(self, value):
        if value is None:
            return "–"
        if hasattr(value, "hour"):  # an aware datetime: the local day counts
            value = timezone.localtime(value).date()
        label = self.cache.get(value)
        if label is None:
            label = self.cache[value] = date_format(value, "SHORT_DATE_FORMAT")
        return label


def status_badges():
    """{status value: '<span class="st …">icon text</span>'} in the active language."""
    return {
        status.value: format_html(
            '<span class="st st-{}"><span aria-hidden="true">{}</span> {}</span>',
            status.value,
            status.icon,
            status.label,
        )
        for status in Status
    }


def jobcenter_href(ags):
    return reverse("public:jobcenter_detail", args=[ags])


def share_rows(rows):
    """Home page: district, share implemented, reported of total."""
    of = _("%(reported)s of %(total)s")
    return format_html_join(
        "",
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
    return format_html_join(
        "",
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

    def note(impl):
        parts = [impl.public_note] if impl.public_note else []
        if impl.status == Status.NOT_APPLICABLE and impl.not_applicable_reason:
            parts.append(impl.not_applicable_reason)
        return format_html_join(mark_safe("<br>"), "{}", ((p,) for p in parts))

    return format_html_join(
        "",
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
