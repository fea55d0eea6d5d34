"""Filters of the public lists (django-filter) and of the matrix."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from factors.models import Factor, Theme
from jobcenters.models import District, Implementation, Status

SEARCH_MAX_LENGTH = 100


class RenderedInPython(forms.Form):
    """The filter forms, rendered by Django's form templates (the editor's Python
    renderer is gone; the public pages' fragment cache keeps them fast)."""


def regierungsbezirk_choices():
    """The Regierungsbezirke that have a jobcenter, as choices (one query)."""
    names = (
        District.objects.filter(jobcenter__isnull=False)
        .exclude(regierungsbezirk="")
        .order_by("regierungsbezirk")
        .values_list("regierungsbezirk", flat=True)
        .distinct()
    )
    return [(name, name) for name in names]


class FactorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        max_length=SEARCH_MAX_LENGTH,
        help_text=_("Words from the title or description, or a factor number."),
    )
    theme = django_filters.ModelChoiceFilter(
        label=_("Theme"),
        queryset=Theme.objects.order_by("order", "number"),
        empty_label=_("All themes"),
    )
    addressee = django_filters.ChoiceFilter(
        label=_("Addressee"),
        choices=Factor.Addressee.choices,
        empty_label=_("All addressees"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Reached by at least one jobcenter"),
        choices=Status.choices,
        method="reached_by_any",
        empty_label=_("Any status"),
    )

    class Meta:
        model = Factor
        fields = []
        form = RenderedInPython

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q(title__icontains=value) | Q(description__icontains=value)
        if value.isdigit():
            condition |= Q(number=int(value))
        return queryset.filter(condition)

    def reached_by_any(self, queryset, name, value):
        return queryset.filter(
            Exists(Implementation.objects.filter(factor=OuterRef("pk"), status=value))
        )


class DistrictFilter(django_filters.FilterSet):
    regierungsbezirk = django_filters.ChoiceFilter(
        label=_("Regierungsbezirk"),
        choices=[],
        empty_label=_("All Regierungsbezirke"),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=District.Kind.choices, empty_label=_("All kinds")
    )

    class Meta:
        model = District
        fields = []
        form = RenderedInPython

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read the choices once (one query), not on every iteration of the field.
        self.filters["regierungsbezirk"].extra["choices"] = regierungsbezirk_choices()


class MatrixFilterForm(RenderedInPython):
    theme = forms.ModelChoiceField(
        label=_("Theme"),
        queryset=Theme.objects.order_by("order", "number"),
        required=False,
        empty_label=_("All themes"),
    )
    regierungsbezirk = forms.ChoiceField(label=_("Regierungsbezirk"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regierungsbezirk"].choices = [
            ("", _("All Regierungsbezirke")),
            *regierungsbezirk_choices(),
        ]
