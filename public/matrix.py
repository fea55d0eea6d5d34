"""The factors × jobcenters matrix: three queries, whatever the size, pivoted in Python.

templates/jinja2/public/matrix_table.html writes the table (see `render_table`).
"""

from dataclasses import dataclass, field

from django.template import engines
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from factors.models import Factor
from jobcenters.models import Implementation, Jobcenter, Status

from .queries import CATALOGUE_FIELDS, CatalogueState, DemoState, catalogue_counts


@dataclass
class MatrixTable:
    columns: list = field(default_factory=list)  # {"name", "href"} per jobcenter
    # {"number", "title", "href", "cells": [status value or None per column]} per factor
    rows: list = field(default_factory=list)
    catalogue: CatalogueState = field(default_factory=CatalogueState)
    demo: DemoState = field(default_factory=DemoState)


def build_matrix(*, theme=None, regierungsbezirk=None, as_of=None):
    """`as_of` (public.stichtag.AsOf): the cells as they were at the end of its day."""
    factors = Factor.objects.in_catalogue_order().annotate(**catalogue_counts())
    jobcenters = Jobcenter.objects.order_by("district__ags")
    implementations = Implementation.objects.order_by()
    if theme is not None:
        factors = factors.filter(theme=theme)
        implementations = implementations.filter(factor__theme=theme)
    if regierungsbezirk:
        jobcenters = jobcenters.filter(district__regierungsbezirk=regierungsbezirk)
        implementations = implementations.filter(
            jobcenter__district__regierungsbezirk=regierungsbezirk
        )
    # query: factors (with the catalogue counts)
    factors = list(factors.values_list("pk", "number", "title", *CATALOGUE_FIELDS))
    # query: jobcenters with their district
    jobcenters = list(jobcenters.values_list("pk", "district__ags", "district__name"))
    status_of = {}
    demo = 0
    if as_of:
        implementations = as_of.rows(implementations).order_by()
    # query: one narrow row per cell
    for jobcenter_id, factor_id, status, is_demo in implementations.values_list(
        "jobcenter_id", "factor_id", "status", "is_demo"
    ):
        status_of[factor_id, jobcenter_id] = status
        demo += is_demo

    jobcenter_ids = [pk for pk, _ags, _name in jobcenters]
    suffix = as_of.suffix if as_of else ""  # links stay on the Stichtag
    return MatrixTable(
        columns=[
            {"name": name, "href": reverse("public:jobcenter_detail", args=[ags]) + suffix}
            for _pk, ags, name in jobcenters
        ],
        rows=[
            {
                "number": number,
                "title": title,
                "href": reverse("public:factor_detail", args=[number]) + suffix,
                # The status value of each cell, None where the row is missing.
                "cells": [status_of.get((pk, jc_id)) for jc_id in jobcenter_ids],
            }
            for pk, number, title, *_catalogue in factors
        ],
        catalogue=CatalogueState(*factors[0][3:]) if factors else CatalogueState(),
        demo=DemoState(demo, len(status_of)),
    )


def render_table(table):
    """The matrix table as HTML, through Django's Jinja2 backend.

    A cell per factor and jobcenter (14,000 nationwide) is the one loop on the public
    pages where Django's template language is too slow for the first render after a
    change; the rest of the page stays in public/matrix.html.
    """
    template = engines["jinja2"].get_template("public/matrix_table.html")
    context = {
        "table": table,
        "statuses": list(Status),
        "no_data": _("no data"),
        "factor_label": _("Factor"),
        "filter_label": _("Show only factors containing"),
        "filter_status": _("Factors shown: {n}"),
        "caption": _(
            "Status per factor and jobcenter (%(factors)s factors × %(jobcenters)s jobcenters)"
        )
        % {"factors": len(table.rows), "jobcenters": len(table.columns)},
    }
    return mark_safe(template.render(context))  # noqa: S308 - Jinja2 autoescapes
