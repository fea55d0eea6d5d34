"""The machine-readable documents of the open data, each behind the page cache."""

from django.conf import settings
from django.contrib.sitemaps import views as sitemap_views
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render

from jobcenters.models import Jobcenter
from pagecache.decorators import data_state, public_page, static_page

from . import datapackage, dcat, openapi
from .feeds import ChangesFeed, FactorChangesFeed, JobcenterChangesFeed
from .sitemaps import SITEMAPS


def _json(payload, content_type="application/json"):
    response = JsonResponse(
        payload,
        content_type=content_type,
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@static_page
def openapi_json(request):
    """/api/v1/openapi.json: the OpenAPI 3.1 description of the API (no query)."""
    return _json(openapi.document(request))


@public_page
def datapackage_json(request):
    """/daten/datapackage.json: the Frictionless Data Package of the CSV downloads."""
    changed_at = data_state(request).changed_at
    return _json(datapackage.package(request, changed_at=changed_at))


@public_page
def catalogue(request, fmt):
    """/daten/katalog.ttl, .rdf, .jsonld: the DCAT-AP.de catalogue."""
    if fmt not in dcat.FORMATS:
        raise Http404
    rdf_format, content_type = dcat.FORMATS[fmt]
    changed_at = data_state(request).changed_at
    district_keys = list(
        Jobcenter.objects.order_by("district__ags").values_list("district__ags", flat=True)
    )
    graph = dcat.graph(request, changed_at=changed_at, district_keys=district_keys)
    response = HttpResponse(graph.serialize(format=rdf_format), content_type=content_type)
    response["Access-Control-Allow-Origin"] = "*"
    return response


changes_feed = public_page(ChangesFeed())
jobcenter_feed = public_page(JobcenterChangesFeed())
factor_feed = public_page(FactorChangesFeed())


@public_page
def sitemap(request):
    """/sitemap.xml"""
    return sitemap_views.sitemap(request, sitemaps=SITEMAPS)


@static_page
def robots_txt(request):
    """/robots.txt: everything public may be indexed; the staff areas not."""
    context = {
        "admin_path": "/" + settings.KJC_ADMIN_PATH,
        "sitemap": request.build_absolute_uri("/sitemap.xml"),
    }
    return render(request, "opendata/robots.txt", context, content_type="text/plain")
