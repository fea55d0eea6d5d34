"""The public pages as of a Stichtag: `?stichtag=YYYY-MM-DD` on every data page.

The state at the end of that day is computed from the history (reports.history.snapshot),
one query like the current rows, so an as-of page runs as many queries as today's page: the
"As of" query of today's page is replaced by the date of the first history entry, which
bounds the Stichtage that have a state at all.
"""

from dataclasses import dataclass
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Min
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobcenters.models import Implementation
from reports import history

# Nothing is older than the catalogue; the bound keeps a year-1 date out of the time-zone
# arithmetic of the as-of queries.
EARLIEST_STICHTAG = date(2000, 1, 1)


def _past_day(value):
    if value and value > timezone.localdate():
        raise ValidationError(gettext_lazy("The date lies in the future."), code="future")
    if value and value < EARLIEST_STICHTAG:
        raise ValidationError(gettext_lazy("The date lies before 2000."), code="too_early")


class StichtagForm(forms.Form):
    """?stichtag=YYYY-MM-DD (ISO only: one address per Stichtag). No query."""

    stichtag = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        validators=[_past_day],
        error_messages={
            "invalid": gettext_lazy("Give the Stichtag as a day that exists, written YYYY-MM-DD.")
        },
    )


def params_form(*names):
    """StichtagForm with the page's filter parameters as plain text: what the page cache
    keys a request by (pagecache.decorators.public_page). The page's own filter still
    validates them; the cache only needs their values."""
    fields = {name: forms.CharField(required=False, strip=False) for name in names}
    return type("StichtagParamsForm", (StichtagForm,), fields)


@dataclass(frozen=True)
class AsOf:
    """The Stichtag a page shows (None: today's state)."""

    day: date | None = None

    def __bool__(self):
        return self.day is not None

    @property
    def at(self):
        return history.end_of_day(self.day) if self.day else None

    def rows(self, implementations=None):
        """The rows the page reads: the current implementations, or the history rows
        holding their state at the end of the Stichtag (same fields, one query)."""
        if implementations is None:
            implementations = Implementation.objects.all()
        return implementations if self.day is None else history.snapshot(self.at, implementations)

    @property
    def query(self):
        """`stichtag=YYYY-MM-DD` for links that stay on this Stichtag ('' for today)."""
        return urlencode({"stichtag": self.day.isoformat()}) if self.day else ""

    @property
    def suffix(self):
        """'?stichtag=YYYY-MM-DD' to append to a link of the page ('' for today)."""
        return f"?{self.query}" if self.day else ""

    @property
    def label(self):
        """'30.06.2026' in German, '30 June 2026' in English."""
        # Translators: date format of the Stichtag banner (Django's date format syntax).
        return date_format(self.day, _("j F Y")) if self.day else ""


def first_state():
    """The moment of the first history entry, or None without history (one query)."""
    return Implementation.history.aggregate(first=Min("history_date"))["first"]


def read(request):
    """(AsOf, None) for a valid or missing ?stichtag=, else (None, a 400 page).

    With a Stichtag: one query (the first history entry)."""
    form = StichtagForm(request.GET)
    if not form.is_valid():
        return None, invalid(request, [str(e) for e in form.errors["stichtag"]])
    as_of = AsOf(form.cleaned_data["stichtag"])
    if as_of:
        first = first_state()
        if first is None or as_of.at < first:
            if first is None:
                message = _("There is no recorded state yet.")
            else:
                message = _("The first recorded state is of %(date)s.") % {
                    "date": AsOf(timezone.localdate(first)).label
                }
            return None, invalid(request, [message])
    return as_of, None


def invalid(request, messages):
    return render(
        request,
        "public/stichtag_invalid.html",
        {"errors": messages, "value": request.GET.get("stichtag", "")[:40]},
        status=400,
    )
