"""manage.py import_status / export_status: the same checks as the upload view."""

import io
from pathlib import Path
from tempfile import TemporaryDirectory

from django.core.management import CommandError, call_command
from django.test import override_settings
from openpyxl import load_workbook

from jobcenters.models import Implementation, Status
from tests.base import PersonaTestCase
from tests.factories import make_user


@override_settings(LANGUAGE_CODE="en")  # messages asserted in English
class ImportStatusCommandTests(PersonaTestCase):
    def setUp(self):
        self.tmp = TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.ags_a = self.jobcenter_a.district.ags
        self.ags_b = self.jobcenter_b.district.ags

    def write(self, text, name="status.csv"):
        path = Path(self.tmp.name) / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def run_command(self, *args):
        out, err = io.StringIO(), io.StringIO()
        call_command("import_status", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def versions(self):
        return list(Implementation.objects.order_by("pk").values_list("version", flat=True))

    def test_preview_only_without_apply(self):
        path = self.write(f"AGS;Faktor-Nr.;Status\n{self.ags_a};1;geplant\n")
        out, _err = self.run_command(path, "--user", self.staff_a.username)
        self.assertIn(f"{self.ags_a}", out)
        self.assertIn("→", out)
        self.assertIn("--apply", out)
        self.assertEqual(set(self.versions()), {1})

    def test_apply_writes_history_under_the_user(self):
        path = self.write(
            f"AGS;Faktor-Nr.;Status;Fortschritt (%)\n{self.ags_a};2;in_umsetzung;55\n"
        )
        out, _err = self.run_command(path, "--user", self.staff_a.username, "--apply")
        impl = Implementation.objects.get(jobcenter=self.jobcenter_a, factor__number=2)
        self.assertEqual((impl.status, impl.progress), (Status.IN_PROGRESS, 55))
        self.assertEqual(impl.history.latest().history_user, self.staff_a)
        self.assertIn("1", out)

    def test_bad_rows_change_nothing_and_are_listed(self):
        path = self.write(
            "AGS;Faktor-Nr.;Status;Fortschritt (%)\n"
            f"{self.ags_a};1;geplant;10\n"
            f"{self.ags_b};1;geplant;10\n"  # another jobcenter
            f"{self.ags_a};77;geplant;10\n"  # unknown factor
        )
        with self.assertRaisesMessage(CommandError, "2"):
            self.run_command(path, "--user", self.staff_a.username, "--apply")
        self.assertEqual(set(self.versions()), {1})

    def test_errors_name_their_lines(self):
        path = self.write(f"AGS;Faktor-Nr.;Status\n{self.ags_a};1;kaputt\n")
        err = io.StringIO()
        with self.assertRaises(CommandError):
            call_command(
                "import_status",
                path,
                "--user",
                self.staff_a.username,
                stderr=err,
                stdout=io.StringIO(),
            )
        self.assertIn("2", err.getvalue())
        self.assertIn("kaputt", err.getvalue())

    def test_jobcenter_option_limits_the_file(self):
        path = self.write("Faktor-Nr.;Status\n1;geplant\n")
        self.run_command(
            path, "--user", self.coordinator.username, "--jobcenter", self.ags_b, "--apply"
        )
        self.assertEqual(
            Implementation.objects.get(jobcenter=self.jobcenter_b, factor__number=1).status,
            Status.PLANNED,
        )
        with self.assertRaises(CommandError):
            self.run_command(path, "--user", self.staff_a.username, "--jobcenter", self.ags_b)

    def test_unknown_or_inactive_user_and_missing_file(self):
        path = self.write(f"AGS;Faktor-Nr.;Status\n{self.ags_a};1;geplant\n")
        with self.assertRaisesMessage(CommandError, "niemand"):
            self.run_command(path, "--user", "niemand")
        inactive = make_user("inaktiv", is_active=False, jobcenters=[self.jobcenter_a])
        with self.assertRaises(CommandError):
            self.run_command(path, "--user", inactive.username, "--apply")
        with self.assertRaises(CommandError):
            self.run_command(str(Path(self.tmp.name) / "fehlt.csv"), "--user", "coordinator")
        self.assertEqual(set(self.versions()), {1})

    def test_director_may_not_import(self):
        path = self.write(f"AGS;Faktor-Nr.;Status\n{self.ags_a};1;geplant\n")
        with self.assertRaises(CommandError):
            self.run_command(path, "--user", self.director.username, "--apply")
        self.assertEqual(set(self.versions()), {1})

    def test_export_then_import_round_trip(self):
        target = str(Path(self.tmp.name) / "alle.xlsx")
        out = io.StringIO()
        call_command("export_status", target, stdout=out)
        self.assertIn(str(2 * len(self.factors)), out.getvalue())
        rows = list(load_workbook(target).active.iter_rows(values_only=True))
        self.assertEqual(len(rows), 1 + 2 * len(self.factors))
        out, _err = self.run_command(target, "--user", self.coordinator.username, "--apply")
        self.assertEqual(set(self.versions()), {1})
        one = str(Path(self.tmp.name) / "a.csv")
        call_command("export_status", one, "--jobcenter", self.ags_a, stdout=io.StringIO())
        self.assertEqual(
            Path(one).read_text(encoding="utf-8-sig").count(self.ags_a), len(self.factors)
        )
        with self.assertRaises(CommandError):
            call_command("export_status", str(Path(self.tmp.name) / "x.pdf"))
        with self.assertRaises(CommandError):
            call_command("export_status", one, "--jobcenter", "99999")
