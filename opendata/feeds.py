"""Atom feeds of released status changes: all, per jobcenter, per factor."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from factors.models import Factor
from jobcenters.models import Jobcenter

from .changes import status_changes
from .operator import operator


class ChangesFeed(Feed):
    """/aenderungen.atom: the latest released status changes of every jobcenter."""

    feed_type = Atom1Feed
    title = _("KJC Monitor: status changes")
    subtitle = _("The latest released status changes of the Kommunale Jobcenter in Hesse.")
    description_template = "opendata/feed_entry.html"
    title_template = "opendata/feed_title.txt"

    def link(self, obj=None):
        return reverse("public:home")

    def feed_url(self, obj=None):
        return reverse("opendata:changes_feed")

    def author_name(self):
        return operator()["name"]

    def feed_copyright(self):
        return "Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0)"

    def items(self, obj=None):
        return status_changes()

    def item_link(self, item):
        return reverse("public:jobcenter_detail", args=[item.ags]) + f"#faktor-{item.factor_number}"

    def item_guid(self, item):
        # Stable whatever host serves the feed: the history entry's number.
        return f"urn:kjc-monitor:aenderung:{item.history_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.when

    def item_updateddate(self, item):
        return item.when


class JobcenterChangesFeed(ChangesFeed):
    """/jobcenter/<ags>/aenderungen.atom"""

    def get_object(self, request, ags):
        return get_object_or_404(Jobcenter.objects.select_related("district"), district__ags=ags)

    def title(self, obj):
        return _t("KJC Monitor: status changes of %(jobcenter)s") % {"jobcenter": obj.name}

    def link(self, obj):
        return reverse("public:jobcenter_detail", args=[obj.district.ags])

    def feed_url(self, obj):
        return reverse("opendata:jobcenter_feed", args=[obj.district.ags])

    def items(self, obj):
        return status_changes(ags=obj.district.ags)


class FactorChangesFeed(ChangesFeed):
    """/faktoren/<number>/aenderungen.atom"""

    def get_object(self, request, number):
        return get_object_or_404(Factor, number=number)

    def title(self, obj):
        return _t("KJC Monitor: status changes of factor %(number)s") % {"number": obj.number}

    def link(self, obj):
        return reverse("public:factor_detail", args=[obj.number])

    def feed_url(self, obj):
        return reverse("opendata:factor_feed", args=[obj.number])

    def items(self, obj):
        return status_changes(factor_number=obj.number)

    def item_link(self, item):
        return reverse("public:factor_detail", args=[item.factor_number])
