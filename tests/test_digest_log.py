import io

from django.core import mail
from django.core.management import call_command
from django.test import TestCase

from jobcenters import roles
from jobcenters.models import DigestLog, Implementation, Status
from jobcenters.services import update_implementation

from .factories import make_catalogue, make_jobcenter, make_user


class DigestContinuesWhereTheLastEndedTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_catalogue(factors=2)
        cls.jobcenter = make_jobcenter()
        cls.staff = make_user("staff", group=roles.JOBCENTER_STAFF, jobcenters=[cls.jobcenter])
        make_user("leitung", group=roles.DIRECTORS, email="leitung@example.org")

    def change(self, factor_number, status):
        row = Implementation.objects.get(jobcenter=self.jobcenter, factor__number=factor_number)
        update_implementation(
            implementation=row,
            values={"status": status},
            expected_version=row.version,
            user=self.staff,
        )

    def test_each_change_is_mailed_exactly_once(self):
        self.change(1, Status.PLANNED)
        call_command("send_digest", stdout=io.StringIO())
        self.assertEqual(len(mail.outbox), 1)
        first = DigestLog.objects.get()
        self.assertEqual(first.recipients, 1)

        # Nothing new: no mail, and no log entry for an empty period.
        call_command("send_digest", stdout=io.StringIO())
        self.assertEqual(len(mail.outbox), 1)

        self.change(2, Status.NOT_STARTED)
        call_command("send_digest", stdout=io.StringIO())
        self.assertEqual(len(mail.outbox), 2)
        second = mail.outbox[1].body
        self.assertIn("Testfaktor 2", second)
        self.assertNotIn("Testfaktor 1", second)
        latest = DigestLog.objects.latest()
        self.assertEqual(latest.period_start, first.period_end)

    def test_dry_run_logs_nothing(self):
        self.change(1, Status.PLANNED)
        call_command("send_digest", "--dry-run", stdout=io.StringIO())
        self.assertFalse(DigestLog.objects.exists())
        self.assertEqual(mail.outbox, [])
