"""Synthetic jobcenters with years of history, for benchmarks at national scale.

Germany has about 405 jobcenters; Hesse's real 16 stay as they are. Synthetic
rows are kept apart from real data in three ways: their districts carry the
Kreisschlüssel prefix 99 (no real AGS starts with it) and the Regierungsbezirk
"Synthetisch", their names say "Synthetisch", and every implementation and
history row has is_demo=True. Everything is built with bulk inserts from a
seeded random generator, so the same arguments give the same rows.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, models, transaction
from django.utils import timezone

from factors.models import Factor

from .models import District, Implementation, Jobcenter, OperatingModel, Status
from .seeding import seed_reference_data

# Looked up once: every `Implementation.history` access builds a new manager.
HistoricalImplementation = Implementation.history.model

AGS_PREFIX = "99"
MAX_JOBCENTERS = 999  # 99001 … 99999
REGIERUNGSBEZIRK = "Synthetisch"
NOTE_PREFIX = "[Synthetisch] "
# Inserts per statement; SQLite allows 999 parameters, and history rows have 19 columns.
BATCH_SIZE = 2000
# History rows per INSERT: ~20 columns each stay below SQLite's 32,766 parameters.
HISTORY_BATCH = 1000

FINAL_STATUS_WEIGHTS = {
    Status.DONE: 32,
    Status.IN_PROGRESS: 30,
    Status.PLANNED: 12,
    Status.NOT_STARTED: 8,
    Status.NOT_APPLICABLE: 6,
    Status.NOT_REPORTED: 4,
}
# The statuses a row passes through on its way to its final status.
PATHS = {
    Status.DONE: [Status.NOT_STARTED, Status.PLANNED, Status.IN_PROGRESS, Status.DONE],
    Status.IN_PROGRESS: [Status.NOT_STARTED, Status.PLANNED, Status.IN_PROGRESS],
    Status.PLANNED: [Status.NOT_STARTED, Status.PLANNED],
    Status.NOT_STARTED: [Status.NOT_STARTED],
    Status.NOT_APPLICABLE: [Status.NOT_STARTED, Status.NOT_APPLICABLE],
    Status.NOT_REPORTED: [],
}


class SyntheticDataError(Exception):
    """The request cannot be carried out; the message says why and what to do."""


def synthetic_ags(index):
    return f"{AGS_PREFIX}{index:03d}"


def synthetic_districts():
    return District.objects.filter(ags__startswith=AGS_PREFIX)


def synthetic_jobcenters():
    return Jobcenter.objects.filter(district__ags__startswith=AGS_PREFIX)


@dataclass
class State:
    """The editable fields of one row after one change."""

    status: str = Status.NOT_REPORTED
    progress: int = 0
    not_applicable_reason: str = ""
    public_note: str = ""
    internal_note: str = ""
    target_date: object = None


def status_path(rng, *, changes, created, now):
    """[(State, when)] for one row: its state after each change, oldest first.

    The number of changes scatters around `changes`; the statuses follow the
    plausible path towards a randomly chosen final status, progress only rises
    while in progress, every change alters at least the public note, and the
    changes fall between `created` and a day before `now`, strictly increasing.
    """
    final = rng.choices(list(FINAL_STATUS_WEIGHTS), list(FINAL_STATUS_WEIGHTS.values()))[0]
    path = PATHS[final]
    if not path or not changes:
        return []
    count = max(1, min(2 * changes, round(rng.gauss(changes, changes / 4))))
    path = path[-count:]
    span = (now - created).total_seconds() - 86400
    dates = [
        created + timedelta(seconds=s, microseconds=k + 1)
        for k, s in enumerate(sorted(rng.uniform(0, span) for _ in range(count)))
    ]
    # Cut the changes into one non-empty run per status on the path.
    cuts = sorted(rng.sample(range(1, count), len(path) - 1)) if len(path) > 1 else []
    bounds = [0, *cuts, count]
    result = []
    for segment, status in enumerate(path):
        length = bounds[segment + 1] - bounds[segment]
        rising = sorted(rng.randint(5, 95) for _ in range(length))
        for step in range(length):
            n = len(result) + 1
            when = dates[n - 1]
            state = State(status=status, public_note=f"{NOTE_PREFIX}Stand {n}")
            if status == Status.IN_PROGRESS:
                state.progress = rising[step]
            elif status == Status.PLANNED:
                state.progress = rng.choice([0, 5, 10])
            elif status == Status.DONE:
                state.progress = 100
            elif status == Status.NOT_APPLICABLE:
                state.not_applicable_reason = NOTE_PREFIX + "Trifft vor Ort nicht zu."
            if status in (Status.PLANNED, Status.IN_PROGRESS):
                state.target_date = (when + timedelta(days=rng.randint(60, 720))).date()
            if rng.random() < 0.3:
                state.internal_note = f"{NOTE_PREFIX}Interne Notiz {n}"
            result.append((state, when))
    return result


def remove_synthetic():
    """Delete every synthetic district, jobcenter, implementation and history row.

    Real data is never touched: only rows of districts with the AGS prefix 99.
    Returns the number of jobcenters removed.
    """
    ids = list(synthetic_jobcenters().values_list("pk", flat=True))
    with transaction.atomic():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            Implementation.history.filter(jobcenter_id__in=chunk).delete()
            # Rows of other models that point at these implementations (e.g. drafts).
            for rel in Implementation._meta.related_objects:
                rel.related_model._base_manager.filter(
                    **{f"{rel.field.name}__jobcenter_id__in": chunk}
                ).delete()
            # A queryset delete would write a "deleted" history entry per row;
            # synthetic rows leave no trace, so they go with one plain DELETE.
            table = connection.ops.quote_name(Implementation._meta.db_table)
            marks = ", ".join(["%s"] * len(chunk))
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE jobcenter_id IN ({marks})", chunk)
        Jobcenter.objects.filter(pk__in=ids).delete()
        synthetic_districts().delete()
    return len(ids)


def seed_synthetic(n, *, seed=405, years=3, changes=20, replace=False, now=None):
    """Create `n` synthetic jobcenters × every factor × about `changes` changes each.

    Idempotent: when exactly `n` synthetic jobcenters exist already, nothing
    happens; a different number needs replace=True, which removes the previous
    synthetic rows (and only those) first. Returns a dict of counts.
    """
    if not 1 <= n <= MAX_JOBCENTERS:
        raise SyntheticDataError(f"N must be between 1 and {MAX_JOBCENTERS}, not {n}.")
    if years <= 0 or changes < 0:
        raise SyntheticDataError("--years must be positive and --changes at least 0.")
    seed_reference_data()
    existing = synthetic_jobcenters().count()
    if existing and not replace:
        if existing == n:
            return {"jobcenters": 0, "implementations": 0, "history": 0, "existing": existing}
        raise SyntheticDataError(
            f"{existing} synthetic jobcenters exist already; "
            f"use --replace to rebuild them with {n}."
        )
    rng = random.Random(seed)
    now = now or timezone.now()
    start = now - timedelta(days=round(365.25 * years))
    factor_ids = list(Factor.objects.order_by("number").values_list("pk", flat=True))
    if not factor_ids:
        raise SyntheticDataError("The catalogue is empty; run `manage.py seed` first.")
    with transaction.atomic():
        removed = remove_synthetic() if existing else 0
        districts = District.objects.bulk_create(
            District(
                ags=synthetic_ags(i),
                name=f"Synthetischer Kreis {i:04d}",
                kind=District.Kind.LANDKREIS if i % 4 else District.Kind.KREISFREIE_STADT,
                regierungsbezirk=REGIERUNGSBEZIRK,
                seat=f"Musterstadt {i:04d}",
                model=OperatingModel.KJC,
            )
            for i in range(1, n + 1)
        )
        jobcenters = Jobcenter.objects.bulk_create(
            Jobcenter(
                district=district,
                name=f"Synthetisches Jobcenter {i:04d}",
                option_since=2005 if i % 3 else 2012,
            )
            for i, district in enumerate(districts, start=1)
        )
        counts = {"jobcenters": len(jobcenters), "implementations": 0, "history": 0}
        # One jobcenter at a time keeps memory flat at any N.
        for jobcenter in jobcenters:
            plans = []
            for factor_id in factor_ids:
                created = start + timedelta(seconds=rng.uniform(0, 30 * 86400))
                plans.append(
                    (
                        factor_id,
                        created,
                        status_path(rng, changes=changes, created=created, now=now),
                    )
                )
            rows = Implementation.objects.bulk_create(
                [_implementation(jobcenter, *plan) for plan in plans], batch_size=BATCH_SIZE
            )
            history = []
            for row, (_factor_id, created, changes_of_row) in zip(rows, plans, strict=True):
                history.append(_history(row, State(), created, 1, "+"))
                for version, (state, when) in enumerate(changes_of_row, 2):
                    history.append(_history(row, state, when, version, "~"))
            insert_history(history)
            counts["implementations"] += len(rows)
            counts["history"] += len(history)
    counts["removed"] = removed
    return counts


def _implementation(jobcenter, factor_id, created, changes):
    state, when = changes[-1] if changes else (State(), created)
    return Implementation(
        jobcenter=jobcenter,
        factor_id=factor_id,
        version=len(changes) + 1,
        updated_at=when,
        is_demo=True,
        **vars(state),
    )


def _history(row, state, when, version, kind):
    """The column values of one history row, by field name."""
    return {
        "id": row.pk,
        "jobcenter": row.jobcenter_id,
        "factor": row.factor_id,
        "updated_at": when,
        "version": version,
        "is_demo": True,
        "history_date": when,
        "history_type": kind,
        **vars(state),
    }


def insert_history(rows):
    """Insert history rows (dicts by field name), HISTORY_BATCH rows per statement.

    bulk_create would compile SQL for every value and, on SQLite, send 52 rows
    per statement. One statement per row (executemany) would fire PostgreSQL's
    data-version trigger ~280,000 times in one transaction (pagecache/triggers.py).
    Fields not named in a row take their default, so a field added to the model
    later needs no change here.
    """
    fields = [f for f in HistoricalImplementation._meta.concrete_fields if f.name != "history_id"]
    ops = connection.ops
    adapt = {
        models.DateTimeField: ops.adapt_datetimefield_value,
        models.DateField: ops.adapt_datefield_value,
    }
    converters = [adapt.get(type(f), lambda value: value) for f in fields]
    defaults = [None if f.null else f.get_default() for f in fields]
    table = ops.quote_name(HistoricalImplementation._meta.db_table)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    row_marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [
        value
        for row in rows
        for value in (
            convert(row[f.name]) if f.name in row else default
            for f, convert, default in zip(fields, converters, defaults, strict=True)
        )
    ]
    per_batch = HISTORY_BATCH * len(fields)
    with connection.cursor() as cursor:
        for start in range(0, len(params), per_batch):
            batch = params[start : start + per_batch]
            marks = ", ".join([row_marks] * (len(batch) // len(fields)))
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {marks}", batch)
