"""Implementation statuses as a spreadsheet: export, and import with a preview.

The file format is the same both ways (XLSX or CSV), one row per jobcenter and
factor. Its headers are fixed German words, because the file is an exchange
format with the associations and must not change with the interface language;
English headers are accepted on import as well.

An import runs in two steps. `preview_import` reads and checks every row and
returns the change set (or every bad row with its line and reason); nothing is
written. `apply_import` writes a change set in one transaction through
`services.update_implementation`, refusing it whole when any row has been
changed since the preview.
"""

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from factors.models import Factor

from .models import IMPLIED_PROGRESS, Implementation, Jobcenter, Status
from .services import (
    EDITABLE_FIELDS,
    EditConflict,
    as_edited_by,
    draft_versions,
    drafts_for,
    shows_drafts,
    update_implementation,
)

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# An XLSX is a zip archive; refuse one that would unpack to far more than any
# real status file (a "zip bomb") before openpyxl reads it.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
SHEET_TITLE = "Umsetzungsstand"
CSV_DELIMITER = ";"  # what German Excel expects, since the comma is the decimal mark


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple = ()
    width: int = 14
    imported: bool = True

    def names(self):
        return {normalize(n) for n in (self.key, self.header, *self.aliases)}


COLUMNS = (
    Column("ags", "AGS", ("Kreisschlüssel", "Kreisschlüssel (AGS)"), 8),
    Column("jobcenter", "Jobcenter", (), 34, imported=False),
    Column("factor", "Faktor-Nr.", ("Nr.", "Faktor", "Factor no.", "Factor number"), 10),
    Column("factor_title", "Gelingensfaktor", ("Titel", "Factor title"), 45, imported=False),
    Column("status", "Status", (), 18),
    Column("progress", "Fortschritt (%)", ("Fortschritt", "Progress", "Progress (%)"), 14),
    Column(
        "not_applicable_reason",
        "Begründung (nicht zutreffend)",
        ("Begründung", "Reason", "Reason (not applicable)"),
        30,
    ),
    Column("public_note", "Öffentliche Anmerkung", ("Public note",), 40),
    Column("internal_note", "Interne Anmerkung", ("Internal note",), 40),
    Column("evidence_url", "Nachweis-Link", ("Nachweis", "Evidence link"), 30),
    Column("target_date", "Zieldatum", ("Target date",), 12),
    Column("updated_at", "Letzte Änderung", ("Last update",), 17, imported=False),
    Column("version", "Version (nicht ändern)", ("Version", "Version (do not change)"), 12),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
TEXT_FIELDS = ("not_applicable_reason", "public_note", "internal_note", "evidence_url")
# Characters that make Excel read a CSV cell as a formula; see write_csv.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def normalize(text):
    """Lower case, '_' as space, single spaces: how headers and statuses are matched."""
    return " ".join(str(text).replace("_", " ").split()).casefold()


class SpreadsheetError(Exception):
    """The upload as a whole cannot be read; the message says why in the user's language."""


# --- Export ----------------------------------------------------------------------


# Where each exported column is read from; jobcenter staff under the review step read
# the editable fields and the version from their draft (services.as_edited_by).
EXPORT_SOURCES = {
    "ags": "jobcenter__district__ags",
    "jobcenter": "jobcenter__name",
    "factor": "factor__number",
    "factor_title": "factor__title",
    **{name: name for name in EDITABLE_FIELDS},
    "updated_at": "updated_at",
    "version": "version",
}
DRAFTED = (*EDITABLE_FIELDS, "version")


def implementations_for_export(jobcenters, *, user=None):
    """The rows of the given jobcenters in file order, one dict per row keyed by
    column, raw values (one query; values, not model instances, for the 14,000 rows
    of a large export).

    With `user`, as that user edits them: under the review step staff get their
    drafts' values and versions, so their file round-trips (services.as_edited_by).
    """
    columns = list(EXPORT_SOURCES)
    paths = list(EXPORT_SOURCES.values())
    drafts = user is not None and shows_drafts(user)
    if drafts:
        paths += ["pending_change__id", *(f"pending_change__{name}" for name in DRAFTED)]
    rows = (
        Implementation.objects.filter(jobcenter__in=jobcenters)
        .order_by("jobcenter__district__ags", "factor__number")
        .values_list(*paths)
    )
    result = []
    for values in rows:
        row = dict(zip(columns, values, strict=False))
        if drafts and values[len(columns)] is not None:
            row.update(zip(DRAFTED, values[len(columns) + 1 :], strict=True))
        result.append(row)
    return result


def export_rows(rows):
    """The rows of implementations_for_export with values typed for XLSX."""
    with translation.override("de"):
        labels = {status.value: str(status.label) for status in Status}
    zone = timezone.get_current_timezone()
    for row in rows:
        yield {
            **row,
            "status": labels[row["status"]],
            "updated_at": row["updated_at"].astimezone(zone).replace(tzinfo=None),
        }


def write_xlsx(rows):
    """The rows as XLSX bytes: typed cells, a status drop-down, frozen header.

    Written in openpyxl's write-only mode, which streams rows instead of keeping a
    cell object per value (a 14,000-row export took seconds)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for col, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def header_cell(text):
        cell = WriteOnlyCell(sheet, text)
        cell.font = bold
        return cell

    sheet.append([header_cell(c.header) for c in COLUMNS])
    formats = {"target_date": "DD.MM.YYYY", "updated_at": "DD.MM.YYYY HH:MM"}

    def cell(key, value):
        if isinstance(value, str):
            if not value.startswith("="):
                # An empty text is left out, as openpyxl leaves out an empty cell;
                # written, it reads back as empty all the same.
                return value or None
            # openpyxl would take a note starting with "=" for a formula.
            typed = WriteOnlyCell(sheet, value)
            typed.data_type = "s"
            return typed
        if key in formats:
            typed = WriteOnlyCell(sheet, value)
            typed.number_format = formats[key]
            return typed
        return value

    row_count = 0
    for row in export_rows(rows):
        sheet.append([cell(column.key, row[column.key]) for column in COLUMNS])
        row_count += 1
    with translation.override("de"):
        labels = ",".join(str(label) for label in Status.labels)
    if row_count:
        status_col = get_column_letter(list(COLUMN_BY_KEY).index("status") + 1)
        validation = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=False)
        validation.add(f"{status_col}2:{status_col}{row_count + 1}")
        sheet.data_validations.append(validation)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_csv(rows):
    """The rows as UTF-8 CSV (with BOM, so Excel shows umlauts), ';'-separated.

    A text starting with = + - @ gets a leading apostrophe so that Excel shows
    it instead of running it as a formula; the import takes the apostrophe off.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([c.header for c in COLUMNS])
    keys = [column.key for column in COLUMNS]
    for row in export_rows(rows):
        out = []
        for key in keys:
            value = row[key]
            if value is None:
                value = ""
            elif isinstance(value, str):
                if value.startswith(FORMULA_START):
                    value = "'" + value
            elif isinstance(value, datetime.datetime):
                value = value.strftime("%Y-%m-%d %H:%M")
            elif isinstance(value, datetime.date):
                value = value.isoformat()
            out.append(value)
        writer.writerow(out)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_filename(jobcenter, extension, *, today=None):
    today = today or timezone.localdate()
    scope = jobcenter.district.ags if jobcenter else "alle"
    return f"umsetzungsstand-{scope}-{today.isoformat()}.{extension}"


# --- Reading a file --------------------------------------------------------------


def read_table(data, filename=""):
    """[(line, [cell values])] of a spreadsheet upload, the header as line 1.

    Raises SpreadsheetError for an empty, oversized or unreadable file.
    """
    if not data:
        raise SpreadsheetError(_("The file is empty."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise SpreadsheetError(
            _("The file is larger than %(limit)s MB; please split it.")
            % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    if data.startswith(b"PK\x03\x04"):
        lines = _read_xlsx(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SpreadsheetError(
            _("Old Excel files (.xls) cannot be read; please save the file as .xlsx or .csv.")
        )
    else:
        lines = _read_csv(data)
    # Trailing empty lines are layout, not rows.
    while lines and all(_is_blank(v) for v in lines[-1][1]):
        lines.pop()
    if not lines:
        raise SpreadsheetError(_("The file is empty."))
    return lines


def _is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _read_xlsx(data):
    from openpyxl import load_workbook

    not_readable = SpreadsheetError(
        _("The file is not a readable spreadsheet (XLSX or CSV in the exported format).")
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise SpreadsheetError(
                    _("The file is larger than %(limit)s MB; please split it.")
                    % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)}
                )
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except SpreadsheetError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise not_readable from exc
    try:
        sheet = (
            workbook[SHEET_TITLE] if SHEET_TITLE in workbook.sheetnames else workbook.worksheets[0]
        )
        lines = []
        for line, values in enumerate(
            sheet.iter_rows(max_col=len(COLUMNS) + 10, values_only=True), start=1
        ):
            if line > MAX_ROWS + 1:
                raise _too_many_rows()
            lines.append((line, list(values)))
    except SpreadsheetError:
        raise
    except Exception as exc:
        raise not_readable from exc
    finally:
        workbook.close()
    return lines


def _too_many_rows():
    return SpreadsheetError(
        _("The file has more than %(limit)s rows; please split it.") % {"limit": MAX_ROWS}
    )


def _read_csv(data):
    if b"\x00" in data:
        raise SpreadsheetError(
            _("The file is not a readable spreadsheet (XLSX or CSV in the exported format).")
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # German Excel saves "CSV (Trennzeichen-getrennt)" in Windows-1252.
        text = data.decode("cp1252", errors="replace")
    first_line, _newline, rest = text.partition("\n")
    first = 1
    if first_line.strip().lower().startswith("sep=") and len(first_line.strip()) == 5:
        # Excel's "sep=;" hint names the delimiter and is no row (but a line).
        delimiter, text, first = first_line.strip()[4], rest, 2
    else:
        delimiter = max((";", ",", "\t"), key=first_line.count)
    lines = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for line, values in enumerate(reader, start=first):
            if line > MAX_ROWS + 1:
                raise _too_many_rows()
            lines.append((line, values))
    except csv.Error as exc:
        raise SpreadsheetError(
            _("The file is not a readable spreadsheet (XLSX or CSV in the exported format).")
        ) from exc
    return lines


# --- Checking rows ---------------------------------------------------------------


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


def display_value(name, value):
    if value in (None, ""):
        return "–"
    if name == "status":
        return str(Status(value).label)
    if name == "target_date":
        return date_format(value, "SHORT_DATE_FORMAT")
    if name == "progress":
        return f"{value} %"
    return str(value)


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


def preview_import(data, *, user, filename="", jobcenter=None):
    """Read and check a whole upload; write nothing.

    `jobcenter` limits the file to that jobcenter (rows without an AGS belong
    to it); without it every row must name the AGS of a jobcenter the user may
    edit. Returns an ImportPreview; its `errors` name every bad row, and its
    `changes` are only meaningful when there are no errors.
    """
    preview = ImportPreview()
    try:
        lines = read_table(data, filename)
    except SpreadsheetError as exc:
        preview.errors.append(RowError(None, str(exc)))
        return preview
    header_line, header = lines[0]
    positions, header_errors = _map_header(header, header_line, needs_ags=jobcenter is None)
    if header_errors:
        preview.errors.extend(header_errors)
        return preview
    body = [(line, values) for line, values in lines[1:] if not all(map(_is_blank, values))]
    if not body:
        preview.errors.append(RowError(None, _("The file contains no data rows.")))
        return preview
    preview.rows = len(body)

    editable = {
        jc.district.ags: jc for jc in Jobcenter.objects.editable_by(user).select_related("district")
    }
    if jobcenter is not None:
        editable = {ags: jc for ags, jc in editable.items() if jc.pk == jobcenter.pk}
    factor_numbers = set(Factor.objects.values_list("number", flat=True))
    current = {
        (impl.jobcenter.district.ags, impl.factor.number): impl
        # Under the review step staff compare against (and edit) their drafts.
        for impl in as_edited_by(
            Implementation.objects.filter(jobcenter__in=editable.values()).select_related(
                "jobcenter__district", "factor", "pending_change"
            ),
            user,
        )
    }
    default_ags = jobcenter.district.ags if jobcenter is not None else None
    seen = {}
    for line, values in body:
        cells = {
            key: (values[pos] if pos < len(values) else None) for key, pos in positions.items()
        }
        errors = []
        change = _check_row(
            line, cells, errors, editable, factor_numbers, current, default_ags, seen
        )
        preview.errors.extend(RowError(line, message) for message in errors)
        if change is not None and not errors and change.fields:
            preview.changes.append(change)
    return preview


def _map_header(header, line, *, needs_ags):
    names = {}
    for column in COLUMNS:
        for name in column.names():
            names[name] = column.key
    positions = {}
    errors = []
    for pos, value in enumerate(header):
        if _is_blank(value):
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


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("'") and text[1:].startswith(FORMULA_START[:4]):
        text = text[1:]
    return text


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
        names[normalize(status.label)] = status.value
        for language in ("de", "en"):
            with translation.override(language):
                names[normalize(status.label)] = status.value
    return names


def _parse_date(value):
    """(date or None, ok)"""
    if _is_blank(value):
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


def _check_row(line, cells, errors, editable, factor_numbers, current, default_ags, seen):
    """Check one row; append messages to `errors`; return its RowChange or None."""
    # Jobcenter
    if "ags" in cells and not _is_blank(cells["ags"]):
        ags = _parse_ags(cells["ags"])
        if ags is None:
            errors.append(
                _("“%(value)s” is no Kreisschlüssel (AGS, five digits).")
                % {"value": _text(cells["ags"]).strip()}
            )
            return None
    elif default_ags:
        ags = default_ags
    else:
        errors.append(_("The Kreisschlüssel (AGS) is missing."))
        return None
    if ags not in editable:
        if default_ags:
            errors.append(
                _("The row belongs to the jobcenter %(ags)s, but this import is for %(own)s only.")
                % {"ags": ags, "own": default_ags}
            )
        else:
            errors.append(
                _("You may not change the jobcenter %(ags)s (or it does not exist).") % {"ags": ags}
            )
        return None

    # Factor
    number = _parse_whole_number(cells.get("factor"))
    if _is_blank(cells.get("factor")):
        errors.append(_("The factor number is missing."))
        return None
    if number is None or number not in factor_numbers:
        errors.append(
            _("There is no factor with the number “%(value)s”.")
            % {"value": _text(cells["factor"]).strip()}
        )
        return None
    key = (ags, number)
    if key in seen:
        errors.append(
            _("Factor %(number)s of %(ags)s appears twice (also in line %(other)s).")
            % {"number": number, "ags": ags, "other": seen[key]}
        )
        return None
    seen[key] = line
    impl = current.get(key)
    if impl is None:
        errors.append(
            _("The jobcenter %(ags)s has no entry for factor %(number)s.")
            % {"ags": ags, "number": number}
        )
        return None

    new = {}
    if "status" in cells:
        if _is_blank(cells["status"]):
            errors.append(_("The status is missing."))
        else:
            status = _status_names().get(normalize(_text(cells["status"])))
            if status is None:
                with translation.override("de"):
                    allowed = ", ".join(str(label) for label in Status.labels)
                errors.append(
                    _("Unknown status “%(value)s”; allowed are: %(allowed)s.")
                    % {"value": _text(cells["status"]).strip(), "allowed": allowed}
                )
            else:
                new["status"] = status
    if "progress" in cells:
        if _is_blank(cells["progress"]):
            new["progress"] = 0
        else:
            progress = _parse_whole_number(cells["progress"])
            if progress is None:
                errors.append(
                    _("Progress “%(value)s” is not a whole number from 0 to 100.")
                    % {"value": _text(cells["progress"]).strip()}
                )
            elif not 0 <= progress <= 100:
                errors.append(_("Progress %(value)s is outside 0 to 100.") % {"value": progress})
            else:
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
    if errors:
        return None

    # The model's own rules decide the rest (choices, range, URL, reason required).
    candidate = Implementation(**{name: getattr(impl, name) for name in EDITABLE_FIELDS})
    for name, value in new.items():
        setattr(candidate, name, value)
    if candidate.status in IMPLIED_PROGRESS:
        candidate.progress = IMPLIED_PROGRESS[candidate.status]
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

    changes = [
        (name, getattr(impl, name), getattr(candidate, name))
        for name in EDITABLE_FIELDS
        if getattr(impl, name) != getattr(candidate, name)
    ]
    if changes and "version" in cells and not _is_blank(cells["version"]):
        file_version = _parse_whole_number(cells["version"])
        if file_version != impl.version:
            errors.append(
                _(
                    "This entry was changed after the file was exported (version %(file)s in "
                    "the file, now %(now)s); please export again and copy your changes over."
                )
                % {"file": _text(cells["version"]).strip(), "now": impl.version}
            )
            return None
    return RowChange(
        line=line,
        pk=impl.pk,
        version=impl.version,
        ags=ags,
        jobcenter=impl.jobcenter.name,
        factor=number,
        factor_title=impl.factor.title,
        fields=changes,
    )


# --- Applying --------------------------------------------------------------------


class ImportRefused(Exception):
    """Nothing was written; `errors` says why, row by row."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(e.message for e in errors))


def apply_import(changes, *, user, when=None):
    """Write every change or none, each under `user` in the history.

    Refuses the whole set when a row was changed after the preview or the user
    may no longer edit its jobcenter. Returns the number of rows written.
    """
    when = when or timezone.now()
    with transaction.atomic():
        rows = {
            impl.pk: impl
            for impl in Implementation.objects.select_for_update()
            .filter(
                pk__in=[c.pk for c in changes],
                jobcenter__in=Jobcenter.objects.editable_by(user),
            )
            .only("pk", "version")
        }
        # Under the review step a row with a draft is edited from the draft's version.
        versions = draft_versions(rows) if drafts_for(user) else {}
        errors = []
        for change in changes:
            impl = rows.get(change.pk)
            if impl is None:
                errors.append(
                    RowError(
                        change.line,
                        _("You may not change the jobcenter %(ags)s.") % {"ags": change.ags},
                    )
                )
            elif versions.get(impl.pk, impl.version) != change.version:
                errors.append(RowError(change.line, _conflict_message(change)))
        if errors:
            raise ImportRefused(errors)
        for change in changes:
            try:
                update_implementation(
                    implementation=rows[change.pk],
                    values=change.values(),
                    expected_version=change.version,
                    user=user,
                    when=when,
                )
            except EditConflict as exc:
                raise ImportRefused([RowError(change.line, _conflict_message(change))]) from exc
    return len(changes)


def _conflict_message(change):
    return _(
        "Factor %(number)s of %(ags)s was changed by someone else after the preview; "
        "nothing was imported. Please upload the file again."
    ) % {"number": change.factor, "ags": change.ags}
