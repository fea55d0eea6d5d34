from django.urls import path, re_path

from . import views

app_name = "opendata"

urlpatterns = [
    path("api/v1/openapi.json", views.openapi_json, name="openapi"),
    path("daten/datapackage.json", views.datapackage_json, name="datapackage"),
    re_path(r"^daten/katalog\.(?P<fmt>ttl|rdf|jsonld)$", views.catalogue, name="catalogue"),
    path("aenderungen.atom", views.changes_feed, name="changes_feed"),
    path("jobcenter/<str:ags>/aenderungen.atom", views.jobcenter_feed, name="jobcenter_feed"),
    path("faktoren/<int:number>/aenderungen.atom", views.factor_feed, name="factor_feed"),
    path("sitemap.xml", views.sitemap, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
]
