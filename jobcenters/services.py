"""Actions that write implementation statuses. Each is one transaction."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import IMPLIED_PROGRESS, Implementation

# The fields a person edits; everything else is bookkeeping.
EDITABLE_FIELDS = (
    "status",
    "progress",
    "not_applicable_reason",
    "public_note",
    "internal_note",
    "evidence_url",
    "target_date",
)


class EditConflict(Exception):
    """Someone saved the row after the editor loaded it; nothing was written."""

    def __init__(self, current):
        self.current = current
        super().__init__(
            _("This entry was changed by someone else in the meantime; your change was not saved.")
        )


def changed_fields(implementation, values):
    """The editable fields whose value in `values` differs from the row."""
    return {
        name: value
        for name, value in values.items()
        if name in EDITABLE_FIELDS and getattr(implementation, name) != value
    }


def update_implementation(*, implementation, values, expected_version, user, when=None):
    """Write the edited fields of one row, keep a history entry, bump its version.

    `implementation` only names the row: it is read again under a row lock
    (SELECT ... FOR UPDATE on PostgreSQL; SQLite runs IMMEDIATE transactions),
    so two editors can never both win. Raises EditConflict when the stored
    version is no longer `expected_version`; nothing is written then.
    Returns the stored row, unchanged if no value differs.
    """
    when = when or timezone.now()
    with transaction.atomic():
        current = Implementation.objects.select_for_update().get(pk=implementation.pk)
        if current.version != expected_version:
            raise EditConflict(current)
        changes = changed_fields(current, values)
        if not changes:
            return current
        for name, value in changes.items():
            setattr(current, name, value)
        if current.status in IMPLIED_PROGRESS:
            current.progress = IMPLIED_PROGRESS[current.status]
        current.version = expected_version + 1
        current.updated_at = when
        current.updated_by = user
        # simple-history reads these to author and date the history entry.
        current._history_user = user
        current._history_date = when
        current.save()
    return current


def describe_changes(older, newer):
    """[(field verbose name, old, new)] between two history records of one row."""
    delta = newer.diff_against(older, included_fields=list(EDITABLE_FIELDS))
    labels = {f.name: f.verbose_name for f in Implementation._meta.fields}
    return [(labels[c.field], c.old, c.new) for c in delta.changes]
