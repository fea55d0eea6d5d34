from django.contrib import admin

from .models import Stichtag


@admin.register(Stichtag)
class StichtagAdmin(admin.ModelAdmin):
    list_display = ["date", "label"]
    date_hierarchy = "date"
    search_fields = ["label"]
