"""Export: a jobcenter's (or every jobcenter's) rows as XLSX or CSV in the file format."""

import csv
import datetime
import io

from django.utils import timezone, translation

from jobcenters.models import Implementation, Status
from jobcenters.services import EDITABLE_FIELDS, shows_drafts
from kjc.spreadsheet_safety import csv_text, xlsx_value

from .columns import COLUMN_BY_KEY, COLUMNS, CSV_DELIMITER, SHEET_TITLE

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
XLSX_FORMATS = {"target_date": "DD.MM.YYYY", "updated_at": "DD.MM.YYYY HH:MM"}


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
    """The rows of implementations_for_export with German status words and local times."""
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
    """The rows as XLSX bytes: typed cells, texts never as formulas, a status drop-down,
    frozen header.

    Written in openpyxl's write-only mode, which streams rows instead of keeping a
    cell object per value."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

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

    def cell(key, value):
        if value == "":
            # openpyxl leaves out an empty cell; written, it would read back as empty too.
            return None
        if key in XLSX_FORMATS and value is not None:
            typed = WriteOnlyCell(sheet, value)
            typed.number_format = XLSX_FORMATS[key]
            return typed
        return xlsx_value(sheet, value)

    sheet.append([header_cell(c.header) for c in COLUMNS])
    row_count = 0
    for row in export_rows(rows):
        sheet.append([cell(column.key, row[column.key]) for column in COLUMNS])
        row_count += 1
    if row_count:
        sheet.data_validations.append(_status_choice(row_count))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _status_choice(row_count):
    """The drop-down of the German status words on the status column's data rows."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    with translation.override("de"):
        labels = ",".join(str(label) for label in Status.labels)
    column = get_column_letter(list(COLUMN_BY_KEY).index("status") + 1)
    validation = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=False)
    validation.add(f"{column}2:{column}{row_count + 1}")
    return validation


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return csv_text(value)


def write_csv(rows):
    """The rows as UTF-8 CSV (with BOM, so Excel shows umlauts), ';'-separated; texts
    that would start a formula behind an apostrophe, which the import takes off."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([c.header for c in COLUMNS])
    keys = [column.key for column in COLUMNS]
    for row in export_rows(rows):
        writer.writerow([_csv_value(row[key]) for key in keys])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_filename(jobcenter, extension, *, today=None):
    today = today or timezone.localdate()
    scope = jobcenter.district.ags if jobcenter else "alle"
    return f"umsetzungsstand-{scope}-{today.isoformat()}.{extension}"
