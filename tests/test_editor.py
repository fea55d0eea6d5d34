"""The one-screen editor `jobcenters:edit_jobcenter`, tested with real logins and requests."""

import datetime
import warnings
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.deprecation import RemovedInDjango60Warning

from factors.models import Factor
from jobcenters import roles
from jobcenters.forms import ImplementationForm
from jobcenters.models import (
    Implementation,
    Jobcenter,
    Status,
    entry_problems,
    implied_progress,
)
from jobcenters.services import submit_change, update_implementation
from jobcenters.views import EDITOR_ORDER

from .base import PersonaTestCase
from .factories import make_jobcenter, make_theme, make_user


def editor_url(jobcenter):
    return reverse("jobcenters:edit_jobcenter", args=[jobcenter.district.ags])


def row_prefixes(jobcenter):
    """{row pk: the prefix of its form on the page} (the formset's order)."""
    rows = Implementation.objects.filter(jobcenter=jobcenter).order_by(*EDITOR_ORDER)
    return {pk: f"rows-{i}" for i, pk in enumerate(rows.values_list("pk", flat=True))}


def prefix_of(row):
    return row_prefixes(row.jobcenter)[row.pk]


def editor_data(jobcenter, changes=None, *, drafts=False):
    """The whole editor formset as the browser sends it, with {row pk: {field: value}}
    applied. With `drafts`, a row with a draft carries the draft's values and version
    (what staff see in review mode)."""
    changes = changes or {}
    prefixes = row_prefixes(jobcenter)
    data = {
        "rows-TOTAL_FORMS": str(len(prefixes)),
        "rows-INITIAL_FORMS": str(len(prefixes)),
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "200",
    }
    rows = Implementation.objects.filter(jobcenter=jobcenter).select_related("pending_change")
    for row in rows:
        shown = (getattr(row, "pending_change", None) if drafts else None) or row
        values = {
            "id": row.pk,
            "status": shown.status,
            "progress": shown.progress,
            "not_applicable_reason": shown.not_applicable_reason,
            "public_note": shown.public_note,
            "internal_note": shown.internal_note,
            "evidence_url": shown.evidence_url,
            "target_date": shown.target_date.isoformat() if shown.target_date else "",
            "version": shown.version,
        }
        values.update(changes.get(row.pk, {}))
        data.update({f"{prefixes[row.pk]}-{name}": value for name, value in values.items()})
    return data


class EditorTestCase(PersonaTestCase):
    def row(self, jobcenter, number):
        return Implementation.objects.get(jobcenter=jobcenter, factor__number=number)


class EditorAccessTests(EditorTestCase):
    def test_staff_sees_every_factor_of_their_jobcenter_grouped_by_theme(self):
        self.login(self.staff_a)
        response = self.client.get(editor_url(self.jobcenter_a))
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "base.html")
        self.assertContains(response, "<fieldset", count=self.factor_count)
        self.assertContains(response, f'<h2 id="theme-{self.factors[0].theme_id}">')
        for factor in self.factors:
            self.assertContains(response, factor.title)
        for status in Status:
            self.assertContains(response, str(status.definition))
            self.assertContains(response, f"{status.icon} {status.label}</option>")
        ags = self.jobcenter_a.district.ags
        self.assertContains(response, reverse("jobcenters:import_status", args=[ags]))

    def test_page_is_ready_for_a_strict_content_security_policy(self):
        self.login(self.staff_a)
        html = self.client.get(editor_url(self.jobcenter_a)).content.decode()
        self.assertNotIn(" style=", html)
        self.assertNotRegex(html, r"<script(?![^>]*\bsrc=)")
        self.assertNotRegex(html, r" on[a-z]+=")

    def test_outsider_gets_a_friendly_403_on_get_and_post(self):
        self.login(self.staff_b)
        response = self.client.get(editor_url(self.jobcenter_a))
        self.assertEqual(response.status_code, 403)
        self.assertTemplateUsed(response, "base.html")
        self.assertContains(
            response, "Sie können nur die Einträge Ihres Jobcenters bearbeiten", status_code=403
        )
        self.assertContains(response, f'href="{editor_url(self.jobcenter_b)}"', status_code=403)
        self.assertNotContains(response, 'name="rows-0-status"', status_code=403)
        row = self.row(self.jobcenter_a, 1)
        data = editor_data(self.jobcenter_a, {row.pk: {"status": Status.PLANNED}})
        self.assertEqual(self.client.post(editor_url(self.jobcenter_a), data).status_code, 403)
        row.refresh_from_db()
        self.assertEqual((row.status, row.version), (Status.NOT_REPORTED, 1))

    def test_director_gets_403_without_a_jobcenter_to_offer(self):
        self.login(self.director)
        response = self.client.get(editor_url(self.jobcenter_a))
        self.assertContains(response, "darf kein Jobcenter bearbeiten", status_code=403)
        data = editor_data(self.jobcenter_a)
        self.assertEqual(self.client.post(editor_url(self.jobcenter_a), data).status_code, 403)

    def test_coordinator_edits_any_jobcenter(self):
        self.login(self.coordinator)
        row = self.row(self.jobcenter_b, 2)
        data = editor_data(self.jobcenter_b, {row.pk: {"status": Status.PLANNED}})
        response = self.client.post(editor_url(self.jobcenter_b), data)
        self.assertRedirects(
            response, editor_url(self.jobcenter_b) + "#factor-2", fetch_redirect_response=False
        )
        row.refresh_from_db()
        self.assertEqual((row.status, row.updated_by), (Status.PLANNED, self.coordinator))

    def test_anonymous_is_sent_to_login(self):
        url = editor_url(self.jobcenter_a)
        response = self.client.get(url)
        self.assertRedirects(response, f"{reverse('accounts:login')}?next={url}")
        self.assertEqual(self.client.post(url, editor_data(self.jobcenter_a)).status_code, 302)

    def test_wrong_method_is_405(self):
        self.login(self.staff_a)
        self.assertEqual(self.client.put(editor_url(self.jobcenter_a)).status_code, 405)
        self.assertEqual(self.client.delete(editor_url(self.jobcenter_a)).status_code, 405)

    def test_unknown_ags_is_404(self):
        self.login(self.coordinator)
        for ags in ("99999", "abc"):
            url = reverse("jobcenters:edit_jobcenter", args=[ags])
            self.assertEqual(self.client.get(url).status_code, 404)

    def test_staff_of_two_jobcenters_edits_both(self):
        both = make_user("both", is_staff=True, jobcenters=[self.jobcenter_a, self.jobcenter_b])
        self.login(both)
        self.assertEqual(self.client.get(editor_url(self.jobcenter_a)).status_code, 200)
        self.assertEqual(self.client.get(editor_url(self.jobcenter_b)).status_code, 200)


class EditorSaveTests(EditorTestCase):
    def test_saves_every_changed_row_with_history(self):
        first, second, untouched = (self.row(self.jobcenter_a, n) for n in (1, 2, 3))
        self.login(self.staff_a)
        data = editor_data(
            self.jobcenter_a,
            {
                first.pk: {"status": Status.IN_PROGRESS, "progress": 30},
                second.pk: {
                    "status": Status.NOT_APPLICABLE,
                    "not_applicable_reason": "Keine Geflüchteten\r\nim Kreis",
                    "target_date": "31.12.2027",
                },
            },
        )
        response = self.client.post(editor_url(self.jobcenter_a), data, follow=True)
        # Back to the first saved row, with a message naming the saved rows.
        self.assertRedirects(response, editor_url(self.jobcenter_a) + "#factor-1")
        self.assertContains(response, "Gespeichert – 2 geänderte Einträge: Faktoren 1, 2.")
        first.refresh_from_db()
        second.refresh_from_db()
        untouched.refresh_from_db()
        self.assertEqual((first.status, first.progress, first.version), (Status.IN_PROGRESS, 30, 2))
        self.assertEqual(second.not_applicable_reason, "Keine Geflüchteten\nim Kreis")
        self.assertEqual(second.target_date.isoformat(), "2027-12-31")
        self.assertEqual(untouched.version, 1)
        self.assertFalse(untouched.history.exists())
        for row in (first, second):
            entry = row.history.latest()
            self.assertEqual((entry.history_user, entry.version), (self.staff_a, 2))

    def test_unchanged_form_saves_nothing(self):
        self.login(self.staff_a)
        response = self.client.post(
            editor_url(self.jobcenter_a), editor_data(self.jobcenter_a), follow=True
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Implementation.history.exists())
        self.assertFalse(Implementation.objects.filter(version__gt=1).exists())

    def test_one_invalid_row_saves_nothing_and_marks_the_row(self):
        good, bad = self.row(self.jobcenter_a, 1), self.row(self.jobcenter_a, 2)
        self.login(self.staff_a)
        data = editor_data(
            self.jobcenter_a,
            {
                good.pk: {"status": Status.PLANNED},
                bad.pk: {"status": Status.IN_PROGRESS, "progress": 150},
            },
        )
        response = self.client.post(editor_url(self.jobcenter_a), data)
        self.assertEqual(response.status_code, 200)
        good.refresh_from_db()
        self.assertEqual((good.status, good.version), (Status.NOT_REPORTED, 1))
        self.assertFalse(Implementation.history.exists())
        # The error summary links to the row, the field names its error.
        self.assertContains(response, 'href="#factor-2"')
        field_id = f"id_{prefix_of(bad)}-progress"
        self.assertContains(response, f'id="{field_id}_error"')
        self.assertContains(response, f'aria-describedby="{field_id}_error"')
        self.assertContains(response, 'aria-invalid="true"', count=1)
        # The input is kept for correction.
        self.assertContains(response, f'name="{prefix_of(good)}-status"')
        self.assertEqual(response.context["invalid_forms"][0].instance.pk, bad.pk)

    def test_invalid_inputs(self):
        row = self.row(self.jobcenter_a, 1)
        self.login(self.staff_a)
        cases = {
            "progress": {"status": Status.IN_PROGRESS, "progress": 150},
            "not_applicable_reason": {"status": Status.NOT_APPLICABLE},
            "evidence_url": {"status": Status.PLANNED, "evidence_url": "nicht-ein-link"},
            "target_date": {"status": Status.PLANNED, "target_date": "31.02.2027"},
            "status": {"status": "fertig"},
        }
        huge = {
            "progress": {"status": Status.IN_PROGRESS, "progress": "9" * 30},
            "evidence_url": {"status": Status.PLANNED, "evidence_url": "https://x.de/" + "a" * 600},
            "target_date": {"status": Status.PLANNED, "target_date": "99999-01-01"},
        }
        for field, change in [*cases.items(), *huge.items()]:
            with self.subTest(field=field):
                data = editor_data(self.jobcenter_a, {row.pk: change})
                response = self.client.post(editor_url(self.jobcenter_a), data)
                self.assertEqual(response.status_code, 200)
                form = response.context["invalid_forms"][0]
                self.assertIn(field, form.errors)
        row.refresh_from_db()
        self.assertEqual(row.version, 1)

    def test_conflict_refuses_everything_and_shows_what_changed(self):
        mine, theirs = self.row(self.jobcenter_a, 1), self.row(self.jobcenter_a, 2)
        self.login(self.staff_a)
        loaded = editor_data(self.jobcenter_a)
        # Someone else saves row 2 after the page was loaded.
        update_implementation(
            implementation=theirs,
            values={"status": Status.DONE},
            expected_version=1,
            user=self.coordinator,
        )
        loaded[f"{prefix_of(mine)}-status"] = Status.PLANNED
        loaded[f"{prefix_of(theirs)}-status"] = Status.IN_PROGRESS
        loaded[f"{prefix_of(theirs)}-progress"] = 50
        response = self.client.post(editor_url(self.jobcenter_a), loaded)
        self.assertEqual(response.status_code, 200)
        mine.refresh_from_db()
        theirs.refresh_from_db()
        self.assertEqual(mine.status, Status.NOT_REPORTED)
        self.assertEqual((theirs.status, theirs.version), (Status.DONE, 2))
        self.assertContains(response, "coordinator")
        self.assertContains(response, 'href="#factor-2"')
        self.assertContains(response, f'name="{prefix_of(theirs)}-version" value="2"')
        # Saving the kept input again is now a deliberate overwrite.
        loaded[f"{prefix_of(theirs)}-version"] = 2
        response = self.client.post(editor_url(self.jobcenter_a), loaded)
        self.assertEqual(response.status_code, 302)
        theirs.refresh_from_db()
        self.assertEqual((theirs.status, theirs.version), (Status.IN_PROGRESS, 3))

    def test_conflict_keeps_own_changes_and_takes_over_the_others(self):
        row = self.row(self.jobcenter_a, 1)
        update_implementation(
            implementation=row, values={"status": Status.PLANNED}, expected_version=1, user=None
        )
        self.login(self.staff_a)
        loaded = editor_data(self.jobcenter_a)  # at version 2
        update_implementation(
            implementation=row,
            values={"public_note": "Kooperation mit der VHS"},
            expected_version=2,
            user=self.coordinator,
        )
        loaded[f"{prefix_of(row)}-status"] = Status.IN_PROGRESS
        loaded[f"{prefix_of(row)}-progress"] = 20
        response = self.client.post(editor_url(self.jobcenter_a), loaded)
        self.assertContains(response, "Öffentliche Anmerkung: – → Kooperation mit der VHS")
        form = next(f for f in response.context["invalid_forms"] if f.instance.pk == row.pk)
        again = dict(loaded)
        again.update(
            {key: form.data[key] for key in loaded if key.startswith(f"{prefix_of(row)}-")}
        )
        self.assertEqual(self.client.post(editor_url(self.jobcenter_a), again).status_code, 302)
        row.refresh_from_db()
        self.assertEqual(
            (row.status, row.progress, row.public_note, row.version),
            (Status.IN_PROGRESS, 20, "Kooperation mit der VHS", 4),
        )

    def test_other_fields_in_the_post_are_ignored(self):
        mine = self.row(self.jobcenter_a, 1)
        self.login(self.staff_a)
        data = editor_data(self.jobcenter_a, {mine.pk: {"status": Status.PLANNED}})
        data[f"{prefix_of(mine)}-jobcenter"] = self.jobcenter_b.pk
        data[f"{prefix_of(mine)}-factor"] = self.factors[2].pk
        data[f"{prefix_of(mine)}-is_demo"] = "on"
        self.client.post(editor_url(self.jobcenter_a), data)
        mine.refresh_from_db()
        self.assertEqual(
            (mine.jobcenter_id, mine.factor_id), (self.jobcenter_a.pk, self.factors[0].pk)
        )
        self.assertEqual((mine.status, mine.is_demo), (Status.PLANNED, False))

    def test_a_row_of_another_jobcenter_refuses_the_whole_post(self):
        mine, foreign = self.row(self.jobcenter_a, 1), self.row(self.jobcenter_b, 1)
        self.login(self.staff_a)
        data = editor_data(self.jobcenter_a, {mine.pk: {"status": Status.PLANNED}})
        data[f"{prefix_of(self.row(self.jobcenter_a, 2))}-id"] = foreign.pk
        data[f"{prefix_of(self.row(self.jobcenter_a, 2))}-status"] = Status.DONE
        response = self.client.post(editor_url(self.jobcenter_a), data)
        self.assertContains(response, "bitte laden Sie die Seite neu", status_code=400)
        foreign.refresh_from_db()
        mine.refresh_from_db()
        self.assertEqual((foreign.status, mine.status), (Status.NOT_REPORTED, Status.NOT_REPORTED))

    def test_tampered_formsets_get_a_message_not_a_500(self):
        row = self.row(self.jobcenter_a, 1)
        self.login(self.staff_a)
        base = editor_data(self.jobcenter_a, {row.pk: {"status": Status.PLANNED}})
        first = prefix_of(row)
        cases = {
            "no management form": {k: v for k, v in base.items() if "FORMS" not in k},
            "bad total": {**base, "rows-TOTAL_FORMS": "x"},
            "more forms than rows": {**base, "rows-TOTAL_FORMS": "9", "rows-INITIAL_FORMS": "9"},
            "extra form": {**base, "rows-INITIAL_FORMS": "2"},
            "missing id": {k: v for k, v in base.items() if k != f"{first}-id"},
            "bad id": {**base, f"{first}-id": "abc"},
            "twice the same row": {**base, "rows-1-id": str(row.pk)},
        }
        for case, data in cases.items():
            with self.subTest(case):
                response = self.client.post(editor_url(self.jobcenter_a), data)
                self.assertContains(response, "bitte laden Sie die Seite neu", status_code=400)
        row.refresh_from_db()
        self.assertEqual(row.version, 1)


class EditorIndexTests(EditorTestCase):
    url = reverse("jobcenters:editor_index")

    def test_lists_only_editable_jobcenters(self):
        self.login(self.staff_a)
        response = self.client.get(self.url)
        self.assertContains(response, editor_url(self.jobcenter_a))
        self.assertNotContains(response, editor_url(self.jobcenter_b))

    def test_director_sees_no_jobcenter(self):
        self.login(self.director)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.context["jobcenters"])
        self.assertContains(response, "darf kein Jobcenter bearbeiten")

    def test_names_are_escaped_as_the_template_escapes_them(self):
        Jobcenter.objects.filter(pk=self.jobcenter_a.pk).update(name='A & B "<i>x</i>"')
        self.login(self.staff_a)
        response = self.client.get(self.url)
        self.assertContains(
            response,
            f'<li><a href="{editor_url(self.jobcenter_a)}">'
            "A &amp; B &quot;&lt;i&gt;x&lt;/i&gt;&quot;</a> "
            f"({self.jobcenter_a.district.ags})</li>",
            html=False,
        )

    def test_anonymous_and_wrong_method(self):
        self.assertEqual(self.client.get(self.url).status_code, 302)
        self.login(self.staff_a)
        self.assertEqual(self.client.post(self.url).status_code, 405)


class EditorQueryCountTests(EditorTestCase):
    """The page costs the same number of queries for 3 factors as for the 35 of the plan."""

    factor_count = 35

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Spread the factors over nine themes, as in the plan.
        for first in range(5, 36, 4):
            Factor.objects.filter(number__gte=first).update(theme=make_theme())

    def test_get_at_35_factors(self):
        self.login(self.staff_a)
        # 1 session, 2 user, 3 group names (the auth backend's demo-account check, reused
        # by the role check in editable_by), 4 the jobcenter's 35 editable rows with their
        # jobcenter, district, factor, theme, updated_by and draft (permission check in a
        # subquery).
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(5):
            response = self.client.get(editor_url(self.jobcenter_a))
        self.assertContains(response, "<fieldset", count=35)
        self.assertContains(response, '<section class="theme"', count=9)

    def test_get_with_drafts(self):
        rows = list(Implementation.objects.filter(jobcenter=self.jobcenter_a)[:3])
        for row in rows:
            submit_change(
                implementation=row,
                values={"status": Status.PLANNED},
                expected_version=row.version,
                user=self.staff_a,
            )
        self.login(self.staff_a)
        # 1-4 as without drafts: the drafts and their authors come with the rows (one
        # query fewer than before the formset, which read the rows with drafts again).
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.settings(KJC_REVIEW_REQUIRED=True), self.assertNumQueries(5):
            response = self.client.get(editor_url(self.jobcenter_a))
        self.assertContains(response, "<fieldset", count=35)
        self.assertContains(response, "review-state-submitted", count=3)
        # Staff edit their draft: its version is in the form.
        for row in rows:
            self.assertContains(
                response,
                f'<input type="hidden" name="{prefix_of(row)}-version" value="{row.version + 1}"',
            )

    def test_get_without_rows(self):
        empty = make_jobcenter(with_implementations=False)
        self.login(self.coordinator)
        # 1-4 as above, finding no row; 5 the jobcenter and whether it is editable (or a
        # 404 or 403).
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(6):
            response = self.client.get(editor_url(empty))
        self.assertContains(response, empty.name)
        self.assertContains(response, "<fieldset", count=0)

    def post_editing(self, count):
        rows = list(Implementation.objects.filter(jobcenter=self.jobcenter_a)[:count])
        data = editor_data(self.jobcenter_a, {row.pk: {"status": Status.PLANNED} for row in rows})
        self.login(self.staff_a)
        # 1 session, 2 user, 3 group names (demo-account check and role check),
        # 4 rows with their jobcenter (one query fewer than before the formset: the
        # jobcenter came on its own); 5-6 SAVEPOINT/RELEASE of the all-or-nothing
        # transaction. Model validation asks the database nothing (the status rules are
        # checked in Python), nor does the formset (row keys are plain numbers). Per
        # edited row, never per factor: update_implementation's SAVEPOINT, the row under
        # lock, UPDATE, history INSERT, RELEASE (5).
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(5 + 2 + count * 5):
            response = self.client.post(editor_url(self.jobcenter_a), data)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Implementation.objects.filter(status=Status.PLANNED).count(), count)

    def test_post_editing_one_row(self):
        self.post_editing(1)

    def test_post_editing_three_rows(self):
        self.post_editing(3)

    def test_invalid_post_at_35_factors(self):
        row = Implementation.objects.filter(jobcenter=self.jobcenter_a).first()
        self.login(self.staff_a)
        data = editor_data(self.jobcenter_a, {row.pk: {"progress": 150, "status": "geplant"}})
        # 1 session, 2 user, 3 group names (demo-account check and role check),
        # 4 rows with their jobcenter; validating the edited row and re-showing the 34
        # untouched ones costs nothing.
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(5):
            response = self.client.post(editor_url(self.jobcenter_a), data)
        self.assertEqual(response.status_code, 200)


class EditorRaceTests(EditorTestCase):
    def test_save_between_check_and_row_lock_rolls_everything_back(self):
        """Someone saves after the form checked the version but before the row lock:
        the service refuses, and the rows saved before it in the same request roll back."""
        first, second = self.row(self.jobcenter_a, 1), self.row(self.jobcenter_a, 2)
        real_clean = ImplementationForm.clean

        def others_save_during_validation(form):
            cleaned = real_clean(form)
            if form.instance.pk == second.pk:
                stored = Implementation.objects.get(pk=second.pk)
                update_implementation(
                    implementation=stored,
                    values={"status": Status.DONE},
                    expected_version=stored.version,
                    user=self.coordinator,
                )
            return cleaned

        self.login(self.staff_a)
        data = editor_data(
            self.jobcenter_a,
            {first.pk: {"status": Status.PLANNED}, second.pk: {"status": Status.IN_PROGRESS}},
        )
        with mock.patch.object(ImplementationForm, "clean", others_save_during_validation):
            response = self.client.post(editor_url(self.jobcenter_a), data)
        self.assertEqual(response.status_code, 200)
        first.refresh_from_db()
        second.refresh_from_db()
        self.assertEqual((first.status, first.version), (Status.NOT_REPORTED, 1))
        self.assertEqual((second.status, second.version), (Status.DONE, 2))
        self.assertContains(response, "coordinator")
        self.assertContains(response, 'href="#factor-2"')


class EditorIndexQueryTests(EditorTestCase):
    def test_query_count(self):
        self.login(self.coordinator)
        # 1 session, 2 user, 3 group names (demo-account check and role check),
        # 4 the jobcenters with their districts.
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(5):
            response = self.client.get(reverse("jobcenters:editor_index"))
        self.assertContains(response, editor_url(self.jobcenter_b))


class LinkSchemeTests(EditorTestCase):
    """Link fields take a link typed without a scheme as https:// and say so to Django,
    so that no form of the app raises Django 6's assume_scheme deprecation warning."""

    def test_no_deprecation_warning_and_https_assumed(self):
        row = self.row(self.jobcenter_a, 1)
        self.login(self.coordinator)
        pages = [
            editor_url(self.jobcenter_a),
            reverse("admin:jobcenters_implementation_change", args=[row.pk]),
            reverse("admin:jobcenters_jobcenter_change", args=[self.jobcenter_a.pk]),
        ]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for url in pages:
                self.assertEqual(self.client.get(url).status_code, 200, url)
            data = editor_data(
                self.jobcenter_a, {row.pk: {"status": Status.PLANNED, "evidence_url": "x.de/a"}}
            )
            self.client.post(editor_url(self.jobcenter_a), data)
        deprecations = [w for w in caught if issubclass(w.category, RemovedInDjango60Warning)]
        self.assertEqual(deprecations, [])
        row.refresh_from_db()
        self.assertEqual(row.evidence_url, "https://x.de/a")


class CompactEditorTests(EditorTestCase):
    """Issue 13, item 7: status and progress on the row, the rest revealed when needed."""

    def test_reason_only_for_not_applicable_and_details_open_when_filled(self):
        filled = self.row(self.jobcenter_a, 2)
        Implementation.objects.filter(pk=filled.pk).update(
            status=Status.NOT_APPLICABLE, not_applicable_reason="Kein Bedarf", public_note="x"
        )
        self.login(self.staff_a)
        html = self.client.get(editor_url(self.jobcenter_a)).content.decode()
        rows = {n: html.split(f'id="factor-{n}"')[1].split("</fieldset>")[0] for n in (1, 2)}
        self.assertIn("data-reason hidden", rows[1])
        self.assertIn('<details class="more">', rows[1])
        self.assertNotIn("data-reason hidden", rows[2])
        self.assertIn('<details class="more" open>', rows[2])

    def test_an_error_opens_the_details(self):
        row = self.row(self.jobcenter_a, 1)
        self.login(self.staff_a)
        data = editor_data(
            self.jobcenter_a, {row.pk: {"status": Status.PLANNED, "evidence_url": "kein link"}}
        )
        html = self.client.post(editor_url(self.jobcenter_a), data).content.decode()
        self.assertIn('<details class="more" open>', html.split('id="factor-1"')[1])

    def test_message_names_one_saved_row_in_the_singular(self):
        row = self.row(self.jobcenter_a, 3)
        self.login(self.staff_a)
        data = editor_data(self.jobcenter_a, {row.pk: {"status": Status.NOT_STARTED}})
        response = self.client.post(editor_url(self.jobcenter_a), data, follow=True)
        self.assertRedirects(response, editor_url(self.jobcenter_a) + "#factor-3")
        self.assertContains(response, "Gespeichert – 1 geänderter Eintrag: Faktor 3.")

    def test_message_in_english(self):
        first, third = self.row(self.jobcenter_a, 1), self.row(self.jobcenter_a, 3)
        self.login(self.staff_a)
        data = editor_data(
            self.jobcenter_a,
            {first.pk: {"status": Status.NOT_STARTED}, third.pk: {"status": Status.NOT_STARTED}},
        )
        response = self.client.post(
            editor_url(self.jobcenter_a), data, follow=True, HTTP_ACCEPT_LANGUAGE="en"
        )
        self.assertContains(response, "Saved – 2 changed entries: factors 1, 3.")


class ConsistencyTests(EditorTestCase):
    """Issue 13, item 8: contradictions are refused (errors) or saved only once confirmed
    (warnings); the rules are models.entry_problems."""

    def post(self, changes, confirm=False):
        row = self.row(self.jobcenter_a, 1)
        values = dict(changes)
        if confirm:
            values["confirm"] = "on"
        return self.client.post(
            editor_url(self.jobcenter_a), editor_data(self.jobcenter_a, {row.pk: values})
        )

    def test_in_progress_at_100_is_refused(self):
        self.login(self.staff_a)
        for confirm in (False, True):
            response = self.post({"status": Status.IN_PROGRESS, "progress": 100}, confirm)
            self.assertEqual(response.status_code, 200)
            self.assertIn("progress", response.context["invalid_forms"][0].errors)
            self.assertContains(response, "„In Umsetzung“ heißt: noch nicht abgeschlossen")
        self.assertEqual(self.row(self.jobcenter_a, 1).version, 1)

    def test_warnings_need_a_confirmation(self):
        today = timezone.localdate()
        cases = {
            "planned_with_progress": {"status": Status.PLANNED, "progress": 50},
            "done_with_future_target": {
                "status": Status.DONE,
                "progress": 100,
                "target_date": (today + datetime.timedelta(days=30)).isoformat(),
            },
            "planned_after_target": {
                "status": Status.PLANNED,
                "progress": 0,
                "target_date": (today - datetime.timedelta(days=1)).isoformat(),
            },
        }
        self.login(self.staff_a)
        for code, change in cases.items():
            with self.subTest(code):
                response = self.post(change)
                self.assertEqual(response.status_code, 200)
                form = response.context["invalid_forms"][0]
                self.assertEqual(list(form.warnings), [code])
                self.assertContains(response, 'class="row-warnings"')
                self.assertContains(response, "Trotzdem speichern")
                self.assertEqual(self.row(self.jobcenter_a, 1).version, 1)
        for code, change in cases.items():
            with self.subTest(code, confirmed=True):
                self.assertEqual(self.post(change, confirm=True).status_code, 302)
                row = self.row(self.jobcenter_a, 1)
                self.assertEqual(row.status, change["status"])
                Implementation.objects.filter(pk=row.pk).update(
                    status=Status.NOT_REPORTED, progress=0, target_date=None, version=1
                )

    def test_not_applicable_keeps_no_progress(self):
        self.login(self.staff_a)
        change = {"status": Status.NOT_APPLICABLE, "progress": 40, "not_applicable_reason": "x"}
        self.assertEqual(self.post(change).status_code, 302)
        self.assertEqual(self.row(self.jobcenter_a, 1).progress, 0)

    def test_an_untouched_contradiction_does_not_block_other_edits(self):
        row = self.row(self.jobcenter_a, 1)
        Implementation.objects.filter(pk=row.pk).update(status=Status.PLANNED, progress=60)
        self.login(self.staff_a)
        self.assertEqual(self.post({"public_note": "nur eine Notiz"}).status_code, 302)

    def test_the_model_and_the_function_name_the_same_rules(self):
        today = datetime.date(2026, 6, 1)
        errors, warnings = entry_problems(Status.IN_PROGRESS, 100, None, today=today)
        self.assertEqual((list(errors), warnings), (["progress"], {}))
        errors, warnings = entry_problems(
            Status.PLANNED, 10, datetime.date(2026, 5, 1), today=today
        )
        self.assertEqual(set(warnings), {"planned_with_progress", "planned_after_target"})
        self.assertEqual(entry_problems(Status.DONE, 100, today, today=today), ({}, {}))
        row = self.row(self.jobcenter_a, 1)
        row.status, row.progress = Status.IN_PROGRESS, 100
        with self.assertRaises(ValidationError) as raised:
            row.full_clean()
        self.assertIn("progress", raised.exception.message_dict)
        self.assertEqual(implied_progress(Status.NOT_APPLICABLE, 40), 0)
        self.assertEqual(implied_progress(Status.DONE, 40), 100)
        self.assertEqual(implied_progress(Status.PLANNED, 40), 40)


class SameUserConflictTests(EditorTestCase):
    """Issue 13, item 9: a save of the same person in another window is named so."""

    def test_own_save_in_another_window(self):
        row = self.row(self.jobcenter_a, 1)
        self.login(self.staff_a)
        first_window = editor_data(self.jobcenter_a, {row.pk: {"status": Status.PLANNED}})
        second_window = editor_data(self.jobcenter_a, {row.pk: {"status": Status.NOT_STARTED}})
        self.assertEqual(
            self.client.post(editor_url(self.jobcenter_a), second_window).status_code, 302
        )
        response = self.client.post(editor_url(self.jobcenter_a), first_window)
        self.assertContains(response, "in einem anderen Fenster")
        self.assertNotContains(response, "Jemand anderes")

    def test_someone_else_is_still_someone_else(self):
        row = self.row(self.jobcenter_a, 1)
        self.login(self.staff_a)
        loaded = editor_data(self.jobcenter_a, {row.pk: {"status": Status.PLANNED}})
        update_implementation(
            implementation=row,
            values={"status": Status.NOT_STARTED},
            expected_version=1,
            user=self.coordinator,
        )
        response = self.client.post(editor_url(self.jobcenter_a), loaded)
        self.assertContains(response, "Jemand anderes")
        self.assertNotContains(response, "in einem anderen Fenster")


class DemoEntryTests(EditorTestCase):
    """Issue 13, item 2: a real person's edit makes a demo entry real; a demo account's
    edit keeps it labelled."""

    def test_real_staff_edit_clears_the_demo_flag(self):
        row = self.row(self.jobcenter_a, 1)
        Implementation.objects.filter(pk=row.pk).update(is_demo=True)
        self.login(self.staff_a)
        data = editor_data(self.jobcenter_a, {row.pk: {"status": Status.PLANNED}})
        self.assertEqual(self.client.post(editor_url(self.jobcenter_a), data).status_code, 302)
        self.assertFalse(self.row(self.jobcenter_a, 1).is_demo)
        self.assertFalse(self.row(self.jobcenter_a, 1).history.latest().is_demo)

    def test_demo_account_edit_stays_demo(self):
        row = self.row(self.jobcenter_a, 1)
        Implementation.objects.filter(pk=row.pk).update(is_demo=True)
        self.staff_a.groups.add(roles.ensure_groups()[roles.DEMO_ACCOUNTS])
        update_implementation(
            implementation=self.row(self.jobcenter_a, 1),
            values={"status": Status.PLANNED},
            expected_version=1,
            user=get_user_model().objects.get(pk=self.staff_a.pk),
        )
        self.assertTrue(self.row(self.jobcenter_a, 1).is_demo)
