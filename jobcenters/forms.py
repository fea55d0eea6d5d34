"""Forms for editing implementation statuses (admin change form and the one-screen editor)."""

import datetime
import re
from collections import defaultdict

from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator, capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import rendering
from .models import Implementation, PendingChange, Status
from .services import EDITABLE_FIELDS


class NormalizedTextField(forms.CharField):
    """Browsers send CRLF from a <textarea>; store LF so an untouched note never counts
    as a change (which would write history and provoke false conflicts)."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


def status_choices():
    """Status options that show icon and text, never colour alone."""
    return [(status.value, f"{status.icon} {status.label}") for status in Status]


def status_definitions_html():
    """The definition of every status as an HTML list (admin help text)."""
    return format_html(
        "<ul class='status-definitions'>{}</ul>",
        format_html_join(
            "",
            "<li><span aria-hidden='true'>{}</span> <strong>{}</strong>: {}</li>",
            ((s.icon, s.label, s.definition) for s in Status),
        ),
    )


def display_value(field_name, value):
    """A stored value as people read it in a conflict message."""
    if value is None or value == "":
        return "–"
    if field_name == "status":
        try:
            return Status(value).label
        except ValueError:
            return value
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return Truncator(str(value)).chars(80)


def widget_value(value):
    """A stored value as a form field would send it back."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class Conflict:
    """What others changed on one row since the version an editor loaded."""

    def __init__(self, records, since_version, current, fields=EDITABLE_FIELDS):
        base = next((r for r in records if r.version == since_version), None)
        newer = [r for r in records if r.version > since_version]
        # The values the editor started from (None if that version left no history
        # entry) and the values stored now.
        self.base = {name: getattr(base, name) for name in EDITABLE_FIELDS} if base else None
        self.current = {name: getattr(current, name) for name in EDITABLE_FIELDS}
        self.authors = sorted({str(r.history_user) for r in newer if r.history_user})
        self.when = newer[-1].history_date if newer else current.updated_at
        labels = {f.name: capfirst(f.verbose_name) for f in Implementation._meta.fields}
        if base and newer:
            delta = newer[-1].diff_against(base, included_fields=list(EDITABLE_FIELDS))
            self.changes = [
                (labels[c.field], display_value(c.field, c.old), display_value(c.field, c.new))
                for c in delta.changes
            ]
            self.old_known = True
        else:
            # The loaded version left no history entry: name the current values instead.
            self.changes = [
                (labels[name], None, display_value(name, getattr(current, name))) for name in fields
            ]
            self.old_known = False

    def message(self):
        if self.old_known:
            changes = "; ".join(f"{label}: {old} → {new}" for label, old, new in self.changes)
        else:
            changes = "; ".join(
                gettext("%(field)s now %(value)s") % {"field": label, "value": new}
                for label, _old, new in self.changes
            )
        if self.base is not None:
            text = gettext(
                "Someone else (%(users)s, %(when)s) changed this entry after you opened it, "
                "so your change was not saved. What changed: %(changes)s. Below, your own "
                "changes are kept and the other changes are filled in wherever you changed "
                "nothing: check them and save again."
            )
        else:
            text = gettext(
                "Someone else (%(users)s, %(when)s) changed this entry after you opened it, "
                "so your change was not saved. What changed: %(changes)s. Your input is kept "
                "below: check it and save again to replace the current values."
            )
        return text % {
            "users": ", ".join(self.authors) or gettext("unknown"),
            "when": date_format(localtime(self.when), "SHORT_DATETIME_FORMAT"),
            "changes": changes or gettext("no visible field"),
        }


def find_conflicts(stale):
    """{pk: Conflict} for rows given as {row: (loaded version, fields edited)}.

    A row is an Implementation, or a PendingChange (or an Implementation showing
    its draft, see `show_draft`) whose draft history is read instead. One query
    per kind of row for any number of rows: their history entries from the
    loaded version on. Call it before the submitted values are copied onto the
    instances.
    """
    if not stale:
        return {}
    conditions = {Implementation: Q(), PendingChange: Q()}
    sources = {}
    for row, (version, _fields) in stale.items():
        draft = row if isinstance(row, PendingChange) else getattr(row, "shown_draft", None)
        source = (PendingChange, draft.pk) if draft is not None else (Implementation, row.pk)
        sources[row] = source
        conditions[source[0]] |= Q(id=source[1], version__gte=version)
    records = defaultdict(list)
    for model, condition in conditions.items():
        if not condition:
            continue
        for record in (
            model.history.filter(condition)
            .select_related("history_user")
            .order_by("id", "version", "history_date", "history_id")
        ):
            records[(model, record.id)].append(record)
    return {
        row.pk: Conflict(records[sources[row]], version, row, fields)
        for row, (version, fields) in stale.items()
    }


def formfield(db_field, **kwargs):
    """Model form fields; a link typed without a scheme is taken as https://."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class ImplementationForm(forms.ModelForm):
    """One implementation row. Carries the version it was loaded at; a save from an
    older version is refused with a description of what changed meanwhile."""

    # Parsed in clean(): a bad value is a form-wide error, never a hidden field's.
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    # The admin shows the definitions under the status field; the editor shows one legend.
    status_help = True

    class Meta:
        model = Implementation
        fields = EDITABLE_FIELDS
        formfield_callback = formfield
        field_classes = {
            "not_applicable_reason": NormalizedTextField,
            "public_note": NormalizedTextField,
            "internal_note": NormalizedTextField,
        }
        widgets = {
            "not_applicable_reason": forms.Textarea(attrs={"rows": 2}),
            "public_note": forms.Textarea(attrs={"rows": 2}),
            "internal_note": forms.Textarea(attrs={"rows": 2}),
            "progress": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
            # A native date picker; it sends ISO dates, which every locale accepts.
            "target_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The version stored when this request read the row.
        self.stored_version = self.instance.version
        self.conflict = None
        self.fields["version"].initial = self.instance.version
        if "status" in self.fields:
            self.fields["status"].choices = status_choices()
            self.fields["status"].help_text = status_definitions_html() if self.status_help else ""
        if "evidence_url" in self.fields:
            self.fields["evidence_url"].widget.attrs.setdefault("placeholder", "https://")

    @property
    def edited_fields(self):
        """The editable fields whose submitted value differs from the stored one."""
        return [name for name in self.changed_data if name in EDITABLE_FIELDS]

    def clean(self):
        cleaned = super().clean()
        try:
            version = int(self.data.get(self.add_prefix("version"), ""))
        except ValueError:
            version = None
        if version is None or not 1 <= version <= self.stored_version:
            # Only a hand-made request gets here: the page always sends the version.
            raise forms.ValidationError(
                _("This form does not match the stored entry; please reload the page.")
            )
        cleaned["version"] = version
        if version != self.stored_version and self.edited_fields:
            conflict = find_conflicts({self.instance: (version, self.edited_fields)})[
                self.instance.pk
            ]
            self.add_conflict(conflict, self.stored_version)
        return cleaned

    def values(self):
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS if name in self.fields}

    def add_conflict(self, conflict, current_version):
        """Refuse the save and hand the editor the current version, so that saving the
        kept input again is a deliberate decision, not a silent overwrite."""
        self.add_error(None, conflict.message())
        self.conflict = conflict
        data = self.data.copy()
        data[self.add_prefix("version")] = str(current_version)
        if conflict.base is not None:
            # Fields this editor left as they were take the other person's new value,
            # so saving again only applies this editor's own changes.
            for name in EDITABLE_FIELDS:
                if name not in self.fields or name not in self.cleaned_data:
                    continue
                if self.cleaned_data[name] == conflict.base[name]:
                    data[self.add_prefix(name)] = widget_value(conflict.current[name])
        self.data = data


class EditorRowForm(ImplementationForm):
    """One row of the one-screen editor."""

    # One legend at the top of the page explains the statuses, not 35 copies.
    status_help = False
    # Django's field and widget markup written in Python: the page renders 245 fields.
    default_renderer = rendering.renderer
    # A bound row is written by the template (see StoredRow.html).
    html = None

    def field_groups(self):
        return rendering.field_groups(
            (field.name, field.as_field_group()) for field in self.visible_fields()
        )


class StoredRow:
    """An editor row shown as stored: what the template reads of an unbound
    EditorRowForm, without building one (see rendering.StoredRows).

    `instance` is an Implementation, or a ListedRow with the same attributes;
    `page` the page's rendering.PlainRows. A row without a draft is written whole
    in Python (`html`); one with a draft goes through
    templates/jobcenters/includes/editor_row.html.
    """

    is_bound = False
    errors = None
    non_field_errors = None
    rows = rendering.StoredRows(EditorRowForm)

    def __init__(self, instance, prefix, page):
        self.instance = instance
        self.prefix = prefix
        self.stored_version = instance.version
        self.version, self._field_groups = self.rows.render(instance, prefix, instance.version)
        self.html = None
        if getattr(instance, "draft", None) is None:
            self.html = page.row(instance, self.version, self._field_groups)

    def field_groups(self):
        return self._field_groups


class ListedTheme:
    """The parts of a Theme the editor shows."""

    def __init__(self, pk, number, name):
        self.pk, self.number, self.name = pk, number, name

    def __str__(self):
        return f"{self.number}. {self.name}"  # as factors.models.Theme


class ListedFactor:
    def __init__(self, number, title, verified, theme):
        self.number, self.title, self.verified, self.theme = number, title, verified, theme


class ListedRow:
    """An implementation row read as plain values, for showing it as stored: the
    attributes of an Implementation that StoredRow and the editor read. Building
    Implementation, Factor, Theme and User instances for 35 rows was a sixth of
    the page's time. `updated_by` is the user's name (what str(user) gives);
    `draft_id` the primary key of the row's draft (review step), if any."""

    draft = None

    def __init__(self, pk, version, values, updated_at, updated_by, is_demo, factor, draft_id):
        self.pk = pk
        self.version = version
        self.__dict__.update(values)
        self.updated_at = updated_at
        self.updated_by = updated_by
        self.is_demo = is_demo
        self.factor = factor
        self.draft_id = draft_id


def listed_rows(implementations):
    """[ListedRow] of an Implementation queryset in one query, and the name and
    Kreisschlüssel of their jobcenter (of the last row; None without rows)."""
    username = f"updated_by__{get_user_model().USERNAME_FIELD}"
    themes = {}
    rows = []
    jobcenter = None
    for (
        pk,
        version,
        *values,
        updated_at,
        updated_by,
        is_demo,
        number,
        title,
        verified,
        theme_id,
        theme_number,
        theme_name,
        draft_id,
        jobcenter_name,
        ags,
    ) in implementations.values_list(
        "pk",
        "version",
        *EDITABLE_FIELDS,
        "updated_at",
        username,
        "is_demo",
        "factor__number",
        "factor__title",
        "factor__verified",
        "factor__theme_id",
        "factor__theme__number",
        "factor__theme__name",
        "pending_change__id",
        "jobcenter__name",
        "jobcenter__district__ags",
    ):
        theme = themes.get(theme_id)
        if theme is None:
            theme = themes[theme_id] = ListedTheme(theme_id, theme_number, theme_name)
        factor = ListedFactor(number, title, verified, theme)
        values = zip(EDITABLE_FIELDS, values, strict=True)
        rows.append(
            ListedRow(pk, version, values, updated_at, updated_by, is_demo, factor, draft_id)
        )
        jobcenter = (jobcenter_name, ags)
    return rows, jobcenter


class ReviewActionForm(forms.Form):
    """Release or send back the selected drafts of the review queue, all or none."""

    RELEASE = "release"
    RETURN = "return"

    action = forms.ChoiceField(
        choices=[(RELEASE, _("Release")), (RETURN, _("Send back"))],
        error_messages={"invalid_choice": _("Please choose release or send back.")},
    )
    # "<id>-<version>" of each chosen draft: the version makes a choice made on an
    # outdated page fail instead of releasing values nobody reviewed.
    selected = forms.MultipleChoiceField(
        required=True,
        error_messages={"required": _("Please choose at least one change.")},
    )
    comment = forms.CharField(
        label=_("Comment for the jobcenter"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when sending back; the jobcenter sees it in its editor."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any value is accepted here and checked in clean_selected with a clear message.
        self.fields["selected"].valid_value = lambda value: True

    def clean_selected(self):
        chosen = []
        for value in self.cleaned_data["selected"]:
            pk, _sep, version = str(value).partition("-")
            # At most 18 digits each: beyond that no id exists (and no database
            # integer holds it).
            if not (re.fullmatch(r"[0-9]{1,18}", pk) and re.fullmatch(r"[0-9]{1,18}", version)):
                raise forms.ValidationError(
                    _("This form does not match the review queue; please reload the page.")
                )
            chosen.append((int(pk), int(version)))
        return chosen

    def clean(self):
        cleaned = super().clean()
        comment = NormalizedTextField().to_python(cleaned.get("comment") or "").strip()
        cleaned["comment"] = comment
        if cleaned.get("action") == self.RETURN and not comment:
            self.add_error("comment", _("Please say why the change is sent back."))
        return cleaned
