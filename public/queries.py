"""Read-only queries behind the public pages: each helper is one query, pivoted in Python.

Nothing here reads `internal_note` or `updated_by`: the public pages never select them.
"""

from typing import NamedTuple

from django.db.models import Exists

from factors.models import Factor, Theme
from jobcenters.models import (  # STATUS_ORDER: public.views imports it from here
    STATUS_ORDER,  # noqa: F401
    District,
    Implementation,
    Jobcenter,
    StatusSummary,
)

# What the public pages show of a group: its status counts, demo rows and latest change.
PublicSummary = StatusSummary


def summaries_by(queryset, key, *, latest=True):
    """{key value: StatusSummary} with demo counts (and the latest change per group unless
    latest=False) from ONE grouped query: Implementation.objects.summary_by."""
    return queryset.summary_by(key, demo=True, latest=latest)[key]


def total_summary(summaries):
    """Sum of several PublicSummary objects (no query)."""
    total = PublicSummary()
    for summary in summaries:
        for status, n in summary.counts.items():
            total.add(status, n)
        total.demo += summary.demo
        if summary.latest and (total.latest is None or summary.latest > total.latest):
            total.latest = summary.latest
    return total


class PublicJobcenter(NamedTuple):
    pk: int
    name: str


class PublicDistrict(NamedTuple):
    """What the public tables and maps show of a district (and its jobcenter or None)."""

    ags: str
    name: str
    kind: str
    regierungsbezirk: str
    model: str
    jobcenter: PublicJobcenter | None


def public_districts(queryset):
    """PublicDistrict tuples for a District queryset, in its order – one query.

    Tuples rather than two model instances per district: the map and the tables need
    seven columns, and there are ~430 districts nationwide.
    """
    return [
        PublicDistrict(
            ags, name, kind, rb, model, PublicJobcenter(pk, jc) if pk is not None else None
        )
        for ags, name, kind, rb, model, pk, jc in queryset.values_list(
            "ags", "name", "kind", "regierungsbezirk", "model", "jobcenter__pk", "jobcenter__name"
        )
    ]


class PublicFactor(NamedTuple):
    """What the factor list shows of a factor (annotated with catalogue_provisional)."""

    pk: int
    number: int
    title: str
    theme_name: str
    addressee: str
    catalogue_provisional: bool


def public_factors(queryset):
    """PublicFactor tuples for a Factor queryset annotated with catalogue_provisional."""
    return [
        PublicFactor(*row)
        for row in queryset.values_list(
            "pk", "number", "title", "theme__name", "addressee", "catalogue_provisional"
        )
    ]


class PublicTheme(NamedTuple):
    pk: int
    number: int
    name: str

    def __str__(self):  # as Theme.__str__
        return f"{self.number}. {self.name}"


class PublicEntry(NamedTuple):
    """The public fields of one implementation, with its factor and theme."""

    status: str
    progress: int
    not_applicable_reason: str
    public_note: str
    evidence_url: str
    target_date: object  # date or None
    updated_at: object  # aware datetime
    is_demo: bool
    factor_number: int
    factor_title: str
    theme: PublicTheme


def jobcenter_entries(jobcenter):
    """The jobcenter's implementations in catalogue order as PublicEntry tuples – one
    query, never the internal fields (a model instance per row, factor and theme costs
    twice as much)."""
    rows = (
        Implementation.objects.filter(jobcenter=jobcenter)
        .order_by("factor__theme__order", "factor__theme__number", "factor__number")
        .values_list(
            *PublicEntry._fields[:-3],
            "factor__number",
            "factor__title",
            "factor__theme_id",
            "factor__theme__number",
            "factor__theme__name",
        )
    )
    themes = {}
    entries = []
    for *fields, theme_id, theme_number, theme_name in rows:
        theme = themes.get(theme_id)
        if theme is None:
            theme = themes[theme_id] = PublicTheme(theme_id, theme_number, theme_name)
        entries.append(PublicEntry(*fields, theme))
    return entries


def districts_with_jobcenters():
    """All districts in AGS order, each with its jobcenter (or none) – one query."""
    return public_districts(District.objects.order_by("ags"))


def jobcenter_of(district):
    """The district's jobcenter (select_related cache or PublicDistrict), or None."""
    try:
        return district.jobcenter
    except Jobcenter.DoesNotExist:
        return None


def themes_with_provisional_flag():
    """Themes in catalogue order; each carries `catalogue_provisional` (one query)."""
    return list(
        Theme.objects.order_by("order", "number").annotate(
            catalogue_provisional=Exists(Factor.objects.filter(verified=False))
        )
    )


def unverified_exists():
    """An expression: True while any factor of the catalogue is unverified."""
    return Exists(Factor.objects.filter(verified=False))
