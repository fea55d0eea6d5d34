import tempfile
from io import StringIO
from pathlib import Path

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TransactionTestCase

from jobcenters import roles
from jobcenters.backup import backed_up_models
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

        backup = self.tmp / "backup.xml"
        call_command("export_all", str(backup), stdout=out)
        call_command("flush", interactive=False, verbosity=0)
        self.assertEqual(Implementation.history.count(), 0)

        call_command("import_all", str(backup), stdout=out)
        after = snapshot()
        self.assertEqual(after.keys(), before.keys())
        for label in before:
            with self.subTest(label):
                self.assertEqual(after[label], before[label])

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
