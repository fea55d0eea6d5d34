from django.urls import path

from . import views

app_name = "factors"

urlpatterns = [
    path("katalog/import/", views.import_catalogue, name="import_catalogue"),
]
