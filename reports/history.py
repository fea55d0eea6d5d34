"""The implementation status as it was at a given moment, computed from the history table.

Every change to an Implementation writes a history row (simple-history). The state of a
row at moment t is its latest history row with ``history_date <= t``. All functions here
answer with a fixed number of queries, whatever the number of jobcenters or history rows:
the "latest row per id" is an index probe per implementation; the trend is one grouped
query over a window function (LEAD gives each history row the moment it stopped being
valid).

An implementation without any history row up to t did not exist yet at t (the seed
and every service write the first history row when they create a row).
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, Lookup, OuterRef, Subquery
from django.utils import timezone

from jobcenters.models import Implementation, Status, StatusSummary

HistoricalImplementation = Implementation.history.model

# Longest trend shown; keeps the trend query's width bounded.
MAX_TREND_MONTHS = 24


def end_of_day(day):
    """The last moment of a calendar day in the current time zone."""
    return timezone.make_aware(datetime.combine(day, time.max))


def snapshot(at, implementations=None):
    """History rows holding the state of each implementation at moment `at`.

    `implementations` (an Implementation queryset, e.g. scoped to a user's jobcenters)
    limits the rows; the result is a HistoricalImplementation queryset, one row per
    implementation that existed at `at`, with the row's fields as they were then.

    Each implementation's latest entry id is one backwards probe of the (id, history_date,
    history_id) index, cheaper on both databases than ROW_NUMBER() over every entry or an
    anti-join. PostgreSQL turns `history_id IN (probes)` into a hash join over the whole
    history, so there the probed ids are handed over as an array (`= ANY(ARRAY(...))`,
    an index scan).
    """
    if implementations is None:
        implementations = Implementation.objects.all()
    latest_ids = implementations.order_by().values(latest_id=_latest_entry_id(at))
    if connection.vendor == "postgresql":
        latest = Implementation.history.filter(_InArray(F("history_id"), latest_ids))
    else:
        latest = Implementation.history.filter(history_id__in=latest_ids)
    return latest.exclude(history_type="-")


def _latest_entry_id(at):
    """Subquery: the id of the latest history entry up to `at` of the outer implementation."""
    return Subquery(
        Implementation.history.filter(id=OuterRef("pk"), history_date__lte=at)
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )


class _InArray(Lookup):
    """`lhs = ANY(ARRAY(subquery))` (PostgreSQL): the same rows as `lhs IN (subquery)`,
    planned as one run of the subquery and an index scan, not as a join."""

    lookup_name = "in_array"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]


def summary_at(at, implementations=None, key=None):
    """StatusSummary of the snapshot at `at`; with `key` a {key value: StatusSummary} dict."""
    rows = snapshot(at, implementations)
    return rows.summary() if key is None else rows.summary_by(key)[key]


def month_ends(months, *, now=None):
    """The last moment of each of the last `months` months, oldest first.

    The current month's point is `now` itself, so that the trend ends with today.
    """
    now = timezone.localtime(now or timezone.now())
    year, month = now.year, now.month
    points = []
    for _i in range(months):
        last_day = date(year, month, calendar.monthrange(year, month)[1])
        points.append(min(end_of_day(last_day), now))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return points[::-1]


@dataclass
class TrendPoint:
    at: datetime
    summary: StatusSummary


def trend(points, implementations=None):
    """[TrendPoint] with the status distribution at each moment in `points`: ONE query.

    The inner query gives history entries their validity span [history_date, next
    history_date of the same row) with a window function (LEAD); the outer query counts,
    per status, the spans that cover each moment. The entries come from the ORM, so
    scoping stays in QuerySets.

    Only the entry valid at the first moment and the later ones can cover a moment.
    SQLite is given just those (the snapshot at the first moment, one index probe per
    implementation, plus the entries after it). PostgreSQL is given every entry up to the
    last moment: it windows them in the order of the (id, history_date, history_id)
    index, while the union would have to be sorted first.
    """
    points = list(points)[-MAX_TREND_MONTHS - 1 :]
    result = [TrendPoint(at=point, summary=StatusSummary()) for point in points]
    for status, _key, counts in _coverage(points, implementations):
        for trend_point, n in zip(result, counts, strict=True):
            trend_point.summary.add(status, n)
    return result


def counts_by(points, key, implementations=None):
    """[{(`key` value, status): count}] per moment in `points`, `key` a column of the
    history such as "factor_id": the trend's one query, grouped by it too."""
    points = list(points)
    counts = [{} for _point in points]
    for status, value, row in _coverage(points, implementations, key=key):
        for of_point, n in zip(counts, row, strict=True):
            of_point[(value, status)] = n
    return counts


def _coverage(points, implementations, key=None):
    """[(status, key value or None, [count per point])]: see trend()."""
    if key is not None and key not in {f.attname for f in HistoricalImplementation._meta.fields}:
        raise ValueError(f"{key!r} is not a column of the history")
    if not points:
        return []
    if implementations is None:
        implementations = Implementation.objects.all()
    first, last = min(points), max(points)
    fields = ("id", "status", "history_type", "history_date", "history_id", *([key] if key else []))
    entries = Implementation.history.filter(
        id__in=implementations.order_by().values("pk"), history_date__lte=last
    )
    if connection.vendor == "postgresql":
        entries = entries.order_by().values(*fields)
    else:
        valid_at_first = snapshot(first, implementations).order_by().values(*fields)
        later = entries.filter(history_date__gt=first).order_by().values(*fields)
        entries = valid_at_first.union(later, all=True)
    try:
        entries_sql, entries_params = entries.query.sql_with_params()
    except EmptyResultSet:  # e.g. scoped to .none()
        return []
    adapt = connection.ops.adapt_datetimefield_value
    columns, params = [], []
    for i, point in enumerate(points):
        columns.append(
            f"SUM(CASE WHEN spans.history_date <= %s AND (spans.valid_to IS NULL "
            f"OR spans.valid_to > %s) THEN 1 ELSE 0 END) AS p{i}"
        )
        params += [adapt(point), adapt(point)]
    # A span that ended by the first moment covers none: skipping it before the CASE
    # columns spares most of the work (a trend of 12 months over 3 years of history).
    sql = (
        f"SELECT spans.status, spans.group_key, {', '.join(columns)} FROM ("
        f"SELECT status, history_type, history_date, {key or 'NULL'} AS group_key, "
        "LEAD(history_date) OVER (PARTITION BY id ORDER BY history_date, history_id) "
        f"AS valid_to FROM ({entries_sql}) entries) spans "
        "WHERE spans.history_type <> %s AND (spans.valid_to IS NULL OR spans.valid_to > %s) "
        "GROUP BY spans.status, spans.group_key"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *entries_params, "-", adapt(first)])
        rows = cursor.fetchall()
    return [(status, value, [int(n or 0) for n in counts]) for status, value, *counts in rows]


# The fields whose changes "what changed" lists, with how to show a value.
CHANGE_FIELDS = (
    "status",
    "progress",
    "not_applicable_reason",
    "public_note",
    "internal_note",
    "evidence_url",
    "target_date",
)


@dataclass
class Change:
    """One history entry: when, who, which row, and its changed fields (label, old, new)."""

    history_id: int
    when: datetime
    history_type: str
    user_name: str
    jobcenter_id: int
    jobcenter: str
    factor_number: int
    fields: list
    user_id: int | None = None

    @property
    def created(self):
        return self.history_type == "+"


# Status value -> label, looked up per changed field and entry (Status(value) is an enum
# call).
STATUS_LABELS = {status.value: status.label for status in Status}


def _display(name, value):
    if name == "status" and value:
        return STATUS_LABELS[value]
    if value is None or value == "":
        return "–"
    return value


def _user_name(first_name, last_name, username):
    return f"{first_name} {last_name}".strip() or username or ""


def refresh_user_names(changes):
    """Write the users' current names into `changes` (e.g. read from a cache): one query,
    whatever the changes (with none it asks for id 0, which no user has)."""
    ids = {c.user_id for c in changes if c.user_id is not None}
    names = {
        pk: _user_name(first, last, username)
        for pk, first, last, username in get_user_model()
        .objects.filter(pk__in=ids or [0])
        .values_list("pk", "first_name", "last_name", "username")
    }
    for change in changes:
        change.user_name = names.get(change.user_id, "")


def previous_entry(field):
    """`field` of the history entry before the outer one of the same row: a subquery
    (also used by the change feeds, opendata.changes)."""
    return (
        HistoricalImplementation.objects.filter(
            id=OuterRef("id"), history_date__lte=OuterRef("history_date")
        )
        .exclude(history_id=OuterRef("history_id"))
        .exclude(history_date=OuterRef("history_date"), history_id__gt=OuterRef("history_id"))
        .order_by("-history_date", "-history_id")
        .values(field)[:1]
    )


def changes_since(since, implementations=None, *, limit=200, everything=False):
    """(changes, total): the latest `limit` history entries after `since`, each with its
    changed fields old → new. Three queries: the count, the entries, their predecessors.

    Plain values, not model instances: a page lists up to `limit` entries. `everything`
    says that `implementations` are all of them (a coordinator's view): see below.
    """
    if implementations is None:
        everything = True
    previous = previous_entry("history_id")
    if everything:
        # Every implementation is in scope, and the site deletes none (the admin offers no
        # delete), so every history entry is one of theirs: no semi-join with them. The
        # count then reads the history_date index alone, and the latest `limit` entries
        # are found by walking it backwards.
        entries = Implementation.history.filter(history_date__gt=since)
    else:
        entries = Implementation.history.filter(
            id__in=implementations.order_by().values("pk"), history_date__gt=since
        )
    total = entries.count()
    latest = entries.annotate(previous_id=Subquery(previous)).order_by(
        "-history_date", "-history_id"
    )
    records = list(
        latest.values(
            "history_id",
            "history_date",
            "history_type",
            "previous_id",
            "jobcenter_id",
            "jobcenter__name",
            "factor__number",
            "history_user_id",
            "history_user__username",
            "history_user__first_name",
            "history_user__last_name",
            *CHANGE_FIELDS,
        )[:limit]
    )
    # The predecessors by the ids just read, not by running the entries query again as a
    # subquery. One query
    # whatever the records, so the page's query count does not depend on the data: with
    # no predecessor at all it asks for id 0, which no history entry has.
    previous_ids = [r["previous_id"] for r in records if r["previous_id"] is not None]
    older = {
        row["history_id"]: row
        for row in Implementation.history.filter(history_id__in=previous_ids or [0]).values(
            "history_id", *CHANGE_FIELDS
        )
    }
    labels = {f.name: f.verbose_name for f in Implementation._meta.fields}
    changes = []
    for record in records:
        before = older.get(record["previous_id"])
        if before is None:  # a new row: its status is what matters
            fields = [(labels["status"], "–", _display("status", record["status"]))]
        else:
            fields = [
                (labels[name], _display(name, before[name]), _display(name, record[name]))
                for name in CHANGE_FIELDS
                if before[name] != record[name]
            ]
        changes.append(
            Change(
                history_id=record["history_id"],
                when=record["history_date"],
                history_type=record["history_type"],
                user_name=_user_name(
                    record["history_user__first_name"],
                    record["history_user__last_name"],
                    record["history_user__username"],
                ),
                user_id=record["history_user_id"],
                jobcenter_id=record["jobcenter_id"],
                jobcenter=record["jobcenter__name"] or "",
                factor_number=record["factor__number"],
                fields=fields,
            )
        )
    return changes, total
