"""The one-screen editor: all factors of one jobcenter in one formset; the review queue."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import roles
from .forms import ReviewActionForm, display_value, editor_formset, find_conflicts
from .models import Implementation, Jobcenter, PendingChange, Status
from .services import (
    EDITABLE_FIELDS,
    EditConflict,
    drafts_for,
    release_change,
    return_change,
    show_draft,
    update_implementation,
)


@require_safe
@login_required
def editor_index(request):
    """The jobcenters the signed-in user may edit, each linked to its editor."""
    jobcenters = Jobcenter.objects.editable_by(request.user).select_related("district")
    return render(request, "jobcenters/editor_index.html", {"jobcenters": jobcenters})


EDITOR_ORDER = ("factor__theme__order", "factor__theme__number", "factor__number")
# What a row shows besides its values: factor and theme, who changed it, its draft.
EDITOR_RELATED = (
    "jobcenter__district",
    "factor__theme",
    "updated_by",
    "pending_change__submitted_by",
    "pending_change__reviewed_by",
)


def _editor_rows(user, ags, drafting):
    """The editable rows of the jobcenter `ags` (one query), each with its draft."""
    rows = list(
        Implementation.objects.editable_by(user)
        .filter(jobcenter__district__ags=ags)
        .select_related(*EDITOR_RELATED)
        .order_by(*EDITOR_ORDER)
    )
    labels = field_labels()
    for row in rows:
        row.draft = getattr(row, "pending_change", None)
        if row.draft is not None:
            row.draft_changes = draft_changes(row, row.draft, labels)
            if drafting:
                # Staff edit their draft; the released values stay as they are.
                show_draft(row, row.draft)
    return rows


def _jobcenter_without_rows(request, ags):
    """The jobcenter `ags` when _editor_rows found nothing: a 404 if there is none, a
    friendly 403 if it is not the user's, else the jobcenter (it has no entries yet)."""
    editable = Jobcenter.objects.editable_by(request.user).filter(pk=OuterRef("pk"))
    jobcenter = (
        Jobcenter.objects.select_related("district")
        .annotate(editable=Exists(editable))
        .filter(district__ags=ags)
        .first()
    )
    if jobcenter is None:
        raise Http404(gettext("No jobcenter has this Kreisschlüssel."))
    if not jobcenter.editable:
        own = Jobcenter.objects.editable_by(request.user).select_related("district")
        context = {"jobcenter": jobcenter, "own": own}
        return render(request, "jobcenters/editor_forbidden.html", context, status=403)
    return jobcenter


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def edit_jobcenter(request, ags):
    """Every implementation row of one jobcenter, grouped by theme, saved all-or-nothing."""
    drafting = drafts_for(request.user)
    rows = _editor_rows(request.user, ags, drafting)
    if rows:
        jobcenter = rows[0].jobcenter
    else:
        jobcenter = _jobcenter_without_rows(request, ags)
        if not isinstance(jobcenter, Jobcenter):
            return jobcenter
    data = request.POST if request.method == "POST" else None
    formset = editor_formset(data, queryset=rows, prefix="rows", form_kwargs={"user": request.user})
    status = 200
    forms = formset.forms
    if data is not None and not formset.matches_rows:
        # A hand-made request, or a page older than the jobcenter's rows.
        messages.error(
            request, gettext("This form does not match the stored entries; please reload the page.")
        )
        formset = editor_formset(queryset=rows, prefix="rows", form_kwargs={"user": request.user})
        forms = formset.forms
        status = 400
    elif data is not None:
        edited = [form for form in forms if form.edited_fields]
        saved = save_rows(edited, user=request.user)
        if saved is not None:
            return _saved(request, jobcenter, edited, drafting)
        # Untouched rows are neither validated nor saved, and are shown as stored.
        forms = [form if form in edited else formset.stored_form(form) for form in forms]
    context = {
        "jobcenter": jobcenter,
        "formset": formset,
        "forms": forms,
        "statuses": list(Status),
        "invalid_forms": [form for form in forms if form.is_bound and form.errors],
        "provisional": any(not row.factor.verified for row in rows),
        "drafting": drafting,
        "reviewer": roles.is_coordinator(request.user),
        "review_required": settings.KJC_REVIEW_REQUIRED,
    }
    return render(request, "jobcenters/editor.html", context, status=status)


def _saved(request, jobcenter, saved, drafting):
    """Back to the saved rows, with a message naming them."""
    url = reverse("jobcenters:edit_jobcenter", args=[jobcenter.district.ags])
    if not saved:
        messages.info(request, gettext("There were no changes to save."))
        return redirect(url)
    numbers = sorted(form.instance.factor.number for form in saved)
    values = {"count": len(numbers), "numbers": ", ".join(map(str, numbers))}
    if drafting:
        text = ngettext(
            "Submitted – %(count)d changed entry: factor %(numbers)s. It is shown publicly "
            "once the coordination office has released it.",
            "Submitted – %(count)d changed entries: factors %(numbers)s. They are shown "
            "publicly once the coordination office has released them.",
            len(numbers),
        )
    else:
        text = ngettext(
            "Saved – %(count)d changed entry: factor %(numbers)s.",
            "Saved – %(count)d changed entries: factors %(numbers)s.",
            len(numbers),
        )
    messages.success(request, text % values)
    return redirect(f"{url}#factor-{numbers[0]}")


def save_rows(forms, *, user):
    """Save the edited rows' forms in one transaction, or none of them.

    Returns the number of rows saved, or None when any row is invalid or was
    changed by someone else meanwhile (each such form then carries its error).
    """
    # Validate every edited row, not just up to the first invalid one, so that each
    # problem row shows its error. (Model validation checks each of the table's check
    # constraints with a query, hence only edited rows come here.)
    valid = [form.is_valid() for form in forms]
    if not all(valid):
        return None
    current = None
    try:
        with transaction.atomic():
            for current in forms:
                update_implementation(
                    implementation=current.instance,
                    values=current.values(),
                    expected_version=current.cleaned_data["version"],
                    user=user,
                )
    except EditConflict as conflict:
        # Someone saved between our check and the row lock; everything was rolled back.
        version = current.cleaned_data["version"]
        stale = {conflict.current: (version, current.edited_fields)}
        found = find_conflicts(stale, user=user)
        current.add_conflict(found[conflict.current.pk], conflict.current.version)
        return None
    return len(forms)


# --- Review step: the coordination office releases or sends back drafts ---------


@dataclass
class ReviewRow:
    draft: PendingChange
    changes: list  # [(label, released value, draft value)]
    outdated: bool  # the released row moved on after the draft was made
    checked: bool = False

    @property
    def key(self):
        return f"{self.draft.pk}-{self.draft.version}"


# Per language, read once per process: the labels are lazy translations.
_FIELD_LABELS = {}


def field_labels():
    """{editable field: its label} in the active language."""
    language = get_language()
    labels = _FIELD_LABELS.get(language)
    if labels is None:
        fields = Implementation._meta
        labels = _FIELD_LABELS[language] = {
            name: capfirst(fields.get_field(name).verbose_name) for name in EDITABLE_FIELDS
        }
    return labels


def draft_changes(released, draft, labels):
    """[(label, released value, draft value)] of the fields a draft changes."""
    return [
        (
            labels[name],
            display_value(name, getattr(released, name)),
            display_value(name, getattr(draft, name)),
        )
        for name in EDITABLE_FIELDS
        if getattr(released, name) != getattr(draft, name)
    ]


def review_rows(pending_changes, chosen=()):
    """A ReviewRow per draft: what release would change, as people read it."""
    labels = field_labels()
    rows = []
    for draft in pending_changes:
        released = draft.implementation
        changes = draft_changes(released, draft, labels)
        row = ReviewRow(draft, changes, released.version != draft.base_version)
        row.checked = row.key in chosen
        rows.append(row)
    return rows


def queued_drafts():
    """Every draft with its released row, jobcenter, factor and people (one query)."""
    return PendingChange.objects.select_related(
        "implementation__jobcenter__district",
        "implementation__factor",
        "submitted_by",
        "reviewed_by",
    ).order_by("implementation__jobcenter__district__ags", "implementation__factor__number")


def _review_page(request, form, status=200):
    pending = queued_drafts()
    chosen = set(form.data.getlist("selected")) if form.is_bound else set()
    rows = review_rows(pending, chosen)
    submitted = [row for row in rows if not row.draft.is_returned]
    returned = [row for row in rows if row.draft.is_returned]
    context = {
        "form": form,
        "has_rows": bool(rows),
        "sections": [
            (
                "submitted",
                gettext("Waiting for release"),
                submitted,
                gettext("No change is waiting for release."),
            ),
            (
                "returned",
                gettext("Sent back to the jobcenter"),
                returned,
                gettext("No change is sent back."),
            ),
        ],
        "review_required": settings.KJC_REVIEW_REQUIRED,
    }
    return render(request, "jobcenters/review_queue.html", context, status=status)


@require_safe
@never_cache
@login_required
@roles.coordinator_required
def review_queue(request):
    """Every unreleased change with its released and new values, for the coordination office."""
    return _review_page(request, ReviewActionForm())


@require_POST
@login_required
@roles.coordinator_required
def review_action(request):
    """Release or send back the chosen drafts in one transaction: all of them, or none."""
    form = ReviewActionForm(request.POST)
    if not form.is_valid():
        return _review_page(request, form, status=400)
    chosen = dict(form.cleaned_data["selected"])
    drafts = {
        draft.pk: draft
        for draft in PendingChange.objects.select_related(
            "implementation__jobcenter", "implementation__factor", "submitted_by"
        ).filter(pk__in=chosen)
    }
    releasing = form.cleaned_data["action"] == ReviewActionForm.RELEASE
    problems = []
    for pk, version in chosen.items():
        draft = drafts.get(pk)
        if draft is None or draft.version != version:
            problems.append(
                gettext("A chosen change was changed or handled by someone else meanwhile.")
            )
        elif releasing and draft.implementation.version != draft.base_version:
            problems.append(
                gettext(
                    "%(jobcenter)s, factor %(number)s: the released entry was changed after "
                    "this draft was made; release would undo that. Send it back instead."
                )
                % {
                    "jobcenter": draft.implementation.jobcenter.name,
                    "number": draft.implementation.factor.number,
                }
            )
    if not problems:
        try:
            with transaction.atomic():
                for draft in drafts.values():
                    if releasing:
                        release_change(pending=draft, user=request.user)
                    else:
                        return_change(
                            pending=draft, user=request.user, comment=form.cleaned_data["comment"]
                        )
        except EditConflict:
            problems.append(
                gettext("A chosen change was changed or handled by someone else meanwhile.")
            )
    if problems:
        for problem in dict.fromkeys(problems):
            form.add_error(None, problem)
        form.add_error(None, gettext("Nothing was released or sent back; please check and retry."))
        return _review_page(request, form, status=409)
    if releasing:
        text = gettext("Released: %(count)s changes are now public.")
    else:
        text = gettext("Sent back: %(count)s changes, with your comment.")
    messages.success(request, text % {"count": len(drafts)})
    return redirect("jobcenters:review_queue")
