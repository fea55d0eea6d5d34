"""The data version: database triggers bump it on every write path, and the page cache,
the open data and the API are keyed by it (pagecache/triggers.py, pagecache/middleware.py)."""

import gzip
from datetime import date

from django.core.cache import cache
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import TestCase, TransactionTestCase
from django.urls import reverse

from factors.models import Factor, Theme
from jobcenters.backup import backed_up_models
from jobcenters.models import (
    District,
    Implementation,
    Jobcenter,
    PendingChange,
    Status,
)
from pagecache import triggers
from pagecache.models import DataVersion
from reports.models import Stichtag

from .factories import make_catalogue, make_jobcenter, make_user


def version():
    generation, counter, _changed_at = DataVersion.objects.current()
    return generation, counter


class TriggerTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.factors = make_catalogue(factors=2)
        cls.jobcenter = make_jobcenter(name="Jobcenter Zähler")
        cls.user = make_user("zaehler")

    def assertBumps(self, write):
        generation, before = version()
        write()
        after_generation, after = version()
        self.assertEqual(after_generation, generation)
        self.assertGreater(after, before)

    def test_every_watched_table_bumps_on_insert_update_and_delete(self):
        row = Implementation.objects.filter(jobcenter=self.jobcenter).first()
        writes = {
            "queryset update (no save, no signal)": lambda: Implementation.objects.filter(
                pk=row.pk
            ).update(public_note="direkt"),
            "history row only": lambda: Implementation.history.model.objects.create(
                id=row.pk,
                jobcenter_id=row.jobcenter_id,
                factor_id=row.factor_id,
                status=Status.PLANNED,
                progress=0,
                version=row.version,
                updated_at=row.updated_at,
                history_date=row.updated_at,
                history_type="~",
            ),
            "theme": lambda: Theme.objects.update(name="Umbenannt"),
            "factor": lambda: Factor.objects.filter(number=1).update(title="Neu"),
            "district": lambda: District.objects.update(seat="Neuer Sitz"),
            "jobcenter": lambda: Jobcenter.objects.update(website="https://example.de/"),
            "stichtag insert": lambda: Stichtag.objects.create(date=date(2026, 6, 30)),
            "stichtag delete": lambda: Stichtag.objects.all().delete(),
            "bulk delete": lambda: Implementation.objects.filter(pk=row.pk).delete(),
            "raw SQL": lambda: connection.cursor().execute(
                "UPDATE jobcenters_implementation SET public_note = 'roh'"
            ),
        }
        for label, write in writes.items():
            with self.subTest(label):
                self.assertBumps(write)

    def test_tables_no_public_page_shows_do_not_bump(self):
        _generation, before = version()
        make_user("noch-jemand")
        row = Implementation.objects.filter(jobcenter=self.jobcenter).first()
        PendingChange.objects.create(
            implementation=row,
            status=Status.DONE,
            progress=100,
            base_version=row.version,
            submitted_by=self.user,
        )
        self.assertEqual(version()[1], before)

    def test_a_lost_version_row_starts_a_new_generation(self):
        generation, _counter = version()
        DataVersion.objects.all().delete()  # e.g. a flush between tests
        new_generation, counter = version()
        self.assertNotEqual(new_generation, generation)
        self.assertEqual(counter, 0)

    def test_a_bulk_load_bumps_once_and_leaves_the_triggers_on(self):
        _generation, before = version()
        with transaction.atomic(), triggers.suspended(connection):
            for number in range(3):
                Theme.objects.update(name=f"Geladen {number}")
        self.assertGreater(version()[1], before)
        self.assertBumps(lambda: Theme.objects.update(name="Danach"))

    def test_every_registered_table_has_a_trigger_and_no_other_does(self):
        # An app lists its models in AppConfig.page_cache_models and installs their
        # triggers in a migration; the two must agree, or a write would go unseen
        # (or a restore would leave a trigger disabled).
        self.assertEqual(triggers.installed_tables(connection), triggers.watched_tables())
        self.assertIn("reports_stichtag", triggers.watched_tables())

    def test_the_version_row_is_not_part_of_a_backup(self):
        # A restored counter could meet keys cached before the restore.
        self.assertNotIn(DataVersion, backed_up_models())


class CachedResponseTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_catalogue(factors=2)
        cls.jobcenter = make_jobcenter(name="Jobcenter Zwischenspeicher")

    def setUp(self):
        cache.clear()

    def test_a_direct_database_write_is_visible_on_the_very_next_request(self):
        urls = [reverse("public:matrix"), reverse("reports:api_matrix"), "/daten/matrix.csv"]
        before = {url: self.client.get(url).content for url in urls}  # fills the cache
        Implementation.objects.update(status=Status.DONE, progress=100)  # no save(), no signal
        for url in urls:
            with self.subTest(url):
                served = self.client.get(url).content
                cache.clear()
                self.assertNotEqual(served, before[url])
                self.assertEqual(served, self.client.get(url).content)

    def test_gzip_is_sent_to_clients_that_accept_it(self):
        url = reverse("public:matrix")
        plain = self.client.get(url)
        packed = self.client.get(url, headers={"accept-encoding": "gzip, deflate, br"})
        self.assertEqual(packed["Content-Encoding"], "gzip")
        self.assertNotIn("Content-Encoding", plain)
        self.assertEqual(gzip.decompress(packed.content), plain.content)
        for response in (plain, packed):
            self.assertIn("Accept-Encoding", response["Vary"])
            self.assertTrue(response["ETag"].startswith('W/"'))

    def test_api_and_downloads_are_cached_with_their_headers(self):
        for url, header in (
            (reverse("reports:api_matrix"), "Access-Control-Allow-Origin"),
            ("/daten/matrix.csv", "Content-Disposition"),
            ("/daten/matrix.json", "Content-Disposition"),
        ):
            with self.subTest(url):
                cold = self.client.get(url)
                with self.assertNumQueries(1):  # the data version
                    warm = self.client.get(url)
                self.assertEqual(warm.content, cold.content)
                self.assertEqual(warm[header], cold[header])
                self.assertEqual(warm["Content-Type"], cold["Content-Type"])

    def test_a_bad_parameter_is_answered_alike_from_the_cache(self):
        url = reverse("reports:api_matrix") + "?stichtag=gestern"
        cold = self.client.get(url)
        warm = self.client.get(url)
        self.assertEqual(cold.status_code, 400)
        self.assertEqual(warm.status_code, 400)
        self.assertEqual(warm.content, cold.content)


class MoveToPagecacheMigrationTests(TransactionTestCase):
    """pagecache 0001 / jobcenters 0007 move the model in the state only: a database
    migrated before the move keeps its table, its row and its triggers."""

    BEFORE = [("jobcenters", "0006_data_version_triggers"), ("pagecache", None)]

    def migrate(self, targets):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)

    def test_the_row_and_the_triggers_survive_the_move_and_its_reversal(self):
        generation, counter = version()
        leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
        try:
            self.migrate(self.BEFORE)
            with connection.cursor() as cursor:
                cursor.execute("SELECT generation, counter FROM jobcenters_dataversion")
                self.assertEqual(len(cursor.fetchall()), 1)
        finally:
            self.migrate(leaves)
        self.assertEqual(version(), (generation, counter))
        Theme.objects.create(number=99, name="Nach dem Umzug", order=99)
        self.assertGreater(version()[1], counter)
        self.assertEqual(triggers.installed_tables(connection), triggers.watched_tables())
