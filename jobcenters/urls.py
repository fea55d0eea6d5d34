from django.urls import path

from . import views

app_name = "jobcenters"

urlpatterns = [
    path("bearbeiten/", views.editor_index, name="editor_index"),
    path("bearbeiten/<str:ags>/", views.edit_jobcenter, name="edit_jobcenter"),
]

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
    # The same exports with the format in the query string (?format=csv; default xlsx).
    path("bearbeiten/alle/export/", views_spreadsheets.export_all_status, name="export_all_status"),
    path("bearbeiten/<str:ags>/export/", views_spreadsheets.export_status, name="export_status"),
]

# --- Review step (settings.KJC_REVIEW_REQUIRED) ---
urlpatterns += [
    path("freigabe/", views.review_queue, name="review_queue"),
    path("freigabe/aktion/", views.review_action, name="review_action"),
]
