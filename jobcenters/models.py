import datetime
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import connections, models, router
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from simple_history.manager import HistoricalQuerySet
from simple_history.models import HistoricalRecords

from factors.models import Factor

from . import roles

ags_validator = RegexValidator(
    r"^\d{5}$", _("The Kreisschlüssel (AGS) has exactly five digits, e.g. 06438.")
)


class OperatingModel(models.TextChoices):
    """How a district runs basic income support (SGB II)."""

    KJC = "kjc", _("Municipal jobcenter (KJC)")
    JOINT = "ge", _("Joint institution (gE)")


class District(models.Model):
    """A Landkreis or kreisfreie Stadt, identified by its official Kreisschlüssel."""

    class Kind(models.TextChoices):
        LANDKREIS = "landkreis", _("District (Landkreis)")
        KREISFREIE_STADT = "kreisfreie_stadt", _("District-free city")

    ags = models.CharField(
        _("Kreisschlüssel (AGS)"), max_length=5, unique=True, validators=[ags_validator]
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    regierungsbezirk = models.CharField(_("Regierungsbezirk"), max_length=100, blank=True)
    seat = models.CharField(_("seat of the district administration"), max_length=200, blank=True)
    model = models.CharField(
        _("SGB II model"), max_length=3, choices=OperatingModel.choices, default=OperatingModel.KJC
    )

    class Meta:
        ordering = ["ags"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints = [
            models.CheckConstraint(
                condition=Q(ags__regex=r"^[0-9]{5}$"), name="district_ags_5_digits"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def takes_part(self):
        """Only districts with a municipal jobcenter take part in the 35-point plan."""
        return self.model == OperatingModel.KJC


def reads_every_jobcenter(user):
    """An active, signed-in user of a role that reads every jobcenter's internal data."""
    return user.is_authenticated and user.is_active and roles.sees_everything(user)


class JobcenterQuerySet(models.QuerySet):
    def editable_by(self, user):
        """The jobcenters whose implementation status this user may change."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if roles.is_coordinator(user):
            return self
        return self.filter(memberships__user=user)

    def visible_to(self, user):
        """The jobcenters whose internal data (internal notes, history) the user may read."""
        if reads_every_jobcenter(user):
            return self
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(memberships__user=user)


class Jobcenter(models.Model):
    """A municipal jobcenter (KJC) taking part in the plan."""

    district = models.OneToOneField(
        District, on_delete=models.PROTECT, related_name="jobcenter", verbose_name=_("district")
    )
    name = models.CharField(_("official name"), max_length=300)
    option_since = models.PositiveSmallIntegerField(
        _("municipal option since"), null=True, blank=True
    )
    website = models.URLField(_("website"), blank=True)

    objects = JobcenterQuerySet.as_manager()

    class Meta:
        ordering = ["district__ags"]
        verbose_name = _("jobcenter")
        verbose_name_plural = _("jobcenters")

    def __str__(self):
        return self.name


class StaffMembership(models.Model):
    """A user who reports for a jobcenter; a user may serve more than one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="jobcenter_memberships",
        verbose_name=_("user"),
    )
    jobcenter = models.ForeignKey(
        Jobcenter, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("jobcenter")
    )

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "jobcenter"], name="unique_staff_membership"),
        ]

    def __str__(self):
        return f"{self.user} – {self.jobcenter}"


class Status(models.TextChoices):
    NOT_REPORTED = "nicht_gemeldet", _("not reported")
    NOT_STARTED = "nicht_begonnen", _("not started")
    PLANNED = "geplant", _("planned")
    IN_PROGRESS = "in_umsetzung", _("in progress")
    DONE = "umgesetzt", _("implemented")
    NOT_APPLICABLE = "nicht_zutreffend", _("not applicable")

    @property
    def icon(self):
        return STATUS_ICONS[self]

    @property
    def definition(self):
        return STATUS_DEFINITIONS[self]


STATUS_VALUES = tuple(Status.values)

# Most advanced first: the one order of legends, bars, table columns and headline figures.
STATUS_ORDER = (
    Status.DONE,
    Status.IN_PROGRESS,
    Status.PLANNED,
    Status.NOT_STARTED,
    Status.NOT_REPORTED,
    Status.NOT_APPLICABLE,
)


# Shapes, not colours alone, tell the statuses apart (WCAG 1.4.1).
STATUS_ICONS = {
    Status.NOT_REPORTED: "?",
    Status.NOT_STARTED: "○",
    Status.PLANNED: "◔",
    Status.IN_PROGRESS: "◑",
    Status.DONE: "●",
    Status.NOT_APPLICABLE: "⊘",
}

STATUS_DEFINITIONS = {
    Status.NOT_REPORTED: _("The jobcenter has not yet reported a status for this factor."),
    Status.NOT_STARTED: _("The factor is relevant, but no work on it has started."),
    Status.PLANNED: _("Implementation is decided and planned, but has not started yet."),
    Status.IN_PROGRESS: _("Implementation has started and is not yet complete."),
    Status.DONE: _("The factor is fully implemented (progress 100 %)."),
    Status.NOT_APPLICABLE: _(
        "The factor does not apply to this jobcenter; a reason is required. "
        "It is left out of every share."
    ),
}

# Progress that a status implies; the other statuses take the value reported. A factor
# that does not apply has no progress to report.
IMPLIED_PROGRESS = {
    Status.NOT_REPORTED: 0,
    Status.NOT_STARTED: 0,
    Status.DONE: 100,
    Status.NOT_APPLICABLE: 0,
}


def implied_progress(status, progress):
    """The progress to store for `status`: the one it implies, else the one reported.

    The one place of this rule: model validation, the write path (services) and the
    spreadsheet import all call it.
    """
    return IMPLIED_PROGRESS.get(status, progress)


def entry_problems(status, progress, target_date, *, today=None):
    """Contradictions within one entry, as (errors, warnings).

    `errors` is {field: message}: refused, the entry cannot be saved so.
    `warnings` is {code: message}: possible on purpose, saved once the person confirms.
    The one place of these rules: the model's clean(), the editor and the spreadsheet
    import use it. (A factor that does not apply keeps no progress: implied_progress.)
    """
    today = today or timezone.localdate()
    errors = {}
    warnings = {}
    if status == Status.IN_PROGRESS and progress == 100:
        errors["progress"] = _(
            "“In progress” means not yet complete: with 100 % progress please choose "
            "“implemented”, or give a lower progress."
        )
    if status == Status.PLANNED and progress:
        warnings["planned_with_progress"] = _(
            "“Planned” means implementation has not started, yet the progress is "
            "%(progress)s %%. If work has started, “in progress” fits better."
        ) % {"progress": progress}
    if status == Status.DONE and target_date and target_date > today:
        warnings["done_with_future_target"] = _(
            "The factor is implemented, but its target date still lies in the future. "
            "Clear the target date, or keep it if it is meant so."
        )
    if status == Status.PLANNED and target_date and target_date < today:
        warnings["planned_after_target"] = _(
            "The target date has passed and the factor is still planned. Please give a new "
            "target date, or keep it to show the delay."
        )
    return errors, warnings


def display_value(field_name, value):
    """A stored value of an editable field as people read it (conflict messages, review,
    import previews, digests). The one place of this rule."""
    if value is None or value == "":
        return "–"
    if field_name == "status":
        try:
            return str(Status(value).label)
        except ValueError:
            return str(value)
    if field_name == "progress":
        return f"{value} %"
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return Truncator(str(value)).chars(80)


def stale_cutoff(*, months=None, now=None):
    """Entries last changed before this moment count as stale."""
    months = months or settings.KJC_STALE_MONTHS
    return (now or timezone.now()) - timedelta(days=round(months * 30.44))


def status_constraints(prefix):
    """The database rules every stored status obeys, released or drafted alike."""
    return [
        models.CheckConstraint(
            condition=Q(progress__gte=0) & Q(progress__lte=100),
            name=f"{prefix}_progress_0_to_100",
        ),
        models.CheckConstraint(
            condition=~Q(status=Status.DONE) | Q(progress=100),
            name=f"{prefix}_done_means_100",
        ),
        models.CheckConstraint(
            condition=~Q(status=Status.NOT_APPLICABLE) | ~Q(not_applicable_reason=""),
            name=f"{prefix}_not_applicable_needs_reason",
        ),
        models.CheckConstraint(
            condition=Q(status__in=Status.values), name=f"{prefix}_status_valid"
        ),
    ]


# The status_constraints as Python: (the fields each reads, whether a row obeys it; a
# NULL passes, as in SQL). Model validation (forms, the admin) checks them here; Django
# would run a query per CheckConstraint and row. The database constraints stay as the
# last guard.
STATUS_RULES = {
    "progress_0_to_100": (
        ("progress",),
        lambda row: row.progress is None or 0 <= row.progress <= 100,
    ),
    "done_means_100": (
        ("status", "progress"),
        lambda row: row.status != Status.DONE or row.progress == 100,
    ),
    "not_applicable_needs_reason": (
        ("status", "not_applicable_reason"),
        lambda row: row.status != Status.NOT_APPLICABLE or row.not_applicable_reason != "",
    ),
    "status_valid": (("status",), lambda row: row.status in Status.values),
}


def validate_status_rules(row, prefix, exclude=None):
    """Model.validate_constraints for a model with status_constraints(prefix): the
    status rules in Python, any other constraint as Django checks it."""
    exclude = set(exclude or ())
    errors = {}
    for constraint in row._meta.constraints:
        rule = STATUS_RULES.get(constraint.name.removeprefix(f"{prefix}_"))
        try:
            if rule is None:
                constraint.validate(
                    type(row), row, exclude=exclude, using=router.db_for_write(type(row))
                )
            # As Django does, a rule on a field that is excluded (or already invalid)
            # is not checked.
            elif not exclude.intersection(rule[0]) and not rule[1](row):
                raise ValidationError(
                    constraint.get_violation_error_message(),
                    code=constraint.violation_error_code,
                )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


class SummaryQuerySetMixin:
    """Status summaries, the one way every page and export counts statuses."""

    def summary(self):
        """One StatusSummary over these rows (one query)."""
        return self.summary_by(None)[None][None]

    def summary_by(self, *keys, demo=False, latest=False):
        """{key: {key value: StatusSummary}}: the rows counted per status for each key, by
        the database, in ONE statement. `None` as a key counts all rows as one group.

        Works on implementations and on history rows (snapshots "as of" a moment).
        `demo` also counts the demo rows per group; `latest` also reads the latest
        `updated_at` per group (one key only).

        One key: one row per group with a filtered count per status. Several keys: the
        rows are read once (a common table expression, so a snapshot's index probes run
        once) and grouped per key, joined by UNION ALL.
        """
        rows = self.order_by()
        if len(keys) == 1:
            return {keys[0]: self._summaries(rows, keys[0], demo=demo, latest=latest)}
        if latest:
            raise ValueError("latest=True needs exactly one key")
        return self._summaries_of_keys(rows, keys, demo=demo)

    @staticmethod
    def _summaries(rows, key, *, demo, latest):
        extra = {}
        if demo:
            extra["demo"] = Count("pk", filter=Q(is_demo=True))
        if latest:
            extra["latest"] = Max("updated_at")
        counts = {f"n_{status}": Count("pk", filter=Q(status=status)) for status in STATUS_VALUES}
        if key is None:
            grouped = [{"group": None, **rows.aggregate(**counts, **extra)}]
        else:
            grouped = rows.values(group=models.F(key)).annotate(**counts, **extra)
        result = {}
        for row in grouped:
            summary = result[row["group"]] = StatusSummary()
            summary.counts = {status: row[f"n_{status}"] for status in STATUS_VALUES}
            summary.demo = row.get("demo", 0)
            summary.latest = row.get("latest")
        return result

    @staticmethod
    def _summaries_of_keys(rows, keys, *, demo):
        result = {key: {} for key in keys}
        try:
            inner = rows.values(*keys, "status", "is_demo")
            inner_sql, inner_params = inner.query.sql_with_params()
        except EmptyResultSet:  # e.g. scoped to .none(): nothing to count, nothing to ask
            return result
        columns = [f"k{i}" for i in range(len(keys))]
        counts = ", ".join("SUM(CASE WHEN status = %s THEN 1 ELSE 0 END)" for _s in STATUS_VALUES)
        grouped = " UNION ALL ".join(
            f"SELECT {i}, {column}, {counts}, SUM(CASE WHEN is_demo THEN 1 ELSE 0 END) "
            f"FROM summarised GROUP BY {column}"
            for i, column in enumerate(columns)
        )
        sql = f"WITH summarised ({', '.join(columns)}, status, is_demo) AS ({inner_sql}) {grouped}"
        with connections[rows.db].cursor() as cursor:
            cursor.execute(sql, [*inner_params, *(STATUS_VALUES * len(keys))])
            found = cursor.fetchall()
        for i, value, *numbers, demo_count in found:
            summary = result[keys[i]][value] = StatusSummary()
            summary.counts = dict(zip(STATUS_VALUES, map(int, numbers), strict=True))
            summary.demo = int(demo_count) if demo else 0
        return result


class ImplementationQuerySet(SummaryQuerySetMixin, models.QuerySet):
    def for_jobcenter(self, jobcenter):
        return self.filter(jobcenter=jobcenter)

    def editable_by(self, user):
        return self.filter(jobcenter__in=Jobcenter.objects.editable_by(user))

    def visible_to(self, user):
        """The rows whose internal data the user may read: all of them, without a join
        with the jobcenters, for a role that reads every jobcenter."""
        if reads_every_jobcenter(user):
            return self.all()
        return self.filter(jobcenter__in=Jobcenter.objects.visible_to(user))

    def stale(self, *, months=None, now=None):
        """Entries not changed for the configured number of months."""
        return self.filter(updated_at__lt=stale_cutoff(months=months, now=now))

    def latest_change(self):
        """When the latest of these rows was changed (None without rows): one query.

        Implementation rows hold the released state, so over all of them this is the
        data's one "Stand" (the latest released change) on every page, /daten/ and the API.
        """
        return self.aggregate(latest=Max("updated_at"))["latest"]


class HistoricalImplementationQuerySet(SummaryQuerySetMixin, HistoricalQuerySet):
    """History rows of implementations: snapshots are summarised as the rows are."""


class StatusSummary:
    """Counts per status for a group of implementations and the shares derived from them.

    Shares leave *not applicable* out of the denominator; *not reported* stays in
    it and is shown on its own, never counted as *not started*. `demo` (demo rows) and
    `latest` (latest change) are filled when summary_by is asked for them.
    """

    def __init__(self, counts=None):
        self.counts = dict.fromkeys(STATUS_VALUES, 0)
        self.demo = 0
        self.latest = None
        for status, n in (counts or {}).items():
            self.add(status, n)

    def add(self, status, n):
        self.counts[status] = self.counts.get(status, 0) + n

    @property
    def ordered_counts(self):
        """[(Status, count)] in STATUS_ORDER."""
        return [(status, self.counts[status]) for status in STATUS_ORDER]

    @property
    def total(self):
        return sum(self.counts.values())

    @property
    def applicable(self):
        return self.total - self.counts[Status.NOT_APPLICABLE]

    @property
    def reported(self):
        return self.total - self.counts[Status.NOT_REPORTED]

    @property
    def done(self):
        return self.counts[Status.DONE]

    @property
    def done_share(self):
        """Share of applicable entries that are implemented, 0–100, or None."""
        if not self.applicable:
            return None
        return 100 * self.done / self.applicable

    def __eq__(self, other):
        return isinstance(other, StatusSummary) and self.counts == other.counts

    def __repr__(self):
        return f"StatusSummary({self.counts!r})"


class Implementation(models.Model):
    """How far one jobcenter has implemented one factor; every change is kept in history."""

    jobcenter = models.ForeignKey(
        Jobcenter,
        on_delete=models.CASCADE,
        related_name="implementations",
        verbose_name=_("jobcenter"),
    )
    factor = models.ForeignKey(
        Factor, on_delete=models.PROTECT, related_name="implementations", verbose_name=_("factor")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_REPORTED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("0 to 100. Implemented means 100."),
    )
    not_applicable_reason = models.TextField(
        _("reason (not applicable)"),
        blank=True,
        help_text=_("Required when the status is “not applicable”."),
    )
    public_note = models.TextField(
        _("public note"), blank=True, help_text=_("Shown on the public pages.")
    )
    internal_note = models.TextField(
        _("internal note"),
        blank=True,
        help_text=_("Only for signed-in staff, directors and the coordination office."),
    )
    evidence_url = models.URLField(_("evidence link"), blank=True, max_length=500)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, db_index=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    # Optimistic locking: a save must name the version it was edited from.
    version = models.PositiveIntegerField(_("version"), default=1)
    is_demo = models.BooleanField(
        _("demo data"), default=False, help_text=_("Invented example status, not a real report.")
    )

    history = HistoricalRecords(
        excluded_fields=[],
        cascade_delete_history=False,
        user_related_name="+",
        historical_queryset=HistoricalImplementationQuerySet,
    )

    objects = ImplementationQuerySet.as_manager()

    class Meta:
        ordering = ["jobcenter__district__ags", "factor__number"]
        verbose_name = _("implementation status")
        verbose_name_plural = _("implementation statuses")
        constraints = [
            models.UniqueConstraint(
                fields=["jobcenter", "factor"], name="one_implementation_per_jobcenter_and_factor"
            ),
            *status_constraints("implementation"),
        ]
        indexes = [models.Index(fields=["status"], name="implementation_status_idx")]

    def __str__(self):
        return f"{self.jobcenter} – {self.factor.number}"

    @property
    def status_icon(self):
        return STATUS_ICONS[self.status]

    @cached_property
    def is_stale(self):
        return self.updated_at < stale_cutoff()

    def validate_constraints(self, exclude=None):
        validate_status_rules(self, "implementation", exclude)

    def clean(self):
        self.progress = implied_progress(self.status, self.progress)
        errors, _warnings = entry_problems(self.status, self.progress, self.target_date)
        if self.status == Status.NOT_APPLICABLE and not self.not_applicable_reason.strip():
            errors["not_applicable_reason"] = _(
                "Please give a reason why this factor does not apply."
            )
        if errors:
            raise ValidationError(errors)

    def warnings(self, *, today=None):
        """{code: message} of the contradictions a person may confirm (entry_problems)."""
        return entry_problems(self.status, self.progress, self.target_date, today=today)[1]


class DigestLog(models.Model):
    """When a directors' digest went out and which period it covered.

    The next digest starts where the last one ended, so no change is skipped or
    mailed twice however irregularly cron runs.
    """

    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"))
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        ordering = ["-period_end"]
        get_latest_by = "period_end"
        verbose_name = _("digest")
        verbose_name_plural = _("digests")

    def __str__(self):
        return f"{self.period_start:%Y-%m-%d} – {self.period_end:%Y-%m-%d}"


class PendingChange(models.Model):
    """A jobcenter's unreleased change to one implementation row (optional review step).

    Only used when settings.KJC_REVIEW_REQUIRED is on. The Implementation row stays
    the released, public state; this draft holds the edited values until the
    coordination office releases it (services.release_change) or sends it back
    with a comment (services.return_change). One open draft per row.
    """

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("submitted for release")
        RETURNED = "returned", _("returned")

    implementation = models.OneToOneField(
        Implementation,
        on_delete=models.CASCADE,
        related_name="pending_change",
        verbose_name=_("implementation status"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_REPORTED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    not_applicable_reason = models.TextField(_("reason (not applicable)"), blank=True)
    public_note = models.TextField(_("public note"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    evidence_url = models.URLField(_("evidence link"), blank=True, max_length=500)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    # The released version this draft was made from: a release after someone changed
    # the released row directly would silently undo that change, so it is refused.
    base_version = models.PositiveIntegerField(_("based on version"))
    state = models.CharField(
        _("review state"), max_length=20, choices=State.choices, default=State.SUBMITTED
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    # Optimistic locking of the draft itself; starts above base_version so that an
    # editor still holding the released version can never match a new draft.
    version = models.PositiveIntegerField(_("version"), default=1)

    history = HistoricalRecords(cascade_delete_history=False, user_related_name="+")

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("pending change")
        verbose_name_plural = _("pending changes")
        constraints = [
            *status_constraints("pending_change"),
            models.CheckConstraint(
                condition=Q(state__in=["submitted", "returned"]),
                name="pending_change_state_valid",
            ),
        ]

    def __str__(self):
        return f"{self.implementation_id}: {self.get_state_display()}"

    @property
    def updated_at(self):
        """When the draft was last saved (the conflict message reads this name)."""
        return self.submitted_at

    @property
    def is_returned(self):
        return self.state == self.State.RETURNED
