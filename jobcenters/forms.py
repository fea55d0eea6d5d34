"""Forms for editing implementation statuses (admin change form and the one-screen editor)."""

import datetime
import re
from collections import defaultdict

from django import forms
from django.db import models
from django.db.models import Q
from django.forms.renderers import Jinja2
from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import (
    Implementation,
    PendingChange,
    Status,
    display_value,
    entry_problems,
    implied_progress,
)
from .services import EDITABLE_FIELDS

__all__ = ["display_value"]  # the admin reads it from here


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
    """The definition of every status (the admin's help text under the status field)."""
    return mark_safe(
        render_to_string("jobcenters/includes/status_definitions.html", {"statuses": list(Status)})
    )


def widget_value(value):
    """A stored value as a form field would send it back."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class Conflict:
    """What others changed on one row since the version an editor loaded."""

    def __init__(self, records, since_version, current, fields=EDITABLE_FIELDS, user=None):
        base = next((r for r in records if r.version == since_version), None)
        newer = [r for r in records if r.version > since_version]
        # The values the editor started from (None if that version left no history
        # entry) and the values stored now.
        self.base = {name: getattr(base, name) for name in EDITABLE_FIELDS} if base else None
        self.current = {name: getattr(current, name) for name in EDITABLE_FIELDS}
        self.authors = sorted({str(r.history_user) for r in newer if r.history_user})
        # The editor's own save from another window (or tab) is not "someone else".
        self.same_user = bool(
            user is not None
            and newer
            and all(r.history_user_id is not None and r.history_user_id == user.pk for r in newer)
        )
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
        if self.same_user and self.base is not None:
            text = gettext(
                "You changed this entry in another window (%(when)s) after opening it here, "
                "so this change was not saved. What changed: %(changes)s. Below, your changes "
                "from this window are kept and the other window's changes are filled in "
                "wherever you changed nothing here: check them and save again."
            )
        elif self.same_user:
            text = gettext(
                "You changed this entry in another window (%(when)s) after opening it here, "
                "so this change was not saved. What changed: %(changes)s. Your input is kept "
                "below: check it and save again to replace the current values."
            )
        elif self.base is not None:
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


def find_conflicts(stale, *, user=None):
    """{pk: Conflict} for rows given as {row: (loaded version, fields edited)}.

    A row is an Implementation, or a PendingChange (or an Implementation showing
    its draft, see `show_draft`) whose draft history is read instead. One query
    per kind of row for any number of rows: their history entries from the
    loaded version on. Call it before the submitted values are copied onto the
    instances. `user` is the editor, whose own saves from another window are named so.
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
        row.pk: Conflict(records[sources[row]], version, row, fields, user=user)
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

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The editor: a conflict with their own save from another window is named so.
        self.user = user
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
            stale = {self.instance: (version, self.edited_fields)}
            conflict = find_conflicts(stale, user=self.user)[self.instance.pk]
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
    """One row of the one-screen editor: also warns about contradictions a person may
    mean (models.entry_problems) and saves them only once confirmed."""

    # One legend at the top of the page explains the statuses, not 35 copies.
    status_help = False

    confirm = forms.BooleanField(
        label=_("Save anyway: the entry is meant like this"), required=False
    )

    # Fields in the row's disclosure; status, progress and target date are on the row.
    DETAIL_FIELDS = ("public_note", "internal_note", "evidence_url")
    # Edits to these can make a contradiction worth a warning.
    CHECKED_FIELDS = {"status", "progress", "target_date"}

    # The editor renders some 250 widgets: Django's Jinja2 form renderer, with Django's
    # own widget templates (the same HTML), takes half the time of its template language.
    default_renderer = Jinja2()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.warnings = {}
        self.fields["progress"].help_text = ""

    def clean(self):
        cleaned = super().clean()
        if self.errors or not self.CHECKED_FIELDS.intersection(self.edited_fields):
            return cleaned
        status = cleaned.get("status")
        if status is None:
            return cleaned
        progress = implied_progress(status, cleaned.get("progress"))
        _errors, warnings = entry_problems(status, progress, cleaned.get("target_date"))
        if warnings and not cleaned.get("confirm"):
            self.warnings = warnings
            raise forms.ValidationError(
                _("Please check the hint on this entry: confirm it, or change the entry."),
                code="unconfirmed",
            )
        return cleaned

    @property
    def show_reason(self):
        """Whether the reason field is shown without the page's script (which shows it
        as soon as "not applicable" is chosen)."""
        field = self["not_applicable_reason"]
        status = self["status"].value()
        return status == Status.NOT_APPLICABLE or bool(field.value()) or bool(field.errors)

    @property
    def details_open(self):
        """The disclosure with the notes and the link is open when one holds text or an error."""
        return any(self[name].value() or self[name].errors for name in self.DETAIL_FIELDS)


class EditorFormSet(forms.BaseModelFormSet):
    """The editor's rows: one form per implementation row given as `queryset` (a list of
    instances read with their factor, theme, author and draft), never a new row."""

    def get_queryset(self):
        return self.queryset

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # The row's key as a plain number: the formset finds the instance among its rows,
        # where Django's ModelChoiceField would ask the database once per row.
        form.fields["id"] = forms.IntegerField(
            widget=forms.HiddenInput, required=False, initial=form.instance.pk
        )

    @property
    def matches_rows(self):
        """Whether a bound formset names each of its rows exactly once (a hand-made or
        outdated request may name others, or none)."""
        if not self.management_form.is_valid():
            return False
        keys = [form.instance.pk for form in self.forms]
        known = {row.pk for row in self.queryset}
        return None not in keys and len(set(keys)) == len(keys) and set(keys) <= known

    def stored_form(self, form):
        """The unbound form of a bound form's row: an untouched row is shown as stored."""
        stored = self.form(
            instance=form.instance,
            prefix=form.prefix,
            auto_id=self.auto_id,
            error_class=self.error_class,
            use_required_attribute=False,
            **self.form_kwargs,
        )
        self.add_fields(stored, None)
        return stored


# Rows are never added or deleted here; the cap only bounds what a request can ask for.
EDITOR_MAX_ROWS = 200

editor_formset = forms.modelformset_factory(
    Implementation,
    form=EditorRowForm,
    formset=EditorFormSet,
    extra=0,
    edit_only=True,
    max_num=EDITOR_MAX_ROWS,
    absolute_max=EDITOR_MAX_ROWS,
)


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
