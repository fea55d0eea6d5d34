"""Everything the dashboard shows, read with a fixed number of queries.

Scoped to the jobcenters the user may read (Jobcenter.objects.visible_to) inside every
query. Shared by the HTML page and its XLSX export so both show the same view.

The computed tables (headline, internal notes, trend, comparison) depend only on the
data, the jobcenters in scope and the parameters; they are kept in the cache under the
data version (public.freshness via reports.conditional), so a change is visible on the
next request and an unchanged view is computed once.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from factors.models import Factor
from jobcenters import roles
from jobcenters.models import STATUS_ORDER, Implementation, Jobcenter, StatusSummary, stale_cutoff

from . import history, summaries
from .models import Stichtag

LIST_LIMIT = 200
# Kept by data version, so a day is only a bound on unused entries.
CACHE_SECONDS = 24 * 3600

# The columns of both comparison tables after the first one, on the page and in the XLSX.
COMPARE_HEADERS = (
    _("Implemented A"),
    _("Share A"),
    _("Implemented B"),
    _("Share B"),
    _("Change (percentage points)"),
)


class CompareCells(NamedTuple):
    label: str
    done_a: int
    share_a: float | None
    done_b: int
    share_b: float | None
    change: float | None


@dataclass
class CompareRow:
    label: str
    a: StatusSummary
    b: StatusSummary

    @property
    def delta_share(self):
        """Change of the implemented share from A to B in percentage points, or None."""
        if self.a.done_share is None or self.b.done_share is None:
            return None
        return self.b.done_share - self.a.done_share

    @property
    def cells(self):
        """The row as the page and the XLSX show it, under COMPARE_HEADERS: label,
        implemented A, share A, implemented B, share B, change (shares 0–100 or None)."""
        return CompareCells(
            self.label,
            self.a.done,
            self.a.done_share,
            self.b.done,
            self.b.done_share,
            self.delta_share,
        )


@dataclass
class Tables:
    """What the dashboard computes from the data for one scope and set of parameters."""

    headline: StatusSummary
    internal_notes: list
    trend: list
    compare_factors: list
    compare_jobcenters: list


@dataclass
class Dashboard:
    params: dict
    as_of: datetime | None
    jobcenters: list
    stale_jobcenters: list
    stichtage: list
    changes: list
    changes_total: int
    headline: StatusSummary
    internal_notes: list
    trend: list
    compare_factors: list
    compare_jobcenters: list
    trend_label: str = ""
    cache_key: str = ""
    changes_key: str = ""
    compare_headers: tuple = field(default=COMPARE_HEADERS)

    @property
    def statuses(self):
        return STATUS_ORDER

    @property
    def stichtag_rows(self):
        """[(Stichtag, the one before it or None)], newest first."""
        return list(zip(self.stichtage, [*self.stichtage[1:], None], strict=True))

    @property
    def list_limit(self):
        return LIST_LIMIT

    @property
    def headline_rows(self):
        """[(Status, count)] in STATUS_ORDER."""
        return self.headline.ordered_counts

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


def catalogue():
    """The factors with their themes in catalogue order (one query): the comparison's
    rows and the choices of the trend's factor or theme."""
    return list(Factor.objects.in_catalogue_order().select_related("theme"))


def trend_subjects(factors):
    """{choice value: (label, filter on implementations)} of the trend select."""
    subjects = {}
    for factor in factors:
        theme = factor.theme
        subjects.setdefault(f"t{theme.number}", (str(theme), {"factor__theme": theme}))
    for factor in factors:
        subjects[f"f{factor.number}"] = (f"{factor.number}. {factor.title}", {"factor": factor})
    return subjects


def build(user, form, factors, *, version=None):
    """The dashboard for `user`; `form` is a validated DashboardForm (is_valid() called)
    built with `factors` (catalogue()). With the data `version`, the computed tables come
    from the cache when this scope and these parameters were computed before.

    Queries, whatever the number of jobcenters: Stichtage, jobcenters (with their latest
    update); then either headline, internal notes, trend, compare A and B, changes count,
    changes and their predecessors, or, cached for this data version, the users' names.
    """
    stichtage = list(Stichtag.objects.all())
    params = form.values(previous_stichtag=previous_stichtag(stichtage))
    visible = Jobcenter.objects.visible_to(user)
    scope = Implementation.objects.visible_to(user)
    jobcenters = list(
        visible.only("name")
        .annotate(last_update=Max("implementations__updated_at"))
        .order_by("district__ags")
    )
    if not jobcenters and not roles.sees_everything(user):
        # Signed in, but neither a role that reads everything nor a jobcenter of one's own.
        raise PermissionDenied
    cutoff = stale_cutoff(months=params["stale_months"])
    stale_jobcenters = sorted(
        (j for j in jobcenters if j.last_update is None or j.last_update < cutoff),
        key=lambda j: (j.last_update is not None, j.last_update),
    )
    as_of = history.end_of_day(params["as_of"]) if params["as_of"] else None
    subjects = trend_subjects(factors)
    trend_label, trend_filter = subjects.get(params["trend_of"], (_("all factors"), {}))
    points = history.month_ends(params["trend_months"])

    # Keyed by the data version, the jobcenters in scope and what else shapes a table.
    key = ""
    if version is not None:
        key = _digest([version, [j.pk for j in jobcenters], LIST_LIMIT])
    tables_key = _digest(
        [
            key,
            *(str(params[n]) for n in ("as_of", "trend_of", "a", "b")),
            *(p.date() for p in points),
        ]
    )
    tables = cache.get(tables_key) if key else None
    if tables is None:
        tables = _tables(
            scope,
            factors,
            jobcenters,
            params,
            as_of,
            points,
            trend_filter,
            everything=roles.sees_everything(user),
            stichtag_days={s.date for s in stichtage},
        )
        if key:
            cache.set(tables_key, tables, CACHE_SECONDS)
    else:  # the last point is "now": the state then is the one cached for this version
        for point, at in zip(tables.trend, points, strict=True):
            point.at = at
    changes_key = _digest([key, "changes", params["since"], roles.sees_everything(user)])
    found = cache.get(changes_key) if key else None
    if found is None:
        found = history.changes_since(
            history.end_of_day(params["since"]),
            scope,
            limit=LIST_LIMIT,
            everything=roles.sees_everything(user),
        )
        if key:
            cache.set(changes_key, found, CACHE_SECONDS)
    else:  # names are not part of the data version
        history.refresh_user_names(found[0])
    changes, changes_total = found
    return Dashboard(
        params=params,
        as_of=as_of,
        jobcenters=jobcenters,
        stale_jobcenters=stale_jobcenters,
        stichtage=stichtage,
        changes=changes,
        changes_total=changes_total,
        **vars(tables),
        trend_label=trend_label,
        cache_key=tables_key if key else "",
        changes_key=_digest(
            (c.history_id, c.when, c.user_name, c.jobcenter, c.factor_number, c.created)
            + tuple((str(label), str(old), str(new)) for label, old, new in c.fields)
            for c in changes
        ),
    )


def _digest(values):
    """A cache key naming exactly these values. The rendered "what changed" table is kept
    under the digest of its rows (user names are not covered by the data version)."""
    return "reports:" + hashlib.sha256(repr(list(values)).encode()).hexdigest()


def _compared(day, scope, *, everything, stichtag_days):
    """{"factor_id": {pk: StatusSummary}, "jobcenter_id": {…}} at the end of `day`: one
    grouped query. Today is the current rows (every change writes history, so both
    agree); over every row, a past Stichtag or month end is stored (reports/summaries.py);
    else the history's snapshot."""
    if day >= timezone.localdate():
        return scope.summary_by(*summaries.KEYS)
    if everything and (day in stichtag_days or (day + timedelta(days=1)).day == 1):
        return summaries.on_day(day)
    return history.snapshot(history.end_of_day(day), scope).summary_by(*summaries.KEYS)


def _tables(
    scope, factors, jobcenters, params, as_of, points, trend_filter, *, everything, stichtag_days
):
    headline = history.summary_at(as_of, scope) if as_of else scope.summary()
    internal_notes = list(
        scope.exclude(internal_note="")
        .select_related("jobcenter", "factor")
        .only("status", "internal_note", "jobcenter__name", "factor__number", "factor__title")
        .order_by("jobcenter__district__ags", "factor__number")[:LIST_LIMIT]
    )
    # Over every row, the month ends that have passed are stored (reports/summaries.py).
    if everything:
        trend = summaries.trend(points, trend_filter)
    else:
        trend = history.trend(points, scope.filter(**trend_filter))

    by_a, by_b = (
        _compared(day, scope, everything=everything, stichtag_days=stichtag_days)
        for day in (params["a"], params["b"])
    )
    empty = StatusSummary()
    return Tables(
        headline=headline,
        internal_notes=internal_notes,
        trend=trend,
        compare_factors=[
            CompareRow(
                f"{f.number}. {f.title}",
                by_a["factor_id"].get(f.pk, empty),
                by_b["factor_id"].get(f.pk, empty),
            )
            for f in factors
        ],
        compare_jobcenters=[
            CompareRow(
                j.name, by_a["jobcenter_id"].get(j.pk, empty), by_b["jobcenter_id"].get(j.pk, empty)
            )
            for j in jobcenters
        ],
    )


@dataclass
class Bar:
    x: float
    at: datetime
    segments: list  # [(Status, y, height, count)]


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
                segments.append((status, round(y, 2), round(h, 2), n))
        bars.append(Bar(x=round(left + i * step + step * 0.15, 2), at=point.at, segments=segments))
    return {
        "width": width,
        "height": height,
        "bar_width": round(step * 0.7, 2),
        "bars": bars,
        "base_y": 10 + plot_height,
        "label_y": height - 10,
        "ticks": [(p, round(10 + plot_height * (100 - p) / 100, 2)) for p in (0, 50, 100)],
        "left": left,
        "tick_x": left - 4,
    }
