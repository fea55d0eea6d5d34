"""Read-only JSON API, documented on the open-data page (/daten/)."""

from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from pagecache.decorators import static_page

from . import conditional, exports, history
from .forms import ApiMatrixParamsForm, ExportParamsForm

PAGE_OUT_OF_RANGE = _("There is no such page: the data ends before it.")
NO_SUCH_ENDPOINT = _("There is no such API address; /api/v1/ lists the endpoints.")

# Rows per page of /api/v1/matrix: Hesse's 560 rows fit on one page; nationwide
# (~14,000 rows, 5.7 MB of JSON in one answer) a client pages with ?seite=N, and the
# whole table stays available as a download on /daten/.
MATRIX_PAGE_SIZE = 1000


def _json(payload, status=200):
    response = JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})
    # Open data: any site may read it from a browser.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _form(request, form_class=ExportParamsForm):
    form = form_class(request.GET)
    if not form.is_valid():
        return form, _json({"error": form.error_text()}, status=400)
    return form, None


@static_page
def index(request):
    """GET /api/v1/: what the API offers and where it is documented (no query)."""
    return _json(
        {
            "endpoints": {
                "matrix": request.build_absolute_uri(reverse("reports:api_matrix")),
                "aggregates": request.build_absolute_uri(reverse("reports:api_aggregates")),
            },
            "parameters": [
                "stichtag=YYYY-MM-DD",
                "faktor=N (matrix)",
                "jobcenter=AGS (matrix)",
                f"seite=N (matrix, {MATRIX_PAGE_SIZE} rows per page)",
            ],
            "documentation": request.build_absolute_uri(reverse("reports:open_data")),
            "openapi": request.build_absolute_uri(reverse("opendata:openapi")),
            "licence": exports.LICENCE,
            "attribution": exports.ATTRIBUTION,
        }
    )


def _page_url(request, page):
    query = request.GET.copy()
    query["seite"] = page
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


@conditional.public_data(params=ApiMatrixParamsForm)
def matrix(request):
    """GET /api/v1/matrix[?stichtag=YYYY-MM-DD][&faktor=N][&jobcenter=AGS][&seite=N]"""
    form, error = _form(request, ApiMatrixParamsForm)
    if error:
        return error
    params = form.cleaned_data
    page = params["seite"] or 1
    at = history.end_of_day(params["stichtag"]) if params["stichtag"] else None
    # One row more than a page tells whether another page follows, without a count.
    rows = exports.matrix_rows(
        at=at,
        factor_number=params["faktor"],
        ags=params["jobcenter"] or None,
        limit=MATRIX_PAGE_SIZE + 1,
        offset=(page - 1) * MATRIX_PAGE_SIZE,
    )
    if not rows and page > 1:
        return _json({"error": str(PAGE_OUT_OF_RANGE)}, status=404)
    meta = exports.meta(
        dataset="matrix",
        as_of=params["stichtag"],
        last_modified=conditional.last_change(request),
    )
    meta["page"] = page
    meta["page_size"] = MATRIX_PAGE_SIZE
    meta["next"] = _page_url(request, page + 1) if len(rows) > MATRIX_PAGE_SIZE else None
    meta["previous"] = _page_url(request, page - 1) if page > 1 else None
    return _json(
        {
            "meta": meta,
            "data": exports.to_json_rows(rows[:MATRIX_PAGE_SIZE], exports.MATRIX_COLUMNS),
        }
    )


@conditional.public_data(params=ExportParamsForm)
def aggregates(request):
    """GET /api/v1/aggregates[?stichtag=YYYY-MM-DD]: per status, factor, jobcenter, theme."""
    form, error = _form(request)
    if error:
        return error
    params = form.cleaned_data
    if params["faktor"] or params["jobcenter"]:
        return _json({"error": str(exports.ONLY_MATRIX_FILTERS)}, status=400)
    at = history.end_of_day(params["stichtag"]) if params["stichtag"] else None
    by_factor, by_jobcenter, by_theme = exports.aggregate_rows(at=at)
    return _json(
        {
            "meta": exports.meta(
                dataset="aggregates",
                as_of=params["stichtag"],
                last_modified=conditional.last_change(request),
            ),
            "by_status": exports.status_rows(by_factor),
            "by_factor": exports.to_json_rows(by_factor, exports.FACTOR_COLUMNS),
            "by_jobcenter": exports.to_json_rows(by_jobcenter, exports.JOBCENTER_COLUMNS),
            "by_theme": exports.to_json_rows(by_theme, exports.THEME_COLUMNS),
        }
    )


@require_safe
def not_found(request, rest=""):
    """Any other address under /api/v1/: a JSON 404, as a client expects, never HTML."""
    return _json({"error": str(NO_SUCH_ENDPOINT)}, status=404)
