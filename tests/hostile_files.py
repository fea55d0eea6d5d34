"""Hostile uploads, built small in code (issue 11, item 6); used by the tests and
bench/uploads.py.

Each builder streams its XML into the zip, so a file that unpacks to tens of MB
is made in about a second without holding it in memory.
"""

import io
import zipfile

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
CONTENT_TYPES = f"""<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="{SML}.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SML}.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="{SML}.sharedStrings+xml"/>
</Types>"""
ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{PKG_REL}">
<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>
<sheet name="Umsetzungsstand" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{PKG_REL}">
<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""


def _write(archive, name, chunks):
    with archive.open(name, "w") as part:
        for chunk in chunks:
            part.write(chunk.encode() if isinstance(chunk, str) else chunk)


def _repeated(unit, count, block=10_000):
    """`unit` `count` times, in blocks of `block` copies."""
    chunk = unit * block
    for _ in range(count // block):
        yield chunk
    yield unit * (count % block)


def xlsx(sheet_rows, strings=()):
    """An XLSX of raw sheet XML pieces (`<row>` elements) and shared-string pieces."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        _write(
            archive,
            "xl/worksheets/sheet1.xml",
            [f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>']
            + list(sheet_rows)
            + ["</sheetData></worksheet>"],
        )
        _write(
            archive,
            "xl/sharedStrings.xml",
            [f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">', *strings, "</sst>"],
        )
    return buffer.getvalue()


def wide_xlsx_row(cells=2_000_000):
    """One row of `cells` numeric cells (the issue's file: 106 KB, 2 million cells)."""
    return xlsx(["<row>", *_repeated("<c><v>1</v></c>", cells), "</row>"])


def many_shared_strings(strings=2_500_000):
    """A sheet of one cell and a table of `strings` shared strings."""
    return xlsx(
        ['<row r="1"><c r="A1" t="s"><v>0</v></c></row>'],
        _repeated("<si><t>x</t></si>", strings),
    )


def far_row():
    """One cell in the last row Excel allows: a million empty rows before it."""
    return xlsx(['<row r="1048576"><c r="A1048576"><v>1</v></c></row>'])


def wide_csv_header(columns=1_000_000):
    """A CSV whose header has `columns` columns, just under 2 MB."""
    return ("AGS" + ";x" * (columns - 1) + "\n06438;1\n").encode()


def long_csv_line(chars=1_500_000):
    return ("AGS;Faktor-Nr.;Öffentliche Anmerkung\n06438;1;" + "x" * chars + "\n").encode()
