"""Filters of the public lists (django-filter) and of the matrix, rendered by
templates/includes/filter_form.html through Django's form templates."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from factors.models import Factor, Theme
from jobcenters.models import District, Implementation, Status

SEARCH_MAX_LENGTH = 100


class FilterForm(forms.Form):
    """A public filter form; templates/includes/filter_form.html writes it (label, widget
    through Django's widget templates, help text per field)."""


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
        form = FilterForm

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q(title__icontains=value) | Q(description__icontains=value)
        if value.isdigit():
            condition |= Q(number=int(value))
        return queryset.filter(condition)

    # The rows whose status the status filter asks for; a page as of a Stichtag sets its
    # snapshot (public.stichtag.AsOf.rows).
    implementations = None

    def reached_by_any(self, queryset, name, value):
        rows = (
            Implementation.objects.all() if self.implementations is None else self.implementations
        )
        return queryset.filter(Exists(rows.filter(factor=OuterRef("pk"), status=value)))


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
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read the choices once (one query), not on every iteration of the field.
        self.filters["regierungsbezirk"].extra["choices"] = regierungsbezirk_choices()


class MatrixFilterForm(FilterForm):
    theme = forms.ModelChoiceField(
        label=_("Show the factors of"),
        queryset=Theme.objects.order_by("order", "number"),
        required=False,
        empty_label=_("All themes"),
    )
    regierungsbezirk = forms.ChoiceField(label=_("Show the jobcenters in"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regierungsbezirk"].choices = [
            ("", _("All Regierungsbezirke")),
            *regierungsbezirk_choices(),
        ]
