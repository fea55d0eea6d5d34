from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

FACTOR_COUNT = 35


class Theme(models.Model):
    """A Handlungsfeld: the group a success factor belongs to."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "number"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self):
        return f"{self.number}. {self.name}"


class FactorQuerySet(models.QuerySet):
    def in_catalogue_order(self):
        return self.select_related("theme").order_by("theme__order", "theme__number", "number")

    def has_unverified(self):
        """True while any factor's wording is not yet taken from the official document."""
        return self.filter(verified=False).exists()


class Factor(models.Model):
    """One of the 35 Gelingensfaktoren of the 2018 plan."""

    class Addressee(models.TextChoices):
        BUND = "bund", _("Federal government")
        LAND = "land", _("State of Hesse")
        KOMMUNE = "kommune", _("Municipality / jobcenter")
        SEVERAL = "mehrere", _("Several levels")

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    theme = models.ForeignKey(
        Theme, on_delete=models.PROTECT, related_name="factors", verbose_name=_("theme")
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    addressee = models.CharField(
        _("addressee"),
        max_length=20,
        choices=Addressee.choices,
        default=Addressee.KOMMUNE,
        help_text=_("Who has to act for this factor."),
    )
    verified = models.BooleanField(
        _("verified wording"),
        default=False,
        help_text=_("Set when the wording is taken from the official document."),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)

    objects = FactorQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("success factor")
        verbose_name_plural = _("success factors")
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=1) & Q(number__lte=FACTOR_COUNT),
                name="factor_number_1_to_35",
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"
