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
