"""Staff editing in the Django admin, tested from the outside with real logins."""

from datetime import timedelta
from io import StringIO
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext

from jobcenters import roles, seeding
from jobcenters.forms import ImplementationForm
from jobcenters.models import Implementation, StaffMembership, Status
from jobcenters.services import update_implementation

from .base import PersonaTestCase
from .factories import make_user

CHANGELIST = reverse("admin:jobcenters_implementation_changelist")


def change_url(row):
    return reverse("admin:jobcenters_implementation_change", args=[row.pk])


def form_data(row, **changes):
    """The change form as the browser would send it for `row`, with `changes` applied."""
    data = {
        "status": row.status,
        "progress": row.progress,
        "not_applicable_reason": row.not_applicable_reason,
        "public_note": row.public_note,
        "internal_note": row.internal_note,
        "evidence_url": row.evidence_url,
        "target_date": row.target_date.isoformat() if row.target_date else "",
        "version": row.version,
    }
    data.update(changes)
    return data


class AdminTestCase(PersonaTestCase):
    def row(self, jobcenter, number=1):
        return Implementation.objects.get(jobcenter=jobcenter, factor__number=number)


class ChangelistTests(AdminTestCase):
    def test_staff_sees_only_their_own_jobcenter(self):
        self.login(self.staff_a)
        # 1 session, 2 user, 3 group names (the auth backend's demo-account check, reused
        # by the role check for scoping), 4 user permissions, 5 group permissions,
        # 6 jobcenter filter choices, 7 theme filter choices, 8 COUNT of the filtered
        # rows, 9 the page of rows with jobcenter, district, factor and updated_by joined.
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(10):
            response = self.client.get(CHANGELIST)
        self.assertEqual(response.status_code, 200)
        rows = list(response.context["cl"].result_list)
        self.assertEqual(len(rows), self.factor_count)
        self.assertEqual({r.jobcenter_id for r in rows}, {self.jobcenter_a.pk})
        self.assertNotContains(response, "Jobcenter B")
        self.assertContains(response, reverse("jobcenters:editor_index"))

    def test_query_count_does_not_grow_with_rows(self):
        for row in Implementation.objects.all():
            update_implementation(
                implementation=row,
                values={"status": Status.PLANNED},
                expected_version=row.version,
                user=self.staff_a,
            )
        self.login(self.coordinator)
        # The same 9 queries as for staff, over both jobcenters' rows, each with its author.
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(10):
            response = self.client.get(CHANGELIST)
        self.assertEqual(len(response.context["cl"].result_list), 2 * self.factor_count)

    def test_status_column_shows_icon_and_text(self):
        row = self.row(self.jobcenter_a)
        Implementation.objects.filter(pk=row.pk).update(status=Status.DONE, progress=100)
        self.login(self.staff_a)
        response = self.client.get(CHANGELIST)
        self.assertContains(response, f'<span aria-hidden="true">{Status.DONE.icon}</span>')
        self.assertContains(response, str(Status.DONE.label))

    def test_director_reads_everything(self):
        self.login(self.director)
        response = self.client.get(CHANGELIST)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["cl"].result_count, 2 * self.factor_count)

    def test_anonymous_is_sent_to_login(self):
        response = self.client.get(CHANGELIST)
        # The admin's login URL, which sends people on to the site's login page.
        self.assertRedirects(
            response,
            f"{reverse('admin:login')}?next={CHANGELIST}",
            fetch_redirect_response=False,
        )

    def test_stale_filter_uses_the_configured_months(self):
        old = self.row(self.jobcenter_a, 2)
        Implementation.objects.filter(pk=old.pk).update(
            updated_at=timezone.now() - timedelta(days=200)
        )
        self.login(self.staff_a)
        with self.settings(KJC_STALE_MONTHS=6):
            stale = self.client.get(CHANGELIST, {"stale": "yes"})
            fresh = self.client.get(CHANGELIST, {"stale": "no"})
        self.assertEqual([r.pk for r in stale.context["cl"].result_list], [old.pk])
        self.assertEqual(fresh.context["cl"].result_count, self.factor_count - 1)
        with self.settings(KJC_STALE_MONTHS=12):
            self.assertEqual(
                self.client.get(CHANGELIST, {"stale": "yes"}).context["cl"].result_count, 0
            )

    def test_filter_by_status_theme_and_jobcenter(self):
        Implementation.objects.filter(pk=self.row(self.jobcenter_b, 3).pk).update(
            status=Status.PLANNED
        )
        self.login(self.coordinator)
        by_status = self.client.get(CHANGELIST, {"status__exact": Status.PLANNED})
        self.assertEqual(by_status.context["cl"].result_count, 1)
        theme = self.factors[0].theme
        by_theme = self.client.get(CHANGELIST, {"factor__theme__id__exact": theme.pk})
        self.assertEqual(by_theme.context["cl"].result_count, 2 * self.factor_count)
        by_jc = self.client.get(CHANGELIST, {"jobcenter__id__exact": self.jobcenter_b.pk})
        self.assertEqual(
            {r.jobcenter_id for r in by_jc.context["cl"].result_list}, {self.jobcenter_b.pk}
        )

    def test_search_by_factor_text(self):
        self.factors[1].__class__.objects.filter(pk=self.factors[1].pk).update(
            description="Kinderbetreuung parallel zum Sprachkurs"
        )
        self.login(self.staff_a)
        response = self.client.get(CHANGELIST, {"q": "Kinderbetreuung"})
        self.assertEqual(
            [r.factor_id for r in response.context["cl"].result_list], [self.factors[1].pk]
        )


class ChangeViewPermissionTests(AdminTestCase):
    def test_staff_edits_own_row_through_the_service(self):
        row = self.row(self.jobcenter_a)
        self.login(self.staff_a)
        self.assertEqual(self.client.get(change_url(row)).status_code, 200)
        response = self.client.post(
            change_url(row), form_data(row, status=Status.PLANNED, progress=10)
        )
        self.assertRedirects(response, CHANGELIST)
        row.refresh_from_db()
        self.assertEqual((row.status, row.progress, row.version), (Status.PLANNED, 10, 2))
        self.assertEqual(row.updated_by, self.staff_a)
        entry = row.history.latest()
        self.assertEqual((entry.history_user, entry.version), (self.staff_a, 2))

    def test_outsider_gets_404_for_another_jobcenters_row(self):
        row = self.row(self.jobcenter_a)
        self.login(self.staff_b)
        self.assertEqual(self.client.get(change_url(row)).status_code, 404)

    def test_outsider_handmade_post_is_refused_and_changes_nothing(self):
        row = self.row(self.jobcenter_a)
        self.login(self.staff_b)
        response = self.client.post(change_url(row), form_data(row, status=Status.DONE))
        self.assertEqual(response.status_code, 404)
        row.refresh_from_db()
        self.assertEqual((row.status, row.version), (Status.NOT_REPORTED, 1))
        self.assertFalse(row.history.exists())

    def test_tampered_jobcenter_and_factor_do_not_move_the_row(self):
        row = self.row(self.jobcenter_a, 1)
        other_factor = self.factors[2]
        for user in (self.staff_a, self.coordinator):
            with self.subTest(user=user.username):
                row.refresh_from_db()
                self.login(user)
                data = form_data(
                    row,
                    status=Status.IN_PROGRESS,
                    progress=row.progress + 5,
                    jobcenter=self.jobcenter_b.pk,
                    factor=other_factor.pk,
                )
                response = self.client.post(change_url(row), data)
                self.assertEqual(response.status_code, 302)
                row.refresh_from_db()
                self.assertEqual(row.jobcenter_id, self.jobcenter_a.pk)
                self.assertEqual(row.factor_id, self.factors[0].pk)
                self.assertEqual(row.status, Status.IN_PROGRESS)
        # Still exactly one row per jobcenter and factor.
        self.assertEqual(Implementation.objects.count(), 2 * self.factor_count)

    def test_jobcenter_and_factor_are_read_only_on_the_form(self):
        row = self.row(self.jobcenter_a)
        self.login(self.staff_a)
        form = self.client.get(change_url(row)).context["adminform"].form
        self.assertNotIn("jobcenter", form.fields)
        self.assertNotIn("factor", form.fields)
        self.assertIn("version", form.fields)

    def test_director_reads_but_cannot_save(self):
        row = self.row(self.jobcenter_a)
        self.login(self.director)
        response = self.client.get(change_url(row))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'name="_save"')
        response = self.client.post(change_url(row), form_data(row, status=Status.DONE))
        self.assertEqual(response.status_code, 403)
        row.refresh_from_db()
        self.assertEqual(row.status, Status.NOT_REPORTED)

    def test_coordinator_edits_every_jobcenter(self):
        row = self.row(self.jobcenter_b)
        self.login(self.coordinator)
        response = self.client.post(
            change_url(row),
            form_data(row, status=Status.NOT_APPLICABLE, not_applicable_reason="Kein Bedarf"),
        )
        self.assertEqual(response.status_code, 302)
        row.refresh_from_db()
        self.assertEqual(row.status, Status.NOT_APPLICABLE)
        self.assertEqual(row.history.latest().history_user, self.coordinator)

    def test_nobody_adds_or_deletes_rows(self):
        row = self.row(self.jobcenter_a)
        add = reverse("admin:jobcenters_implementation_add")
        delete = reverse("admin:jobcenters_implementation_delete", args=[row.pk])
        for user in (self.staff_a, self.coordinator, self.director):
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(self.client.get(add).status_code, 403)
                self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)
        self.assertTrue(Implementation.objects.filter(pk=row.pk).exists())

    def test_anonymous_post_is_sent_to_login(self):
        row = self.row(self.jobcenter_a)
        response = self.client.post(change_url(row), form_data(row, status=Status.DONE))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("admin:login"), response["Location"])
        row.refresh_from_db()
        self.assertEqual(row.status, Status.NOT_REPORTED)

    def test_change_view_query_count(self):
        row = self.row(self.jobcenter_a)
        self.login(self.staff_a)
        ContentType.objects.clear_cache()
        # 1 session, 2 user, 3 group names (the auth backend's demo-account check, reused
        # by the role check for scoping), 4 the row with jobcenter, district, factor and
        # updated_by, 5 user permissions, 6 group permissions, 7 jobcenter ids the user may
        # see/edit, 8 content type of the model (cached by Django after the first request).
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(9):
            response = self.client.get(change_url(row))
        self.assertEqual(response.status_code, 200)

    def test_status_help_lists_every_definition_and_editor_link(self):
        row = self.row(self.jobcenter_a)
        self.login(self.staff_a)
        response = self.client.get(change_url(row))
        for status in Status:
            self.assertContains(response, str(status.definition))
        self.assertContains(
            response, reverse("jobcenters:edit_jobcenter", args=[self.jobcenter_a.district.ags])
        )


class ValidationTests(AdminTestCase):
    def post_invalid(self, **changes):
        row = self.row(self.jobcenter_a)
        self.login(self.staff_a)
        response = self.client.post(change_url(row), form_data(row, **changes))
        self.assertEqual(response.status_code, 200)
        row.refresh_from_db()
        self.assertEqual((row.version, row.status), (1, Status.NOT_REPORTED))
        self.assertFalse(row.history.exists())
        return response.context["adminform"].form

    def test_progress_above_100(self):
        form = self.post_invalid(status=Status.IN_PROGRESS, progress=150)
        self.assertIn("progress", form.errors)

    def test_not_applicable_needs_a_reason(self):
        form = self.post_invalid(status=Status.NOT_APPLICABLE, not_applicable_reason="  ")
        self.assertIn("not_applicable_reason", form.errors)

    def test_bad_url(self):
        form = self.post_invalid(status=Status.PLANNED, evidence_url="kein link")
        self.assertIn("evidence_url", form.errors)

    def test_unknown_status(self):
        form = self.post_invalid(status="erledigt")
        self.assertIn("status", form.errors)

    def test_missing_or_forged_version(self):
        for version in ("", "abc", "7"):
            with self.subTest(version=version):
                form = self.post_invalid(status=Status.PLANNED, version=version)
                self.assertTrue(form.non_field_errors())


class ConflictTests(AdminTestCase):
    def test_second_save_is_refused_and_shows_what_changed(self):
        row = self.row(self.jobcenter_a)
        update_implementation(
            implementation=row,
            values={"status": Status.PLANNED, "public_note": "Start 2027"},
            expected_version=1,
            user=self.coordinator,
        )
        row.refresh_from_db()
        # Staff and coordinator both open the form at version 2 ...
        self.login(self.staff_a)
        loaded = form_data(row)
        # ... the coordinator saves first ...
        update_implementation(
            implementation=row,
            values={"status": Status.DONE, "internal_note": "Bescheid liegt vor"},
            expected_version=2,
            user=self.coordinator,
        )
        # ... and the staff member's save, from version 2, is refused.
        loaded.update(status=Status.IN_PROGRESS, progress=40)
        response = self.client.post(change_url(row), loaded)
        self.assertEqual(response.status_code, 200)
        row.refresh_from_db()
        self.assertEqual((row.status, row.version), (Status.DONE, 3))
        message = " ".join(response.context["adminform"].form.non_field_errors())
        self.assertIn("coordinator", message)
        self.assertIn(f"{Status.PLANNED.label} → {Status.DONE.label}", message)
        self.assertIn("Interne Anmerkung: – → Bescheid liegt vor", message)
        self.assertContains(response, "Bescheid liegt vor")
        # The form now carries the current version, the staff member's own change and
        # the coordinator's note: saving again is deliberate and loses nobody's work.
        self.assertContains(response, 'name="version" value="3"')
        form = response.context["adminform"].form
        again = {name: form.data[name] for name in loaded}
        self.assertEqual(again["status"], Status.IN_PROGRESS)
        self.assertEqual(again["internal_note"], "Bescheid liegt vor")
        self.assertEqual(self.client.post(change_url(row), again).status_code, 302)
        row.refresh_from_db()
        self.assertEqual((row.status, row.progress, row.version), (Status.IN_PROGRESS, 40, 4))
        self.assertEqual((row.internal_note, row.public_note), ("Bescheid liegt vor", "Start 2027"))

    def test_conflict_without_a_base_entry_names_current_values(self):
        row = self.row(self.jobcenter_a)
        self.login(self.staff_a)
        loaded = form_data(row, status=Status.PLANNED)
        update_implementation(
            implementation=row,
            values={"status": Status.DONE},
            expected_version=1,
            user=self.coordinator,
        )
        response = self.client.post(change_url(row), loaded)
        self.assertEqual(response.status_code, 200)
        message = " ".join(response.context["adminform"].form.non_field_errors())
        self.assertIn(str(Status.DONE.label), message)
        row.refresh_from_db()
        self.assertEqual(row.status, Status.DONE)


class JobcenterAndCatalogueAdminTests(AdminTestCase):
    def test_staff_sees_own_jobcenter_with_editor_link(self):
        self.login(self.staff_a)
        # 1 session, 2 user, 3 group names (the auth backend's demo-account check, reused
        # by the role check), 4 user permissions, 5 group permissions, 6 COUNT filtered,
        # 7 COUNT unfiltered, 8 the jobcenters with district and "may edit" (EXISTS).
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(9):
            response = self.client.get(reverse("admin:jobcenters_jobcenter_changelist"))
        self.assertContains(response, "Jobcenter A")
        self.assertNotContains(response, "Jobcenter B")
        self.assertContains(
            response, reverse("jobcenters:edit_jobcenter", args=[self.jobcenter_a.district.ags])
        )

    def test_jobcenter_page_links_the_editor_for_those_who_may_edit(self):
        url = reverse("admin:jobcenters_jobcenter_change", args=[self.jobcenter_a.pk])
        editor = reverse("jobcenters:edit_jobcenter", args=[self.jobcenter_a.district.ags])
        self.login(self.staff_a)
        self.assertContains(self.client.get(url), editor)
        self.login(self.director)
        self.assertNotContains(self.client.get(url), editor)
        self.login(self.staff_b)
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_director_gets_no_editor_links(self):
        self.login(self.director)
        response = self.client.get(reverse("admin:jobcenters_jobcenter_changelist"))
        self.assertContains(response, "Jobcenter B")
        self.assertNotContains(response, reverse("jobcenters:editor_index"))

    def test_admin_index_links_the_editor_for_staff_only(self):
        self.login(self.staff_a)
        self.assertContains(self.client.get(reverse("admin:index")), 'id="kjc-editor-link"')
        self.login(self.director)
        self.assertNotContains(self.client.get(reverse("admin:index")), 'id="kjc-editor-link"')

    def test_coordinator_assigns_staff_to_a_jobcenter(self):
        newcomer = make_user("newcomer", is_staff=True)
        self.login(self.coordinator)
        response = self.client.post(
            reverse("admin:jobcenters_staffmembership_add"),
            {"user": newcomer.pk, "jobcenter": self.jobcenter_b.pk},
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(
            StaffMembership.objects.filter(user=newcomer, jobcenter=self.jobcenter_b).exists()
        )
        user_page = self.client.get(reverse("admin:auth_user_change", args=[newcomer.pk]))
        self.assertContains(user_page, "jobcenter_memberships-TOTAL_FORMS")

    def test_staff_cannot_manage_memberships(self):
        self.login(self.staff_a)
        response = self.client.post(
            reverse("admin:jobcenters_staffmembership_add"),
            {"user": self.staff_a.pk, "jobcenter": self.jobcenter_b.pk},
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(
            StaffMembership.objects.filter(user=self.staff_a, jobcenter=self.jobcenter_b).exists()
        )

    def test_coordinator_edits_factors_staff_only_reads(self):
        factor = self.factors[0]
        url = reverse("admin:factors_factor_change", args=[factor.pk])
        data = {
            "number": factor.number,
            "theme": factor.theme_id,
            "title": "Neuer Titel",
            "description": "",
            "addressee": factor.addressee,
            "source": "",
        }
        self.login(self.staff_a)
        self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(self.client.post(url, data).status_code, 403)
        self.login(self.coordinator)
        self.assertEqual(self.client.post(url, data).status_code, 302)
        factor.refresh_from_db()
        self.assertEqual(factor.title, "Neuer Titel")

    def test_factor_changelist_shows_verified_and_filters(self):
        self.login(self.coordinator)
        url = reverse("admin:factors_factor_changelist")
        # 1 session, 2 user, 3 group names (the auth backend's demo-account check),
        # 4 user permissions, 5 group permissions, 6 theme filter choices, 7 COUNT
        # filtered, 8 COUNT unfiltered, 9 factors with their theme.
        # + 1: the second-factor device named in the session (django-otp's OTPMiddleware;
        # the accounts 2FA gate asks user.is_verified() on signed-in pages).
        with self.assertNumQueries(10):
            response = self.client.get(url, {"verified__exact": "0"})
        self.assertEqual(response.context["cl"].result_count, self.factor_count)
        self.assertContains(response, "column-verified")


class AdminRaceTests(AdminTestCase):
    def test_save_between_check_and_row_lock_is_refused_with_a_message(self):
        row = self.row(self.jobcenter_a)
        real_clean = ImplementationForm.clean

        def others_save_during_validation(form):
            cleaned = real_clean(form)
            stored = Implementation.objects.get(pk=form.instance.pk)
            update_implementation(
                implementation=stored,
                values={"status": Status.DONE},
                expected_version=stored.version,
                user=self.coordinator,
            )
            return cleaned

        self.login(self.staff_a)
        with mock.patch.object(ImplementationForm, "clean", others_save_during_validation):
            response = self.client.post(
                change_url(row), form_data(row, status=Status.PLANNED), follow=True
            )
        self.assertRedirects(response, change_url(row))
        self.assertContains(response, "im selben Moment")
        row.refresh_from_db()
        # Our value was not written. (The admin's own transaction also rolls back the
        # simulated other save, which in real life commits in its own request.)
        self.assertNotEqual(row.status, Status.PLANNED)


@override_settings(KJC_DEMO_LOGINS=True)
class AdminGermanWordingTests(TestCase):
    """The admin in German, with the demo logins: Django's own words where the project
    has none, German titles on the history pages, readable names in "who"."""

    @classmethod
    def setUpTestData(cls):
        call_command("seed", stdout=StringIO())
        seeding.seed_demo_users()
        cls.coordinator = get_user_model().objects.get(username="koordination")
        cls.staff = get_user_model().objects.get(username="jc-06438")

    def setUp(self):
        self.client.force_login(self.coordinator)

    def get_german(self, url):
        response = self.client.get(url, headers={"accept-language": "de"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Language"], "de")
        return response

    def test_the_admin_keeps_djangos_aendern(self):
        response = self.get_german(reverse("admin:index"))
        self.assertContains(response, ">Ändern<")
        # Who is signed in, by full name: every demo login's first name is "Demo".
        self.assertContains(response, "Willkommen,")
        self.assertContains(response, "<strong>Demo Koordination</strong>")
        self.assertNotContains(response, "Veränderung")
        # The dashboard comparison keeps its own word, in its own context.
        with translation.override("de"):
            self.assertEqual(pgettext("dashboard comparison", "Change"), "Veränderung")
            # Django's own msgid (a variable, so that makemessages does not take it over).
            djangos = "Change"
            self.assertEqual(gettext(djangos), "Ändern")

    def test_history_pages_have_german_titles_and_readable_names(self):
        row = Implementation.objects.get(jobcenter__district__ags="06438", factor__number=3)
        update_implementation(
            implementation=row,
            values={"status": Status.PLANNED},
            expected_version=row.version,
            user=self.staff,
        )
        history = self.get_german(reverse("admin:jobcenters_implementation_history", args=[row.pk]))
        self.assertContains(history, "<title>Änderungshistorie: ")
        self.assertContains(history, "<td>Demo Jobcenter Kreis Offenbach</td>")
        self.assertNotContains(history, "View history")
        version = row.history.order_by("-history_id").first()
        past = self.get_german(
            reverse("admin:jobcenters_implementation_simple_history", args=[row.pk, version.pk])
        )
        self.assertContains(past, " ansehen")
        self.assertNotContains(past, "<title>View ")

    def test_demo_logins_have_distinct_names_labelled_demo(self):
        users = get_user_model().objects.filter(groups__name=roles.DEMO_ACCOUNTS)
        names = [user.get_full_name() for user in users]
        self.assertEqual(len(names), 18)
        self.assertEqual(len(set(names)), len(names))
        self.assertTrue(all(name.startswith("Demo ") for name in names), names)
        for expected in ("Demo Koordination", "Demo Leitung", "Demo Jobcenter Kreis Offenbach"):
            self.assertIn(expected, names)

    def test_seeding_again_names_demo_logins_seeded_before_names(self):
        get_user_model().objects.filter(username="leitung").update(last_name="")
        get_user_model().objects.filter(username="koordination").update(last_name="Schmidt")
        seeding.seed_demo_users()
        self.assertEqual(
            get_user_model().objects.get(username="leitung").get_full_name(), "Demo Leitung"
        )
        # A name someone gave the account is theirs.
        self.assertEqual(
            get_user_model().objects.get(username="koordination").get_full_name(), "Demo Schmidt"
        )
