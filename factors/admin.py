"""Admin for the catalogue: the coordination office maintains themes and factors."""

from django.contrib import admin
from django.db.models import Count

from .models import Factor, Theme


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "order", "factor_count")
    list_display_links = ("number", "name")
    search_fields = ("name", "description")
    ordering = ("order", "number")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_factors=Count("factors"))

    @admin.display(description=Factor._meta.verbose_name_plural, ordering="n_factors")
    def factor_count(self, obj):
        return obj.n_factors

    def has_delete_permission(self, request, obj=None):
        # A theme with factors is protected anyway; the catalogue is replaced by import.
        return False


@admin.register(Factor)
class FactorAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "theme", "addressee", "verified")
    list_display_links = ("number", "title")
    list_select_related = ("theme",)
    list_filter = ("theme", "verified", "addressee")
    search_fields = ("title", "description", "source")
    ordering = ("number",)

    def has_delete_permission(self, request, obj=None):
        # Implementation rows protect their factor; factors are never deleted.
        return False
