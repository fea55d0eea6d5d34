"""The one-screen editor: all factors of one jobcenter in one form; the review queue."""

from dataclasses import dataclass
from itertools import groupby
from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import roles
from .forms import (
    EditorRowForm,
    ReviewActionForm,
    StoredRow,
    display_value,
    find_conflicts,
    listed_rows,
)
from .models import Implementation, Jobcenter, PendingChange, Status
from .rendering import PK_PLACEHOLDER, PlainRows, escape_text
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
    # One reverse() for all links and plain values instead of model instances: with 405
    # jobcenters a {% url %} per row was most of the page. The list items are written
    # here, as the template's loop wrote them: 405 loop steps were most of the rest.
    url = reverse("jobcenters:edit_jobcenter", args=["__ags__"])
    items = "".join(
        f'\n  <li><a href="{escape_text(url.replace("__ags__", ags))}">{escape_text(name)}</a>'
        f" ({escape_text(ags)})</li>\n  "
        for name, ags in Jobcenter.objects.editable_by(request.user).values_list(
            "name", "district__ags"
        )
    )
    return render(request, "jobcenters/editor_index.html", {"items": mark_safe(items)})


EDITOR_ORDER = ("factor__theme__order", "factor__theme__number", "factor__number")


def _editor_rows(implementations, drafting):
    """The rows of the editor as model instances, each with its draft (review step)."""
    # A row's unreleased draft (review step) comes in the same query.
    related = ("factor__theme", "updated_by", "pending_change__submitted_by")
    rows = list(implementations.select_related(*related).order_by(*EDITOR_ORDER))
    for row in rows:
        row.draft = getattr(row, "pending_change", None)
        if row.draft is not None:
            row.draft_changes = draft_changes(row, row.draft, field_labels())
            if drafting:
                # Staff edit their draft; the released values stay as they are.
                show_draft(row, row.draft)
    return rows


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def edit_jobcenter(request, ags):
    """Every implementation row of one jobcenter, grouped by theme, saved all-or-nothing."""
    editable = Jobcenter.objects.editable_by(request.user)
    drafting = drafts_for(request.user)
    page = PlainRows(reverse("admin:jobcenters_implementation_history", args=[PK_PLACEHOLDER]))
    if request.method != "POST":
        # Shown as stored: the rows with the jobcenter's name in one query of plain
        # values. The jobcenter (and the permission check) is a scalar subquery, not a
        # join: PostgreSQL took longer to plan that join of eight tables than to run
        # two queries.
        jobcenter_id = Subquery(editable.filter(district__ags=ags).values("pk")[:1])
        rows, found = listed_rows(
            Implementation.objects.filter(jobcenter_id=jobcenter_id).order_by(*EDITOR_ORDER)
        )
        if found is None:  # no rows: a jobcenter without entries, or none to edit
            jobcenter = get_object_or_404(
                Jobcenter.objects.select_related("district"), district__ags=ags, pk__in=editable
            )
        else:
            jobcenter = {"name": found[0], "district": {"ags": found[1]}}
        # Rows with a draft (review step) are read again as instances with their
        # drafts: one more query, for any number of drafts.
        with_drafts = [row.pk for row in rows if row.draft_id is not None]
        if with_drafts:
            instances = Implementation.objects.filter(pk__in=with_drafts)
            instances = {row.pk: row for row in _editor_rows(instances, drafting)}
            rows = [instances.get(row.pk, row) for row in rows]
        forms = [StoredRow(row, f"row-{row.pk}", page) for row in rows]
    else:
        jobcenter = get_object_or_404(
            Jobcenter.objects.select_related("district"), district__ags=ags, pk__in=editable
        )
        rows = _editor_rows(Implementation.objects.for_jobcenter(jobcenter), drafting)
        forms = [EditorRowForm(request.POST, instance=row, prefix=f"row-{row.pk}") for row in rows]
        # Untouched rows are neither validated nor saved, and are shown as stored.
        forms = [
            form if form.edited_fields else StoredRow(form.instance, form.prefix, page)
            for form in forms
        ]
        saved = save_rows([form for form in forms if form.is_bound], user=request.user)
        if saved is not None:
            if saved and drafting:
                messages.success(
                    request,
                    gettext(
                        "Submitted: %(count)s changed entries. They are shown publicly once "
                        "the coordination office has released them."
                    )
                    % {"count": saved},
                )
            elif saved:
                messages.success(
                    request, gettext("Saved: %(count)s changed entries.") % {"count": saved}
                )
            else:
                messages.info(request, gettext("There were no changes to save."))
            return redirect("jobcenters:edit_jobcenter", ags=jobcenter.district.ags)

    # By the theme's key: rows read as values and as instances carry different objects.
    # (theme, its heading's id, its rows), grouped by the theme's key: rows read as
    # values and as instances carry different theme objects.
    themes = []
    for theme_pk, group in groupby(forms, key=lambda form: form.instance.factor.theme.pk):
        group = list(group)
        theme = group[0].instance.factor.theme
        themes.append((theme, f"theme-{theme_pk}", PlainRows.runs(group)))
    context = {
        "jobcenter": jobcenter,
        "themes": themes,
        "statuses": list(Status),
        "invalid_forms": [form for form in forms if form.is_bound and form.errors],
        "provisional": any(not row.factor.verified for row in rows),
        "drafting": drafting,
        "reviewer": roles.is_coordinator(request.user),
        "review_required": settings.KJC_REVIEW_REQUIRED,
    }
    return render(request, "jobcenters/editor.html", context)


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
        found = find_conflicts({conflict.current: (version, current.edited_fields)})
        current.add_conflict(found[conflict.current.pk], conflict.current.version)
        return None
    return len(forms)


# --- Review step: the coordination office releases or sends back drafts ---------


@dataclass
class ReviewRow:
    draft: PendingChange  # or what queued_drafts() gives for one
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
    """Every draft with what the review queue shows of it, in one query of plain values
    (six model instances per draft, and their columns, were most of the page's time):
    objects with the attributes of a PendingChange and its implementation, jobcenter,
    district and factor that review_rows and the template read; users as their names
    (what str(user) gives)."""
    username = get_user_model().USERNAME_FIELD
    draft_fields = (
        "pk",
        "version",
        "base_version",
        "state",
        "review_comment",
        f"reviewed_by__{username}",
        "reviewed_at",
        "submitted_at",
        f"submitted_by__{username}",
        *EDITABLE_FIELDS,
    )
    released_fields = ("version", *EDITABLE_FIELDS)
    values = PendingChange.objects.order_by(
        "implementation__jobcenter__district__ags", "implementation__factor__number"
    ).values_list(
        *draft_fields,
        *(f"implementation__{name}" for name in released_fields),
        "implementation__jobcenter__name",
        "implementation__jobcenter__district__ags",
        "implementation__factor__number",
        "implementation__factor__title",
    )
    drafts = []
    split = len(draft_fields) + len(released_fields)
    for row in values:
        draft = SimpleNamespace(**dict(zip(draft_fields, row[: len(draft_fields)], strict=True)))
        draft.reviewed_by = getattr(draft, f"reviewed_by__{username}")
        draft.submitted_by = getattr(draft, f"submitted_by__{username}")
        draft.is_returned = draft.state == PendingChange.State.RETURNED
        released = row[len(draft_fields) : split]
        released = SimpleNamespace(**dict(zip(released_fields, released, strict=True)))
        name, ags, number, title = row[split:]
        released.jobcenter = SimpleNamespace(name=name, district=SimpleNamespace(ags=ags))
        released.factor = SimpleNamespace(number=number, title=title)
        draft.implementation = released
        drafts.append(draft)
    return drafts


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


def _require_coordinator(user):
    if not roles.is_coordinator(user):
        raise PermissionDenied(gettext("Only the coordination office reviews changes."))


@require_safe
@never_cache
@login_required
def review_queue(request):
    """Every unreleased change with its released and new values, for the coordination office."""
    _require_coordinator(request.user)
    return _review_page(request, ReviewActionForm())


@require_POST
@login_required
def review_action(request):
    """Release or send back the chosen drafts in one transaction: all of them, or none."""
    _require_coordinator(request.user)
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
