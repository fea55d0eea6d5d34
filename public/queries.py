"""Read-only queries behind the public pages: each helper is one query, pivoted in Python.

Nothing here reads `internal_note` or `updated_by`: the public pages never select them.
"""

from django.db.models import Count, Exists, Max, Q

from factors.models import Factor, Theme
from jobcenters.models import District, Jobcenter, Status, StatusSummary

# Most advanced first: the order of legends, bars and headline figures.
STATUS_ORDER = [
    Status.DONE,
    Status.IN_PROGRESS,
    Status.PLANNED,
    Status.NOT_STARTED,
    Status.NOT_REPORTED,
    Status.NOT_APPLICABLE,
]


STATUS_VALUES = tuple(Status.values)


class PublicSummary(StatusSummary):
    """Status counts of a group plus what the public pages show beside them."""

    def __init__(self):
        # Not super().__init__(): Status.values is rebuilt on every access, and the
        # large pages make hundreds of these.
        self.counts = dict.fromkeys(STATUS_VALUES, 0)
        self.demo = 0
        self.latest = None

    def add_row(self, row):
        self.add(row["status"], row["n"])
        self.demo += row["demo"]
        latest = row.get("latest")
        if latest and (self.latest is None or latest > self.latest):
            self.latest = latest

    @property
    def ordered_counts(self):
        """[(Status, count)] in STATUS_ORDER."""
        return [(status, self.counts[status]) for status in STATUS_ORDER]


def summaries_by(queryset, key, *, latest=True):
    """{key value: PublicSummary} from ONE grouped query over `queryset`.

    latest=False leaves `PublicSummary.latest` unset: pages that do not show the
    latest change per group skip reading (and parsing) a timestamp per row.
    """
    result = {}
    aggregates = {"n": Count("pk"), "demo": Count("pk", filter=Q(is_demo=True))}
    if latest:
        aggregates["latest"] = Max("updated_at")
    rows = queryset.order_by().values(key, "status").annotate(**aggregates)
    for row in rows:
        summary = result.get(row[key])
        if summary is None:
            summary = result[row[key]] = PublicSummary()
        summary.add_row(row)
    return result


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


def districts_with_jobcenters():
    """All districts in AGS order, each with its jobcenter (or none) – one query."""
    return list(District.objects.select_related("jobcenter").order_by("ags"))


def jobcenter_of(district):
    """The district's jobcenter from the select_related cache, or None."""
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
