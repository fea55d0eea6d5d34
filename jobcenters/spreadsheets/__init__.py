"""Implementation statuses as a spreadsheet: export, and import with a preview.

The file format is the same both ways (XLSX or CSV), one row per jobcenter and
factor (`columns`). Its headers are fixed German words, because the file is an
exchange format with the associations and must not change with the interface
language; English headers are accepted on import as well.

An import runs in two steps. `preview_import` (`checking`) reads the upload within
fixed bounds (`reading`), checks every row and returns the change set (or every bad
row with its line and reason); nothing is written. `apply_import` (`applying`) writes
a change set in one transaction through `services.update_implementation`, refusing
it whole when any row has been changed since the preview.
"""

from .applying import ImportRefused, apply_import
from .checking import ImportPreview, RowChange, RowError, preview_import
from .columns import (
    COLUMN_BY_KEY,
    COLUMNS,
    CSV_CONTENT_TYPE,
    TEXT_FIELDS,
    XLSX_CONTENT_TYPE,
    SpreadsheetError,
)
from .export import export_filename, implementations_for_export, write_csv, write_xlsx
from .reading import MAX_COLUMNS, MAX_ROWS, read_table

__all__ = [
    "COLUMNS",
    "COLUMN_BY_KEY",
    "CSV_CONTENT_TYPE",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "TEXT_FIELDS",
    "XLSX_CONTENT_TYPE",
    "ImportPreview",
    "ImportRefused",
    "RowChange",
    "RowError",
    "SpreadsheetError",
    "apply_import",
    "export_filename",
    "implementations_for_export",
    "preview_import",
    "read_table",
    "write_csv",
    "write_xlsx",
]
