"""The one limit on uploaded files (settings.KJC_UPLOAD_MAX_BYTES), checked before
the request body is read."""

from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect

# An upload's problems are listed up to this many, then counted.
SHOWN_ERRORS = 50
# Room for the multipart envelope around the file (boundaries, CSRF token, file name).
ENVELOPE_BYTES = 64 * 1024


def upload_limit():
    return settings.KJC_UPLOAD_MAX_BYTES


def upload_limit_mb():
    """The limit in MB for messages, e.g. 2 (or 0.5)."""
    megabytes = upload_limit() / (1024 * 1024)
    return int(megabytes) if megabytes.is_integer() else round(megabytes, 1)


def shown_errors(errors):
    """{"errors": the first SHOWN_ERRORS, "more_errors": how many more} for a template."""
    return {"errors": errors[:SHOWN_ERRORS], "more_errors": max(0, len(errors) - SHOWN_ERRORS)}


def bounded_upload(view):
    """Answer 413 with a plain message when the declared body is over the limit,
    before anything reads it.

    Django's CSRF check reads a multipart body (the file) to find its token, so the
    size is checked first and the CSRF check runs after it, in the view's place.
    """
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > upload_limit() + ENVELOPE_BYTES:
            return render(
                request,
                "includes/upload_too_large.html",
                {"max_mb": upload_limit_mb(), "back": request.path},
                status=413,
            )
        return protected(request, *args, **kwargs)

    return csrf_exempt(wrapper)
