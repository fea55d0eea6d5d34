"""Read-only queries behind the public pages: each helper is one query, pivoted in Python.

Nothing here reads `internal_note` or `updated_by`: the public pages never select them.
"""

from dataclasses import dataclass

from django.db.models import Func, Q, Subquery

from factors.catalogue import PLACEHOLDER_SOURCE
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


# The one projection of an implementation on the public pages. Reading instances
# through `.only(*PUBLIC_IMPLEMENTATION_FIELDS)` is what guarantees that
# `internal_note` and `updated_by` never leave the database for a public page
# (tests/test_public_privacy.py checks the SQL).
PUBLIC_IMPLEMENTATION_FIELDS = (
    "id",
    "jobcenter_id",
    "factor_id",
    "status",
    "progress",
    "not_applicable_reason",
    "public_note",
    "evidence_url",
    "target_date",
    "updated_at",
    "is_demo",
)

DISTRICT_FIELDS = ("ags", "name", "kind", "regierungsbezirk", "model")


def public_districts(queryset):
    """Districts of `queryset` in its order, each with its jobcenter (or none) – one query."""
    return list(
        queryset.select_related("jobcenter").only(
            *DISTRICT_FIELDS, "jobcenter__id", "jobcenter__name", "jobcenter__district_id"
        )
    )


def public_factors(queryset):
    """Factors of `queryset` (annotated with catalogue_counts()) with their theme."""
    return list(
        queryset.select_related("theme").only(
            "id", "number", "title", "addressee", "theme__id", "theme__number", "theme__name"
        )
    )


def jobcenter_entries(jobcenter, as_of=None):
    """The jobcenter's implementations in catalogue order, with factor and theme – one
    query, through the public projection; `as_of` (public.stichtag.AsOf): as they were
    at the end of its Stichtag."""
    rows = Implementation.objects.filter(jobcenter=jobcenter)
    if as_of:
        rows = as_of.rows(rows)
    return list(
        rows.select_related("factor__theme")
        .only(
            *PUBLIC_IMPLEMENTATION_FIELDS,
            "factor__id",
            "factor__number",
            "factor__title",
            "factor__theme__id",
            "factor__theme__number",
            "factor__theme__name",
        )
        .order_by("factor__theme__order", "factor__theme__number", "factor__number")
    )


def districts_with_jobcenters():
    """All districts in AGS order, each with its jobcenter (or none) – one query."""
    return public_districts(District.objects.order_by("ags"))


def jobcenter_of(district):
    """The district's jobcenter (from select_related), or None."""
    try:
        return district.jobcenter
    except Jobcenter.DoesNotExist:
        return None


def themes_with_catalogue_state():
    """Themes in catalogue order, each annotated with catalogue_counts() (one query)."""
    return list(Theme.objects.order_by("order", "number").annotate(**catalogue_counts()))


def _factor_count(condition):
    return Subquery(
        Factor.objects.filter(condition)
        .order_by()
        .annotate(n=Func("pk", function="COUNT"))
        .values("n")
    )


def catalogue_counts():
    """Annotations for any query a page makes anyway: the number of factors in the
    catalogue, of placeholders still without their wording, and of factors whose wording
    is not yet checked against the official document (scalar subqueries, no query of
    their own). CatalogueState reads them back."""
    return {
        "catalogue_total": _factor_count(Q()),
        "catalogue_placeholders": _factor_count(Q(source=PLACEHOLDER_SOURCE)),
        "catalogue_unverified": _factor_count(Q(verified=False)),
    }


CATALOGUE_FIELDS = tuple(catalogue_counts())


@dataclass(frozen=True)
class CatalogueState:
    """What the provisional-catalogue notice says (includes/notices.html)."""

    total: int = 0
    placeholders: int = 0
    unverified: int = 0

    @classmethod
    def of(cls, annotated):
        """From an instance annotated with catalogue_counts(), or None for an empty page."""
        if annotated is None:
            return cls()
        return cls(*(getattr(annotated, name) or 0 for name in CATALOGUE_FIELDS))

    @property
    def provisional(self):
        return self.unverified > 0

    @property
    def verified(self):
        return self.total - self.unverified


@dataclass(frozen=True)
class DemoState:
    """What the demo-data notice says: demo entries among the entries a page shows."""

    demo: int = 0
    total: int = 0

    @classmethod
    def of(cls, summary):
        """The notice for the entries a status summary counts."""
        return cls(summary.demo, summary.total)

    def __bool__(self):
        return self.demo > 0
