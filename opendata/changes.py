"""Released status changes, newest first, for the Atom feeds: public fields only.

Implementation history holds only released states (drafts waiting for review live in
PendingChange), so every entry here has been published. Selected with values() and an
explicit list: no internal note, evidence link or editor can reach a feed.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q, Subquery

from jobcenters.models import Implementation, Status
from reports import history

FEED_LENGTH = 50
# The feed looks for status changes among this many latest edits (notes, dates, …
# change too): finding the previous status for every one of 274,000 history entries at
# 405 jobcenters took 0.8 s on PostgreSQL, for only these few it is a few ms.
FEED_WINDOW = 1000

HistoricalImplementation = Implementation.history.model


@dataclass(frozen=True)
class StatusChange:
    history_id: int
    when: datetime
    jobcenter: str
    ags: str
    factor_number: int
    factor_title: str
    old_status: Status | None  # None: the history holds no earlier state
    new_status: Status
    progress: int
    public_note: str
    is_demo: bool


def status_changes(*, factor_number=None, ags=None, limit=FEED_LENGTH):
    """The latest `limit` released changes of a status (not the first status of a row
    created with a history entry): one query, the previous status by a subquery."""
    entries = HistoricalImplementation.objects.filter(history_type="~")
    if factor_number is not None:
        entries = entries.filter(factor__number=factor_number)
    if ags is not None:
        entries = entries.filter(jobcenter__district__ags=ags)
    latest = entries.order_by("-history_date", "-history_id").values("history_id")
    entries = HistoricalImplementation.objects.filter(history_id__in=latest[:FEED_WINDOW])
    # A differing earlier status, or none in the history (rows created in bulk, without
    # a first entry, whose first edit is still a report); lt/gt rather than a negated
    # equality, which SQL would make unknown for that NULL.
    rows = (
        entries.annotate(previous_status=Subquery(history.previous_entry("status")))
        .filter(
            Q(previous_status__isnull=True)
            | Q(previous_status__lt=F("status"))
            | Q(previous_status__gt=F("status"))
        )
        .order_by("-history_date", "-history_id")
        .values_list(
            "history_id",
            "history_date",
            "jobcenter__name",
            "jobcenter__district__ags",
            "factor__number",
            "factor__title",
            "previous_status",
            "status",
            "progress",
            "public_note",
            "is_demo",
        )[:limit]
    )
    return [
        StatusChange(
            history_id=history_id,
            when=when,
            jobcenter=jobcenter or "",
            ags=ags_,
            factor_number=number,
            factor_title=title or "",
            old_status=Status(old) if old else None,
            new_status=Status(new),
            progress=progress,
            public_note=note,
            is_demo=is_demo,
        )
        for (
            history_id,
            when,
            jobcenter,
            ags_,
            number,
            title,
            old,
            new,
            progress,
            note,
            is_demo,
        ) in rows
    ]
