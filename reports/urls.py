from django.urls import path, re_path

from . import api, views

app_name = "reports"

_DATASETS = "matrix|faktoren|jobcenter|handlungsfelder"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("daten/", views.open_data, name="open_data"),
    re_path(
        rf"^daten/(?P<dataset>{_DATASETS})-(?P<variant>excel)\.(?P<fmt>csv)$",
        views.download,
        name="download_excel",
    ),
    re_path(
        rf"^daten/(?P<dataset>{_DATASETS})\.(?P<fmt>csv|json)$", views.download, name="download"
    ),
    path("api/v1/", api.index, name="api_index"),
    path("api/v1/matrix", api.matrix, name="api_matrix"),
    path("api/v1/aggregates", api.aggregates, name="api_aggregates"),
    # After every other /api/v1/ address (opendata's openapi.json is included before).
    re_path(r"^api/v1/(?P<rest>.*)$", api.not_found, name="api_not_found"),
]
