"""The dashboard's current view as an XLSX workbook (openpyxl), one sheet per section."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from jobcenters.models import STATUS_ORDER
from kjc.spreadsheet_safety import xlsx_row

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _local(value):
    """openpyxl cannot store time zones; write local time without one."""
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _sheet(workbook, title, header, rows, *, first=False):
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title[:31]
    sheet.append([str(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    for i, h in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(12, min(len(str(h)) + 4, 60))
    sheet.freeze_panes = "A2"
    return sheet


def _share(value):
    return None if value is None else round(value / 100, 4)


def _compare_cells(row):
    """CompareRow.cells with the shares as fractions (shown as per cent by the format)."""
    label, done_a, share_a, done_b, share_b, delta = row.cells
    return label, done_a, _share(share_a), done_b, _share(share_b), delta


def dashboard_workbook(dash):
    """Bytes of an .xlsx holding what the dashboard shows for these parameters."""
    workbook = Workbook()
    status_labels = [str(s.label) for s in STATUS_ORDER]
    _sheet(
        workbook,
        _("Overview"),
        [_("Status"), _("Number")],
        [(str(s.label), n) for s, n in dash.headline_rows],
        first=True,
    )
    _sheet(
        workbook,
        _("Internal notes"),
        [_("Jobcenter"), _("Factor"), _("Status"), _("Internal note")],
        [
            (i.jobcenter.name, i.factor.number, i.get_status_display(), i.internal_note)
            for i in dash.internal_notes
        ],
    )
    _sheet(
        workbook,
        _("Jobcenters without updates"),
        [_("Jobcenter"), _("Latest update of any entry")],
        [(j.name, _local(j.last_update)) for j in dash.stale_jobcenters],
    )
    _sheet(
        workbook,
        _("Changes"),
        [_("When"), _("Who"), _("Jobcenter"), _("Factor"), _("Field"), _("Old"), _("New")],
        [
            (
                _local(c.when),
                c.user_name,
                c.jobcenter,
                c.factor_number,
                str(label),
                str(old),
                str(new),
            )
            for c in dash.changes
            for label, old, new in c.fields
        ],
    )
    _sheet(
        workbook,
        _("Trend"),
        [_("Date"), *status_labels, _("Total")],
        [
            (_local(p.at), *(p.summary.counts[s] for s in STATUS_ORDER), p.summary.total)
            for p in dash.trend
        ],
    )
    for title, first_column, rows in (
        (_("Compare factors"), _("Factor"), dash.compare_factors),
        (_("Compare jobcenters"), _("Jobcenter"), dash.compare_jobcenters),
    ):
        sheet = _sheet(
            workbook,
            title,
            [first_column, *(str(h) for h in dash.compare_headers)],
            [_compare_cells(row) for row in rows],
        )
        for column in ("C", "E"):
            for cell in sheet[column][1:]:
                cell.number_format = "0.0%"
        for cell in sheet["F"][1:]:
            cell.number_format = "0.0"
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if cell.is_date:
                    cell.number_format = "DD.MM.YYYY HH:MM"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
