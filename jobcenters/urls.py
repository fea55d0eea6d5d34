from django.urls import path  # noqa: F401

app_name = "jobcenters"

urlpatterns = []

# --- Spreadsheet export and import of implementation statuses ---
from . import views_spreadsheets  # noqa: E402

urlpatterns += [
    path(
        "bearbeiten/alle/export.<str:fmt>",
        views_spreadsheets.export_all_status,
        name="export_all_status",
    ),
    path("bearbeiten/alle/import/", views_spreadsheets.import_all_status, name="import_all_status"),
    path(
        "bearbeiten/<str:ags>/export.<str:fmt>",
        views_spreadsheets.export_status,
        name="export_status",
    ),
    path("bearbeiten/<str:ags>/import/", views_spreadsheets.import_status, name="import_status"),
]
