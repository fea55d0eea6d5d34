"""The public, read-only pages. Every page runs a fixed number of queries (see the tests)."""

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from factors.models import Factor
from jobcenters.models import District, Implementation, Jobcenter, OperatingModel, Status
from pagecache.decorators import data_state, public_page, static_page

from . import stichtag, svg
from .filters import DistrictFilter, FactorFilter, MatrixFilterForm
from .matrix import build_matrix, render_table
from .queries import (
    PUBLIC_IMPLEMENTATION_FIELDS,
    STATUS_ORDER,
    CatalogueState,
    DemoState,
    PublicSummary,
    catalogue_counts,
    districts_with_jobcenters,
    jobcenter_entries,
    jobcenter_of,
    public_districts,
    public_factors,
    summaries_by,
    themes_with_catalogue_state,
    total_summary,
)
from .stichtag import params_form


def percent(value):
    """'42,5 %' in German, '42.5 %' in English; an en dash when there is no value."""
    if value is None:
        return "–"
    return f"{number_format(round(value, 1), 1)}\u00a0%"


def reported_of(summary):
    """'14 of 16': how many of a group's entries have a status other than not reported."""
    return _("%(reported)s of %(total)s") % {"reported": summary.reported, "total": summary.total}


def sort_value(share):
    """A plain number for client-side sorting (tables.js); -1 when there is no share."""
    return "-1" if share is None else f"{share:.4f}"


def status_legend():
    """Legend of a status map: each status with its fill class (icon and text in the template)."""
    return [{"status": status, "fill": f"fill-{status.value}"} for status in STATUS_ORDER]


def share_legend():
    steps = [
        {
            "fill": f"fill-share-{step}",
            "label": _("%(low)s to under %(high)s %%") % {"low": low, "high": high},
        }
        for step, (low, high) in enumerate(svg.SHARE_STEPS)
    ]
    low, high = svg.SHARE_STEPS[-1]
    steps[-1]["label"] = _("%(low)s to %(high)s %%") % {"low": low, "high": high}
    return steps


def _joint_label(district):
    return _("%(name)s: joint institution (gE) – not part of the plan") % {"name": district.name}


def _map_regions(districts, describe, as_of):
    """One region per shape; `describe(district, jobcenter)` gives (fill class, label) of a KJC;
    the links stay on the page's Stichtag (`as_of`)."""
    by_ags = {d.ags: d for d in districts}
    regions = []
    for shape in svg.map_geometry().shapes:
        district = by_ags.get(shape.ags)
        jobcenter = jobcenter_of(district) if district else None
        region = {"shape": shape, "href": None}
        if jobcenter is not None:
            region["fill"], region["label"] = describe(district, jobcenter)
            region["href"] = reverse("public:jobcenter_detail", args=[district.ags]) + as_of.suffix
        elif district is not None and district.model == OperatingModel.JOINT:
            region["fill"], region["label"] = "fill-joint", _joint_label(district)
            region["joint"] = True
        else:
            region["fill"] = "fill-none"
            region["label"] = _("%(name)s (%(kind)s): no data") % {
                "name": shape.name,
                "kind": shape.kind,
            }
        regions.append(region)
    return regions


def _map(map_id, title, regions, legend):
    return {
        "id": map_id,
        "title": title,
        "view_box": svg.map_geometry().view_box,
        "regions": regions,
        "legend": legend,
        "has_joint": any(r.get("joint") for r in regions),
    }


def _latest(as_of):
    """Today's "As of" (one query); none on an as-of page, whose banner names the day."""
    return None if as_of else Implementation.objects.latest_change()


@public_page(params=stichtag.StichtagForm)
def home(request):
    data_state(request)  # query 1: the data version (shared with the conditional GET)
    as_of, invalid = stichtag.read(request)  # as of a Stichtag: the first history entry
    if invalid:
        return invalid
    districts = districts_with_jobcenters()  # query 4
    # query 5 (the page shows no per-jobcenter dates: "As of" comes from the data state)
    by_jobcenter = summaries_by(as_of.rows(), "jobcenter_id", latest=False)
    themes = themes_with_catalogue_state()  # query 6
    by_theme = summaries_by(as_of.rows(), "factor__theme_id", latest=False)  # query 7

    rows = []
    for district in districts:
        jobcenter = jobcenter_of(district)
        if jobcenter is None:
            continue
        summary = by_jobcenter.get(jobcenter.pk) or PublicSummary()
        rows.append(
            {
                "district": district,
                "jobcenter": jobcenter,
                "summary": summary,
                "reported": reported_of(summary),
                "share": percent(summary.done_share),
                "sort_share": sort_value(summary.done_share),
            }
        )
    shares = {row["district"].ags: row for row in rows}

    def describe(district, jobcenter):
        row = shares[district.ags]
        share = row["summary"].done_share
        if share is None or not row["summary"].reported:
            return "fill-none", _("%(name)s: no report yet") % {"name": district.name}
        label = _("%(name)s: %(share)s implemented") % {
            "name": district.name,
            "share": row["share"],
        }
        return f"fill-share-{svg.share_class(share)}", label

    total = total_summary(by_jobcenter.values())
    figures = [
        {
            "status": status,
            "label": status.label,
            "count": n,
            "share": percent(100 * n / total.total if total.total else None),
        }
        for status, n in total.ordered_counts
    ]
    theme_rows = []
    for theme in themes:
        summary = by_theme.get(theme.pk)
        if summary is None:
            continue
        theme_rows.append(
            {
                "theme": theme,
                "summary": summary,
                "share": percent(summary.done_share),
                "bar_width": svg.share_width(summary.done_share),
            }
        )
    return render(
        request,
        "public/home.html",
        {
            "stichtag": as_of,
            "latest": _latest(as_of),
            "total": total,
            "done_share": percent(total.done_share),
            "figures": figures,
            "theme_rows": theme_rows,
            "share_rows": rows,
            "map": _map(
                "map-home",
                _("Map of Hesse: share of implemented factors per district"),
                _map_regions(districts, describe, as_of),
                share_legend(),
            ),
            "catalogue": CatalogueState.of(themes[0] if themes else None),
            "demo": DemoState.of(total),
            "jobcenter_count": len(rows),
        },
    )


@public_page(params=params_form("q", "theme", "addressee", "status"))
def factor_list(request):
    data_state(request)  # query 1: the data version (shared with the conditional GET)
    as_of, invalid = stichtag.read(request)  # as of a Stichtag: the first history entry
    if invalid:
        return invalid
    # One more query only with a theme filter: validating the chosen theme.
    factor_filter = FactorFilter(
        request.GET or None,
        queryset=Factor.objects.in_catalogue_order().annotate(**catalogue_counts()),
    )
    factor_filter.implementations = as_of.rows()
    factors = public_factors(factor_filter.qs)  # query: the factors with their theme
    # query: status counts per factor, of every factor (at most 35 × 12 rows at any
    # size); the rows of factors that are filtered out are simply not shown.
    summaries = summaries_by(as_of.rows(), "factor_id", latest=False)
    rows = []
    for factor in factors:
        summary = summaries.get(factor.pk) or PublicSummary()
        rows.append(
            {
                "factor": factor,
                "summary": summary,
                "coverage": _("%(reported)s of %(total)s have reported")
                % {"reported": summary.reported, "total": summary.total},
                "segments": svg.status_segments(summary.ordered_counts),
                "counts": [(s, n) for s, n in summary.ordered_counts if n],
                "share": percent(summary.done_share),
            }
        )
    # The theme select renders its options: one more query.
    return render(
        request,
        "public/factor_list.html",
        {
            "stichtag": as_of,
            "latest": _latest(as_of),
            "filter": factor_filter,
            "rows": rows,
            "catalogue": CatalogueState.of(factors[0] if factors else None),
            "demo": DemoState.of(total_summary(row["summary"] for row in rows)),
        },
    )


@public_page(params=stichtag.StichtagForm)
def factor_detail(request, number):
    data_state(request)  # query 1: the data version (shared with the conditional GET)
    as_of, invalid = stichtag.read(request)  # as of a Stichtag: the first history entry
    if invalid:
        return invalid
    factor = get_object_or_404(
        Factor.objects.select_related("theme").annotate(**catalogue_counts()),
        number=number,
    )  # query 4
    districts = districts_with_jobcenters()  # query 5
    implementations = {
        i.jobcenter_id: i
        for i in as_of.rows(Implementation.objects.filter(factor=factor)).only(
            *PUBLIC_IMPLEMENTATION_FIELDS
        )
    }  # query 6
    rows = []
    for district in districts:
        jobcenter = jobcenter_of(district)
        if jobcenter is None or jobcenter.pk not in implementations:
            continue
        rows.append(
            {"district": district, "jobcenter": jobcenter, "impl": implementations[jobcenter.pk]}
        )
    by_ags = {row["district"].ags: row["impl"] for row in rows}

    def describe(district, jobcenter):
        impl = by_ags.get(district.ags)
        if impl is None:
            return "fill-none", _("%(name)s: no data") % {"name": district.name}
        label = _("%(name)s: %(status)s") % {
            "name": district.name,
            "status": Status(impl.status).label,
        }
        return f"fill-{impl.status}", label

    summary = PublicSummary()
    for row in rows:
        summary.add(row["impl"].status, 1)
        summary.demo += row["impl"].is_demo
    done = [row for row in rows if row["impl"].status == Status.DONE]
    return render(
        request,
        "public/factor_detail.html",
        {
            "stichtag": as_of,
            "latest": _latest(as_of),
            "factor": factor,
            "rows": rows,
            "done_rows": done,
            "summary": summary,
            "counts": [(s, n) for s, n in summary.ordered_counts if n],
            "segments": svg.status_segments(summary.ordered_counts),
            "map": _map(
                "map-factor",
                _("Map of Hesse: status of factor %(number)s per district")
                % {"number": factor.number},
                _map_regions(districts, describe, as_of),
                status_legend(),
            ),
            "catalogue": CatalogueState.of(factor),
            "demo": DemoState.of(summary),
        },
    )


@public_page(params=params_form("regierungsbezirk", "kind"))
def jobcenter_list(request):
    data_state(request)  # query 1: the data version (shared with the conditional GET)
    as_of, invalid = stichtag.read(request)  # as of a Stichtag: the first history entry
    if invalid:
        return invalid
    district_filter = DistrictFilter(
        request.GET or None, queryset=District.objects.order_by("ags")
    )  # query 4: the Regierungsbezirk choices
    districts = public_districts(district_filter.qs)  # query 5: districts with their jobcenter
    # query 6; over every jobcenter whatever the filter, so its latest change is the
    # page's "As of" too (no query of its own).
    summaries = summaries_by(as_of.rows(), "jobcenter_id")
    rows, joint = [], []
    for district in districts:
        jobcenter = jobcenter_of(district)
        if jobcenter is None:
            if district.model == OperatingModel.JOINT:
                joint.append(district)
            continue
        summary = summaries.get(jobcenter.pk) or PublicSummary()
        rows.append(
            {
                "district": district,
                "jobcenter": jobcenter,
                "summary": summary,
                "reported": reported_of(summary),
                "share": percent(summary.done_share),
                "sort_share": sort_value(summary.done_share),
                "bar_width": svg.share_width(summary.done_share),
            }
        )
    return render(
        request,
        "public/jobcenter_list.html",
        {
            "stichtag": as_of,
            "latest": total_summary(summaries.values()).latest,
            "filter": district_filter,
            "rows": rows,
            "count": len(rows),
            "joint": joint,
            "demo": DemoState.of(total_summary(row["summary"] for row in rows)),
        },
    )


@public_page(params=stichtag.StichtagForm)
def jobcenter_detail(request, ags):
    data_state(request)  # query 1: the data version (shared with the conditional GET)
    as_of, invalid = stichtag.read(request)  # as of a Stichtag: the first history entry
    if invalid:
        return invalid
    jobcenter = get_object_or_404(
        Jobcenter.objects.select_related("district").annotate(**catalogue_counts()),
        district__ags=ags,
    )  # query 4
    implementations = jobcenter_entries(jobcenter, as_of)  # query 5
    groups = []
    for impl in implementations:
        theme = impl.factor.theme
        if not groups or groups[-1]["theme"].pk != theme.pk:
            groups.append({"theme": theme, "items": [], "summary": PublicSummary()})
        groups[-1]["items"].append(impl)
        groups[-1]["summary"].add(impl.status, 1)
    total = PublicSummary()
    for group in groups:
        group["share"] = percent(group["summary"].done_share)
        group["bar_width"] = svg.share_width(group["summary"].done_share)
        for status, n in group["summary"].counts.items():
            total.add(status, n)
    latest = max((i.updated_at for i in implementations), default=None)
    return render(
        request,
        "public/jobcenter_detail.html",
        {
            "stichtag": as_of,
            "jobcenter": jobcenter,
            "district": jobcenter.district,
            "groups": groups,
            "total": total,
            "share": percent(total.done_share),
            "counts": [(s, n) for s, n in total.ordered_counts if n],
            "segments": svg.status_segments(total.ordered_counts),
            "latest": latest,
            "catalogue": CatalogueState.of(jobcenter),
            "demo": DemoState(sum(i.is_demo for i in implementations), len(implementations)),
        },
    )


@public_page(params=params_form("theme", "regierungsbezirk"))
def matrix(request):
    data_state(request)  # query 1: the data version (shared with the conditional GET)
    as_of, invalid = stichtag.read(request)  # as of a Stichtag: the first history entry
    if invalid:
        return invalid
    form = MatrixFilterForm(request.GET or None)  # query 4: Regierungsbezirk choices
    theme = regierungsbezirk = None
    if form.is_valid():  # query (only with a theme chosen): validate the theme
        theme = form.cleaned_data["theme"]
        regierungsbezirk = form.cleaned_data["regierungsbezirk"] or None
    table = build_matrix(theme=theme, regierungsbezirk=regierungsbezirk, as_of=as_of)  # 5–7
    return render(
        request,
        "public/matrix.html",
        {
            "stichtag": as_of,
            "latest": _latest(as_of),
            "form": form,
            "table": table,
            "table_html": render_table(table),
            "statuses": STATUS_ORDER,
            "catalogue": table.catalogue,
            "demo": table.demo,
        },
    )


@csrf_exempt
@require_POST
def set_language(request):
    """Django's set_language without the CSRF token, so public pages carry no per-visitor
    token and are the same bytes for everyone (shared caches, ETags). Forcing someone's
    language is harmless; `next` is still checked against the host by Django."""
    return i18n_views.set_language(request)


@static_page
def method(request):
    return render(
        request,
        "public/method.html",
        {"statuses": STATUS_ORDER, "stale_months": settings.KJC_STALE_MONTHS},
    )


@static_page
def legal_page(request, template):
    """Impressum, Datenschutz, Barrierefreiheit, Leichte Sprache, Kontakt: text, no data."""
    return render(request, template)
