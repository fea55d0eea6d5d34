from io import StringIO

from django.core.management import call_command
from django.test import TestCase, override_settings

from factors.models import Factor, Theme
from jobcenters.models import District, Implementation, Jobcenter, OperatingModel, Status
from jobcenters.seeding import seed_reference_data
from jobcenters.services import update_implementation


def counts():
    return {
        "themes": Theme.objects.count(),
        "factors": Factor.objects.count(),
        "districts": District.objects.count(),
        "jobcenters": Jobcenter.objects.count(),
        "implementations": Implementation.objects.count(),
        "history": Implementation.history.count(),
    }


class SeedTests(TestCase):
    def test_seed_loads_the_real_districts_and_all_560_rows(self):
        call_command("seed", stdout=StringIO())
        self.assertEqual(District.objects.count(), 26)
        self.assertEqual(District.objects.filter(model=OperatingModel.KJC).count(), 16)
        self.assertEqual(Jobcenter.objects.count(), 16)
        self.assertEqual(Factor.objects.count(), 35)
        self.assertEqual(Implementation.objects.count(), 16 * 35)
        offenbach = Jobcenter.objects.get(district__ags="06438")
        self.assertIn("Pro Arbeit", offenbach.name)
        self.assertFalse(Jobcenter.objects.filter(district__ags="06412").exists())  # Frankfurt: gE

    def test_catalogue_is_provisional_and_says_so(self):
        seed_reference_data()
        self.assertFalse(Factor.objects.filter(verified=True).exists())
        self.assertTrue(Factor.objects.has_unverified())
        self.assertEqual(Factor.objects.get(number=35).title, "Gelingensfaktor 35 – Wortlaut folgt")
        self.assertIn("14.12.2018", Factor.objects.get(number=1).source)

    def test_seed_twice_changes_nothing_and_keeps_statuses(self):
        seed_reference_data()
        row = Implementation.objects.get(jobcenter__district__ags="06438", factor__number=3)
        update_implementation(
            implementation=row,
            values={"status": Status.PLANNED, "progress": 10},
            expected_version=row.version,
            user=None,
        )
        before = counts()
        created = seed_reference_data()
        self.assertEqual(set(created.values()), {0})
        self.assertEqual(counts(), before)
        row.refresh_from_db()
        self.assertEqual(row.status, Status.PLANNED)

    def test_demo_seed_is_labelled_and_idempotent(self):
        out = StringIO()
        call_command("seed", "--demo", stdout=out)
        before = counts()
        call_command("seed", "--demo", stdout=out)
        self.assertEqual(counts(), before)
        changed = Implementation.objects.exclude(status=Status.NOT_REPORTED)
        self.assertGreater(changed.count(), 300)
        self.assertFalse(changed.filter(is_demo=False).exists())
        noted = changed.exclude(public_note="")
        self.assertTrue(noted.exists())
        self.assertFalse(noted.exclude(public_note__startswith="[Demo]").exists())
        # A few months of history, each change authored by the jobcenter's demo login.
        changes = Implementation.history.filter(history_type="~")
        self.assertGreater(changes.count(), changed.count())
        self.assertFalse(changes.filter(history_user=None).exists())


class DemoLoginTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("seed", "--demo", stdout=StringIO())

    @override_settings(KJC_DEMO_LOGINS=False)
    def test_demo_logins_are_refused_when_debug_is_off(self):
        self.assertFalse(self.client.login(username="koordination", password="demo"))
        response = self.client.post(
            "/anmelden/", {"username": "jc-06438", "password": "demo", "next": "/admin/"}
        )
        self.assertEqual(response.status_code, 200)  # the form again, with an error
        self.assertNotIn("_auth_user_id", self.client.session)

    @override_settings(KJC_DEMO_LOGINS=True)
    def test_demo_logins_work_on_a_development_site(self):
        response = self.client.post(
            "/anmelden/", {"username": "jc-06438", "password": "demo", "next": "/admin/"}
        )
        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)
