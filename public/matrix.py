"""The factors × jobcenters matrix, built in Python so that rendering stays cheap.

A template variable per cell costs tens of microseconds; at 35 × 405 cells that is
seconds. Each status's cell HTML is therefore built once per language and the rows
are joined as plain strings (three queries, whatever the size).
"""

from dataclasses import dataclass, field
from functools import cache

from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from factors.models import Factor
from jobcenters.models import Implementation, Jobcenter, Status

from .queries import unverified_exists
from .rows import html_join, url_maker


@dataclass
class MatrixTable:
    columns: list = field(default_factory=list)  # (jobcenter pk, AGS, district name)
    rows: list = field(default_factory=list)  # (factor pk, number, title)
    header: str = ""  # the <th> per jobcenter (SafeString)
    body: str = ""  # the <tr> per factor (SafeString)
    provisional: bool = False
    demo: bool = False


def status_cells():
    """{status: '<td …>icon text</td>'} in the active language, plus a cell for no row."""
    return _status_cells(translation.get_language())


@cache
def _status_cells(language):
    # Built once per process and language (`language` is the active one).
    cells = {
        status: format_html(
            '<td class="st st-{}"><span aria-hidden="true">{}</span> {}</td>',
            status.value,
            status.icon,
            status.label,
        )
        for status in Status
    }
    cells[None] = format_html('<td class="st st-none">{}</td>', _("no data"))
    return cells


def build_matrix(*, theme=None, regierungsbezirk=None):
    factors = Factor.objects.in_catalogue_order().annotate(
        catalogue_provisional=unverified_exists()
    )
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
    # query: factors (with the provisional flag)
    factors = list(factors.values_list("pk", "number", "title", "catalogue_provisional"))
    # query: jobcenters with their district
    jobcenters = list(jobcenters.values_list("pk", "district__ags", "district__name"))
    status_of = {}
    demo = False
    # query: one narrow row per cell
    for jobcenter_id, factor_id, status, is_demo in implementations.values_list(
        "jobcenter_id", "factor_id", "status", "is_demo"
    ):
        status_of[factor_id, jobcenter_id] = status
        demo = demo or is_demo

    cells = status_cells()
    jobcenter_href = url_maker("public:jobcenter_detail")
    factor_href = url_maker("public:factor_detail")
    jobcenter_ids = [pk for pk, _ags, _name in jobcenters]
    return MatrixTable(
        columns=[(pk, ags, name) for pk, ags, name in jobcenters],
        rows=[(pk, number, title) for pk, number, title, _provisional in factors],
        header=html_join(
            '<th scope="col"><a href="{}">{}</a></th>',
            ((jobcenter_href(ags), name) for _pk, ags, name in jobcenters),
        ),
        body=html_join(
            '<tr><th scope="row"><a href="{}">{}. <span lang="de">{}</span></a></th>{}</tr>\n    ',
            (
                (
                    factor_href(number),
                    number,
                    title,
                    # Each piece was escaped by format_html in status_cells().
                    mark_safe(  # noqa: S308
                        "".join(cells[status_of.get((pk, jc_id))] for jc_id in jobcenter_ids)
                    ),
                )
                for pk, number, title, _provisional in factors
            ),
        ),
        provisional=bool(factors) and factors[0][3],
        demo=demo,
    )
