"""History of implementation statuses: written for every change, readable, never editable."""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, reverse

from jobcenters.models import Implementation, Status

from .base import PersonaTestCase
from .test_admin import change_url, form_data
from .test_editor import editor_data, editor_url


def history_url(row):
    return reverse("admin:jobcenters_implementation_history", args=[row.pk])


def version_url(row, entry):
    return reverse("admin:jobcenters_implementation_simple_history", args=[row.pk, entry.pk])


class HistoryTestCase(PersonaTestCase):
    def row(self, jobcenter, number=1):
        return Implementation.objects.get(jobcenter=jobcenter, factor__number=number)

    def edit_in_admin(self, user, row, **changes):
        self.login(user)
        row.refresh_from_db()
        response = self.client.post(change_url(row), form_data(row, **changes))
        self.assertEqual(response.status_code, 302)


class HistoryWrittenTests(HistoryTestCase):
    def test_each_admin_change_is_one_entry_with_its_author_and_old_new_values(self):
        row = self.row(self.jobcenter_a)
        self.edit_in_admin(self.staff_a, row, status=Status.PLANNED, public_note="Konzept")
        self.edit_in_admin(self.coordinator, row, status=Status.DONE)
        entries = list(row.history.order_by("history_date", "history_id"))
        self.assertEqual([e.history_user for e in entries], [self.staff_a, self.coordinator])
        self.assertEqual([e.version for e in entries], [2, 3])
        delta = entries[1].diff_against(entries[0])
        changes = {c.field: (c.old, c.new) for c in delta.changes}
        self.assertEqual(changes["status"], (Status.PLANNED, Status.DONE))
        self.assertEqual(changes["progress"], (0, 100))
        self.assertNotIn("public_note", changes)

    def test_editor_writes_one_entry_per_changed_row(self):
        first, second = self.row(self.jobcenter_a, 1), self.row(self.jobcenter_a, 2)
        self.login(self.staff_a)
        data = editor_data(
            self.jobcenter_a,
            {first.pk: {"status": Status.PLANNED}, second.pk: {"internal_note": "intern"}},
        )
        self.client.post(editor_url(self.jobcenter_a), data)
        self.assertEqual(Implementation.history.count(), 2)
        self.assertEqual(
            set(Implementation.history.values_list("id", "history_user", "internal_note")),
            {(first.pk, self.staff_a.pk, ""), (second.pk, self.staff_a.pk, "intern")},
        )

    def test_refused_saves_write_no_history(self):
        row = self.row(self.jobcenter_a)
        self.login(self.staff_b)
        self.client.post(change_url(row), form_data(row, status=Status.DONE))
        self.login(self.director)
        self.client.post(change_url(row), form_data(row, status=Status.DONE))
        self.login(self.staff_a)
        self.client.post(change_url(row), form_data(row, status=Status.IN_PROGRESS, progress=150))
        self.assertFalse(row.history.exists())


class HistoryReadOnlyTests(HistoryTestCase):
    def setUp(self):
        self.row_a = self.row(self.jobcenter_a)
        self.edit_in_admin(self.staff_a, self.row_a, status=Status.PLANNED, progress=20)
        self.edit_in_admin(self.staff_a, self.row_a, status=Status.IN_PROGRESS, progress=60)
        self.client.logout()
        self.entry = self.row_a.history.earliest()

    def test_staff_reads_who_when_and_old_new(self):
        self.login(self.staff_a)
        ContentType.objects.clear_cache()
        # 1 session, 2 user, 3 group names (demo-account check, then scoping), 4 the row,
        # 5 user permissions, 6 group permissions, 7 jobcenter ids the user may see,
        # 8 COUNT of entries (pagination), 9 the page of entries with their authors,
        # 10 content type of the user model (cached by Django after the first request).
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(11):
            response = self.client.get(history_url(self.row_a))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "staff-a")
        self.assertContains(response, "20")
        self.assertContains(response, "60")
        self.assertNotContains(response, "Revert")
        self.assertTrue(response.context["revert_disabled"])

    def test_director_reads_history(self):
        self.login(self.director)
        self.assertEqual(self.client.get(history_url(self.row_a)).status_code, 200)
        self.assertEqual(self.client.get(version_url(self.row_a, self.entry)).status_code, 200)

    def test_outsider_cannot_read_another_jobcenters_history(self):
        self.login(self.staff_b)
        self.assertIn(self.client.get(history_url(self.row_a)).status_code, (403, 404))
        self.assertIn(self.client.get(version_url(self.row_a, self.entry)).status_code, (403, 404))

    def test_anonymous_is_sent_to_login(self):
        response = self.client.get(history_url(self.row_a))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("admin:login"), response["Location"])

    def test_past_version_page_shows_no_revert_and_refuses_posts(self):
        for user in (self.staff_a, self.coordinator):
            with self.subTest(user=user.username):
                self.login(user)
                page = self.client.get(version_url(self.row_a, self.entry))
                self.assertEqual(page.status_code, 200)
                self.assertNotContains(page, 'name="_save"')
                # A hand-made revert: the old values, posted to the past-version page.
                response = self.client.post(
                    version_url(self.row_a, self.entry),
                    form_data(self.row_a, status=Status.PLANNED, progress=20, version=3),
                )
                self.assertEqual(response.status_code, 405)
                self.row_a.refresh_from_db()
                self.assertEqual((self.row_a.status, self.row_a.version), (Status.IN_PROGRESS, 3))

    def test_history_has_no_admin_of_its_own(self):
        history_model = Implementation.history.model
        self.assertFalse(admin.site.is_registered(history_model))
        with self.assertRaises(NoReverseMatch):
            reverse("admin:jobcenters_historicalimplementation_changelist")

    def test_history_entries_survive_every_ui_path(self):
        count = Implementation.history.count()
        self.login(self.coordinator)
        delete = reverse("admin:jobcenters_implementation_delete", args=[self.row_a.pk])
        self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)
        self.assertEqual(Implementation.history.count(), count)
