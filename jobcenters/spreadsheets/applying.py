"""Applying a checked change set: every row or none, in one transaction."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jobcenters.models import Implementation, Jobcenter
from jobcenters.services import EditConflict, draft_versions, drafts_for, update_implementation

from .checking import RowError


class ImportRefused(Exception):
    """Nothing was written; `errors` says why, row by row."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(e.message for e in errors))


def apply_import(changes, *, user, when=None):
    """Write every change or none, each under `user` in the history.

    Refuses the whole set when a row was changed after the preview or the user
    may no longer edit its jobcenter. Returns the number of rows written.
    """
    when = when or timezone.now()
    with transaction.atomic():
        rows = {
            impl.pk: impl
            for impl in Implementation.objects.select_for_update()
            .filter(
                pk__in=[c.pk for c in changes],
                jobcenter__in=Jobcenter.objects.editable_by(user),
            )
            .only("pk", "version")
        }
        errors = _stale_rows(changes, rows, user)
        if errors:
            raise ImportRefused(errors)
        for change in changes:
            try:
                update_implementation(
                    implementation=rows[change.pk],
                    values=change.values(),
                    expected_version=change.version,
                    user=user,
                    when=when,
                )
            except EditConflict as exc:
                raise ImportRefused([RowError(change.line, _conflict_message(change))]) from exc
    return len(changes)


def _stale_rows(changes, rows, user):
    """A RowError for each change whose row the user may no longer edit or that was
    changed after the preview."""
    # Under the review step a row with a draft is edited from the draft's version.
    versions = draft_versions(rows) if drafts_for(user) else {}
    errors = []
    for change in changes:
        impl = rows.get(change.pk)
        if impl is None:
            errors.append(
                RowError(
                    change.line,
                    _("You may not change the jobcenter %(ags)s.") % {"ags": change.ags},
                )
            )
        elif versions.get(impl.pk, impl.version) != change.version:
            errors.append(RowError(change.line, _conflict_message(change)))
    return errors


def _conflict_message(change):
    return _(
        "Factor %(number)s of %(ags)s was changed by someone else after the preview; "
        "nothing was imported. Please upload the file again."
    ) % {"number": change.factor, "ags": change.ags}
