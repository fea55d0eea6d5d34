"""Everything the dashboard shows, read with a fixed number of queries.

Scoped to the jobcenters the user may read (Jobcenter.objects.visible_to) inside every
query. Shared by the HTML page and its XLSX export so both show the same view.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from factors.models import Factor
from jobcenters import roles
from jobcenters.models import STATUS_ORDER, Implementation, Jobcenter, StatusSummary

from . import history
from .models import Stichtag

LIST_LIMIT = 200
# What the entry tables (internal notes, stale entries) show of an implementation, in the
# order of Entry's fields.
ENTRY_TABLE_FIELDS = ("pk", "jobcenter__name", "factor__number", "factor__title", "status")


@dataclass(frozen=True)
class Entry:
    """An implementation as the entry tables show it: plain values, not an implementation
    with its jobcenter and factor (up to 2 × 200 rows: three model instances each)."""

    pk: int
    jobcenter_name: str
    factor_number: int
    factor_title: str
    status: str
    internal_note: str = ""
    updated_at: datetime | None = None

    def get_status_display(self):
        """As Implementation.get_status_display(): the label in the active language."""
        return str(history.STATUS_LABELS.get(self.status, self.status))


def _entries(implementations, detail):
    """[Entry] of the first LIST_LIMIT `implementations`, with the field `detail`."""
    rows = implementations.values_list(*ENTRY_TABLE_FIELDS, detail)[:LIST_LIMIT]
    return [Entry(*row[:-1], **{detail: row[-1]}) for row in rows]


@dataclass
class CompareRow:
    label: str
    a: StatusSummary
    b: StatusSummary

    @property
    def delta_done(self):
        return self.b.done - self.a.done

    @property
    def delta_share(self):
        if self.a.done_share is None or self.b.done_share is None:
            return None
        return self.b.done_share - self.a.done_share


@dataclass
class Dashboard:
    params: dict
    as_of: datetime | None
    jobcenters: list
    stichtage: list
    headline: StatusSummary
    internal_notes: list
    stale: list
    stale_total: int
    changes: list
    changes_total: int
    trend: list
    compare_factors: list = field(default_factory=list)
    compare_jobcenters: list = field(default_factory=list)

    @property
    def statuses(self):
        return [(s, s.label, s.icon) for s in STATUS_ORDER]

    @property
    def stichtag_rows(self):
        """[(Stichtag, the one before it or None)], newest first."""
        return list(zip(self.stichtage, [*self.stichtage[1:], None], strict=True))

    @property
    def list_limit(self):
        return LIST_LIMIT

    @property
    def headline_rows(self):
        """[(status, label, icon, count)] for the template."""
        return [(s.value, s.label, s.icon, self.headline.counts[s]) for s in STATUS_ORDER]

    @property
    def trend_rows(self):
        """[(moment, [count per status in STATUS_ORDER], total)] for the data table."""
        return [
            (p.at, [p.summary.counts[s] for s in STATUS_ORDER], p.summary.total) for p in self.trend
        ]


def previous_stichtag(stichtage, today=None):
    """The latest Stichtag before today from an already fetched list."""
    today = today or timezone.localdate()
    earlier = [s.date for s in stichtage if s.date < today]
    return max(earlier) if earlier else None


def build(user, form):
    """The dashboard for `user`; `form` is a validated DashboardForm (is_valid() called).

    Queries: Stichtage, jobcenters, factors, headline, internal notes, stale entries and
    their count, changes + predecessors + count, trend, compare (A, B) — 13, whatever the
    number of jobcenters.
    """
    stichtage = list(Stichtag.objects.all())
    params = form.values(previous_stichtag=previous_stichtag(stichtage))
    visible = Jobcenter.objects.visible_to(user)
    scope = Implementation.objects.filter(jobcenter__in=visible)
    # Only the columns the page and the export show: at 405 jobcenters the build made
    # ~2,700 model instances (districts, users never shown); with the entry tables and
    # factors as plain values, ~410 are left (these jobcenters).
    jobcenters = list(visible.only("name").order_by("district__ags"))
    if not jobcenters and not roles.sees_everything(user):
        # Signed in, but neither a role that reads everything nor a jobcenter of one's own.
        raise PermissionDenied
    # The compare table shows a factor as str(factor) does; its other columns and its
    # theme are not needed.
    factors = list(Factor.objects.in_catalogue_order().values_list("pk", "number", "title"))

    as_of = history.end_of_day(params["as_of"]) if params["as_of"] else None
    headline = history.summary_at(as_of, scope) if as_of else StatusSummary(scope.status_counts())

    internal_notes = _entries(
        scope.exclude(internal_note="").order_by("jobcenter__district__ags", "factor__number"),
        "internal_note",
    )
    stale_qs = scope.stale(months=params["stale_months"])
    stale = _entries(
        stale_qs.order_by("updated_at", "jobcenter__district__ags", "factor__number"),
        "updated_at",
    )
    stale_total = stale_qs.count()

    changes, changes_total = history.changes_since(
        history.end_of_day(params["since"]),
        scope,
        limit=LIST_LIMIT,
        everything=roles.sees_everything(user),
    )
    points = history.month_ends(params["trend_months"])
    trend = history.trend(points, scope)

    # Compare: one grouped query per date. A date of today is the current rows (every
    # change writes history, so both agree), which spares the history scan.
    keys = ("factor_id", "jobcenter_id")
    by_a, by_b = (
        history.summaries_by(
            scope
            if day >= timezone.localdate()
            else history.snapshot(history.end_of_day(day), scope),
            keys,
        )
        for day in (params["a"], params["b"])
    )
    empty = StatusSummary()
    compare_factors = [
        CompareRow(
            f"{number}. {title}", by_a["factor_id"].get(pk, empty), by_b["factor_id"].get(pk, empty)
        )
        for pk, number, title in factors
    ]
    compare_jobcenters = [
        CompareRow(
            j.name, by_a["jobcenter_id"].get(j.pk, empty), by_b["jobcenter_id"].get(j.pk, empty)
        )
        for j in jobcenters
    ]
    return Dashboard(
        params=params,
        as_of=as_of,
        jobcenters=jobcenters,
        stichtage=stichtage,
        headline=headline,
        internal_notes=internal_notes,
        stale=stale,
        stale_total=stale_total,
        changes=changes,
        changes_total=changes_total,
        trend=trend,
        compare_factors=compare_factors,
        compare_jobcenters=compare_jobcenters,
    )


@dataclass
class Bar:
    x: float
    label: str
    segments: list  # [(status, y, height, count)]


def trend_chart(trend, *, width=640, height=220, left=40, bottom=30):
    """Geometry of the stacked bar chart: each bar one moment, heights as shares of 100 %."""
    plot_height = height - bottom - 10
    step = (width - left - 10) / max(len(trend), 1)
    bars = []
    for i, point in enumerate(trend):
        total = point.summary.total
        y = 10 + plot_height
        segments = []
        for status in STATUS_ORDER:
            n = point.summary.counts[status]
            h = plot_height * n / total if total else 0
            y -= h
            if n:
                segments.append((status.value, round(y, 2), round(h, 2), n))
        bars.append(
            Bar(
                x=round(left + i * step + step * 0.15, 2),
                label=timezone.localtime(point.at).strftime("%m/%y"),
                segments=segments,
            )
        )
    return {
        "width": width,
        "height": height,
        "bar_width": round(step * 0.7, 2),
        "bars": bars,
        "base_y": 10 + plot_height,
        "label_y": height - 10,
        "ticks": [(p, round(10 + plot_height * (100 - p) / 100, 2)) for p in (0, 50, 100)],
        "left": left,
    }
