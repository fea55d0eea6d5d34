"""The Frictionless Data Package of the CSV downloads, validated against the live files."""

from django.test import LiveServerTestCase, TestCase
from django.urls import reverse
from frictionless import Package, system

from jobcenters.models import Status
from reports import exports

from .opendata_data import make_open_data


class DataPackageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_open_data()

    def descriptor(self):
        response = self.client.get(reverse("opendata:datapackage"))
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_one_resource_per_csv_download(self):
        resources = {r["name"]: r for r in self.descriptor()["resources"]}
        self.assertEqual(len(resources), 2 * len(exports.DATASETS))
        for slug in exports.DATASETS:
            urls = exports.download_urls(slug)
            self.assertTrue(resources[slug]["path"].endswith(urls["csv"]))
            excel = resources[f"{slug}-excel"]
            self.assertTrue(excel["path"].endswith(urls["excel"]))
            self.assertEqual(excel["dialect"]["delimiter"], ";")
            self.assertEqual(excel["encoding"], "utf-8-sig")

    def test_fields_come_from_the_export_columns(self):
        resources = {r["name"]: r for r in self.descriptor()["resources"]}
        fields = resources["matrix-excel"]["schema"]["fields"]
        self.assertEqual([f["name"] for f in fields], [c.key for c in exports.MATRIX_COLUMNS])
        by_name = {f["name"]: f for f in fields}
        self.assertEqual(by_name["status"]["constraints"]["enum"], list(Status.values))
        self.assertEqual(
            by_name["progress"]["titles"], {"de": "Fortschritt (%)", "en": "Progress (%)"}
        )
        self.assertEqual(
            by_name["ags"]["descriptions"]["en"],
            "Kreisschlüssel (AGS) of the district, five digits.",
        )
        for field in fields:
            self.assertTrue(field["titles"]["de"] and field["titles"]["en"], field["name"])
            self.assertTrue(field["descriptions"]["de"], field["name"])
        done_share = {f["name"]: f for f in resources["faktoren-excel"]["schema"]["fields"]}[
            "done_share"
        ]
        self.assertEqual(done_share["decimalChar"], ",")

    def test_keys_licence_sources_and_state(self):
        package = self.descriptor()
        matrix = next(r for r in package["resources"] if r["name"] == "matrix")
        self.assertEqual(matrix["schema"]["primaryKey"], ["ags", "factor_number"])
        references = {
            tuple(k["fields"]) if isinstance(k["fields"], list) else k["fields"]: k["reference"]
            for k in matrix["schema"]["foreignKeys"]
        }
        self.assertEqual(references["ags"]["resource"], "jobcenter")
        self.assertEqual(references["factor_number"]["resource"], "faktoren")
        self.assertEqual(package["licenses"][0]["name"], "dl-de/by-2-0")
        self.assertEqual(package["licenses"][0]["path"], "https://www.govdata.de/dl-de/by-2-0")
        titles = " ".join(s["title"] for s in package["sources"])
        self.assertIn("© GeoBasis-DE / BKG", titles)
        self.assertIn("Pressemitteilung", titles)
        self.assertTrue(package["created"])


class DataPackageValidationTests(LiveServerTestCase):
    """`frictionless validate` of the served package against the served downloads."""

    def setUp(self):
        make_open_data()

    def test_package_validates_against_the_live_downloads(self):
        url = self.live_server_url + reverse("opendata:datapackage")
        with system.use_context(trusted=True):
            package = Package(url)
            report = package.validate()
        errors = [
            (task.name, error.type, error.note) for task in report.tasks for error in task.errors
        ] + [(None, error.type, error.note) for error in report.errors]
        self.assertEqual(errors, [])
        self.assertTrue(report.valid)
        rows = {task.name: task.stats["rows"] for task in report.tasks}
        self.assertEqual(rows["matrix"], 6)
        self.assertEqual(rows["matrix-excel"], 6)
        self.assertEqual(rows["jobcenter-excel"], 2)
