from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from factors.models import Factor
from jobcenters.models import Jobcenter, Status

from . import api, conditional, exports, history
from . import dashboard as dashboard_data
from .forms import DashboardForm, ExportParamsForm
from .models import Stichtag
from .xlsx import XLSX_CONTENT_TYPE, dashboard_workbook


def _bad_request(form):
    return HttpResponseBadRequest(form.error_text(), content_type="text/plain; charset=utf-8")


def _attachment(response, name, day):
    response["Content-Disposition"] = f'attachment; filename="kjc-monitor-{name}-{day}"'
    return response


@conditional.public_data
def open_data(request):
    """Downloads of the public data and the documentation of the JSON API."""
    example = exports.to_json_rows(exports.matrix_rows(limit=1), exports.MATRIX_COLUMNS)
    factors = Factor.objects.in_catalogue_order().values_list("number", "title")
    jobcenters = Jobcenter.objects.values_list("name", "district__ags")
    context = {
        # The matrix download addresses are reversed once, not once per factor and
        # jobcenter: the links differ only in the query string.
        "datasets": [
            {
                "slug": slug,
                "title": title,
                "columns": columns,
                "urls": exports.download_urls(slug),
            }
            for slug, (title, columns) in exports.DATASETS.items()
        ],
        "matrix_urls": exports.download_urls("matrix"),
        "api_urls": {
            "index": reverse("reports:api_index"),
            "matrix": reverse("reports:api_matrix"),
            "aggregates": reverse("reports:api_aggregates"),
        },
        "matrix_downloads": [
            (
                "per-factor-heading",
                _("Per factor"),
                _("The status of all jobcenters for one factor"),
                [(f"{n}. {title}", urlencode({"faktor": n})) for n, title in factors],
            ),
            (
                "per-jobcenter-heading",
                _("Per jobcenter"),
                _("All factors of one jobcenter"),
                [(f"{name} ({ags})", urlencode({"jobcenter": ags})) for name, ags in jobcenters],
            ),
        ],
        "stichtage": list(Stichtag.objects.all()),
        "statuses": list(Status),
        "licence": exports.LICENCE,
        "attribution": exports.ATTRIBUTION,
        "example": exports.to_json({"data": example}) if example else "",
        "stand": conditional.stand(request),
        "page_size": api.MATRIX_PAGE_SIZE,
    }
    return render(request, "reports/open_data.html", context)


def _dataset(dataset, params):
    """(columns, rows, name) of a public dataset for validated `params`."""
    at = history.end_of_day(params["stichtag"]) if params["stichtag"] else None
    if dataset == "matrix":
        name = "matrix"
        if params["faktor"]:
            name += f"-faktor-{params['faktor']:02d}"
        if params["jobcenter"]:
            name += f"-{params['jobcenter']}"
        rows = exports.matrix_rows(
            at=at, factor_number=params["faktor"], ags=params["jobcenter"] or None
        )
        return exports.MATRIX_COLUMNS, rows, name
    return exports.DATASETS[dataset][1], exports.DATASET_ROWS[dataset](at=at), dataset


def _export_params(request, dataset):
    form = ExportParamsForm(request.GET)
    only_matrix = ("faktor", "jobcenter")
    if (
        form.is_valid()
        and dataset != "matrix"
        and any(form.cleaned_data[name] for name in only_matrix)
    ):
        form.add_error(None, exports.ONLY_MATRIX_FILTERS)
    return form


@conditional.public_data(params=ExportParamsForm)
def download(request, dataset, fmt, variant=""):
    """/daten/<dataset>.csv, <dataset>-excel.csv and <dataset>.json."""
    form = _export_params(request, dataset)
    if not form.is_valid():
        return _bad_request(form)
    params = form.cleaned_data
    columns, rows, name = _dataset(dataset, params)
    day = (params["stichtag"] or timezone.localdate()).isoformat()
    if fmt == "json":
        meta = exports.meta(
            dataset=dataset,
            as_of=params["stichtag"],
            last_modified=conditional.last_change(request),
            stand=conditional.stand(request),
        )
        body = exports.to_json_download(meta, exports.to_json_rows(rows, columns))
        response = HttpResponse(body, content_type="application/json")
        return _attachment(response, name, f"{day}.json")
    excel = variant == "excel"
    response = HttpResponse(
        exports.to_csv(rows, columns, excel=excel), content_type="text/csv; charset=utf-8"
    )
    return _attachment(response, f"{name}-excel" if excel else name, f"{day}.csv")


def _dashboard(request):
    """(form, Dashboard) for the request's parameters; the form is validated."""
    factors = dashboard_data.catalogue()
    form = DashboardForm(request.GET or None, subjects=dashboard_data.trend_subjects(factors))
    if form.is_bound:
        form.is_valid()
    dash = dashboard_data.build(
        request.user, form, factors, version=conditional.data_version(request)
    )
    return form, dash


@require_safe
@never_cache  # internal notes: no copy in any browser or proxy cache
@login_required
def dashboard(request):
    """Internal overview for signed-in users, scoped to the jobcenters they may read."""
    form, dash = _dashboard(request)
    context = {
        "form": form,
        "dash": dash,
        "chart": dashboard_data.trend_chart(dash.trend),
        "query": request.GET.urlencode(),
        "compare_tables": [
            (_("Per factor"), _("Factor"), dash.compare_factors),
            (_("Per jobcenter"), _("Jobcenter"), dash.compare_jobcenters),
        ],
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "reports/dashboard.html", context, status=status)


@require_safe
@never_cache
@login_required
def dashboard_xlsx(request):
    """The dashboard's current view (same parameters) as an XLSX workbook."""
    form, dash = _dashboard(request)
    if form.is_bound and form.errors:
        return _bad_request(form)
    response = HttpResponse(dashboard_workbook(dash), content_type=XLSX_CONTENT_TYPE)
    return _attachment(response, "dashboard", f"{timezone.localdate().isoformat()}.xlsx")
