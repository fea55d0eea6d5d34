import tempfile
from io import StringIO
from pathlib import Path

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TransactionTestCase
from django.utils import translation

from jobcenters import roles
from jobcenters.backup import GZIP_MAGIC, accepted_names, backed_up_models, format_for_name, sniff
from jobcenters.models import Implementation, Jobcenter, StaffMembership, Status
from jobcenters.services import update_implementation

from .factories import make_user


def snapshot():
    """Every backed-up row, field by field; permissions by natural key, not by id."""
    rows = {}
    for model in backed_up_models():
        fields = [f.attname for f in model._meta.concrete_fields]
        rows[model._meta.label] = sorted(
            model.objects.order_by("pk").values_list(*fields), key=repr
        )
    rows["group permissions"] = sorted(
        (g.name, p.content_type.app_label, p.codename)
        for g in Group.objects.prefetch_related("permissions__content_type")
        for p in g.permissions.all()
    )
    rows["user groups"] = sorted(
        Group.user_set.through.objects.values_list("user_id", "group__name")
    )
    return rows


class BackupRoundTripTests(TransactionTestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        # Messages are asserted in English; one test checks the German the user reads.
        self.enterContext(translation.override("en"))

    def test_everything_survives_export_and_import_into_an_empty_database(self):
        out = StringIO()
        call_command("seed", "--demo", stdout=out)
        jobcenter = Jobcenter.objects.get(district__ags="06438")
        extra = make_user(
            "second", group=roles.JOBCENTER_STAFF, jobcenters=[jobcenter], email="x@example.org"
        )
        row = Implementation.objects.get(jobcenter=jobcenter, factor__number=30)
        update_implementation(
            implementation=row,
            values={
                "status": Status.NOT_APPLICABLE,
                "not_applicable_reason": "Kein Bedarf",
                "internal_note": "intern",
            },
            expected_version=row.version,
            user=extra,
        )
        before = snapshot()
        self.assertGreater(len(before["jobcenters.HistoricalImplementation"]), 560)
        self.assertEqual(StaffMembership.objects.filter(user=extra).count(), 1)

        # Every name export_all accepts, one after the other from the restored data.
        self.assertEqual(len(accepted_names()), 6)
        self.assertEqual(format_for_name("Backup.JSON.GZ"), ("json", True))
        for name in accepted_names():
            with self.subTest(name=name):
                backup = self.tmp / f"backup{name}"
                call_command("export_all", str(backup), stdout=out)
                self.assertEqual(
                    backup.read_bytes().startswith(GZIP_MAGIC), name.lower().endswith("gz")
                )
                self.assertEqual(sniff(backup)[0], name.lower().split(".")[1])
                call_command("flush", interactive=False, verbosity=0)
                self.assertEqual(Implementation.history.count(), 0)

                call_command("import_all", str(backup), stdout=out)
                after = snapshot()
                self.assertEqual(after.keys(), before.keys())
                for label in before:
                    self.assertEqual(after[label], before[label], label)

    def test_restore_refuses_a_database_that_holds_data(self):
        call_command("seed", stdout=StringIO())
        backup = self.tmp / "backup.xml"
        call_command("export_all", str(backup), stdout=StringIO())
        with self.assertRaisesMessage(CommandError, "not empty"):
            call_command("import_all", str(backup))

    def test_a_broken_file_restores_nothing(self):
        broken = self.tmp / "broken.xml"
        broken.write_text(
            '<?xml version="1.0"?><django-objects><object model="jobcenters.district"'
        )
        with self.assertRaisesMessage(CommandError, "Nothing was restored"):
            call_command("import_all", str(broken))
        self.assertFalse(Jobcenter.objects.exists())

    def test_a_name_whose_format_is_not_written_is_refused_before_writing(self):
        for name in ("backup", "backup.txt", "backup.yaml", "backup.gz", "backup.json.bz2"):
            with self.subTest(name=name):
                target = self.tmp / name
                with self.assertRaisesMessage(CommandError, "must end in .json, .json.gz"):
                    call_command("export_all", str(target), stdout=StringIO())
                self.assertFalse(target.exists())
        with translation.override("de"), self.assertRaisesMessage(CommandError, "Dateiname"):
            call_command("export_all", str(self.tmp / "backup.txt"), stdout=StringIO())

    def test_the_content_decides_not_the_name(self):
        """What older versions wrote: XML in a file named backup.json."""
        call_command("seed", stdout=StringIO())
        before = snapshot()
        xml = self.tmp / "backup.xml"
        call_command("export_all", str(xml), stdout=StringIO())
        lying = self.tmp / "backup.json"
        xml.rename(lying)
        call_command("flush", interactive=False, verbosity=0)
        out = StringIO()
        call_command("import_all", str(lying), stdout=out)
        self.assertIn("XML", out.getvalue())
        self.assertEqual(snapshot(), before)

    def test_a_file_that_is_no_backup_gets_a_clear_message(self):
        cases = {
            "notes.json": b"Hallo, das ist kein Backup",
            "empty.json": b"",
            "damaged.json.gz": GZIP_MAGIC + b"\x08\x00garbage",
        }
        for name, content in cases.items():
            with self.subTest(name=name):
                path = self.tmp / name
                path.write_bytes(content)
                with self.assertRaises(CommandError) as raised:
                    call_command("import_all", str(path))
                self.assertIn(name, str(raised.exception))
        with self.assertRaisesMessage(CommandError, "missing.json"):
            call_command("import_all", str(self.tmp / "missing.json"))
