"""Spreadsheet export and the two-step import (preview, then apply) as plain views."""

import secrets
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from kjc.uploads import bounded_upload, shown_errors, upload_limit, upload_limit_mb

from . import roles, spreadsheets
from .models import Jobcenter
from .services import drafts_for

FORMATS = {
    "xlsx": (spreadsheets.write_xlsx, spreadsheets.XLSX_CONTENT_TYPE),
    "csv": (spreadsheets.write_csv, spreadsheets.CSV_CONTENT_TYPE),
}
SESSION_KEY = "kjc_status_imports"
# A preview can be confirmed for this long; after that, upload again.
PREVIEW_LIFETIME = 60 * 60
KEPT_PREVIEWS = 3
TEMPLATE = "jobcenters/spreadsheets/import.html"


def _export(jobcenters, jobcenter, fmt, user=None):
    if fmt not in FORMATS:
        raise Http404
    writer, content_type = FORMATS[fmt]
    body = writer(spreadsheets.implementations_for_export(jobcenters, user=user))
    response = HttpResponse(body, content_type=content_type)
    filename = spreadsheets.export_filename(jobcenter, fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@login_required
def export_status(request, ags, fmt=None):
    """One jobcenter's rows, for everyone who may read its internal data."""
    jobcenter = get_object_or_404(
        Jobcenter.objects.visible_to(request.user).select_related("district"), district__ags=ags
    )
    fmt = fmt or request.GET.get("format", "xlsx")
    return _export([jobcenter], jobcenter, fmt, request.user)


@require_safe
@login_required
def export_all_status(request, fmt=None):
    """Every jobcenter's rows in one file, for the coordination office and directors."""
    if not roles.sees_everything(request.user):
        raise PermissionDenied
    fmt = fmt or request.GET.get("format", "xlsx")
    return _export(Jobcenter.objects.visible_to(request.user), None, fmt)


@bounded_upload
@require_http_methods(["GET", "POST"])
@login_required
def import_status(request, ags):
    """Upload one jobcenter's file, see every change, then confirm."""
    jobcenter = get_object_or_404(
        Jobcenter.objects.editable_by(request.user).select_related("district"), district__ags=ags
    )
    return _import(request, jobcenter)


@bounded_upload
@require_http_methods(["GET", "POST"])
@login_required
def import_all_status(request):
    """Upload a file with rows of several jobcenters (coordination office)."""
    if not roles.is_coordinator(request.user):
        raise PermissionDenied
    return _import(request, None)


def _import_url(jobcenter):
    if jobcenter is None:
        return reverse("jobcenters:import_all_status")
    return reverse("jobcenters:import_status", args=[jobcenter.district.ags])


def _import(request, jobcenter):
    context = {"jobcenter": jobcenter, "max_mb": upload_limit_mb()}
    if request.method == "POST" and "token" in request.POST:
        return _apply(request, jobcenter, context)
    if request.method != "POST":
        return render(request, TEMPLATE, context)
    upload = request.FILES.get("file")
    if upload is None:
        errors = [spreadsheets.RowError(None, _("Please choose a file."))]
    elif upload.size > upload_limit():
        errors = [
            spreadsheets.RowError(
                None,
                _("The file is larger than %(limit)s MB; please split it.")
                % {"limit": context["max_mb"]},
            )
        ]
    else:
        preview = spreadsheets.preview_import(upload.read(), user=request.user, jobcenter=jobcenter)
        context["preview"] = preview
        errors = preview.errors
        if not preview.errors and preview.changes:
            context["token"] = _remember(request, jobcenter, preview.changes)
    context.update(shown_errors(errors))
    return render(request, TEMPLATE, context, status=400 if errors else 200)


def _remember(request, jobcenter, changes):
    """Keep the checked change set server-side until it is confirmed."""
    stored = request.session.get(SESSION_KEY, {})
    now = time.time()
    stored = {
        token: entry for token, entry in stored.items() if now - entry["created"] < PREVIEW_LIFETIME
    }
    while len(stored) >= KEPT_PREVIEWS:
        stored.pop(min(stored, key=lambda t: stored[t]["created"]))
    token = secrets.token_urlsafe(16)
    stored[token] = {
        "created": now,
        "user": request.user.pk,
        "scope": jobcenter.pk if jobcenter else None,
        "changes": [change.to_session() for change in changes],
    }
    request.session[SESSION_KEY] = stored
    return token


def _apply(request, jobcenter, context):
    stored = request.session.get(SESSION_KEY, {})
    entry = stored.get(request.POST["token"])
    scope = jobcenter.pk if jobcenter else None
    if (
        entry is None
        or entry["user"] != request.user.pk
        or entry["scope"] != scope
        or time.time() - entry["created"] >= PREVIEW_LIFETIME
    ):
        context["errors"] = [
            spreadsheets.RowError(
                None, _("This preview has expired or was already used; please upload again.")
            )
        ]
        return render(request, TEMPLATE, context, status=400)
    changes = [spreadsheets.RowChange.from_session(c) for c in entry["changes"]]
    # Used once, whatever happens next: a refused set must be checked again.
    del stored[request.POST["token"]]
    request.session[SESSION_KEY] = stored
    try:
        count = spreadsheets.apply_import(changes, user=request.user)
    except spreadsheets.ImportRefused as exc:
        context.update(shown_errors(exc.errors))
        return render(request, TEMPLATE, context, status=409)
    if drafts_for(request.user):
        text = _(
            "Submitted from the file: %(count)s entries. They are shown publicly once the "
            "coordination office has released them."
        )
    else:
        text = _("Entries updated from the file: %(count)s.")
    messages.success(request, text % {"count": count})
    return redirect(_import_url(jobcenter))
