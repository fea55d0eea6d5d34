"""The one-screen editor: all factors of one jobcenter in one form."""

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_safe

from .forms import EditorRowForm, find_conflicts
from .models import Implementation, Jobcenter, Status
from .services import EditConflict, update_implementation


@require_safe
@login_required
def editor_index(request):
    """The jobcenters the signed-in user may edit, each linked to its editor."""
    jobcenters = Jobcenter.objects.editable_by(request.user).select_related("district")
    return render(request, "jobcenters/editor_index.html", {"jobcenters": jobcenters})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def edit_jobcenter(request, ags):
    """Every implementation row of one jobcenter, grouped by theme, saved all-or-nothing."""
    jobcenter = get_object_or_404(
        Jobcenter.objects.select_related("district"),
        district__ags=ags,
        pk__in=Jobcenter.objects.editable_by(request.user),
    )
    rows = list(
        Implementation.objects.for_jobcenter(jobcenter)
        .select_related("factor__theme", "updated_by")
        .order_by("factor__theme__order", "factor__theme__number", "factor__number")
    )
    data = request.POST if request.method == "POST" else None
    forms = [EditorRowForm(data, instance=row, prefix=f"row-{row.pk}") for row in rows]

    if request.method == "POST":
        # Untouched rows are neither validated nor saved, and are shown as stored.
        forms = [
            form
            if form.edited_fields
            else EditorRowForm(instance=form.instance, prefix=form.prefix)
            for form in forms
        ]
        saved = save_rows([form for form in forms if form.is_bound], user=request.user)
        if saved is not None:
            if saved:
                messages.success(
                    request, gettext("Saved: %(count)s changed entries.") % {"count": saved}
                )
            else:
                messages.info(request, gettext("There were no changes to save."))
            return redirect("jobcenters:edit_jobcenter", ags=jobcenter.district.ags)

    themes = [
        (theme, list(group))
        for theme, group in groupby(forms, key=lambda form: form.instance.factor.theme)
    ]
    context = {
        "jobcenter": jobcenter,
        "themes": themes,
        "statuses": list(Status),
        "invalid_forms": [form for form in forms if form.is_bound and form.errors],
        "provisional": any(not row.factor.verified for row in rows),
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
