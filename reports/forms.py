"""Query parameters of the dashboard and the exports, validated like any other input."""

from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from factors.models import FACTOR_COUNT

from .history import MAX_TREND_MONTHS

# No data can be older than the catalogue (2018); bounding the dates keeps a year-1 date
# from overflowing the time-zone arithmetic of the "as of" queries.
EARLIEST_DATE = date(2000, 1, 1)
# Bounds any page number, far beyond the last page of a nationwide matrix (15 pages):
# larger numbers overflowed the database's 64-bit offset (a 500, issue 11).
MAX_PAGE = 100_000


def _not_in_future(value):
    if value and value > timezone.localdate():
        raise ValidationError(_("The date lies in the future."))
    if value and value < EARLIEST_DATE:
        raise ValidationError(_("The date lies before 2000."))


class ErrorTextMixin:
    def error_text(self):
        """All errors as one plain line, for a 400 response without a page."""
        return " ".join(
            " ".join(str(m) for m in messages)
            if name == NON_FIELD_ERRORS
            else f"{name}: {' '.join(str(m) for m in messages)}"
            for name, messages in self.errors.items()
        )


class ExportParamsForm(ErrorTextMixin, forms.Form):
    """?stichtag=YYYY-MM-DD&faktor=N&jobcenter=AGS of the downloads and the API."""

    stichtag = forms.DateField(
        required=False, input_formats=["%Y-%m-%d"], validators=[_not_in_future]
    )
    faktor = forms.IntegerField(required=False, min_value=1, max_value=FACTOR_COUNT)
    jobcenter = forms.RegexField(
        required=False,
        regex=r"^[0-9]{5}$",  # ASCII digits only (\d would match any script's digits)
        error_messages={"invalid": _("Give the Kreisschlüssel (AGS) as five digits.")},
    )


class ApiMatrixParamsForm(ExportParamsForm):
    """The matrix endpoint also pages: ?seite=N (1, 2, …)."""

    seite = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)


# ISO (what <input type="date"> sends) and German, whatever the interface language.
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


def _past_date_field(label, **kwargs):
    """An optional date picker, ISO or German, not in the future."""
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        validators=[_not_in_future],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


class DashboardForm(ErrorTextMixin, forms.Form):
    as_of = _past_date_field(_("State as of"), help_text=_("Empty means today."))
    stale_months = forms.IntegerField(
        label=_("Stale after (months)"),
        required=False,
        min_value=1,
        max_value=120,
    )
    since = _past_date_field(_("Changes since"))
    trend_months = forms.IntegerField(
        label=_("Trend over (months)"), required=False, min_value=2, max_value=MAX_TREND_MONTHS
    )
    trend_of = forms.ChoiceField(label=_("Trend of"), required=False)
    a = _past_date_field(_("Compare date A"))
    b = _past_date_field(_("with date B"))

    def __init__(self, *args, subjects=None, **kwargs):
        """`subjects`: the trend's factors and themes, {value: (label, filter)}."""
        super().__init__(*args, **kwargs)
        subjects = subjects or {}
        self.fields["trend_of"].choices = [
            ("", _("All factors")),
            (_("Themes"), [(k, label) for k, (label, _f) in subjects.items() if k[0] == "t"]),
            (_("Factors"), [(k, label) for k, (label, _f) in subjects.items() if k[0] == "f"]),
        ]

    def values(self, *, previous_stichtag=None):
        """The valid parameters, with defaults for those missing or invalid."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_bound else {}
        if self.is_bound:
            # A field with an error is missing from cleaned_data: use its default.
            data = {k: v for k, v in data.items() if k not in self.errors}
        fallback_since = previous_stichtag or today - timedelta(days=30)
        return {
            "as_of": data.get("as_of"),
            "stale_months": data.get("stale_months") or settings.KJC_STALE_MONTHS,
            "since": data.get("since") or fallback_since,
            "trend_months": data.get("trend_months") or 12,
            "trend_of": data.get("trend_of") or "",
            "a": data.get("a") or fallback_since,
            "b": data.get("b") or today,
        }
