"""The dashboard over every jobcenter from stored day summaries instead of the history.

The trend of every jobcenter counts, at each of the last twelve month ends, the status
of some 14,000 rows nationwide: a window over every history entry of that year, the
slowest part of the dashboard; its comparison with a past Stichtag is a snapshot of the
history at that day. A day that has ended does not change unless the history of that
day changes, so its counts are stored once per factor and per jobcenter (DaySummary)
and read back; the trend's last point is today, the rows themselves. The database
triggers of migration 0005 delete a stored day whenever a change of the history reaches
back to it (and every day when an implementation is deleted), so what is read is exact.

Only over every implementation (the coordination office and the directors): a
jobcenter's own view reads its 35 rows' history, which is fast.
"""

from django.db import connection, transaction
from django.db.models import Count, IntegerField, Q, Sum, Value
from django.db.models.functions import Cast
from django.utils import timezone

from factors.models import Factor
from jobcenters.models import STATUS_VALUES, Implementation, Jobcenter, StatusSummary

from . import history
from .models import DaySummary

# The keys of a stored day's rows, as summary_by names them.
KEYS = ("factor_id", "jobcenter_id")


def trend(points, subject_filter):
    """[TrendPoint] at `points` (history.month_ends: past month ends, then now) over every
    implementation matching `subject_filter` (e.g. {"factor__theme": theme}).

    One query when the month ends are stored; the first time (or after a change that
    reaches back) also the history's trend query once, to store them.
    """
    points = list(points)[-history.MAX_TREND_MONTHS - 1 :]
    if not points:
        return []
    *ended, _now = points
    days = [timezone.localdate(point) for point in ended]
    rows = _trend_rows(days, subject_filter)
    missing = set(days) - {day for day, _status, _n in rows}
    if missing:
        _store_month_ends(missing)
        rows = _trend_rows(days, subject_filter)
    by_day = {day: StatusSummary() for day in [*days, None]}
    for day, status, n in rows:
        by_day[day].add(status, n or 0)
    return [
        history.TrendPoint(at=point, summary=by_day[day])
        for point, day in zip(points, [*days, None], strict=True)
    ]


def on_day(day):
    """{"factor_id": {pk: StatusSummary}, "jobcenter_id": {pk: StatusSummary}} at the end
    of the past `day` over every implementation, as summary_by gives them: one query
    when stored; the first time also the history's snapshot once, to store it."""
    rows = _day_rows(day)
    if not any(jobcenter_id for _factor_id, jobcenter_id, _status, _n in rows):
        _store_day(day)
        rows = _day_rows(day)
    result = {key: {} for key in KEYS}
    for factor_id, jobcenter_id, status, n in rows:
        key, pk = ("factor_id", factor_id) if factor_id else ("jobcenter_id", jobcenter_id)
        result[key].setdefault(pk, StatusSummary()).add(status, n)
    return result


def _day_rows(day):
    return list(
        DaySummary.objects.filter(day=day).values_list(
            "factor_id", "jobcenter_id", "status", "count"
        )
    )


def _trend_rows(days, subject_filter):
    """[(day, status, count)] of the stored days, and (None, status, count) of today's
    rows: one query. Every stored day is listed, with a count of None where no factor
    matches, so that a day missing here is a day not stored."""
    stored = (
        DaySummary.objects.filter(day__in=days, factor__isnull=False)
        .values("day", "status")
        .annotate(n=Sum("count", filter=Q(**subject_filter)))
        .values_list("day", "status", "n")
        .order_by()
    )
    today = (
        Implementation.objects.filter(**subject_filter)
        .annotate(day=Value(None, output_field=DaySummary._meta.get_field("day")))
        .values("day", "status")
        .annotate(n=Cast(Count("pk"), IntegerField()))
        .values_list("day", "status", "n")
        .order_by()
    )
    return list(stored.union(today, all=True))


def _lock():
    """Inside a transaction: until it ends, no history write can delete stored days.

    On PostgreSQL the table is locked: a history write that reaches back waits until
    the new rows are stored and then deletes them, and one that came first is seen by
    the counts taken after the lock. On SQLite the transaction holds the write lock
    from its start (transaction_mode IMMEDIATE)."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(DaySummary._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


def _rows(day, key, pks, counts):
    """DaySummary rows of `day` for every pk and status (zeros too: an empty day is a
    stored day); `counts` maps (pk, status) to a count."""
    return [
        DaySummary(day=day, **{key: pk}, status=status, count=counts.get((pk, status), 0))
        for pk in pks
        for status in STATUS_VALUES
    ]


def _store_month_ends(days):
    """Store the counts per factor at the end of each of `days`: one history query."""
    with transaction.atomic():
        _lock()
        done = set(
            DaySummary.objects.filter(day__in=days, factor__isnull=False).values_list(
                "day", flat=True
            )
        )
        days = sorted(set(days) - done)  # another request may have stored some meanwhile
        factor_ids = list(Factor.objects.values_list("pk", flat=True))
        if not days:
            return
        counts = history.counts_by([history.end_of_day(day) for day in days], "factor_id")
        DaySummary.objects.bulk_create(
            row
            for day, of_day in zip(days, counts, strict=True)
            for row in _rows(day, "factor_id", factor_ids, of_day)
        )


def _store_day(day):
    """Store the counts per factor (unless stored already, as a month end) and per
    jobcenter at the end of `day`: one snapshot of the history."""
    with transaction.atomic():
        _lock()
        stored = DaySummary.objects.filter(day=day)
        if stored.filter(jobcenter__isnull=False).exists():
            return  # another request stored it meanwhile
        summaries = history.snapshot(history.end_of_day(day)).summary_by(*KEYS)
        kinds = [("jobcenter_id", Jobcenter.objects.values_list("pk", flat=True))]
        if not stored.filter(factor__isnull=False).exists():
            kinds.append(("factor_id", Factor.objects.values_list("pk", flat=True)))
        rows = []
        for key, pks in kinds:
            counts = {
                (pk, status): n
                for pk, summary in summaries[key].items()
                for status, n in summary.counts.items()
            }
            rows += _rows(day, key, list(pks), counts)
        DaySummary.objects.bulk_create(rows)
