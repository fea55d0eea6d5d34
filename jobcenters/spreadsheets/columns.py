"""The status file format shared by export and import: columns, names, limits."""

from dataclasses import dataclass

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


def normalize(text):
    """Lower case, '_' as space, single spaces: how headers and statuses are matched."""
    return " ".join(str(text).replace("_", " ").split()).casefold()


class SpreadsheetError(Exception):
    """The upload as a whole cannot be read; the message says why in the user's language."""
