"""Bounded uploads (issue 11, item 6): hostile files are refused cheaply with a
clear message, and the request body is capped before anything reads it."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from jobcenters import spreadsheets
from jobcenters.spreadsheets import reading
from tests import hostile_files
from tests.base import PersonaTestCase
from tests.factories import confirm_second_factor


@override_settings(LANGUAGE_CODE="en")
class HostileUploadTests(PersonaTestCase):
    def setUp(self):
        self.url = reverse("jobcenters:import_status", args=[self.jobcenter_a.district.ags])
        self.login(self.staff_a)

    def refused(self, data, name="status.xlsx", url=None, status=400):
        response = self.client.post(url or self.url, {"file": SimpleUploadedFile(name, data)})
        self.assertEqual(response.status_code, status)
        self.assertNotIn("token", response.context)
        return response

    def message(self, data, name="status.xlsx"):
        [error] = self.refused(data, name).context["errors"]
        return error.message

    def test_one_row_of_two_million_cells(self):
        data = hostile_files.wide_xlsx_row()
        self.assertLess(len(data), 200_000)
        self.assertIn("unpacks to too much data", self.message(data))

    def test_a_wide_row_under_the_unpacked_limit_stops_at_the_first_extra_cell(self):
        data = hostile_files.wide_xlsx_row(500_000)
        self.assertIn("Line 1 has more than 23 columns", self.message(data))

    def test_values_beyond_the_known_columns_but_empty_formatted_cells_are_fine(self):
        self.assertIn(
            "Line 1 has more than 23 columns",
            self.message(hostile_files.xlsx(['<row><c><v>1</v></c><c r="Z1"><v>2</v></c></row>'])),
        )
        lines = spreadsheets.read_table(
            hostile_files.xlsx(['<row><c t="inlineStr"><is><t>AGS</t></is></c><c r="Z1"/></row>'])
        )
        self.assertEqual(lines[0][1][0], "AGS")

    def test_two_and_a_half_million_shared_strings(self):
        self.assertIn("unpacks to too much data", self.message(hostile_files.many_shared_strings()))
        # Under the unpacked limit the streaming pass counts them.
        self.assertIn(
            "far more data than a status file",
            self.message(hostile_files.many_shared_strings(200_000)),
        )

    def test_many_elements_of_any_kind(self):
        data = hostile_files.xlsx(["<row>", "<x/>" * (reading.MAX_PART_ELEMENTS + 1), "</row>"])
        self.assertIn("far more data than a status file", self.message(data))

    def test_a_row_a_million_lines_down(self):
        self.assertIn("more than 1000 rows", self.message(hostile_files.far_row()))

    def test_csv_header_of_a_million_columns(self):
        data = hostile_files.wide_csv_header()
        self.assertLess(len(data), 2 * 1024 * 1024)
        response = self.refused(data, "breit.csv")
        [error] = response.context["errors"]
        self.assertIn("Line 1 has more than 23 columns", error.message)
        # The answer is a page, not an echo of the header.
        self.assertLess(len(response.content), 50_000)

    def test_csv_data_row_too_wide_and_line_too_long(self):
        header = "AGS;Faktor-Nr.;Status\n"
        wide = header + "06438;1;geplant" + ";x" * 30 + "\n"
        self.assertIn("Line 2 has more than 23 columns", self.message(wide.encode(), "w.csv"))
        self.assertIn(
            "Line 2 is longer than 100000 characters",
            self.message(hostile_files.long_csv_line(), "l.csv"),
        )

    def test_a_real_export_with_trailing_empty_cells_is_accepted(self):
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(["AGS", "Faktor-Nr.", "Status", "Fortschritt (%)"] + [None] * 5)
        sheet.append([self.jobcenter_a.district.ags, 1, "geplant", 10])
        sheet.cell(row=2, column=30).number_format = "0.0"  # an empty, formatted cell
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = self.client.post(
            self.url, {"file": SimpleUploadedFile("s.xlsx", buffer.getvalue())}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["errors"], [])

    def test_at_most_fifty_problems_are_listed(self):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(["AGS", "Faktor-Nr.", "Status"])
        for number in range(1000, 1120):
            writer.writerow([self.jobcenter_a.district.ags, number, "geplant"])
        response = self.refused(buffer.getvalue().encode(), "fehler.csv")
        self.assertEqual(len(response.context["errors"]), 50)
        self.assertEqual(response.context["more_errors"], 70)
        self.assertContains(response, "Further problems, not listed: 70.", status_code=400)

    @override_settings(KJC_UPLOAD_MAX_BYTES=100_000)
    def test_request_body_over_the_limit_is_not_read(self):
        for url in (self.url, reverse("jobcenters:import_all_status")):
            with self.subTest(url):
                self.login(self.coordinator)
                body = hostile_files.long_csv_line(200_000)
                response = self.client.post(url, {"file": SimpleUploadedFile("g.csv", body)})
                self.assertEqual(response.status_code, 413)
                self.assertContains(response, "at most 0.1 MB", status_code=413)
                self.assertNotIn("errors", response.context)

    def test_the_body_limit_speaks_german_by_default(self):
        with override_settings(KJC_UPLOAD_MAX_BYTES=100_000), translation.override("de"):
            response = self.client.post(
                self.url,
                {"file": SimpleUploadedFile("g.csv", b"x" * 200_000)},
                headers={"accept-language": "de"},
            )
        self.assertContains(response, "Die Datei ist zu groß", status_code=413)

    def test_the_csrf_check_still_runs_after_the_size_check(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.staff_a)
        confirm_second_factor(client, self.staff_a)
        response = client.post(self.url, {"file": SimpleUploadedFile("s.csv", b"AGS\n")})
        self.assertEqual(response.status_code, 403)
        response = client.post(reverse("factors:import_catalogue"), {"file": b""})
        self.assertEqual(response.status_code, 403)


@override_settings(LANGUAGE_CODE="en")
class HostileCatalogueTests(PersonaTestCase):
    def setUp(self):
        self.url = reverse("factors:import_catalogue")
        self.login(self.coordinator)

    def errors(self, data):
        response = self.client.post(self.url, {"file": SimpleUploadedFile("k.csv", data)})
        self.assertEqual(response.status_code, 400)
        return response

    def test_header_of_a_million_columns(self):
        data = ("number" + ";x" * 999_999 + "\n").encode()
        response = self.errors(data[: 1024 * 1024])
        self.assertEqual(len(response.context["errors"]), 1)
        self.assertIn("longer than 20000 characters", response.context["errors"][0])
        response = self.errors(("number" + ";x" * 3000 + "\n1\n").encode())
        self.assertEqual(len(response.context["errors"]), 1)
        self.assertIn("more than 15 columns", response.context["errors"][0])

    def test_long_lines_and_many_lines(self):
        response = self.errors(b"number;theme;title;description;addressee\n1;" + b"x" * 30_000)
        self.assertIn("longer than 20000 characters", response.context["errors"][0])
        many = b"number;theme;title;description;addressee\n" + b"x;y\n" * 5000
        response = self.errors(many)
        self.assertLessEqual(len(response.context["errors"]), 50)
        self.assertContains(response, "Further problems, not listed", status_code=400)

    @override_settings(KJC_UPLOAD_MAX_BYTES=100_000)
    def test_request_body_over_the_limit(self):
        response = self.client.post(self.url, {"file": SimpleUploadedFile("k.csv", b"x" * 200_000)})
        self.assertEqual(response.status_code, 413)
