from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from kjc import views

admin.site.site_header = "KJC Monitor"
admin.site.site_title = "KJC Monitor"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("bench/floor", views.bench_floor, name="bench_floor"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(settings.KJC_ADMIN_PATH, admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("jobcenters.urls")),
    path("", include("reports.urls")),
    path("", include("public.urls")),
]
