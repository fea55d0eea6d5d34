"""Status export and the two-step import (preview, apply), through the views."""

import csv
import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase
from openpyxl import Workbook, load_workbook

from factors.models import Factor
from jobcenters import spreadsheets
from jobcenters.models import Implementation, Status
from jobcenters.services import update_implementation
from tests.base import PersonaTestCase
from tests.factories import confirm_second_factor, make_jobcenter

HEADER = [c.header for c in spreadsheets.COLUMNS]


def xlsx_bytes(rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, header=HEADER):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def upload(data, name="status.xlsx"):
    return SimpleUploadedFile(name, data)


# Messages are asserted in English, so the tests hold once the German catalogue is merged.
@override_settings(LANGUAGE_CODE="en")
class SpreadsheetTestCase(PersonaTestCase):
    def setUp(self):
        self.ags_a = self.jobcenter_a.district.ags
        self.ags_b = self.jobcenter_b.district.ags
        self.import_a = reverse("jobcenters:import_status", args=[self.ags_a])
        self.import_all = reverse("jobcenters:import_all_status")

    def row(self, jobcenter, number):
        return Implementation.objects.get(jobcenter=jobcenter, factor__number=number)

    def export_table(self, jobcenter=None, fmt="xlsx"):
        """The exported file of A (or of all), read back as a list of lists."""
        self.login(self.coordinator)
        url = (
            reverse("jobcenters:export_status", args=[jobcenter.district.ags, fmt])
            if jobcenter
            else reverse("jobcenters:export_all_status", args=[fmt])
        )
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.client.logout()
        return response.content

    def simple_rows(self, ags, overrides=None):
        """A hand-written file of `ags`: factor, status, progress for each factor."""
        rows = []
        for factor in self.factors:
            values = {
                "status": "nicht gemeldet",
                "progress": 0,
                **(overrides or {}).get(factor.number, {}),
            }
            rows.append([ags, factor.number, values["status"], values["progress"]])
        return rows

    def post_file(self, url, data, name="status.xlsx"):
        return self.client.post(url, {"file": upload(data, name)})

    def snapshot(self):
        return list(
            Implementation.objects.order_by("pk").values(
                "pk", "version", "status", "progress", *spreadsheets.TEXT_FIELDS, "target_date"
            )
        )


class ExportTests(SpreadsheetTestCase):
    def test_xlsx_has_every_column_and_typed_cells(self):
        impl = self.row(self.jobcenter_a, 2)
        update_implementation(
            implementation=impl,
            values={
                "status": Status.IN_PROGRESS,
                "progress": 40,
                "public_note": "=HYPERLINK(1)",
                "target_date": datetime.date(2026, 12, 31),
            },
            expected_version=1,
            user=self.staff_a,
        )
        self.login(self.staff_a)
        url = reverse("jobcenters:export_status", args=[self.ags_a, "xlsx"])
        # 1 session, 2 user, 3 groups (demo-account check, then visible_to), 4 jobcenter,
        # 5 implementations with jobcenter, district and factor
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(6):
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], spreadsheets.XLSX_CONTENT_TYPE)
        self.assertIn(f"umsetzungsstand-{self.ags_a}-", response["Content-Disposition"])
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(list(rows[0]), HEADER)
        self.assertEqual(len(rows), 1 + len(self.factors))
        second = dict(zip(HEADER, rows[2], strict=True))
        self.assertEqual(second["AGS"], self.ags_a)
        self.assertEqual(second["Faktor-Nr."], 2)
        self.assertEqual(second["Fortschritt (%)"], 40)
        self.assertEqual(second["Zieldatum"], datetime.datetime(2026, 12, 31))
        self.assertEqual(second["Version (nicht ändern)"], 2)
        # Stored as text, not run as a formula.
        self.assertEqual(second["Öffentliche Anmerkung"], "=HYPERLINK(1)")
        self.assertEqual(
            sheet.cell(row=3, column=HEADER.index("Öffentliche Anmerkung") + 1).data_type, "s"
        )

    def test_csv_export(self):
        self.login(self.staff_a)
        response = self.client.get(reverse("jobcenters:export_status", args=[self.ags_a, "csv"]))
        self.assertEqual(response.status_code, 200)
        text = response.content.decode("utf-8-sig")
        lines = list(csv.reader(io.StringIO(text), delimiter=";"))
        self.assertEqual(lines[0], HEADER)
        self.assertEqual(len(lines), 1 + len(self.factors))
        self.assertEqual(lines[1][0], self.ags_a)

    def test_format_from_query_string_and_unknown_format(self):
        self.login(self.staff_a)
        response = self.client.get(
            reverse("jobcenters:export_status", args=[self.ags_a, "xlsx"]), {"format": "csv"}
        )
        # The path names the format; the query string does not override it.
        self.assertEqual(response["Content-Type"], spreadsheets.XLSX_CONTENT_TYPE)
        plain = reverse("jobcenters:export_status", args=[self.ags_a])
        self.assertEqual(plain, f"/bearbeiten/{self.ags_a}/export/")
        response = self.client.get(plain, {"format": "csv"})
        self.assertEqual(response["Content-Type"], spreadsheets.CSV_CONTENT_TYPE)
        response = self.client.get(plain)
        self.assertEqual(response["Content-Type"], spreadsheets.XLSX_CONTENT_TYPE)
        for bad in ("pdf", "", "x" * 5000, "csv\x00", "' OR 1=1 --"):
            self.assertEqual(self.client.get(plain, {"format": bad}).status_code, 404, bad)
        response = self.client.get(reverse("jobcenters:export_status", args=[self.ags_a, "pdf"]))
        self.assertEqual(response.status_code, 404)
        self.login(self.coordinator)
        response = self.client.get(reverse("jobcenters:export_all_status"), {"format": "csv"})
        self.assertEqual(response["Content-Type"], spreadsheets.CSV_CONTENT_TYPE)

    def test_outsider_gets_404_anonymous_login_wrong_method_405(self):
        url = reverse("jobcenters:export_status", args=[self.ags_a, "xlsx"])
        response = self.client.get(url)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])
        self.login(self.staff_b)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.staff_a)
        self.assertEqual(self.client.post(url).status_code, 405)
        self.login(self.director)
        self.assertEqual(self.client.get(url).status_code, 200)

    def test_all_jobcenters_export_for_coordination_and_directors_only(self):
        url = reverse("jobcenters:export_all_status", args=["xlsx"])
        self.assertEqual(self.client.get(url).status_code, 302)
        self.login(self.staff_a)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.login(self.director)
        self.assertEqual(self.client.post(url).status_code, 405)
        self.login(self.coordinator)
        # 1 session, 2 user, 3 groups (demo-account check, roles), 4 implementations of all
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(5):
            response = self.client.get(url)
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        self.assertEqual(len(rows), 1 + 2 * len(self.factors))
        self.assertEqual({r[0] for r in rows[1:]}, {self.ags_a, self.ags_b})


class ImportPreviewAndApplyTests(SpreadsheetTestCase):
    def test_upload_page(self):
        self.login(self.staff_a)
        # 1 session, 2 user, 3 groups (demo-account check, then editable_by), 4 jobcenter
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(5):
            response = self.client.get(self.import_a)
        self.assertContains(response, 'type="file"')
        self.assertContains(response, self.jobcenter_a.name)

    def test_permissions_from_outside(self):
        response = self.client.get(self.import_a)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])
        self.login(self.staff_b)
        self.assertEqual(self.client.get(self.import_a).status_code, 404)
        self.login(self.director)  # reads everything, edits nothing
        self.assertEqual(self.client.get(self.import_a).status_code, 404)
        self.assertEqual(self.client.get(self.import_all).status_code, 403)
        self.login(self.staff_a)
        self.assertEqual(self.client.get(self.import_all).status_code, 403)
        self.assertEqual(self.client.put(self.import_a).status_code, 405)
        self.login(self.coordinator)
        self.assertEqual(self.client.get(self.import_a).status_code, 200)
        self.assertEqual(self.client.get(self.import_all).status_code, 200)
        self.assertEqual(self.client.delete(self.import_all).status_code, 405)

    def test_preview_lists_every_change_then_apply_writes_exactly_that(self):
        self.login(self.staff_a)
        data = xlsx_bytes(
            [
                [self.ags_a, 1, "umgesetzt", 100],
                [self.ags_a, 2, "in Umsetzung", "40"],
                [self.ags_a, 3, "nicht_gemeldet", 0],
            ],
            header=["AGS", "Faktor-Nr.", "Status", "Fortschritt (%)"],
        )
        before = self.snapshot()
        # 1 session, 2 user, 3 groups (demo-account check, roles), 4 jobcenter (view),
        # 5 editable jobcenters checked again by the importer, 6 factor numbers,
        # 7 implementations, 8-10 session save (savepoint, update, release)
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(11):
            response = self.post_file(self.import_a, data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.snapshot(), before)  # a preview writes nothing
        preview = response.context["preview"]
        self.assertEqual(preview.rows, 3)
        self.assertEqual(
            [(c.line, c.factor, c.fields) for c in preview.changes],
            [
                (2, 1, [("status", "nicht_gemeldet", "umgesetzt"), ("progress", 0, 100)]),
                (3, 2, [("status", "nicht_gemeldet", "in_umsetzung"), ("progress", 0, 40)]),
            ],
        )
        self.assertContains(response, "Apply these changes")
        token = response.context["token"]

        response = self.client.post(self.import_a, {"token": token})
        self.assertRedirects(response, self.import_a)
        one, two, three = (self.row(self.jobcenter_a, n) for n in (1, 2, 3))
        self.assertEqual((one.status, one.progress, one.version), ("umgesetzt", 100, 2))
        self.assertEqual((two.status, two.progress, two.version), ("in_umsetzung", 40, 2))
        self.assertEqual(three.version, 1)
        # History under the importer's name.
        latest = one.history.latest()
        self.assertEqual(latest.history_user, self.staff_a)
        self.assertEqual(one.updated_by, self.staff_a)
        # B is untouched.
        self.assertFalse(
            Implementation.objects.filter(jobcenter=self.jobcenter_b).exclude(version=1).exists()
        )
        # The token is used up.
        response = self.client.post(self.import_a, {"token": token})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.row(self.jobcenter_a, 1).version, 2)

    def test_round_trip_without_edits_changes_nothing(self):
        impl = self.row(self.jobcenter_a, 1)
        update_implementation(
            implementation=impl,
            values={
                "status": Status.NOT_APPLICABLE,
                "not_applicable_reason": "Keine Zuständigkeit",
                "public_note": "Mehrzeilig\nzweite Zeile",
                "internal_note": "-intern",
                "evidence_url": "https://example.org/beleg",
                "target_date": datetime.date(2027, 3, 1),
            },
            expected_version=1,
            user=self.staff_a,
        )
        for fmt, name in (("xlsx", "a.xlsx"), ("csv", "a.csv")):
            data = self.export_table(self.jobcenter_a, fmt)
            self.login(self.staff_a)
            response = self.post_file(self.import_a, data, name)
            self.assertEqual(response.status_code, 200, response.context["errors"])
            self.assertEqual(response.context["preview"].rows, len(self.factors))
            self.assertEqual(response.context["preview"].changes, [], fmt)
            self.assertContains(response, "changes nothing")
        all_data = self.export_table(None, "xlsx")
        self.login(self.coordinator)
        response = self.post_file(self.import_all, all_data)
        self.assertEqual(response.context["preview"].rows, 2 * len(self.factors))
        self.assertEqual(response.context["preview"].changes, [])

    def test_exported_file_edited_and_imported(self):
        data = self.export_table(self.jobcenter_a, "xlsx")
        workbook = load_workbook(io.BytesIO(data))
        sheet = workbook.active
        col = {h: i + 1 for i, h in enumerate(HEADER)}
        sheet.cell(row=2, column=col["Status"]).value = "geplant"
        sheet.cell(row=2, column=col["Fortschritt (%)"]).value = 10
        sheet.cell(row=2, column=col["Zieldatum"]).value = "30.06.2027"
        sheet.cell(row=3, column=col["Interne Anmerkung"]).value = "neu"
        buffer = io.BytesIO()
        workbook.save(buffer)
        self.login(self.staff_a)
        response = self.post_file(self.import_a, buffer.getvalue())
        changes = {c.factor: c.fields for c in response.context["preview"].changes}
        self.assertEqual(
            changes,
            {
                1: [
                    ("status", "nicht_gemeldet", "geplant"),
                    ("progress", 0, 10),
                    ("target_date", None, datetime.date(2027, 6, 30)),
                ],
                2: [("internal_note", "", "neu")],
            },
        )
        self.assertContains(response, "2027-06-30")  # English dates: ISO (kjc/formats/en)
        self.client.post(self.import_a, {"token": response.context["token"]})
        self.assertEqual(self.row(self.jobcenter_a, 1).target_date, datetime.date(2027, 6, 30))
        self.assertEqual(self.row(self.jobcenter_a, 2).internal_note, "neu")

    def test_change_between_preview_and_apply_is_refused(self):
        self.login(self.staff_a)
        data = csv_bytes(
            self.simple_rows(self.ags_a, {1: {"status": "geplant"}, 2: {"status": "geplant"}}),
            header=["AGS", "Faktor-Nr.", "Status", "Fortschritt (%)"],
        )
        response = self.post_file(self.import_a, data, "a.csv")
        token = response.context["token"]
        # A colleague saves factor 2 in the editor meanwhile.
        update_implementation(
            implementation=self.row(self.jobcenter_a, 2),
            values={"status": Status.DONE},
            expected_version=1,
            user=self.coordinator,
        )
        before = self.snapshot()
        response = self.client.post(self.import_a, {"token": token})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(self.snapshot(), before)  # factor 1 was not written either
        self.assertEqual([e.line for e in response.context["errors"]], [3])
        self.assertContains(response, "changed by someone else", status_code=409)
        self.assertEqual(self.row(self.jobcenter_a, 2).status, Status.DONE)

    def test_version_column_protects_edits_made_after_the_export(self):
        data = self.export_table(self.jobcenter_a, "csv")
        update_implementation(
            implementation=self.row(self.jobcenter_a, 1),
            values={"public_note": "vom Kollegen"},
            expected_version=1,
            user=self.coordinator,
        )
        self.login(self.staff_a)
        response = self.post_file(self.import_a, data, "a.csv")
        self.assertEqual(response.status_code, 400)
        self.assertEqual([e.line for e in response.context["errors"]], [2])
        self.assertIn("exported", response.context["errors"][0].message)

    def test_preview_token_of_another_scope_or_user_is_refused(self):
        self.login(self.coordinator)
        data = xlsx_bytes(
            [[self.ags_a, 1, "geplant", 5]], header=["AGS", "Faktor-Nr.", "Status", "Fortschritt"]
        )
        token = self.post_file(self.import_all, data).context["token"]
        import_b = reverse("jobcenters:import_status", args=[self.ags_b])
        self.assertEqual(self.client.post(import_b, {"token": token}).status_code, 400)
        self.assertEqual(self.client.post(self.import_a, {"token": "forged"}).status_code, 400)
        self.assertEqual(self.row(self.jobcenter_a, 1).version, 1)
        self.assertRedirects(self.client.post(self.import_all, {"token": token}), self.import_all)
        self.assertEqual(self.row(self.jobcenter_a, 1).status, Status.PLANNED)

    def test_coordinator_imports_several_jobcenters(self):
        self.login(self.coordinator)
        rows = self.simple_rows(self.ags_a, {3: {"status": "umgesetzt"}}) + self.simple_rows(
            self.ags_b, {1: {"status": "nicht begonnen"}}
        )
        data = xlsx_bytes(rows, HEADER[:1] + HEADER[2:3] + ["Status", "Fortschritt (%)"])
        # The same number of queries with 2 or 12 jobcenters:
        # 1 session, 2 user, 3 groups (demo-account check, roles), 4 editable jobcenters,
        # 5 factor numbers, 6 implementations, 7-9 session save (savepoint, update, release)
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(10):
            self.post_file(self.import_all, data)
        for _ in range(10):
            make_jobcenter()
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(10):
            response = self.post_file(self.import_all, data)
        self.assertEqual(
            [(c.ags, c.factor) for c in response.context["preview"].changes],
            [(self.ags_a, 3), (self.ags_b, 1)],
        )
        self.assertContains(response, self.jobcenter_b.name)
        self.client.post(self.import_all, {"token": response.context["token"]})
        self.assertEqual(self.row(self.jobcenter_b, 1).status, Status.NOT_STARTED)
        self.assertEqual(
            self.row(self.jobcenter_b, 1).history.latest().history_user, self.coordinator
        )


class ImportFailureTests(SpreadsheetTestCase):
    """Every bad file changes nothing and names each bad line with its reason."""

    cols = [
        "AGS",
        "Faktor-Nr.",
        "Status",
        "Fortschritt (%)",
        "Begründung (nicht zutreffend)",
        "Nachweis-Link",
        "Zieldatum",
    ]

    def refused(self, data, name="status.xlsx", url=None, user=None):
        self.login(user or self.staff_a)
        before = self.snapshot()
        response = self.post_file(url or self.import_a, data, name)
        self.assertEqual(response.status_code, 400)
        self.assertNotIn("token", response.context)
        self.assertEqual(self.snapshot(), before)
        self.assertContains(response, "Nothing was changed", status_code=400)
        return [(e.line, e.message) for e in response.context["errors"]]

    def good(self, number):
        return [self.ags_a, number, "geplant", 10, "", "", ""]

    def test_every_bad_row_is_named_and_nothing_changes(self):
        rows = [
            self.good(1),
            [self.ags_a, 99, "geplant", 10, "", "", ""],  # line 3: unknown factor
            [self.ags_a, 2, "fast fertig", 10, "", "", ""],  # line 4: unknown status
            [self.ags_a, 3, "geplant", 150, "", "", ""],  # line 5: out of range
            [self.ags_a, 3, "geplant", 10, "", "", ""],  # line 6: fine, but see line 5? no: dup
        ]
        errors = self.refused(xlsx_bytes(rows, self.cols))
        lines = [line for line, _message in errors]
        self.assertEqual(lines, [3, 4, 5, 6])
        self.assertIn("99", errors[0][1])
        self.assertIn("fast fertig", errors[1][1])
        self.assertIn("150", errors[2][1])
        self.assertIn("twice", errors[3][1])

    def test_progress_not_a_number(self):
        errors = self.refused(
            xlsx_bytes([[self.ags_a, 1, "geplant", "viel", "", "", ""]], self.cols)
        )
        self.assertEqual(errors[0][0], 2)
        self.assertIn("viel", errors[0][1])

    def test_missing_reason_for_not_applicable(self):
        rows = [[self.ags_a, 1, "nicht zutreffend", 0, "", "", ""]]
        errors = self.refused(xlsx_bytes(rows, self.cols))
        self.assertEqual(errors[0][0], 2)
        self.assertIn("reason", errors[0][1])

    def test_a_date_that_is_no_date(self):
        rows = [[self.ags_a, 1, "geplant", 10, "", "", "31.02.2026"], self.good(2)]
        errors = self.refused(csv_bytes(rows, self.cols), "a.csv")
        self.assertEqual(errors, [(2, errors[0][1])])
        self.assertIn("31.02.2026", errors[0][1])

    def test_a_bad_url(self):
        rows = [[self.ags_a, 1, "geplant", 10, "", "kein link", ""]]
        errors = self.refused(xlsx_bytes(rows, self.cols))
        self.assertEqual(errors[0][0], 2)

    def test_row_of_another_jobcenter_is_refused(self):
        rows = [self.good(1), [self.ags_b, 1, "umgesetzt", 100, "", "", ""]]
        errors = self.refused(xlsx_bytes(rows, self.cols))
        self.assertEqual([line for line, _m in errors], [3])
        self.assertIn(self.ags_b, errors[0][1])
        # The all-jobcenters import is no way round it for staff.
        self.login(self.staff_a)
        self.assertEqual(
            self.post_file(self.import_all, xlsx_bytes(rows, self.cols)).status_code, 403
        )
        self.assertEqual(self.row(self.jobcenter_b, 1).version, 1)

    def test_coordinator_all_import_names_unknown_jobcenter(self):
        rows = [["99999", 1, "geplant", 10, "", "", ""], ["abc", 1, "geplant", 10, "", "", ""]]
        errors = self.refused(
            xlsx_bytes(rows, self.cols), url=self.import_all, user=self.coordinator
        )
        self.assertEqual([line for line, _m in errors], [2, 3])

    def test_duplicate_row(self):
        errors = self.refused(xlsx_bytes([self.good(1), self.good(2), self.good(1)], self.cols))
        self.assertEqual(errors[0][0], 4)
        self.assertIn("line 2", errors[0][1])

    def test_not_a_spreadsheet(self):
        errors = self.refused(b"%PDF-1.4 \x00\x01binary", "bericht.pdf")
        self.assertEqual(errors[0][0], None)
        self.assertIn("not a readable spreadsheet", errors[0][1])
        errors = self.refused(b"PK\x03\x04broken zip", "kaputt.xlsx")
        self.assertIn("not a readable spreadsheet", errors[0][1])
        errors = self.refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "alt.xls")
        self.assertIn(".xls", errors[0][1])

    def test_text_with_unknown_columns(self):
        errors = self.refused(b"Hallo Welt;Wie geht es\n1;2\n", "notiz.csv")
        self.assertIn("Unknown column", errors[0][1])

    def test_empty_file_and_header_only(self):
        errors = self.refused(b"", "leer.xlsx")
        self.assertIn("empty", errors[0][1])
        errors = self.refused(xlsx_bytes([], self.cols))
        self.assertIn("no data rows", errors[0][1])

    def test_huge_file(self):
        errors = self.refused(b"x" * (2 * 1024 * 1024 + 1), "gross.csv")
        self.assertIn("larger than 2 MB", errors[0][1])
        many = [self.good(1)] * (spreadsheets.MAX_ROWS + 1)
        errors = self.refused(csv_bytes(many, self.cols), "viele.csv")
        self.assertIn(f"more than {spreadsheets.MAX_ROWS} rows", errors[0][1])

    def test_no_file_chosen(self):
        self.login(self.staff_a)
        response = self.client.post(self.import_a, {})
        self.assertContains(response, "Please choose a file", status_code=400)

    def test_model_messages_are_german_by_default(self):
        self.login(self.staff_a)
        rows = [[self.ags_a, 1, "geplant", 1, "", "kein link", ""]]
        response = self.client.post(
            self.import_a,
            {"file": upload(xlsx_bytes(rows, self.cols))},
            headers={"accept-language": "de"},
        )
        self.assertContains(response, "Bitte eine gültige Adresse eingeben", status_code=400)


class ParsingTests(SpreadsheetTestCase):
    """Cell formats people really produce in Excel and LibreOffice."""

    def preview(self, rows, header):
        return spreadsheets.preview_import(
            xlsx_bytes(rows, header), user=self.staff_a, jobcenter=self.jobcenter_a
        )

    def test_ags_column_optional_for_one_jobcenter_and_numeric_ags(self):
        preview = self.preview([[1, "Geplant", "20 %"]], ["Nr.", "status", "Progress"])
        self.assertEqual(preview.errors, [])
        self.assertEqual(preview.changes[0].values(), {"status": "geplant", "progress": 20})
        preview = self.preview(
            [[int(self.ags_a), 1, "planned", 20.0]], ["AGS", "Nr.", "Status", "Fortschritt"]
        )
        self.assertEqual(preview.errors, [])

    def test_ags_without_leading_zero_from_excel_csv(self):
        district = self.jobcenter_a.district
        district.ags = "06438"
        district.save()
        data = b"AGS;Faktor-Nr.;Status\n6438;1;geplant\n"
        preview = spreadsheets.preview_import(data, user=self.staff_a)
        self.assertEqual(preview.errors, [])
        self.assertEqual(preview.changes[0].ags, "06438")

    def test_excel_sep_line_and_cp1252(self):
        data = "sep=,\nFaktor-Nr.,Öffentliche Anmerkung\n1,Größe\n".encode("cp1252")
        preview = spreadsheets.preview_import(data, user=self.staff_a, jobcenter=self.jobcenter_a)
        self.assertEqual(preview.errors, [])
        self.assertEqual(
            [(c.line, c.values()) for c in preview.changes], [(3, {"public_note": "Größe"})]
        )

    def test_dates_iso_german_and_cells(self):
        header = ["Nr.", "Zieldatum"]
        for value in ("2027-01-31", "31.01.2027", datetime.datetime(2027, 1, 31)):
            preview = self.preview([[1, value]], header)
            self.assertEqual(
                preview.changes[0].values(), {"target_date": datetime.date(2027, 1, 31)}
            )

    def test_implied_progress_and_missing_header(self):
        preview = self.preview([[1, "umgesetzt", 30]], ["Nr.", "Status", "Fortschritt"])
        self.assertEqual(preview.changes[0].values()["progress"], 100)
        preview = self.preview([[1, "x"]], ["Status", "Zieldatum"])
        self.assertIn("Faktor-Nr.", preview.errors[0].message)


class CatalogueUploadTests(SpreadsheetTestCase):
    def catalogue(self, title_of_2="Neuer Titel", rows=None):
        lines = ["number;theme;title;description;addressee"]
        for factor in self.factors:
            title = title_of_2 if factor.number == 2 else factor.title
            lines.append(f"{factor.number};{factor.theme.name};{title};;kommune")
        for row in rows or []:
            lines.append(row)
        return ("\n".join(lines) + "\n").encode("utf-8")

    def test_permissions(self):
        url = reverse("factors:import_catalogue")
        response = self.client.get(url)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])
        for outsider in (self.staff_a, self.director):
            self.login(outsider)
            self.assertEqual(self.client.get(url).status_code, 403)
            self.assertEqual(self.post_file(url, self.catalogue(), "k.csv").status_code, 403)
        self.login(self.coordinator)
        # 1 session, 2 user, 3 groups (demo-account check), 4 the user's own and 5 the
        # groups' permissions (factors.change_factor: factors cannot ask jobcenters.roles)
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(6):
            self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(self.client.put(url).status_code, 405)

    def test_preview_then_apply(self):
        url = reverse("factors:import_catalogue")
        self.login(self.coordinator)
        response = self.post_file(url, self.catalogue(), "katalog.csv")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Factor 2")
        self.assertNotEqual(Factor.objects.get(number=2).title, "Neuer Titel")
        response = self.client.post(url, {"token": response.context["token"]})
        self.assertRedirects(response, url)
        factor = Factor.objects.get(number=2)
        self.assertEqual(factor.title, "Neuer Titel")
        self.assertTrue(factor.verified)
        # The token is used up.
        self.assertEqual(
            self.client.post(url, {"token": response.wsgi_request.POST["token"]}).status_code, 400
        )

    def test_bad_file_changes_nothing(self):
        url = reverse("factors:import_catalogue")
        self.login(self.coordinator)
        before = list(Factor.objects.values_list("title", flat=True))
        bad = self.catalogue(rows=["2;X;Doppelt;;kommune"])
        response = self.post_file(url, bad, "katalog.csv")
        self.assertContains(response, "Nothing was changed", status_code=400)
        self.assertNotIn("token", response.context)
        response = self.post_file(url, b"\x00\x01\x02", "katalog.csv")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(list(Factor.objects.values_list("title", flat=True)), before)

    def test_change_between_preview_and_apply_is_refused(self):
        url = reverse("factors:import_catalogue")
        self.login(self.coordinator)
        token = self.post_file(url, self.catalogue(), "katalog.csv").context["token"]
        Factor.objects.filter(number=2).update(title="Neuer Titel")  # done meanwhile
        response = self.client.post(url, {"token": token})
        self.assertEqual(response.status_code, 409)
        self.assertFalse(Factor.objects.get(number=2).verified)


class RobustnessTests(HypothesisTestCase, SpreadsheetTestCase):
    """Whatever arrives, the importer answers with messages and the exports with 200/404."""

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.one_of(
            st.binary(max_size=2000),
            st.binary(max_size=500).map(lambda b: b"PK\x03\x04" + b),
            st.lists(st.lists(st.text(max_size=12), max_size=8), min_size=1, max_size=6).map(
                lambda rows: "\n".join(";".join(r) for r in rows).encode("utf-8")
            ),
            st.lists(
                st.tuples(
                    st.sampled_from(["", "1", "2", "99", "x", "-1", "1e9"]),
                    st.sampled_from(["geplant", "umgesetzt", "nicht zutreffend", "?", ""]),
                    st.sampled_from(["", "0", "100", "101", "50.5", "abc"]),
                    st.sampled_from(["", "2026-12-31", "31.12.2026", "31.02.2026", "morgen"]),
                ),
                max_size=5,
            ).map(
                lambda rows: (
                    "Faktor-Nr.;Status;Fortschritt (%);Zieldatum\n"
                    + "\n".join(";".join(r) for r in rows)
                ).encode("utf-8")
            ),
        )
    )
    def test_any_upload_gives_a_preview_or_messages(self, data):
        before = self.snapshot()
        preview = spreadsheets.preview_import(data, user=self.staff_a, jobcenter=self.jobcenter_a)
        self.assertTrue(all(isinstance(e.message, str) and e.message for e in preview.errors))
        if preview.errors:
            self.assertTrue(all(e.line is None or e.line >= 1 for e in preview.errors))
        self.assertEqual(self.snapshot(), before)

    @settings(max_examples=40, deadline=None)
    @given(
        st.dictionaries(
            st.sampled_from(["format", "fmt", "ags", "q", "page"]),
            st.text(max_size=30).filter(lambda s: "\x00" not in s),
            max_size=3,
        )
    )
    def test_any_query_string_on_the_exports(self, query):
        self.client.force_login(self.coordinator)
        confirm_second_factor(self.client, self.coordinator)
        for url in (
            reverse("jobcenters:export_status", args=[self.ags_a]),
            reverse("jobcenters:export_all_status"),
        ):
            response = self.client.get(url, query)
            self.assertIn(response.status_code, (200, 404), (url, query))
