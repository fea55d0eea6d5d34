"""The official catalogue upload (coordination office): a dry run, then apply."""

import base64
import secrets
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kjc.uploads import bounded_upload, shown_errors

from . import importing

SESSION_KEY = "kjc_catalogue_import"
# A preview can be confirmed for this long; after that, upload again.
PREVIEW_LIFETIME = 60 * 60
TEMPLATE = "factors/catalogue_import.html"


def _changes(result):
    return [[change.number, list(change.fields)] for change in result.changes]


def _refused(request, context, errors, status):
    context.update(shown_errors([str(e) for e in errors]))
    return render(request, TEMPLATE, context, status=status)


@bounded_upload
@require_http_methods(["GET", "POST"])
@login_required
# Only the coordination office may change factors (jobcenters.roles).
@permission_required("factors.change_factor", raise_exception=True)
def import_catalogue(request):
    """Upload the official catalogue CSV: a dry run first, then apply on confirmation.

    The uploaded bytes stay in the (server-side) session between the two steps;
    on confirmation the file is checked again and applied only if it still
    makes exactly the changes the preview showed.
    """
    context = {"max_kb": importing.MAX_BYTES // 1024}
    if request.method == "GET":
        return render(request, TEMPLATE, context)
    if "token" in request.POST:
        return _apply(request, context)
    upload = request.FILES.get("file")
    if upload is None:
        return _refused(request, context, [_("Please choose a file.")], 400)
    # One byte more than allowed tells that the file is too big; the importer says so.
    data = upload.read(importing.MAX_BYTES + 1)
    result = importing.import_catalogue(data=data, filename=upload.name, dry_run=True)
    context["result"] = result
    if not result.ok:
        return _refused(request, context, result.errors, 400)
    if result.changes or result.new_themes:
        token = secrets.token_urlsafe(16)
        request.session[SESSION_KEY] = {
            "token": token,
            "created": time.time(),
            "user": request.user.pk,
            "filename": upload.name,
            "data": base64.b64encode(data).decode("ascii"),
            "changes": _changes(result),
        }
        context["token"] = token
    return render(request, TEMPLATE, context)


def _apply(request, context):
    entry = request.session.pop(SESSION_KEY, None)
    if (
        entry is None
        or entry["token"] != request.POST["token"]
        or entry["user"] != request.user.pk
        or time.time() - entry["created"] >= PREVIEW_LIFETIME
    ):
        message = _("This preview has expired or was already used; please upload again.")
        return _refused(request, context, [message], 400)
    data = base64.b64decode(entry["data"])
    check = importing.import_catalogue(data=data, filename=entry["filename"], dry_run=True)
    if not check.ok or _changes(check) != entry["changes"]:
        message = _(
            "The catalogue was changed after the preview; nothing was imported. "
            "Please upload the file again."
        )
        return _refused(request, context, [message], 409)
    result = importing.import_catalogue(data=data, filename=entry["filename"])
    if not result.ok:
        return _refused(request, context, result.errors, 409)
    messages.success(
        request,
        _("Catalogue imported: %(changed)s factors changed, %(themes)s new themes.")
        % {"changed": len(result.changes), "themes": len(result.new_themes)},
    )
    return redirect("factors:import_catalogue")
