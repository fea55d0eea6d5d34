from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _


class StichtagQuerySet(models.QuerySet):
    def latest_before(self, day):
        """The last Stichtag strictly before `day`, or None."""
        return self.filter(date__lt=day).order_by("-date").first()


class Stichtag(models.Model):
    """A reporting date set by the coordination office (e.g. 30.06. and 31.12.).

    No rows are copied: the state as of a Stichtag is computed from the history.
    """

    date = models.DateField(_("date"), unique=True)
    label = models.CharField(
        _("label"), max_length=100, blank=True, help_text=_("For example “Halbjahr 1/2026”.")
    )

    objects = StichtagQuerySet.as_manager()

    class Meta:
        ordering = ["-date"]
        verbose_name = _("reporting date (Stichtag)")
        verbose_name_plural = _("reporting dates (Stichtage)")

    def __str__(self):
        day = formats.date_format(self.date, "SHORT_DATE_FORMAT")
        return f"{day} – {self.label}" if self.label else day


class DaySummary(models.Model):
    """How many implementations had each status at the end of a past day, per factor or
    per jobcenter, over all implementations: what the dashboard's trend (month ends) and
    its comparison with a past day read instead of the history (reports/summaries.py).

    Derived data, filled on first use and never edited. Database triggers (migration
    0005) delete every stored day that a change of the history reaches back to, and all
    of them when an implementation is deleted, whoever writes; so a stored day always
    says what the history says. Not part of the data version, nor of a backup.
    """

    day = models.DateField()
    factor = models.ForeignKey(
        "factors.Factor", null=True, on_delete=models.CASCADE, related_name="+"
    )
    jobcenter = models.ForeignKey(
        "jobcenters.Jobcenter", null=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=20)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day"], name="reports_daysummary_day_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(factor__isnull=False, jobcenter__isnull=True)
                | models.Q(factor__isnull=True, jobcenter__isnull=False),
                name="reports_daysummary_one_key",
            )
        ]

    def __str__(self):
        return f"{self.day}: {self.status} × {self.count}"
