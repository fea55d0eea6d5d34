"""Filters of the public lists (django-filter) and of the matrix."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from factors.models import Factor, Theme
from jobcenters.models import District, Implementation, Status

from .rows import cell

SEARCH_MAX_LENGTH = 100


def _attrs(attrs):
    """django/forms/widgets/attrs.html in Python."""
    return "".join(
        f" {cell(name)}" if value is True else f' {cell(name)}="{cell(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class Select(forms.Select):
    """forms.Select with the same HTML, built without a template include per option.

    Django renders each option through two template includes (the option template ends
    in a newline, hence the blank line after each option); the public filter forms
    sit on pages that must render in a few milliseconds. Values are escaped as the
    templates do (`_cell` is conditional_escape).
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{cell(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{cell(group_name)}">')
            parts.extend(
                f'\n  <option value="{cell(option["value"])}"{_attrs(option["attrs"])}>'
                f"{cell(option['label'])}</option>\n"
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value is escaped above


class TextInput(forms.TextInput):
    """forms.TextInput with the same HTML as django/forms/widgets/input.html, without
    its two template includes (see Select)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        value = "" if widget["value"] is None else f' value="{cell(widget["value"])}"'
        return mark_safe(  # noqa: S308 - every value is escaped
            f'<input type="{cell(widget["type"])}" name="{cell(widget["name"])}"{value}'
            f"{_attrs(widget['attrs'])}>"
        )


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
        widget=TextInput,
        help_text=_("Words from the title or description, or a factor number."),
    )
    theme = django_filters.ModelChoiceFilter(
        label=_("Theme"),
        queryset=Theme.objects.order_by("order", "number"),
        empty_label=_("All themes"),
        widget=Select,
    )
    addressee = django_filters.ChoiceFilter(
        label=_("Addressee"),
        choices=Factor.Addressee.choices,
        empty_label=_("All addressees"),
        widget=Select,
    )
    status = django_filters.ChoiceFilter(
        label=_("Reached by at least one jobcenter"),
        choices=Status.choices,
        method="reached_by_any",
        empty_label=_("Any status"),
        widget=Select,
    )

    class Meta:
        model = Factor
        fields = []

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
        widget=Select,
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=District.Kind.choices, empty_label=_("All kinds"), widget=Select
    )

    class Meta:
        model = District
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read the choices once (one query), not on every iteration of the field.
        self.filters["regierungsbezirk"].extra["choices"] = regierungsbezirk_choices()


class MatrixFilterForm(forms.Form):
    theme = forms.ModelChoiceField(
        label=_("Theme"),
        queryset=Theme.objects.order_by("order", "number"),
        required=False,
        empty_label=_("All themes"),
        widget=Select,
    )
    regierungsbezirk = forms.ChoiceField(label=_("Regierungsbezirk"), required=False, widget=Select)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regierungsbezirk"].choices = [
            ("", _("All Regierungsbezirke")),
            *regierungsbezirk_choices(),
        ]
