"""send_reminders and send_digest: the right people, the right content, few queries."""

import datetime
import io

from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from jobcenters import notifications, roles
from jobcenters.models import Implementation, PendingChange, Status, stale_cutoff
from jobcenters.services import return_change, submit_change, update_implementation
from reports.models import Stichtag
from tests.base import PersonaTestCase
from tests.factories import make_jobcenter, make_user


def mark_reported(jobcenter, *, user, status=Status.PLANNED, progress=10):
    for impl in Implementation.objects.filter(jobcenter=jobcenter):
        update_implementation(
            implementation=impl,
            values={"status": status, "progress": progress},
            expected_version=impl.version,
            user=user,
        )


# Messages are asserted in English, so the tests hold once the German catalogue is merged.
@override_settings(KJC_SITE_URL="https://kjc.example.org", LANGUAGE_CODE="en")
class ReminderTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for user in (cls.staff_a, cls.staff_b, cls.coordinator, cls.director):
            user.email = f"{user.username}@example.org"
            user.save()
        cls.inactive_a = make_user(
            "alt-a", email="alt@example.org", is_active=False, jobcenters=[cls.jobcenter_a]
        )
        cls.no_mail_a = make_user("ohne-mail-a", jobcenters=[cls.jobcenter_a])

    def by_recipient(self):
        return {m.to[0]: m for m in mail.outbox}

    def test_staff_of_each_jobcenter_get_their_own_entries_only(self):
        out = io.StringIO()
        call_command("send_reminders", stdout=out)
        self.assertEqual(set(self.by_recipient()), {"staff-a@example.org", "staff-b@example.org"})
        body_a = self.by_recipient()["staff-a@example.org"].body
        self.assertIn(self.jobcenter_a.name, body_a)
        self.assertNotIn(self.jobcenter_b.name, body_a)
        for factor in self.factors:
            self.assertIn(f"{factor.number}. {factor.title}", body_a)
        ags = self.jobcenter_a.district.ags
        self.assertIn(f"https://kjc.example.org/bearbeiten/{ags}/#factor-1", body_a)
        self.assertIn(f"https://kjc.example.org/bearbeiten/{ags}/\n", body_a)
        self.assertIn("2 reminder(s) sent", out.getvalue())
        subject = self.by_recipient()["staff-a@example.org"].subject
        self.assertIn(str(len(self.factors)), subject)

    def test_no_mail_when_nothing_is_open(self):
        mark_reported(self.jobcenter_a, user=self.staff_a)
        mark_reported(self.jobcenter_b, user=self.staff_b)
        call_command("send_reminders", stdout=io.StringIO())
        self.assertEqual(mail.outbox, [])

    def test_stale_by_days_and_by_setting(self):
        mark_reported(self.jobcenter_a, user=self.staff_a)
        mark_reported(self.jobcenter_b, user=self.staff_b)
        old = timezone.now() - datetime.timedelta(days=40)
        Implementation.objects.filter(jobcenter=self.jobcenter_a, factor__number=2).update(
            updated_at=old
        )
        call_command("send_reminders", "--days", "30", stdout=io.StringIO())
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["staff-a@example.org"])
        self.assertIn(self.factors[1].title, message.body)
        self.assertNotIn(self.factors[0].title, message.body)
        self.assertIn(
            old.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d"), message.body
        )
        mail.outbox.clear()
        # 40 days is not stale by the default of KJC_STALE_MONTHS (6) months.
        call_command("send_reminders", stdout=io.StringIO())
        self.assertEqual(mail.outbox, [])
        with override_settings(KJC_STALE_MONTHS=1):
            call_command("send_reminders", stdout=io.StringIO())
        self.assertEqual(len(mail.outbox), 1)

    @override_settings(LANGUAGE_CODE="de")
    def test_mail_uses_german_dates_by_default(self):
        Implementation.objects.filter(jobcenter=self.jobcenter_a, factor__number=1).update(
            status=Status.PLANNED, updated_at=timezone.now() - datetime.timedelta(days=400)
        )
        notifications.send(notifications.reminder_mails())
        cutoff = timezone.localtime(stale_cutoff())
        body = self.by_recipient()["staff-a@example.org"].body
        self.assertIn(cutoff.strftime("%d.%m.%Y"), body)

    def test_entries_not_reported_since_the_last_stichtag(self):
        mark_reported(self.jobcenter_a, user=self.staff_a)
        mark_reported(self.jobcenter_b, user=self.staff_b)
        today = timezone.localdate()
        Stichtag.objects.create(date=today - datetime.timedelta(days=20))
        upcoming = Stichtag.objects.create(date=today + datetime.timedelta(days=10))
        # Reported 30 days ago: before the last Stichtag, so not yet for this round.
        Implementation.objects.filter(jobcenter=self.jobcenter_a, factor__number=3).update(
            updated_at=timezone.now() - datetime.timedelta(days=30)
        )
        # Reported 5 days ago: done for this round.
        Implementation.objects.filter(jobcenter=self.jobcenter_a, factor__number=1).update(
            updated_at=timezone.now() - datetime.timedelta(days=5)
        )
        call_command("send_reminders", stdout=io.StringIO())
        self.assertEqual(len(mail.outbox), 1)
        body = mail.outbox[0].body
        self.assertIn(self.factors[2].title, body)
        self.assertNotIn(self.factors[0].title, body)
        self.assertIn(upcoming.date.strftime("%Y-%m-%d"), body)
        mail.outbox.clear()
        # Without an upcoming Stichtag the round is over: only staleness counts.
        upcoming.delete()
        call_command("send_reminders", stdout=io.StringIO())
        self.assertEqual(mail.outbox, [])

    def test_dry_run_sends_nothing_and_says_who(self):
        out = io.StringIO()
        call_command("send_reminders", "--dry-run", stdout=out)
        self.assertEqual(mail.outbox, [])
        self.assertIn("staff-a@example.org", out.getvalue())
        self.assertIn("2 reminder(s) would be sent", out.getvalue())
        with self.assertRaises(CommandError):
            call_command("send_reminders", "--days", "0")

    @override_settings(KJC_REVIEW_REQUIRED=True)
    def test_entries_submitted_for_release_are_left_out_until_sent_back(self):
        submitted, returned = Implementation.objects.filter(jobcenter=self.jobcenter_a)[:2]
        for row in (submitted, returned):
            submit_change(
                implementation=row,
                values={"status": Status.PLANNED, "progress": 10},
                expected_version=row.version,
                user=self.staff_a,
            )
        return_change(
            pending=PendingChange.objects.get(implementation=returned),
            user=self.coordinator,
            comment="Bitte Zieldatum ergänzen",
        )
        ags = self.jobcenter_a.district.ags

        def items():
            mails = {m.user.username: m for m in notifications.reminder_mails()}
            return mails[self.staff_a.username].items

        self.assertNotIn((ags, submitted.factor.number), items())
        self.assertIn((ags, returned.factor.number), items())
        self.assertEqual(len(items()), len(self.factors) - 1)
        # The released rows are still unreported: without the drafts both are open.
        PendingChange.objects.all().delete()
        self.assertIn((ags, submitted.factor.number), items())

    def test_one_mail_per_person_for_several_jobcenters_in_two_queries(self):
        third = make_jobcenter(name="Jobcenter C")
        make_user("zwei", email="zwei@example.org", jobcenters=[self.jobcenter_a, third])
        # 1 memberships with users, jobcenters and districts, 2 open entries with
        # factors (the Stichtage are the caller's: reports' send_reminders command)
        with self.assertNumQueries(2):
            mails = notifications.reminder_mails()
        mine = [m for m in mails if m.user.username == "zwei"]
        self.assertEqual(len(mine), 1)
        self.assertIn(self.jobcenter_a.name, mine[0].body)
        self.assertIn("Jobcenter C", mine[0].body)
        self.assertEqual(len(mine[0].items), 2 * len(self.factors))


# Messages are asserted in English, so the tests hold once the German catalogue is merged.
@override_settings(KJC_SITE_URL="https://kjc.example.org", LANGUAGE_CODE="en")
class DigestTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.director.email = "leitung@example.org"
        cls.director.first_name, cls.director.last_name = "Dora", "Direktorin"
        cls.director.save()
        make_user("leitung-alt", group=roles.DIRECTORS, email="alt@example.org", is_active=False)
        make_user("leitung-ohne", group=roles.DIRECTORS)
        cls.staff_a.email = "staff-a@example.org"
        cls.staff_a.first_name, cls.staff_a.last_name = "Anna", "Arbeit"
        cls.staff_a.save()

    def setUp(self):
        self.now = timezone.now()
        self.impl = Implementation.objects.get(jobcenter=self.jobcenter_a, factor__number=2)
        # Before the period: reported as planned.
        update_implementation(
            implementation=self.impl,
            values={"status": Status.PLANNED, "progress": 20},
            expected_version=1,
            user=self.staff_a,
            when=self.now - datetime.timedelta(days=10),
        )
        # In the period: in progress, with a note.
        update_implementation(
            implementation=self.impl,
            values={"status": Status.IN_PROGRESS, "progress": 60, "public_note": "Läuft"},
            expected_version=2,
            user=self.staff_a,
            when=self.now - datetime.timedelta(days=2),
        )

    def test_directors_get_every_change_since_the_date(self):
        out = io.StringIO()
        call_command("send_digest", stdout=out)
        self.assertEqual([m.to for m in mail.outbox], [["leitung@example.org"]])
        body = mail.outbox[0].body
        self.assertIn("Hello Dora Direktorin", body)
        self.assertIn(self.jobcenter_a.name, body)
        self.assertIn(f"2. {self.factors[1].title}", body)
        self.assertIn("Anna Arbeit", body)
        self.assertIn("Status: planned → in progress", body)
        self.assertIn("20 % → 60 %", body)
        self.assertIn("– → Läuft", body)
        self.assertIn(f"/bearbeiten/{self.jobcenter_a.district.ags}/#factor-2", body)
        self.assertNotIn("not reported", body)  # the earlier change lies before the period
        self.assertNotIn(self.jobcenter_b.name, body)
        self.assertIn("1 digest(s) sent", out.getvalue())

    def test_since_option_reaches_further_back(self):
        since = (self.now - datetime.timedelta(days=20)).strftime("%d.%m.%Y")
        call_command("send_digest", "--since", since, stdout=io.StringIO())
        body = mail.outbox[0].body
        self.assertIn("Status: – → planned", body)
        self.assertIn("Status: planned → in progress", body)
        self.assertIn("(2)", mail.outbox[0].subject)

    def test_no_mail_when_nothing_changed(self):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        with self.assertRaises(CommandError):
            call_command("send_digest", "--since", tomorrow.isoformat())
        out = io.StringIO()
        call_command("send_digest", "--since", timezone.localdate().isoformat(), stdout=out)
        self.assertEqual(mail.outbox, [])
        self.assertIn("nothing sent", out.getvalue())
        with self.assertRaises(CommandError):
            call_command("send_digest", "--since", "gestern")

    def test_dry_run(self):
        out = io.StringIO()
        call_command("send_digest", "--dry-run", stdout=out)
        self.assertEqual(mail.outbox, [])
        self.assertIn("leitung@example.org", out.getvalue())

    def test_bounded_queries_however_many_changes(self):
        for impl in Implementation.objects.filter(jobcenter=self.jobcenter_b):
            update_implementation(
                implementation=impl,
                values={"status": Status.DONE},
                expected_version=impl.version,
                user=self.coordinator,
            )
        since = self.now - datetime.timedelta(days=7)
        # 1 history records with users, 2 the last record before the period of each row,
        # 3 the rows with jobcenters, districts and factors, 4 the directors
        with self.assertNumQueries(4):
            mails = notifications.digest_mails(since=since)
        self.assertEqual(len(mails[0].items), 1 + len(self.factors))
