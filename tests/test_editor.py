"""The one-screen editor `jobcenters:edit_jobcenter`, tested with real logins and requests."""

import warnings
from unittest import mock

from django.urls import reverse
from django.utils.deprecation import RemovedInDjango60Warning

from factors.models import Factor
from jobcenters.forms import ImplementationForm
from jobcenters.models import Implementation, Jobcenter, Status
from jobcenters.services import submit_change, update_implementation

from .base import PersonaTestCase
from .factories import make_jobcenter, make_theme, make_user


def editor_url(jobcenter):
    return reverse("jobcenters:edit_jobcenter", args=[jobcenter.district.ags])


def editor_data(jobcenter, changes=None):
    """The whole editor form as the browser sends it, with {row pk: {field: value}} applied."""
    changes = changes or {}
    data = {}
    for row in Implementation.objects.filter(jobcenter=jobcenter):
        values = {
            "status": row.status,
            "progress": row.progress,
            "not_applicable_reason": row.not_applicable_reason,
            "public_note": row.public_note,
            "internal_note": row.internal_note,
            "evidence_url": row.evidence_url,
            "target_date": row.target_date.isoformat() if row.target_date else "",
            "version": row.version,
        }
        values.update(changes.get(row.pk, {}))
        data.update({f"row-{row.pk}-{name}": value for name, value in values.items()})
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

    def test_outsider_gets_404_on_get_and_post(self):
        self.login(self.staff_b)
        self.assertEqual(self.client.get(editor_url(self.jobcenter_a)).status_code, 404)
        row = self.row(self.jobcenter_a, 1)
        data = editor_data(self.jobcenter_a, {row.pk: {"status": Status.PLANNED}})
        self.assertEqual(self.client.post(editor_url(self.jobcenter_a), data).status_code, 404)
        row.refresh_from_db()
        self.assertEqual((row.status, row.version), (Status.NOT_REPORTED, 1))

    def test_director_gets_404(self):
        self.login(self.director)
        self.assertEqual(self.client.get(editor_url(self.jobcenter_a)).status_code, 404)
        data = editor_data(self.jobcenter_a)
        self.assertEqual(self.client.post(editor_url(self.jobcenter_a), data).status_code, 404)

    def test_coordinator_edits_any_jobcenter(self):
        self.login(self.coordinator)
        row = self.row(self.jobcenter_b, 2)
        data = editor_data(self.jobcenter_b, {row.pk: {"status": Status.PLANNED}})
        response = self.client.post(editor_url(self.jobcenter_b), data)
        self.assertRedirects(response, editor_url(self.jobcenter_b))
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
        self.assertRedirects(response, editor_url(self.jobcenter_a))
        self.assertContains(response, "2")
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
        field_id = f"id_row-{bad.pk}-progress"
        self.assertContains(response, f'id="{field_id}_error"')
        self.assertContains(response, f'aria-describedby="{field_id}_helptext {field_id}_error"')
        self.assertContains(response, 'aria-invalid="true"', count=1)
        # The input is kept for correction.
        self.assertContains(response, f'name="row-{good.pk}-status"')
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
        loaded[f"row-{mine.pk}-status"] = Status.PLANNED
        loaded[f"row-{theirs.pk}-status"] = Status.IN_PROGRESS
        loaded[f"row-{theirs.pk}-progress"] = 50
        response = self.client.post(editor_url(self.jobcenter_a), loaded)
        self.assertEqual(response.status_code, 200)
        mine.refresh_from_db()
        theirs.refresh_from_db()
        self.assertEqual(mine.status, Status.NOT_REPORTED)
        self.assertEqual((theirs.status, theirs.version), (Status.DONE, 2))
        self.assertContains(response, "coordinator")
        self.assertContains(response, 'href="#factor-2"')
        self.assertContains(response, f'name="row-{theirs.pk}-version" value="2"')
        # Saving the kept input again is now a deliberate overwrite.
        loaded[f"row-{theirs.pk}-version"] = 2
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
        loaded[f"row-{row.pk}-status"] = Status.IN_PROGRESS
        loaded[f"row-{row.pk}-progress"] = 20
        response = self.client.post(editor_url(self.jobcenter_a), loaded)
        self.assertContains(response, "Öffentliche Anmerkung: – → Kooperation mit der VHS")
        form = next(f for f in response.context["invalid_forms"] if f.instance.pk == row.pk)
        again = dict(loaded)
        again.update({key: form.data[key] for key in loaded if key.startswith(f"row-{row.pk}-")})
        self.assertEqual(self.client.post(editor_url(self.jobcenter_a), again).status_code, 302)
        row.refresh_from_db()
        self.assertEqual(
            (row.status, row.progress, row.public_note, row.version),
            (Status.IN_PROGRESS, 20, "Kooperation mit der VHS", 4),
        )

    def test_rows_of_another_jobcenter_in_the_post_are_ignored(self):
        mine, foreign = self.row(self.jobcenter_a, 1), self.row(self.jobcenter_b, 1)
        self.login(self.staff_a)
        data = editor_data(self.jobcenter_a, {mine.pk: {"status": Status.PLANNED}})
        data.update(editor_data(self.jobcenter_b, {foreign.pk: {"status": Status.DONE}}))
        data[f"row-{mine.pk}-jobcenter"] = self.jobcenter_b.pk
        data[f"row-{mine.pk}-factor"] = self.factors[2].pk
        self.client.post(editor_url(self.jobcenter_a), data)
        foreign.refresh_from_db()
        mine.refresh_from_db()
        self.assertEqual(foreign.status, Status.NOT_REPORTED)
        self.assertEqual(
            (mine.jobcenter_id, mine.factor_id), (self.jobcenter_a.pk, self.factors[0].pk)
        )
        self.assertEqual(mine.status, Status.PLANNED)


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
        self.assertEqual(response.context["items"], "")
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
        # by the role check in editable_by), 4 the jobcenter's 35 rows as plain values
        # with factor, theme, updated_by, draft id and the jobcenter's name and
        # Kreisschlüssel (the jobcenter and the permission check in a subquery).
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
        # 1-4 as without drafts; 5 the rows with a draft again, as instances with their
        # drafts: one query for any number of drafts.
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.settings(KJC_REVIEW_REQUIRED=True), self.assertNumQueries(6):
            response = self.client.get(editor_url(self.jobcenter_a))
        self.assertContains(response, "<fieldset", count=35)
        self.assertContains(response, "review-state-submitted", count=3)
        # Staff edit their draft: its version is in the form.
        for row in rows:
            self.assertContains(
                response,
                f'<input type="hidden" name="row-{row.pk}-version" value="{row.version + 1}"',
            )

    def test_get_without_rows(self):
        empty = make_jobcenter(with_implementations=False)
        self.login(self.coordinator)
        # 1-4 as above, finding no row; 5 the jobcenter (or a 404).
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
        # 4 jobcenter, 5 rows; 6-7 SAVEPOINT/RELEASE of the all-or-nothing transaction.
        # Model validation asks the database nothing (the status rules are checked in
        # Python). Per edited row, never per factor: update_implementation's SAVEPOINT,
        # the row under lock, UPDATE, history INSERT, RELEASE (5).
        # + 1 in the fixed part: the second-factor device named in the session (django-otp).
        with self.assertNumQueries(6 + 2 + count * 5):
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
        # 4 jobcenter, 5 rows; validating the edited row and re-showing the 34 untouched
        # ones costs nothing.
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(6):
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
