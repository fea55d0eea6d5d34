"""Checking an upload: every row against the stored entries, nothing written.

`preview_import` returns the change set, or every bad row with its line and reason.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from factors.models import Factor
from jobcenters.models import (
    Implementation,
    Jobcenter,
    Status,
    display_value,
    implied_progress,
)
from jobcenters.services import EDITABLE_FIELDS, as_edited_by
from kjc.spreadsheet_safety import unguard

from .columns import COLUMN_BY_KEY, COLUMNS, TEXT_FIELDS, SpreadsheetError, normalize
from .reading import is_blank, read_table


@dataclass
class RowError:
    line: int | None
    message: str


@dataclass
class RowChange:
    """What one file row changes in one implementation."""

    line: int
    pk: int
    version: int
    ags: str
    jobcenter: str
    factor: int
    factor_title: str
    # [(field name, old value, new value)] in EDITABLE_FIELDS order
    fields: list

    def values(self):
        return {name: new for name, _old, new in self.fields}

    def display(self):
        """[(field label, old text, new text)] for the preview."""
        labels = {f.name: f.verbose_name for f in Implementation._meta.fields}
        return [
            (labels[name], display_value(name, old), display_value(name, new))
            for name, old, new in self.fields
        ]

    def to_session(self):
        return {
            "line": self.line,
            "pk": self.pk,
            "version": self.version,
            "ags": self.ags,
            "jobcenter": self.jobcenter,
            "factor": self.factor,
            "factor_title": self.factor_title,
            "fields": [[n, _json(o), _json(v)] for n, o, v in self.fields],
        }

    @classmethod
    def from_session(cls, data):
        data = dict(data)
        data["fields"] = [(n, _from_json(n, o), _from_json(n, v)) for n, o, v in data["fields"]]
        return cls(**data)


def _json(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def _from_json(name, value):
    if name == "target_date" and value:
        return datetime.date.fromisoformat(value)
    return value


@dataclass
class ImportPreview:
    rows: int = 0
    changes: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def unchanged(self):
        return self.rows - len(self.changes)

    @property
    def field_changes(self):
        return sum(len(c.fields) for c in self.changes)


@dataclass
class _Scope:
    """What the rows of one upload are checked against (three queries)."""

    editable: dict  # AGS -> Jobcenter the user may change here
    factor_numbers: set
    current: dict  # (AGS, factor number) -> Implementation as the user edits it
    default_ags: str | None
    status_names: dict  # normalized status word (German, English, value) -> value
    seen: dict = field(default_factory=dict)  # (AGS, factor number) -> first line

    @classmethod
    def load(cls, user, jobcenter):
        editable = {
            jc.district.ags: jc
            for jc in Jobcenter.objects.editable_by(user).select_related("district")
        }
        if jobcenter is not None:
            editable = {ags: jc for ags, jc in editable.items() if jc.pk == jobcenter.pk}
        implementations = Implementation.objects.filter(
            jobcenter__in=editable.values()
        ).select_related("jobcenter__district", "factor", "pending_change")
        return cls(
            editable=editable,
            factor_numbers=set(Factor.objects.values_list("number", flat=True)),
            # Under the review step staff compare against (and edit) their drafts.
            current={
                (impl.jobcenter.district.ags, impl.factor.number): impl
                for impl in as_edited_by(implementations, user)
            },
            default_ags=jobcenter.district.ags if jobcenter is not None else None,
            status_names=_status_names(),
        )


def preview_import(data, *, user, jobcenter=None):
    """Read and check a whole upload; write nothing.

    `jobcenter` limits the file to that jobcenter (rows without an AGS belong
    to it); without it every row must name the AGS of a jobcenter the user may
    edit. Returns an ImportPreview; its `errors` name every bad row, and its
    `changes` are only meaningful when there are no errors.
    """
    preview = ImportPreview()
    try:
        lines = read_table(data)
    except SpreadsheetError as exc:
        preview.errors.append(RowError(None, str(exc)))
        return preview
    header_line, header = lines[0]
    positions, header_errors = _map_header(header, header_line, needs_ags=jobcenter is None)
    if header_errors:
        preview.errors.extend(header_errors)
        return preview
    body = [(line, values) for line, values in lines[1:] if not all(map(is_blank, values))]
    if not body:
        preview.errors.append(RowError(None, _("The file contains no data rows.")))
        return preview
    preview.rows = len(body)
    scope = _Scope.load(user, jobcenter)
    for line, values in body:
        cells = {
            key: (values[pos] if pos < len(values) else None) for key, pos in positions.items()
        }
        errors = []
        change = _check_row(line, cells, errors, scope)
        preview.errors.extend(RowError(line, message) for message in errors)
        if change is not None and not errors and change.fields:
            preview.changes.append(change)
    return preview


def _map_header(header, line, *, needs_ags):
    names = {name: column.key for column in COLUMNS for name in column.names()}
    positions = {}
    errors = []
    for pos, value in enumerate(header):
        if is_blank(value):
            continue
        key = names.get(normalize(value))
        if key is None:
            errors.append(
                RowError(line, _("Unknown column “%(name)s”.") % {"name": str(value).strip()})
            )
        elif key in positions:
            errors.append(
                RowError(line, _("The column “%(name)s” appears twice.") % {"name": value})
            )
        else:
            positions[key] = pos
    required = ["factor"] + (["ags"] if needs_ags else [])
    for key in required:
        if key not in positions:
            errors.append(
                RowError(
                    line,
                    _("The column “%(name)s” is missing.") % {"name": COLUMN_BY_KEY[key].header},
                )
            )
    if not errors and not any(key in positions for key in EDITABLE_FIELDS):
        errors.append(RowError(line, _("The file has no column that could be imported.")))
    return positions, errors


# --- Cell values -----------------------------------------------------------------


def _text(value):
    """A cell as text, without the apostrophe the CSV export put before a formula sign."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unguard(str(value)).replace("\r\n", "\n").replace("\r", "\n")


def _parse_ags(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Excel turns 06438 into the number 6438 when someone retypes it.
        if float(value).is_integer() and 0 < value < 100000:
            return f"{int(value):05d}"
        return None
    text = _text(value).strip()
    # Excel drops the leading zero when it opens a CSV and saves it again.
    return text.zfill(5) if re.fullmatch(r"\d{4,5}", text) else None


def _parse_whole_number(value):
    """int, or None when the cell holds no whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = _text(value).strip().removesuffix("%").strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _status_names():
    names = {}
    for status in Status:
        names[normalize(status.value)] = status.value
        for language in ("de", "en"):
            with translation.override(language):
                names[normalize(status.label)] = status.value
    return names


def _parse_date(value):
    """(date or None, ok)"""
    if is_blank(value):
        return None, True
    if isinstance(value, datetime.datetime):
        return value.date(), True
    if isinstance(value, datetime.date):
        return value, True
    text = _text(value).strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S", "%d.%m.%y"):
        try:
            return datetime.datetime.strptime(text, pattern).date(), True
        except ValueError:
            continue
    return None, False


# --- One row ---------------------------------------------------------------------


def _check_row(line, cells, errors, scope):
    """Check one row; append messages to `errors`; return its RowChange or None."""
    ags = _row_jobcenter(cells, errors, scope)
    if ags is None:
        return None
    impl = _row_implementation(line, ags, cells, errors, scope)
    if impl is None:
        return None
    new = _row_values(cells, impl, errors, scope.status_names)
    if errors:
        return None
    candidate = _validated(impl, new, errors)
    if candidate is None:
        return None
    changes = [
        (name, getattr(impl, name), getattr(candidate, name))
        for name in EDITABLE_FIELDS
        if getattr(impl, name) != getattr(candidate, name)
    ]
    if changes and not _same_version(cells, impl, errors):
        return None
    return RowChange(
        line=line,
        pk=impl.pk,
        version=impl.version,
        ags=ags,
        jobcenter=impl.jobcenter.name,
        factor=impl.factor.number,
        factor_title=impl.factor.title,
        fields=changes,
    )


def _row_jobcenter(cells, errors, scope):
    """The row's AGS if the user may change that jobcenter here, else None."""
    if "ags" in cells and not is_blank(cells["ags"]):
        ags = _parse_ags(cells["ags"])
        if ags is None:
            errors.append(
                _("“%(value)s” is no Kreisschlüssel (AGS, five digits).")
                % {"value": _text(cells["ags"]).strip()}
            )
            return None
    elif scope.default_ags:
        ags = scope.default_ags
    else:
        errors.append(_("The Kreisschlüssel (AGS) is missing."))
        return None
    if ags in scope.editable:
        return ags
    if scope.default_ags:
        errors.append(
            _("The row belongs to the jobcenter %(ags)s, but this import is for %(own)s only.")
            % {"ags": ags, "own": scope.default_ags}
        )
    else:
        errors.append(
            _("You may not change the jobcenter %(ags)s (or it does not exist).") % {"ags": ags}
        )
    return None


def _row_implementation(line, ags, cells, errors, scope):
    """The stored entry the row's factor number names, once per file, else None."""
    if is_blank(cells.get("factor")):
        errors.append(_("The factor number is missing."))
        return None
    number = _parse_whole_number(cells["factor"])
    if number is None or number not in scope.factor_numbers:
        errors.append(
            _("There is no factor with the number “%(value)s”.")
            % {"value": _text(cells["factor"]).strip()}
        )
        return None
    key = (ags, number)
    if key in scope.seen:
        errors.append(
            _("Factor %(number)s of %(ags)s appears twice (also in line %(other)s).")
            % {"number": number, "ags": ags, "other": scope.seen[key]}
        )
        return None
    scope.seen[key] = line
    impl = scope.current.get(key)
    if impl is None:
        errors.append(
            _("The jobcenter %(ags)s has no entry for factor %(number)s.")
            % {"ags": ags, "number": number}
        )
    return impl


def _row_values(cells, impl, errors, status_names):
    """{field: value} read from the row's editable cells; bad cells go to `errors`."""
    new = {}
    if "status" in cells:
        status = _row_status(cells["status"], errors, status_names)
        if status is not None:
            new["status"] = status
    if "progress" in cells:
        progress = _row_progress(cells["progress"], errors)
        if progress is not None:
            new["progress"] = progress
    for name in TEXT_FIELDS:
        if name in cells:
            text = _text(cells[name])
            old = getattr(impl, name)
            # Whitespace a spreadsheet adds or drops is no change.
            new[name] = old if text.strip() == old.strip() else text.strip()
    if "target_date" in cells:
        date, ok = _parse_date(cells["target_date"])
        if ok:
            new["target_date"] = date
        else:
            errors.append(
                _("“%(value)s” is no date; please write e.g. 31.12.2026 or 2026-12-31.")
                % {"value": _text(cells["target_date"]).strip()}
            )
    return new


def _row_status(value, errors, status_names):
    if is_blank(value):
        errors.append(_("The status is missing."))
        return None
    status = status_names.get(normalize(_text(value)))
    if status is None:
        with translation.override("de"):
            allowed = ", ".join(str(label) for label in Status.labels)
        errors.append(
            _("Unknown status “%(value)s”; allowed are: %(allowed)s.")
            % {"value": _text(value).strip(), "allowed": allowed}
        )
    return status


def _row_progress(value, errors):
    if is_blank(value):
        return 0
    progress = _parse_whole_number(value)
    if progress is None:
        errors.append(
            _("Progress “%(value)s” is not a whole number from 0 to 100.")
            % {"value": _text(value).strip()}
        )
        return None
    if not 0 <= progress <= 100:
        errors.append(_("Progress %(value)s is outside 0 to 100.") % {"value": progress})
        return None
    return progress


def _validated(impl, new, errors):
    """`impl` with the new values as an unsaved copy, if the model's own rules (choices,
    range, URL, reason required) accept it; else None and the messages in `errors`."""
    candidate = Implementation(**{name: getattr(impl, name) for name in EDITABLE_FIELDS})
    for name, value in new.items():
        setattr(candidate, name, value)
    candidate.progress = implied_progress(candidate.status, candidate.progress)
    try:
        candidate.clean_fields(
            exclude=[f.name for f in Implementation._meta.fields if f.name not in EDITABLE_FIELDS]
        )
        candidate.clean()
    except ValidationError as exc:
        labels = {f.name: f.verbose_name for f in Implementation._meta.fields}
        for name, messages in exc.message_dict.items():
            for message in messages:
                label = labels.get(name)
                errors.append(f"{capfirst(label)}: {message}" if label else message)
        return None
    return candidate


def _same_version(cells, impl, errors):
    """False (and a message) when the file's version column names an older version."""
    if "version" not in cells or is_blank(cells["version"]):
        return True
    if _parse_whole_number(cells["version"]) == impl.version:
        return True
    errors.append(
        _(
            "This entry was changed after the file was exported (version %(file)s in "
            "the file, now %(now)s); please export again and copy your changes over."
        )
        % {"file": _text(cells["version"]).strip(), "now": impl.version}
    )
    return False
