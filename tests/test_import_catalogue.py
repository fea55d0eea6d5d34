import os
import tempfile
from datetime import date
from io import StringIO

from django.core.management import CommandError, call_command
from django.db.models import Max
from django.test import TestCase
from django.utils import translation

from factors.importing import MAX_BYTES, import_catalogue
from factors.models import Factor, Theme
from jobcenters.models import Implementation, Status
from jobcenters.services import update_implementation

from .factories import make_catalogue, make_jobcenter, make_theme

HEADER = "number,theme,title,description,addressee"


def official_rows(count=35):
    """A plausible official list: three themes, one of them already known by name."""
    themes = ["Sprache", "Ausbildung", "Netzwerke"]
    return [
        f'{n},{themes[n % 3]},Offizieller Titel {n},"Beschreibung {n}, mit Komma",kommune'
        for n in range(1, count + 1)
    ]


def csv_bytes(rows, header=HEADER, *, sep=",", bom=False):
    text = "\n".join([header, *rows]) + "\n"
    if sep != ",":
        text = text.replace(",", sep)
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def snapshot():
    """Everything an import may change, to prove a refused import changed nothing."""
    return (
        list(Theme.objects.values_list("number", "name", "order").order_by("number")),
        list(
            Factor.objects.values_list(
                "number", "theme_id", "title", "description", "addressee", "verified", "source"
            ).order_by("number")
        ),
    )


class ImportCatalogueTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.factors = make_catalogue(factors=35, themes=2)
        # A number the catalogue's themes do not have: theirs come from the factories'
        # process-wide counter, so a fixed number collided when other tests ran first.
        free = Theme.objects.aggregate(highest=Max("number"))["highest"] + 1
        cls.known_theme = make_theme(name="Sprache", number=free, order=3)
        cls.jobcenter = make_jobcenter(name="Jobcenter A")
        row = Implementation.objects.get(jobcenter=cls.jobcenter, factor__number=4)
        cls.reported = update_implementation(
            implementation=row,
            values={"status": Status.IN_PROGRESS, "progress": 40, "public_note": "läuft"},
            expected_version=row.version,
            user=None,
        )

    def run_command(self, data, *args, name="katalog.csv"):
        """Write `data` to a temporary file and run the command on it, in English."""
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, name)
            with open(path, "wb") as fh:
                fh.write(data)
            out, err = StringIO(), StringIO()
            with translation.override("en"):
                try:
                    call_command("import_catalogue", path, *args, stdout=out, stderr=err)
                except CommandError as exc:
                    return out.getvalue(), err.getvalue(), str(exc)
        return out.getvalue(), err.getvalue(), None

    def assert_refused(self, data, *expected_lines):
        before = snapshot()
        history = Implementation.history.count()
        out, err, failure = self.run_command(data)
        self.assertIsNotNone(failure, "the import should have been refused")
        self.assertIn("nothing was changed", failure)
        self.assertEqual(snapshot(), before)
        self.assertEqual(Implementation.history.count(), history)
        for line in expected_lines:
            self.assertIn(line, err)
        return err

    # --- good files ---------------------------------------------------------

    def test_good_file_replaces_wording_marks_verified_and_keeps_statuses(self):
        history_before = list(Implementation.history.values_list("history_id", "status"))
        rows_before = list(
            Implementation.objects.values_list("pk", "status", "progress", "public_note", "version")
        )
        old_theme_numbers = set(Theme.objects.values_list("number", flat=True))

        out, err, failure = self.run_command(csv_bytes(official_rows()))

        self.assertIsNone(failure, err)
        self.assertIn("35 factors read from katalog.csv: 35 changed, 2 new themes.", out)
        self.assertEqual(Factor.objects.filter(verified=True).count(), 35)
        factor = Factor.objects.select_related("theme").get(number=4)
        self.assertEqual(factor.title, "Offizieller Titel 4")
        self.assertEqual(factor.description, "Beschreibung 4, mit Komma")
        self.assertEqual(factor.addressee, Factor.Addressee.KOMMUNE)
        self.assertIn("„katalog.csv“", factor.source)
        self.assertIn(date.today().strftime("%d.%m.%Y")[-4:], factor.source)
        # The known theme keeps its number and order; new themes get the next numbers.
        self.assertEqual(Factor.objects.get(number=3).theme, self.known_theme)
        self.assertEqual(
            Theme.objects.get(name="Sprache").number, self.known_theme.number
        )  # not duplicated
        self.assertEqual(Theme.objects.filter(name="Sprache").count(), 1)
        # New themes in order of first appearance in the file, numbered after the highest.
        new = Theme.objects.exclude(number__in=old_theme_numbers).order_by("number")
        top = max(old_theme_numbers)
        self.assertEqual(
            [(t.name, t.number) for t in new], [("Ausbildung", top + 1), ("Netzwerke", top + 2)]
        )
        self.assertEqual(Factor.objects.filter(theme__name="Ausbildung").count(), 12)
        # The two old test themes are now empty and named as such.
        self.assertIn("These themes no longer have any factor", out)
        # Statuses and their history are untouched.
        self.assertEqual(
            list(
                Implementation.objects.values_list(
                    "pk", "status", "progress", "public_note", "version"
                )
            ),
            rows_before,
        )
        self.assertEqual(
            list(Implementation.history.values_list("history_id", "status")), history_before
        )

    def test_import_runs_in_a_fixed_number_of_queries(self):
        data = csv_bytes(official_rows())
        with self.assertNumQueries(8):
            # SAVEPOINT; SELECT factors with themes FOR UPDATE (plain SELECT on SQLite);
            # SELECT themes; SELECT max(number), max(order) of themes; INSERT 2 new themes;
            # one UPDATE of all 35 factors (bulk_update); RELEASE SAVEPOINT.
            result = import_catalogue(data=data, filename="katalog.csv")
        self.assertTrue(result.saved)

    def test_same_file_twice_changes_nothing_the_second_time(self):
        data = csv_bytes(official_rows())
        self.run_command(data)
        themes = Theme.objects.count()
        out, err, failure = self.run_command(data)
        self.assertIsNone(failure, err)
        self.assertIn("35 factors read from katalog.csv: 0 changed, 0 new themes.", out)
        self.assertEqual(Theme.objects.count(), themes)

    def test_semicolons_bom_german_columns_and_addressee_labels_are_accepted(self):
        with translation.override("de"):
            land_de = str(Factor.Addressee.LAND.label)
        with translation.override("en"):
            several_en = str(Factor.Addressee.SEVERAL.label)
        spellings = ["Bund", land_de, several_en, "KOMMUNE"]
        rows = [f"{n};Sprache;Titel {n};;{spellings[n % 4]}" for n in range(1, 36)]
        data = csv_bytes(
            rows, header="Nummer;Handlungsfeld;Titel;Beschreibung;Adressat", sep=";", bom=True
        )
        result = import_catalogue(data=data, filename="/tmp/Katalog 2018.csv")
        self.assertTrue(result.ok, [str(e) for e in result.errors])
        addressees = dict(Factor.objects.values_list("number", "addressee"))
        self.assertEqual(addressees[4], Factor.Addressee.BUND)
        self.assertEqual(addressees[1], Factor.Addressee.LAND)
        self.assertEqual(addressees[2], Factor.Addressee.SEVERAL)
        self.assertEqual(addressees[3], Factor.Addressee.KOMMUNE)
        self.assertIn("„Katalog 2018.csv“", Factor.objects.get(number=1).source)

    def test_excel_export_with_sep_line_crlf_and_trailing_separators_is_accepted(self):
        rows = [f"{n};Sprache;Titel {n};Text;kommune;;" for n in range(1, 36)]
        rows[4] = "5;Sprache;;Text;kommune;;"  # line 7: the sep= line and header come first
        text = "sep=;\r\n" + "\r\n".join([HEADER.replace(",", ";") + ";;", *rows]) + "\r\n"
        data = ("\ufeff" + text).encode()
        self.assert_refused(data, "Line 7: the title is empty.")
        result = import_catalogue(data=data.replace(b"5;Sprache;;", b"5;Sprache;T;"), filename="x")
        self.assertTrue(result.ok, [str(e) for e in result.errors])
        self.assertEqual(Factor.objects.get(number=5).title, "T")
        self.assertEqual(Factor.objects.get(number=6).description, "Text")

    def test_dry_run_lists_changes_and_saves_nothing(self):
        before = snapshot()
        out, err, failure = self.run_command(csv_bytes(official_rows()), "--dry-run")
        self.assertIsNone(failure, err)
        self.assertIn("Factor 4: theme, title, description, verified wording", out)
        self.assertIn("New theme: Ausbildung", out)
        self.assertIn("Dry run: nothing was saved.", out)
        self.assertEqual(snapshot(), before)

    # --- refused files ------------------------------------------------------

    def test_several_bad_rows_are_each_named_and_nothing_changes(self):
        rows = official_rows()
        rows[2] = "3,Sprache,,leer,kommune"  # line 4: empty title
        rows[4] = "5,Sprache,Titel,,Landrat"  # line 6: unknown addressee
        rows[6] = "3,Sprache,Titel,,bund"  # line 8: duplicate of line 4
        rows[8] = "36,Sprache,Titel,,bund"  # line 10: outside 1–35
        rows[10] = "elf,Sprache,Titel,,bund"  # line 12: not a number
        rows[12] = ",Sprache,Titel,,bund"  # line 14: number missing
        rows[14] = "15,Sprache,Titel"  # line 16: too few fields
        rows[16] = "17,,Titel,,bund"  # line 18: empty theme
        err = self.assert_refused(
            csv_bytes(rows),
            "Line 4: the title is empty.",
            "Line 6: unknown addressee “Landrat”; allowed: bund (",
            "Line 8: the number 3 appears again (first in line 4).",
            "Line 10: the number 36 is outside 1–35.",
            "Line 12: the number “elf” is not a whole number.",
            "Line 14: the number is missing.",
            "Line 16: 3 fields instead of 5; is the separator right?",
            "Line 18: the theme is empty.",
            "Numbers missing from the file: 7, 9, 11, 13, 15.",  # 17 is named, with an error,
        )
        self.assertEqual(len(err.strip().splitlines()), 9)

    def test_line_numbers_count_quoted_line_breaks_and_blank_lines(self):
        rows = official_rows()
        rows[0] = '1,Sprache,Titel,"zwei\nZeilen",kommune'  # lines 2–3
        rows.insert(1, "")  # line 4 is blank
        rows[2] = "2,Sprache,,,kommune"  # line 5
        self.assert_refused(csv_bytes(rows), "Line 5: the title is empty.")

    def test_too_long_title_is_refused(self):
        rows = official_rows()
        rows[0] = "1,Sprache," + "x" * 301 + ",,kommune"
        self.assert_refused(csv_bytes(rows), "Line 2: the title is longer than 300 characters.")

    def test_number_without_factor_in_the_catalogue_is_refused(self):
        Implementation.objects.filter(factor__number=35).delete()
        Factor.objects.filter(number=35).delete()
        self.assert_refused(
            csv_bytes(official_rows()),
            "Line 36: there is no factor 35 yet; run “manage.py seed” first.",
        )

    def test_empty_files_are_refused(self):
        for data in [b"", b"  \n\n", "\ufeff".encode(), b"\n\n\n"]:
            with self.subTest(data=data):
                self.assert_refused(data, "The file is empty.")

    def test_header_without_rows_is_refused(self):
        self.assert_refused(csv_bytes([]), "The file has a header row but no factor rows.")

    def test_wrong_header_is_refused_naming_the_columns(self):
        data = csv_bytes(official_rows(), header="nr,thema,titel,text,wer")
        self.assert_refused(
            data,
            "Line 1: missing columns: description, addressee. "
            "Expected: number, theme, title, description, addressee.",
            "Line 1: unknown columns: text, wer.",
        )

    def test_header_errors_name_the_header_line(self):
        data = b"sep=;\n" + csv_bytes(official_rows(), header="number,theme,title,titel", sep=";")
        self.assert_refused(
            data,
            "Line 2: the column “title” appears twice.",
            "Line 2: missing columns: description, addressee.",
        )

    def test_tab_separated_file_is_refused_as_wrong_columns(self):
        data = csv_bytes(official_rows(), sep="\t")
        self.assert_refused(data, "Line 1: missing columns: number, theme, title")

    def test_binary_garbage_is_refused(self):
        garbage = bytes(range(256)) * 8
        self.assert_refused(garbage, "The file is not a CSV text file (it contains binary data).")

    def test_file_in_another_encoding_is_refused_with_its_line(self):
        rows = official_rows()
        rows[3] = "4,Sprache,Förderung,,kommune"
        data = csv_bytes(rows).decode().encode("latin-1")
        self.assert_refused(data, "Line 5: the file is not UTF-8 text")

    def test_too_big_file_is_refused(self):
        data = csv_bytes(official_rows()) + b"#" * MAX_BYTES
        self.assert_refused(data, "The file is larger than 1024 KB")

    def test_missing_file_is_a_clear_error(self):
        with (
            translation.override("en"),
            self.assertRaisesMessage(
                CommandError, "Cannot read /nonexistent/katalog.csv: No such file or directory"
            ),
        ):
            call_command("import_catalogue", "/nonexistent/katalog.csv", stdout=StringIO())
