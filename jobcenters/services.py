"""Actions that write implementation statuses. Each is one transaction."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import roles
from .models import Implementation, PendingChange, implied_progress

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


def drafts_for(user):
    """Whether this user's changes become drafts that wait for release (review step)."""
    return settings.KJC_REVIEW_REQUIRED and not roles.is_coordinator(user)


def show_draft(row, draft):
    """Let an Implementation (in memory only) show its draft's values and version, so a
    form or spreadsheet starts from the draft and its saves name the draft's version."""
    for name in EDITABLE_FIELDS:
        setattr(row, name, getattr(draft, name))
    row.version = draft.version
    row.shown_draft = draft
    return row


def shows_drafts(user):
    """Whether `user` edits from their drafts (see `as_edited_by`)."""
    return drafts_for(user) and not roles.sees_everything(user)


def as_edited_by(rows, user):
    """Rows as `user` edits them: under the review step, jobcenter staff see their
    drafts (needs select_related("pending_change")); everyone else the released rows."""
    rows = list(rows)
    if shows_drafts(user):
        for row in rows:
            draft = getattr(row, "pending_change", None)
            if draft is not None:
                show_draft(row, draft)
    return rows


def draft_versions(implementation_ids):
    """{implementation id: draft version} of the rows that have a draft (one query)."""
    return dict(
        PendingChange.objects.filter(implementation_id__in=implementation_ids).values_list(
            "implementation_id", "version"
        )
    )


def update_implementation(*, implementation, values, expected_version, user, when=None):
    """Write the edited fields of one row, keep a history entry, bump its version.

    `implementation` only names the row: it is read again under a row lock
    (SELECT ... FOR UPDATE on PostgreSQL; SQLite runs IMMEDIATE transactions),
    so two editors can never both win. Raises EditConflict when the stored
    version is no longer `expected_version`; nothing is written then.
    Returns the stored row, unchanged if no value differs.

    With the review step on (settings.KJC_REVIEW_REQUIRED) and a user who is not
    in the coordination office, the released row is left alone: the change goes
    into the row's PendingChange instead (see `submit_change`), which is returned.
    """
    if drafts_for(user):
        return submit_change(
            implementation=implementation,
            values=values,
            expected_version=expected_version,
            user=user,
            when=when,
        )
    when = when or timezone.now()
    with transaction.atomic():
        current = Implementation.objects.select_for_update().get(pk=implementation.pk)
        if current.version != expected_version:
            raise EditConflict(current)
        return _write(current, values, user=user, when=when)


def _write(current, values, *, user, when, reason=None, version=None):
    """Apply `values` to a locked row; the caller holds the transaction."""
    changes = changed_fields(current, values)
    if not changes:
        return current
    for name, value in changes.items():
        setattr(current, name, value)
    current.progress = implied_progress(current.status, current.progress)
    if current.is_demo and user is not None and not roles.is_demo_account(user):
        # A real person's report: the entry is no longer an invented example. (Only a
        # demo row asks for the author's groups, once per user object.)
        current.is_demo = False
    current.version = max(current.version + 1, version or 0)
    current.updated_at = when
    current.updated_by = user
    # simple-history reads these to author and date the history entry.
    current._history_user = user
    current._history_date = when
    if reason:
        current._change_reason = reason
    current.save()
    return current


def submit_change(*, implementation, values, expected_version, user, when=None):
    """Put a change into the row's draft (created if none), state "submitted".

    `expected_version` is the draft's version when a draft exists, else the
    released row's version; anything else raises EditConflict with the current
    draft (or row). A draft whose values come back to the released ones is
    withdrawn (deleted) and None is returned; otherwise the draft is returned.
    """
    when = when or timezone.now()
    with transaction.atomic():
        released = Implementation.objects.select_for_update().get(pk=implementation.pk)
        draft = PendingChange.objects.select_for_update().filter(implementation=released).first()
        if draft is None:
            if released.version != expected_version:
                raise EditConflict(released)
            draft = PendingChange(
                implementation=released,
                base_version=released.version,
                # Above the released version, so no editor still holding that one matches.
                version=released.version,
                **{name: getattr(released, name) for name in EDITABLE_FIELDS},
            )
        elif draft.version != expected_version:
            raise EditConflict(draft)
        changes = changed_fields(draft, values)
        if not changes and draft.pk is not None and not draft.is_returned:
            return draft
        for name, value in changes.items():
            setattr(draft, name, value)
        draft.progress = implied_progress(draft.status, draft.progress)
        if draft.pk is not None and not changed_fields(
            released, {name: getattr(draft, name) for name in EDITABLE_FIELDS}
        ):
            # Edited back to the released values: nothing is left to review.
            draft._history_user = user
            draft._history_date = when
            draft.delete()
            return None
        if draft.pk is None and not changes:
            return None
        draft.version += 1
        draft.state = PendingChange.State.SUBMITTED
        draft.submitted_by = user
        draft.submitted_at = when
        draft._history_user = user
        draft._history_date = when
        draft.save()
    return draft


def release_change(*, pending, user, when=None):
    """Apply a draft to the released row and remove the draft.

    The history entry of the released row is authored by the draft's submitter
    (who changed it) and names the releasing coordinator as its change reason;
    the draft's own history records the release by the coordinator. Raises
    EditConflict when the released row changed after the draft was made from it,
    or the draft changed after `pending` was read (its version); nothing is
    written then.
    """
    roles.check_coordinator(user)
    when = when or timezone.now()
    with transaction.atomic():
        released = Implementation.objects.select_for_update().get(pk=pending.implementation_id)
        draft = PendingChange.objects.select_for_update().filter(pk=pending.pk).first()
        if draft is None or draft.version != pending.version:
            raise EditConflict(draft or released)
        if released.version != draft.base_version:
            raise EditConflict(released)
        # The same version means the same draft, so `pending`'s (maybe already loaded)
        # submitter is the one to name.
        author = pending.submitted_by or user
        _write(
            released,
            {name: getattr(draft, name) for name in EDITABLE_FIELDS},
            user=author,
            when=when,
            reason=_("released by %(user)s") % {"user": user.get_username()},
            # The draft's version: an editor that showed the draft now holds the
            # released row's version, whose values are the ones it showed.
            version=draft.version,
        )
        draft.reviewed_by = user
        draft.reviewed_at = when
        draft._history_user = user
        draft._history_date = when
        draft.delete()
    return released


def return_change(*, pending, user, comment, when=None):
    """Send a draft back to the jobcenter with a comment; the released row stays as it is.

    Raises ValidationError without a comment and EditConflict when the draft
    changed after `pending` was read.
    """
    roles.check_coordinator(user)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(
            {"comment": _("Please say why the change is sent back.")}, code="required"
        )
    when = when or timezone.now()
    with transaction.atomic():
        draft = PendingChange.objects.select_for_update().filter(pk=pending.pk).first()
        if draft is None or draft.version != pending.version:
            raise EditConflict(draft or pending.implementation)
        draft.state = PendingChange.State.RETURNED
        draft.review_comment = comment
        draft.reviewed_by = user
        draft.reviewed_at = when
        draft._history_user = user
        draft._history_date = when
        draft.save()
    return draft
