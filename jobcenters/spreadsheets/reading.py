"""Reading an upload into lines of cells, within bounds a worker can afford.

A status file has at most MAX_ROWS rows of the thirteen known columns. Anything
much bigger is refused before it is parsed: the upload's size (KJC_UPLOAD_MAX_BYTES),
for an XLSX the unpacked size of each part and, in one streaming pass over its XML,
the number of rows, cells per row and shared strings; for a CSV the width of the
header and the length of a line.
"""

import csv
import io
import re
import zipfile
from xml.parsers.expat import ExpatError, ParserCreate

from django.utils.translation import gettext as _

from kjc.uploads import upload_limit, upload_limit_mb

from .columns import COLUMNS, SHEET_TITLE, SpreadsheetError

# Hesse's whole file (16 jobcenters × 35 factors) is 560 rows; the bound keeps the
# largest accepted file within the answer-time goal of bench/uploads.py.
MAX_ROWS = 1000
# The known columns and some empty ones a spreadsheet program may add.
MAX_COLUMNS = len(COLUMNS) + 10
# Cells of any kind (also empty, formatted ones) in one XLSX row.
MAX_ROW_CELLS = 1000
MAX_SHARED_STRINGS = MAX_ROWS * len(COLUMNS)
# Elements of any kind in one part: rows of cells with values, rich-text runs.
MAX_PART_ELEMENTS = 150_000
# An XLSX is a zip archive; its parts are refused by their unpacked size before any
# is parsed (a "zip bomb"). An export of MAX_ROWS rows unpacks to a few MB.
MAX_PART_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_PARTS = 100
# One physical CSV line (a note with line breaks spans several).
MAX_LINE_CHARS = 100_000


def read_table(data):
    """[(line, [cell values])] of a spreadsheet upload, the header as line 1.

    Raises SpreadsheetError for an empty, oversized or unreadable file.
    """
    if not data:
        raise SpreadsheetError(_("The file is empty."))
    if len(data) > upload_limit():
        raise _too_large()
    if data.startswith(b"PK\x03\x04"):
        lines = _read_xlsx(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SpreadsheetError(
            _("Old Excel files (.xls) cannot be read; please save the file as .xlsx or .csv.")
        )
    else:
        lines = _read_csv(data)
    # Trailing empty lines are layout, not rows.
    while lines and all(is_blank(v) for v in lines[-1][1]):
        lines.pop()
    if not lines:
        raise SpreadsheetError(_("The file is empty."))
    return lines


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _too_large():
    return SpreadsheetError(
        _("The file is larger than %(limit)s MB; please split it.") % {"limit": upload_limit_mb()}
    )


def _not_readable():
    return SpreadsheetError(
        _("The file is not a readable spreadsheet (XLSX or CSV in the exported format).")
    )


def _too_many_rows():
    return SpreadsheetError(
        _("The file has more than %(limit)s rows; please split it.") % {"limit": MAX_ROWS}
    )


def _too_wide(line):
    return SpreadsheetError(
        _(
            "Line %(line)s has more than %(limit)s columns; the status file has %(known)s. "
            "Please remove the extra columns."
        )
        % {"line": line, "limit": MAX_COLUMNS, "known": len(COLUMNS)}
    )


# --- XLSX ------------------------------------------------------------------------


def _read_xlsx(data):
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_parts(archive)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except SpreadsheetError:
        raise
    except Exception as exc:  # openpyxl and zipfile raise many kinds for a broken file
        raise _not_readable() from exc
    try:
        sheet = (
            workbook[SHEET_TITLE] if SHEET_TITLE in workbook.sheetnames else workbook.worksheets[0]
        )
        lines = []
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        for line, values in enumerate(rows, start=1):
            if line > MAX_ROWS + 1:
                raise _too_many_rows()
            lines.append((line, list(values)))
    except SpreadsheetError:
        raise
    except Exception as exc:
        raise _not_readable() from exc
    finally:
        workbook.close()
    return lines


def _check_parts(archive):
    """Refuse an archive whose parts unpack to too much, then scan each part's XML."""
    parts = archive.infolist()
    if (
        len(parts) > MAX_PARTS
        or sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES
        or any(part.file_size > MAX_PART_BYTES for part in parts)
    ):
        raise SpreadsheetError(
            _(
                "The spreadsheet unpacks to too much data (more than %(part)s MB in one "
                "part or %(total)s MB in all); please split it."
            )
            % {
                "part": MAX_PART_BYTES // (1024 * 1024),
                "total": MAX_UNPACKED_BYTES // (1024 * 1024),
            }
        )
    for part in parts:
        # zipfile stops at the declared size, so a part cannot unpack to more.
        with archive.open(part) as stream:
            _PartScan().run(stream)


class _PartScan:
    """One streaming pass (expat, no tree) over a part of the archive: stop at the
    first row, cell or shared string beyond the bounds, whatever the part is called
    (a workbook may name its sheets and string table freely). A part that is no XML
    is left to openpyxl."""

    def __init__(self):
        self.elements = self.rows = self.cells = self.strings = 0
        self.column = 0

    def run(self, stream):
        parser = ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = self.start
        try:
            while chunk := stream.read(64 * 1024):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except ExpatError:
            return

    def start(self, name, attributes):
        self.elements += 1
        if self.elements > MAX_PART_ELEMENTS:
            raise _too_complex()
        tag = name.rpartition(" ")[2]
        if tag == "c":
            self.cells += 1
            self.column = _column_index(attributes.get("r"), self.cells)
            if self.cells > MAX_ROW_CELLS:
                raise _too_wide(self.rows)
        elif tag in ("v", "is", "f"):
            # A value beyond the known columns (empty, formatted cells may be there).
            if self.column > MAX_COLUMNS:
                raise _too_wide(self.rows)
        elif tag == "row":
            self.rows += 1
            self.cells = self.column = 0
            if max(self.rows, _whole_number(attributes.get("r"), 0)) > MAX_ROWS + 1:
                raise _too_many_rows()
        elif tag == "si":
            self.strings += 1
            if self.strings > MAX_SHARED_STRINGS:
                raise _too_complex()


def _too_complex():
    return SpreadsheetError(
        _("The spreadsheet holds far more data than a status file; please split it.")
    )


_REFERENCE = re.compile(r"([A-Z]{1,3})\d*")


def _column_index(reference, default):
    """1 for "A7", 27 for "AA7"; `default` (the position in the row) without a reference."""
    match = _REFERENCE.fullmatch(reference or "")
    if match is None:
        return default
    index = 0
    for letter in match.group(1):
        index = index * 26 + ord(letter) - ord("A") + 1
    return index


def _whole_number(text, default):
    return int(text) if text and text.isdigit() and len(text) < 10 else default


# --- CSV -------------------------------------------------------------------------


def _decode(data):
    if b"\x00" in data:
        raise _not_readable()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # German Excel saves "CSV (Trennzeichen-getrennt)" in Windows-1252.
        return data.decode("cp1252", errors="replace")


def _read_csv(data):
    text = _decode(data)
    first_line, _newline, rest = text.partition("\n")
    first = 1
    if first_line.strip().lower().startswith("sep=") and len(first_line.strip()) == 5:
        # Excel's "sep=;" hint names the delimiter and is no row (but a line).
        delimiter, text, first = first_line.strip()[4], rest, 2
        first_line = rest.partition("\n")[0]
    else:
        delimiter = max((";", ",", "\t"), key=first_line.count)
    if first_line.count(delimiter) >= MAX_COLUMNS:
        raise _too_wide(first)
    for number, physical in enumerate(text.split("\n"), start=first):
        if len(physical) > MAX_LINE_CHARS:
            raise SpreadsheetError(
                _("Line %(line)s is longer than %(limit)s characters; please shorten it.")
                % {"line": number, "limit": MAX_LINE_CHARS}
            )
    lines = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for line, values in enumerate(reader, start=first):
            if line > MAX_ROWS + 1:
                raise _too_many_rows()
            if len(values) > MAX_COLUMNS and not all(map(is_blank, values[MAX_COLUMNS:])):
                raise _too_wide(line)
            lines.append((line, values[:MAX_COLUMNS]))
    except csv.Error as exc:
        raise _not_readable() from exc
    return lines
