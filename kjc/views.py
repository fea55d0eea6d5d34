from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.utils import translation
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers a trivial query, 503 (no trace) when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


BENCH_FLOOR_MAX_BYTES = 16 * 1024 * 1024


@require_safe
def bench_floor(request):
    """No database, no template: the floor that bench/run compares every page to.

    `?bytes=N` sends a body of N bytes (up to BENCH_FLOOR_MAX_BYTES): the floor of a big
    page sent uncompressed, which is bound by the bytes it moves. Routed only with
    KJC_BENCH=1 (kjc/urls.py)."""
    size = request.GET.get("bytes", "")
    if size.isdigit() and 0 < int(size) <= BENCH_FLOOR_MAX_BYTES:
        return HttpResponse(b"." * int(size), content_type="text/plain")
    return HttpResponse(b"ok\n", content_type="text/plain")


def bad_request(request, exception):
    """Django's 400 page in the language of the request, or the site's when the request
    was refused before LocaleMiddleware ran (a foreign Host): never in whatever language
    an earlier request left active in this worker thread."""
    with translation.override(getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)):
        return defaults.bad_request(request, exception)
