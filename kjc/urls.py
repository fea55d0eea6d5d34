from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from kjc import views

admin.site.site_header = "KJC Monitor"
admin.site.site_title = "KJC Monitor"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(settings.KJC_ADMIN_PATH, admin.site.urls),
    path("", include("factors.urls")),
    path("", include("accounts.urls")),
    path("", include("jobcenters.urls")),
    # Before reports (its /api/v1/ catch-all) and public (the feeds under its pages).
    path("", include("opendata.urls")),
    path("", include("reports.urls")),
    path("", include("public.urls")),
]

handler400 = "kjc.views.bad_request"

if settings.KJC_BENCH:  # bench/run's yardstick; absent on a real site
    urlpatterns.insert(1, path("bench/floor", views.bench_floor, name="bench_floor"))
