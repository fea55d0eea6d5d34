"""/sitemap.xml: the public pages, the open-data documents and every factor and jobcenter."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from factors.models import Factor
from jobcenters.models import Jobcenter

STATIC_PAGES = [
    "public:home",
    "public:factor_list",
    "public:jobcenter_list",
    "public:matrix",
    "public:method",
    "reports:open_data",
    "public:imprint",
    "public:privacy",
    "public:accessibility",
    "public:easy_language",
    "public:contact",
]


class PageSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return STATIC_PAGES

    def location(self, item):
        return reverse(item)


class FactorSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return list(Factor.objects.order_by("number").values_list("number", flat=True))

    def location(self, item):
        return reverse("public:factor_detail", args=[item])


class JobcenterSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return list(
            Jobcenter.objects.order_by("district__ags").values_list("district__ags", flat=True)
        )

    def location(self, item):
        return reverse("public:jobcenter_detail", args=[item])


SITEMAPS = {"seiten": PageSitemap, "faktoren": FactorSitemap, "jobcenter": JobcenterSitemap}
