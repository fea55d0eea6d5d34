"""The optional review step (settings.KJC_REVIEW_REQUIRED).

Staff changes become a PendingChange draft; Implementation stays the released state,
so no public page or export shows a change before the coordination office releases it.
"""

from unittest import mock

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst

from factors.models import Factor
from jobcenters import roles
from jobcenters.models import Implementation, PendingChange, Status
from jobcenters.services import (
    EditConflict,
    release_change,
    return_change,
    submit_change,
    update_implementation,
)
from jobcenters.spreadsheets import (
    ImportRefused,
    apply_import,
    implementations_for_export,
    preview_import,
    write_csv,
)

from . import test_editor
from .base import PersonaTestCase
from .factories import make_theme, make_user
from .test_editor import prefix_of

MARKER = "UNRELEASED-MARKER-5c1e"

QUEUE = "jobcenters:review_queue"
ACTION = "jobcenters:review_action"


def editor_url(jobcenter):
    return reverse("jobcenters:edit_jobcenter", args=[jobcenter.district.ags])


def editor_data(jobcenter, changes=None):
    """The whole editor form as the browser sends it in review mode: a row with a
    draft carries the draft's values and version, the others the released ones."""
    return test_editor.editor_data(jobcenter, changes, drafts=True)


def german(msgid):
    """A message as the (German by default) pages show it, before and after the
    team's translations are merged."""
    with translation.override("de"):
        return translation.gettext(msgid)


DONE_WITH_MARKER = {"status": Status.DONE, "progress": 100, "public_note": MARKER}


@override_settings(KJC_REVIEW_REQUIRED=True)
class ReviewTestCase(PersonaTestCase):
    def row(self, jobcenter=None, number=1):
        return Implementation.objects.get(
            jobcenter=jobcenter or self.jobcenter_a, factor__number=number
        )

    def submit(self, row=None, values=None, user=None):
        """A staff change through the normal write path; returns the draft."""
        row = row or self.row()
        draft = PendingChange.objects.filter(implementation=row).first()
        return update_implementation(
            implementation=row,
            values=values or DONE_WITH_MARKER,
            expected_version=draft.version if draft else row.version,
            user=user or self.staff_a,
        )

    def queue_post(self, drafts, action="release", comment=""):
        data = {"action": action, "comment": comment}
        data["selected"] = [f"{d.pk}-{d.version}" for d in drafts]
        return self.client.post(reverse(ACTION), data)


class ServiceTests(ReviewTestCase):
    def test_staff_change_becomes_a_draft_and_leaves_the_released_row_alone(self):
        row = self.row()
        history = row.history.count()
        draft = self.submit(row)
        self.assertIsInstance(draft, PendingChange)
        self.assertEqual(draft.state, PendingChange.State.SUBMITTED)
        self.assertEqual((draft.status, draft.public_note), (Status.DONE, MARKER))
        self.assertEqual(draft.base_version, row.version)
        self.assertEqual(draft.version, row.version + 1)
        self.assertEqual(draft.submitted_by, self.staff_a)
        stored = self.row()
        self.assertEqual(
            (stored.status, stored.public_note, stored.version), (row.status, "", row.version)
        )
        self.assertEqual(stored.history.count(), history)
        self.assertEqual(draft.history.count(), 1)
        self.assertEqual(draft.history.first().history_user, self.staff_a)

    def test_a_draft_is_edited_from_its_own_version_only(self):
        row = self.row()
        draft = self.submit(row)
        # The released version no longer fits once a draft exists (another editor's draft).
        with self.assertRaises(EditConflict) as caught:
            update_implementation(
                implementation=row,
                values={"progress": 40, "status": Status.IN_PROGRESS},
                expected_version=row.version,
                user=self.staff_a,
            )
        self.assertEqual(caught.exception.current, draft)
        again = update_implementation(
            implementation=row,
            values={"status": Status.IN_PROGRESS, "progress": 40},
            expected_version=draft.version,
            user=self.staff_a,
        )
        self.assertEqual(
            (again.pk, again.version, again.progress), (draft.pk, draft.version + 1, 40)
        )
        with self.assertRaises(EditConflict):
            submit_change(
                implementation=row,
                values={"progress": 50},
                expected_version=draft.version,
                user=self.staff_a,
            )
        self.assertEqual(PendingChange.objects.get().progress, 40)
        self.assertEqual(self.row().status, Status.NOT_REPORTED)

    def test_editing_back_to_the_released_values_withdraws_the_draft(self):
        row = self.row()
        draft = self.submit(row)
        result = update_implementation(
            implementation=row,
            values={"status": row.status, "progress": row.progress, "public_note": ""},
            expected_version=draft.version,
            user=self.staff_a,
        )
        self.assertIsNone(result)
        self.assertFalse(PendingChange.objects.exists())
        # The withdrawal is kept in the draft's history.
        self.assertEqual(PendingChange.history.filter(history_type="-").count(), 1)

    def test_coordinator_writes_the_released_row_directly(self):
        row = self.row()
        saved = update_implementation(
            implementation=row,
            values=DONE_WITH_MARKER,
            expected_version=row.version,
            user=self.coordinator,
        )
        self.assertIsInstance(saved, Implementation)
        self.assertEqual(self.row().public_note, MARKER)
        self.assertFalse(PendingChange.objects.exists())

    @override_settings(KJC_REVIEW_REQUIRED=False)
    def test_without_review_staff_write_the_released_row(self):
        row = self.row()
        self.submit(row)
        self.assertEqual(self.row().public_note, MARKER)
        self.assertFalse(PendingChange.objects.exists())

    def test_release_applies_the_draft_in_the_submitters_name(self):
        row = self.row()
        draft = self.submit(row)
        released = release_change(pending=draft, user=self.coordinator)
        stored = self.row()
        self.assertEqual(
            (stored.status, stored.progress, stored.public_note), (Status.DONE, 100, MARKER)
        )
        self.assertEqual(stored.version, draft.version)
        self.assertEqual(stored.updated_by, self.staff_a)
        record = stored.history.first()
        self.assertEqual(record.history_user, self.staff_a)
        self.assertIn(self.coordinator.username, record.history_change_reason)
        self.assertEqual(released.pk, row.pk)
        self.assertFalse(PendingChange.objects.exists())
        # The draft's history keeps the release, by the coordinator.
        last = PendingChange.history.order_by("history_id").last()
        self.assertEqual(
            (last.history_type, last.history_user, last.reviewed_by),
            ("-", self.coordinator, self.coordinator),
        )

    def test_release_is_refused_when_the_released_row_moved_on(self):
        row = self.row()
        draft = self.submit(row)
        update_implementation(
            implementation=row,
            values={"internal_note": "Koordination"},
            expected_version=row.version,
            user=self.coordinator,
        )
        with self.assertRaises(EditConflict):
            release_change(pending=draft, user=self.coordinator)
        stored = self.row()
        self.assertEqual(
            (stored.status, stored.internal_note), (Status.NOT_REPORTED, "Koordination")
        )
        self.assertTrue(PendingChange.objects.filter(pk=draft.pk).exists())

    def test_release_is_refused_for_an_outdated_draft(self):
        draft = self.submit()
        stale = PendingChange.objects.get(pk=draft.pk)
        self.submit(values={"status": Status.IN_PROGRESS, "progress": 10})
        with self.assertRaises(EditConflict):
            release_change(pending=stale, user=self.coordinator)
        self.assertEqual(self.row().status, Status.NOT_REPORTED)

    def test_return_needs_a_comment_and_sets_the_state(self):
        draft = self.submit()
        with self.assertRaises(ValidationError):
            return_change(pending=draft, user=self.coordinator, comment="  ")
        self.assertEqual(PendingChange.objects.get().state, PendingChange.State.SUBMITTED)
        returned = return_change(
            pending=draft, user=self.coordinator, comment="Bitte Nachweis ergänzen"
        )
        self.assertEqual(returned.state, PendingChange.State.RETURNED)
        self.assertEqual(returned.review_comment, "Bitte Nachweis ergänzen")
        self.assertEqual(returned.reviewed_by, self.coordinator)
        self.assertEqual(self.row().status, Status.NOT_REPORTED)
        # Editing it again submits it again.
        again = self.submit(values={"evidence_url": "https://example.org/nachweis"})
        self.assertEqual(again.state, PendingChange.State.SUBMITTED)

    def test_only_the_coordination_office_reviews(self):
        draft = self.submit()
        for user in (self.staff_a, self.director):
            with self.assertRaises(PermissionDenied):
                release_change(pending=draft, user=user)
            with self.assertRaises(PermissionDenied):
                return_change(pending=draft, user=user, comment="x")
        self.assertEqual(self.row().status, Status.NOT_REPORTED)

    def test_database_constraints(self):
        row = self.row()
        bad = [
            {"status": Status.DONE, "progress": 50},
            {"status": Status.NOT_APPLICABLE, "progress": 0, "not_applicable_reason": ""},
            {"status": Status.PLANNED, "progress": 101},
            {"status": "erfunden", "progress": 0},
        ]
        for values in bad:
            with (
                self.subTest(values=values),
                self.assertRaises(IntegrityError),
                transaction.atomic(),
            ):
                PendingChange.objects.create(implementation=row, base_version=1, **values)

    def test_spreadsheet_round_trip_by_staff_edits_the_drafts(self):
        def staff_file():
            rows = implementations_for_export([self.jobcenter_a], user=self.staff_a)
            return write_csv(rows).decode("utf-8-sig")

        def upload(text):
            preview = preview_import(text.encode(), user=self.staff_a, jobcenter=self.jobcenter_a)
            self.assertEqual(preview.errors, [])
            return apply_import(preview.changes, user=self.staff_a)

        first = staff_file()
        # The staff file is always German (export_rows), whatever language is active.
        with translation.override("de"):
            before, after = f";{Status.NOT_REPORTED.label};0;", f";{Status.DONE.label};100;"
            in_progress = f";{Status.IN_PROGRESS.label};60;"
            released_in_progress = f";{Status.IN_PROGRESS.label};"
        self.assertIn(before, first)
        self.assertEqual(upload(first.replace(before, after, 1)), 1)
        draft = PendingChange.objects.get()
        self.assertEqual((draft.status, draft.submitted_by), (Status.DONE, self.staff_a))
        self.assertFalse(Implementation.objects.filter(status=Status.DONE).exists())

        # The next export shows the draft with its version, and uploading it again
        # edits the draft instead of being refused as outdated.
        second = staff_file()
        self.assertIn(after, second.splitlines()[1])
        self.login(self.staff_a)
        url = reverse("jobcenters:export_status", args=[self.jobcenter_a.district.ags, "csv"])
        self.assertEqual(self.client.get(url).content.decode("utf-8-sig"), second)
        self.assertTrue(second.splitlines()[1].endswith(f";{draft.version}"))
        self.assertEqual(upload(second.replace(after, in_progress, 1)), 1)
        self.assertEqual(PendingChange.objects.get().progress, 60)

        # An old file (made before the draft) is refused with a reason, nothing changes.
        preview = preview_import(
            first.replace(before, after, 1).encode(),
            user=self.staff_a,
            jobcenter=self.jobcenter_a,
        )
        self.assertEqual(len(preview.errors), 1)
        self.assertEqual(PendingChange.objects.get().progress, 60)

        # The coordination office's file holds the released values.
        released = write_csv(implementations_for_export([self.jobcenter_a], user=self.coordinator))
        self.assertNotIn(released_in_progress, released.decode("utf-8-sig"))

    def test_upload_page_says_the_entries_await_release(self):
        self.login(self.staff_a)
        ags = self.jobcenter_a.district.ags
        text = self.client.get(
            reverse("jobcenters:export_status", args=[ags, "csv"])
        ).content.decode("utf-8-sig")
        text = text.replace(f";{Status.NOT_REPORTED.label};0;", f";{Status.DONE.label};100;", 1)
        url = reverse("jobcenters:import_status", args=[ags])
        upload = SimpleUploadedFile("status.csv", text.encode(), content_type="text/csv")
        response = self.client.post(url, {"file": upload})
        self.assertEqual(response.status_code, 200)
        response = self.client.post(url, {"token": response.context["token"]}, follow=True)
        message = german(
            "Submitted from the file: %(count)s entries. They are shown publicly once the "
            "coordination office has released them."
        )
        self.assertContains(response, message % {"count": 1})
        self.assertEqual(PendingChange.objects.get().status, Status.DONE)
        self.assertEqual(self.row().status, Status.NOT_REPORTED)

    def test_spreadsheet_import_refused_when_the_draft_changed_after_the_preview(self):
        self.submit()
        rows = implementations_for_export([self.jobcenter_a], user=self.staff_a)
        text = write_csv(rows).decode("utf-8-sig").replace(MARKER, "Neu")
        preview = preview_import(text.encode(), user=self.staff_a, jobcenter=self.jobcenter_a)
        self.assertEqual((preview.errors, len(preview.changes)), ([], 1))
        self.submit(values={"internal_note": "dazwischen"})
        with self.assertRaises(ImportRefused):
            apply_import(preview.changes, user=self.staff_a)
        self.assertEqual(PendingChange.objects.get().public_note, MARKER)


class PublicStateTests(ReviewTestCase):
    """Nothing public changes before release; everything released shows."""

    def public_urls(self):
        factors = Factor.objects.order_by("number")
        return [
            reverse("public:home"),
            reverse("public:matrix"),
            reverse("public:factor_list"),
            reverse("public:jobcenter_list"),
            *(reverse("public:factor_detail", args=[f.number]) for f in factors),
            *(
                reverse("public:jobcenter_detail", args=[jc.district.ags])
                for jc in (self.jobcenter_a, self.jobcenter_b)
            ),
            reverse("reports:open_data"),
            *(
                reverse("reports:download", args=[ds, fmt])
                for ds in ("matrix", "faktoren", "jobcenter", "handlungsfelder")
                for fmt in ("csv", "json")
            ),
            reverse("reports:download_excel", args=["matrix", "excel", "csv"]),
            reverse("reports:api_matrix"),
            reverse("reports:api_aggregates"),
        ]

    def snapshot(self):
        self.client.logout()
        pages = {}
        for url in self.public_urls():
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            pages[url] = body.decode("utf-8-sig")
        return pages

    def test_a_draft_changes_no_public_page_or_export_until_release(self):
        before = self.snapshot()
        self.login(self.staff_a)
        row = self.row()
        response = self.client.post(
            editor_url(self.jobcenter_a), editor_data(self.jobcenter_a, {row.pk: DONE_WITH_MARKER})
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(PendingChange.objects.get().public_note, MARKER)

        during = self.snapshot()
        for url, body in during.items():
            self.assertNotIn(MARKER, body, url)
            self.assertEqual(body, before[url], url)

        # The dashboard shows the draft next to the released state.
        self.login(self.director)
        self.assertContains(self.client.get(reverse("reports:dashboard")), MARKER)

        self.login(self.coordinator)
        response = self.queue_post([PendingChange.objects.get()])
        self.assertRedirects(response, reverse(QUEUE))
        after = self.snapshot()
        for name in ("public:factor_detail", "public:jobcenter_detail"):
            arg = 1 if name == "public:factor_detail" else self.jobcenter_a.district.ags
            self.assertIn(MARKER, after[reverse(name, args=[arg])], name)
        for url in (
            reverse("reports:download", args=["matrix", "csv"]),
            reverse("reports:download", args=["matrix", "json"]),
        ):
            self.assertIn(MARKER, after[url], url)
        for url in (
            reverse("public:home"),
            reverse("public:matrix"),
            reverse("reports:api_matrix"),
        ):
            self.assertNotEqual(after[url], before[url], url)
        self.assertEqual(self.row().history.first().history_user, self.staff_a)


class EditorTests(ReviewTestCase):
    def test_editor_shows_the_draft_with_its_state_and_version(self):
        draft = self.submit()
        self.login(self.staff_a)
        response = self.client.get(editor_url(self.jobcenter_a))
        self.assertContains(response, german("Awaiting release"))
        self.assertContains(response, f">\n{MARKER}</textarea>")  # the form holds the draft
        self.assertContains(
            response, f'name="{prefix_of(draft.implementation)}-version" value="{draft.version}"'
        )
        self.assertContains(response, 'class="notice notice-review"')
        # What the draft changes against the released state, named per field.
        self.assertContains(response, f"{capfirst(german('public note'))}: – → {MARKER}")

    def test_save_message_says_the_changes_await_release(self):
        self.login(self.staff_a)
        row = self.row()
        response = self.client.post(
            editor_url(self.jobcenter_a),
            editor_data(self.jobcenter_a, {row.pk: DONE_WITH_MARKER}),
            follow=True,
        )
        self.assertContains(
            response,
            "Eingereicht – 1 geänderter Eintrag: Faktor 1. Er wird öffentlich angezeigt, "
            "sobald die Koordinierungsstelle ihn freigegeben hat.",
        )
        self.assertContains(response, MARKER)  # the editor now shows the draft
        self.assertEqual(self.row().status, Status.NOT_REPORTED)
        # Saving the draft again from what the editor shows works too.
        response = self.client.post(
            editor_url(self.jobcenter_a),
            editor_data(self.jobcenter_a, {row.pk: {"progress": 100, "internal_note": "intern"}}),
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(PendingChange.objects.get().internal_note, "intern")

    def test_staff_sees_the_comment_of_a_returned_change(self):
        draft = self.submit()
        return_change(pending=draft, user=self.coordinator, comment="Bitte Nachweis-Link ergänzen")
        self.login(self.staff_a)
        response = self.client.get(editor_url(self.jobcenter_a))
        self.assertContains(response, german("Returned"))
        self.assertContains(response, "Bitte Nachweis-Link ergänzen")

    def test_a_draft_saved_meanwhile_is_a_conflict_not_an_overwrite(self):
        colleague = make_user(
            "colleague-a", group=roles.JOBCENTER_STAFF, jobcenters=[self.jobcenter_a]
        )
        row = self.row()
        self.login(self.staff_a)
        loaded = editor_data(self.jobcenter_a, {row.pk: {"status": Status.PLANNED}})
        self.submit(user=colleague)
        response = self.client.post(editor_url(self.jobcenter_a), loaded)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, german("Nothing was saved."))
        self.assertContains(response, "colleague-a")
        draft = PendingChange.objects.get()
        self.assertEqual((draft.status, draft.submitted_by), (Status.DONE, colleague))

    def test_a_save_racing_the_draft_lock_rolls_back(self):
        """The form checks pass, then someone saves the draft before the row lock."""
        row = self.row()
        self.login(self.staff_a)
        data = editor_data(self.jobcenter_a, {row.pk: {"status": Status.PLANNED}})
        real = submit_change

        def racing(**kwargs):
            if not racing.done:
                racing.done = True
                self.submit(values={"status": Status.NOT_STARTED, "internal_note": "zuerst"})
            return real(**kwargs)

        racing.done = False

        with mock.patch("jobcenters.services.submit_change", side_effect=racing):
            response = self.client.post(editor_url(self.jobcenter_a), data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, german("Nothing was saved."))
        self.assertContains(response, 'class="row-errors"')
        # The form now carries the other draft's version, so saving again is a
        # deliberate decision. (In a test the racing save shares the request's
        # transaction, so the roll-back takes it along.)
        self.assertContains(response, f'name="{prefix_of(row)}-version" value="{row.version + 1}"')
        self.assertFalse(PendingChange.objects.exists())

    def test_coordinator_sees_the_released_values_and_a_link_to_the_queue(self):
        draft = self.submit()
        self.login(self.coordinator)
        response = self.client.get(editor_url(self.jobcenter_a))
        self.assertContains(response, reverse(QUEUE) + f"#change-{draft.pk}")
        # The form holds the released values; the draft is only named above it.
        self.assertNotContains(response, f">\n{MARKER}</textarea>")
        self.assertContains(response, f"→ {MARKER}")
        self.assertContains(
            response,
            f'name="{prefix_of(draft.implementation)}-version" value="{draft.base_version}"',
        )

    def test_outsider_gets_403_and_writes_nothing(self):
        self.submit()
        row = self.row()
        self.login(self.staff_b)
        response = self.client.get(editor_url(self.jobcenter_a))
        self.assertEqual(response.status_code, 403)
        self.assertNotIn(MARKER, response.content.decode())
        data = editor_data(self.jobcenter_a, {row.pk: {"internal_note": "fremd"}})
        self.assertEqual(self.client.post(editor_url(self.jobcenter_a), data).status_code, 403)
        self.assertEqual(PendingChange.objects.get().internal_note, "")
        self.client.logout()
        response = self.client.get(editor_url(self.jobcenter_a))
        self.assertEqual(response.status_code, 302)

    @override_settings(KJC_REVIEW_REQUIRED=False)
    def test_a_draft_left_from_review_mode_is_named_but_not_edited(self):
        with override_settings(KJC_REVIEW_REQUIRED=True):
            draft = self.submit()
        self.login(self.staff_a)
        response = self.client.get(editor_url(self.jobcenter_a))
        self.assertContains(response, 'class="review-state review-state-submitted"')
        # The form holds the released values; the draft is only named above it.
        self.assertNotContains(response, f">\n{MARKER}</textarea>")
        self.assertContains(response, f"→ {MARKER}")
        self.assertNotContains(response, reverse(QUEUE))
        row = self.row()
        data = editor_data(self.jobcenter_a)
        data[f"{prefix_of(row)}-version"] = row.version
        data[f"{prefix_of(row)}-status"] = Status.PLANNED
        data[f"{prefix_of(row)}-progress"] = row.progress
        data[f"{prefix_of(row)}-public_note"] = ""
        self.assertEqual(self.client.post(editor_url(self.jobcenter_a), data).status_code, 302)
        self.assertEqual(self.row().status, Status.PLANNED)
        # The draft stays for the coordination office, which can no longer release it.
        with self.assertRaises(EditConflict):
            release_change(pending=draft, user=self.coordinator)

    def test_admin_change_form_is_read_only_for_staff(self):
        row = self.row()
        self.login(self.staff_a)
        url = reverse("admin:jobcenters_implementation_change", args=[row.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        response = self.client.post(
            url, {"status": Status.DONE, "progress": 100, "version": row.version}
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.row().status, Status.NOT_REPORTED)
        self.assertNotContains(self.client.get(reverse("admin:index")), reverse(QUEUE))
        self.login(self.coordinator)
        self.assertContains(self.client.get(reverse("admin:index")), reverse(QUEUE))


class EditorQueryTests(ReviewTestCase):
    factor_count = 35

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for first in range(5, 36, 4):
            Factor.objects.filter(number__gte=first).update(theme=make_theme())

    def test_drafts_cost_no_query(self):
        for number in range(1, 36, 2):
            self.submit(self.row(number=number))
        self.login(self.staff_a)
        # 1 session, 2 user, 3 group names (demo-account check and role check), 4 the
        # jobcenter's 35 rows with factor, theme, updated_by and draft with its submitter
        # and reviewer (before the formset, the rows with a draft were read again).
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(5):
            response = self.client.get(editor_url(self.jobcenter_a))
        self.assertContains(response, 'class="review-state review-state-submitted"', count=18)


class QueueTests(ReviewTestCase):
    def test_coordinator_sees_released_and_new_values(self):
        self.submit()
        returned = self.submit(
            self.row(self.jobcenter_b),
            user=self.staff_b,
            values={"status": Status.PLANNED, "progress": 10},
        )
        return_change(pending=returned, user=self.coordinator, comment="Zu früh")
        self.login(self.coordinator)
        # 1 session, 2 user, 3 group names (demo-account check, coordinator check),
        # 4 every draft with its row, jobcenter, district, factor, submitter, reviewer.
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(5):
            response = self.client.get(reverse(QUEUE))
        self.assertContains(response, "Jobcenter A")
        self.assertContains(
            response,
            f"<del>{german(Status.NOT_REPORTED.label)}</del> → "
            f"<ins>{german(Status.DONE.label)}</ins>",
        )
        self.assertContains(response, f"<ins>{MARKER}</ins>")
        self.assertContains(response, "Zu früh")
        self.assertContains(response, 'name="selected"', count=2)
        self.assertEqual(response["Cache-Control"].count("no-store"), 1)

    def test_query_count_does_not_grow_with_drafts(self):
        for number in (1, 2, 3):
            self.submit(self.row(number=number))
            self.submit(self.row(self.jobcenter_b, number), user=self.staff_b)
        self.login(self.coordinator)
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(5):
            self.client.get(reverse(QUEUE))

    def test_intro_matches_whether_the_review_step_is_on(self):
        """Issue 13, item 15: with the step off, the intro no longer says that changes
        wait for release while the notice below says they are saved directly."""
        self.submit()
        self.login(self.coordinator)
        waits = "erst nach der Freigabe öffentlich"
        off = "Das Freigabeverfahren ist ausgeschaltet"
        response = self.client.get(reverse(QUEUE))
        self.assertContains(response, waits)
        with override_settings(KJC_REVIEW_REQUIRED=False):
            response = self.client.get(reverse(QUEUE))
        text = response.content.decode()
        self.assertNotIn(waits, text)
        self.assertIn(off, text)

    def test_access(self):
        draft = self.submit()
        url = reverse(QUEUE)
        self.assertRedirects(
            self.client.get(url),
            f"{reverse('accounts:login')}?next={url}",
            fetch_redirect_response=False,
        )
        response = self.queue_post([draft])
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("accounts:login")))
        for user in (self.staff_a, self.staff_b, self.director):
            self.login(user)
            self.assertEqual(self.client.get(url).status_code, 403, user)
            self.assertEqual(self.queue_post([draft]).status_code, 403, user)
        self.assertTrue(PendingChange.objects.filter(pk=draft.pk, state="submitted").exists())
        self.login(self.coordinator)
        self.assertEqual(self.client.post(url).status_code, 405)
        self.assertEqual(self.client.get(reverse(ACTION)).status_code, 405)
        self.assertEqual(self.row().status, Status.NOT_REPORTED)

    def test_actions_need_the_csrf_token(self):
        draft = self.submit()
        self.client = self.client_class(enforce_csrf_checks=True)
        self.login(self.coordinator)
        self.assertEqual(self.queue_post([draft]).status_code, 403)
        self.assertEqual(self.row().status, Status.NOT_REPORTED)

    def test_release_costs_a_fixed_number_of_queries_per_change(self):
        drafts = [self.submit(self.row(number=n)) for n in (1, 2, 3)]
        self.login(self.coordinator)
        # 1 session, 2 user, 3 group names (demo-account check and role check), 4 the
        # chosen drafts with row, jobcenter, factor and submitter; SAVEPOINT/RELEASE of
        # the all-or-nothing transaction (2); per change (3 here): SAVEPOINT, released row
        # and draft under lock, UPDATE of the row, its history INSERT, DELETE of the
        # draft, its history INSERT, RELEASE (8).
        # + 1 in the fixed part: the second-factor device named in the session (django-otp).
        with self.assertNumQueries(5 + 2 + 3 * 8):
            response = self.queue_post(drafts)
        self.assertRedirects(response, reverse(QUEUE))
        self.assertEqual(Implementation.objects.filter(status=Status.DONE).count(), 3)

    def test_release_is_all_or_nothing(self):
        first = self.submit()
        second = self.submit(self.row(self.jobcenter_b), user=self.staff_b)
        stale = PendingChange.objects.get(pk=second.pk)
        self.submit(self.row(self.jobcenter_b), user=self.staff_b, values={"internal_note": "neu"})
        self.login(self.coordinator)
        response = self.queue_post([first, stale])
        self.assertEqual(response.status_code, 409)
        self.assertContains(
            response,
            german("Nothing was released or sent back; please check and retry."),
            status_code=409,
        )
        self.assertEqual(PendingChange.objects.count(), 2)
        self.assertFalse(Implementation.objects.filter(status=Status.DONE).exists())
        # The choices are kept for a second try.
        self.assertContains(
            response,
            f'value="{first.pk}-{first.version}" id="select-{first.pk}" checked',
            status_code=409,
        )

    def test_release_refused_when_the_released_row_moved_on(self):
        draft = self.submit()
        row = self.row()
        update_implementation(
            implementation=row,
            values={"internal_note": "direkt"},
            expected_version=row.version,
            user=self.coordinator,
        )
        self.login(self.coordinator)
        page = self.client.get(reverse(QUEUE))
        self.assertContains(
            page,
            german(
                "The released entry was changed after this draft was made: "
                "releasing it is refused; send it back instead."
            ),
        )
        response = self.queue_post([draft])
        self.assertEqual(response.status_code, 409)
        self.assertEqual(self.row().status, Status.NOT_REPORTED)

    def test_send_back_needs_a_comment(self):
        draft = self.submit()
        self.login(self.coordinator)
        response = self.queue_post([draft], action="return")
        self.assertContains(
            response, german("Please say why the change is sent back."), status_code=400
        )
        self.assertEqual(PendingChange.objects.get().state, PendingChange.State.SUBMITTED)
        response = self.queue_post([draft], action="return", comment="Bitte Zieldatum angeben")
        self.assertRedirects(response, reverse(QUEUE))
        stored = PendingChange.objects.get()
        self.assertEqual(
            (stored.state, stored.review_comment),
            (PendingChange.State.RETURNED, "Bitte Zieldatum angeben"),
        )

    def test_bad_input_gets_a_message(self):
        draft = self.submit()
        self.login(self.coordinator)
        cases = [
            {"action": "release"},
            {"action": "delete", "selected": [f"{draft.pk}-{draft.version}"]},
            {"action": "release", "selected": ["abc"]},
            {"action": "release", "selected": ["9" * 19 + "-1"]},
            {"action": "release", "selected": ["1-" + "9" * 19]},
            {"action": "release", "selected": ["１-1"]},
        ]
        for data in cases:
            with self.subTest(data=data):
                response = self.client.post(reverse(ACTION), data)
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, 'class="error-summary"', status_code=400)
        response = self.queue_post([PendingChange(pk=int("9" * 18), version=int("9" * 18))])
        self.assertEqual(response.status_code, 409)
        response = self.queue_post([PendingChange(pk=999999, version=1)])
        self.assertEqual(response.status_code, 409)
        self.assertEqual(PendingChange.objects.get().state, PendingChange.State.SUBMITTED)


class DashboardTests(ReviewTestCase):
    def test_dashboard_shows_drafts_of_visible_jobcenters_only(self):
        self.submit()
        self.login(self.staff_b)
        response = self.client.get(reverse("reports:dashboard"))
        self.assertContains(response, 'id="pending-changes"')
        self.assertNotContains(response, MARKER)
        self.login(self.staff_a)
        self.assertContains(self.client.get(reverse("reports:dashboard")), MARKER)
        self.login(self.coordinator)
        self.assertContains(self.client.get(reverse("reports:dashboard")), reverse(QUEUE))

    def test_the_section_costs_one_query_and_none_without_review(self):
        self.submit()
        self.login(self.director)
        url = reverse("reports:dashboard")
        self.client.get(url)  # the dashboard's tables, cached per data version
        with CaptureQueriesContext(connection) as with_review:
            self.client.get(url)
        with (
            override_settings(KJC_REVIEW_REQUIRED=False),
            CaptureQueriesContext(connection) as without,
        ):
            response = self.client.get(url)
        self.assertNotContains(response, 'id="pending-changes"')
        self.assertEqual(len(with_review) - len(without), 1)
