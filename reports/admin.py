from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList

from .models import Stichtag


class BoundedDateChangeList(ChangeList):
    """Django's date drill-down answers 500 to ?date__year=99999999999 (OverflowError)
    and to ?date__year=9999 (the year after it does not exist); here they are wrong
    parameters like any other: the admin's list with "?e=1"."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


@admin.register(Stichtag)
class StichtagAdmin(admin.ModelAdmin):
    list_display = ["date", "label"]
    date_hierarchy = "date"
    search_fields = ["label"]

    def get_changelist(self, request, **kwargs):
        return BoundedDateChangeList
