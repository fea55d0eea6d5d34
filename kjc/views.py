from django.db import DatabaseError, connection
from django.http import HttpResponse
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


@require_safe
def bench_floor(request):
    """No database, no template: the floor that bench/run compares every page to.

    Routed only with KJC_BENCH=1 (kjc/urls.py)."""
    return HttpResponse(b"ok\n", content_type="text/plain")
