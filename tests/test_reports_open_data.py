"""The public open-data page, its downloads and the JSON API."""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from unittest import mock

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import http_date

from jobcenters import roles
from jobcenters.models import Implementation, Status
from pagecache.models import DataVersion
from reports.models import Stichtag

from .factories import make_catalogue, make_jobcenter, make_user
from .test_reports_history import at, change, give_history

PAGE = reverse("reports:open_data")
API_MATRIX = reverse("reports:api_matrix")
API_AGGREGATES = reverse("reports:api_aggregates")
MARKER = "SECRET-MARKER-7f3a"


def csv_url(dataset):
    return reverse("reports:download", args=[dataset, "csv"])


def excel_url(dataset):
    return reverse("reports:download_excel", args=[dataset, "excel", "csv"])


def json_url(dataset):
    return reverse("reports:download", args=[dataset, "json"])


DATASETS = ["matrix", "faktoren", "jobcenter", "handlungsfelder"]


class OpenDataTestCase(TestCase):
    """Two jobcenters × three factors with history; a secret in every internal field."""

    extra_jobcenters = 0

    @classmethod
    def setUpTestData(cls):
        roles.ensure_groups()
        cls.factors = make_catalogue(factors=3, themes=2)
        cls.jc_a = make_jobcenter(name="Jobcenter A")
        cls.jc_b = make_jobcenter(name="Jobcenter B")
        for _i in range(cls.extra_jobcenters):
            make_jobcenter()
        give_history(Implementation.objects.all())
        cls.editor = make_user(
            f"user-{MARKER}",
            group=roles.JOBCENTER_STAFF,
            jobcenters=[cls.jc_a],
            email=f"{MARKER}@example.org",
            first_name=f"First{MARKER}",
            last_name=f"Last{MARKER}",
        )
        cls.a1 = Implementation.objects.get(jobcenter=cls.jc_a, factor=cls.factors[0])
        change(
            cls.a1,
            cls.editor,
            at(2026, 2, 15),
            status=Status.PLANNED,
            internal_note=f"old {MARKER}",
        )
        change(
            cls.a1,
            cls.editor,
            at(2026, 4, 10),
            status=Status.DONE,
            public_note="Läuft seit April",
            internal_note=f"new {MARKER}",
            target_date=date(2026, 4, 1),
        )
        cls.b2 = Implementation.objects.get(jobcenter=cls.jc_b, factor=cls.factors[1])
        change(
            cls.b2,
            cls.editor,
            at(2026, 3, 5),
            status=Status.IN_PROGRESS,
            progress=45,
            internal_note=f"b {MARKER}",
        )
        Stichtag.objects.create(date=date(2026, 3, 31), label="Q1")


class OpenDataPageTests(OpenDataTestCase):
    def test_page_is_public_and_documents_the_api(self):
        response = self.client.get(PAGE)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "https://www.govdata.de/dl-de/by-2-0")
        self.assertContains(response, "Datenlizenz Deutschland – Namensnennung – Version 2.0")
        self.assertContains(response, "Selbstauskunft der Kommunalen Jobcenter, KJC Monitor")
        self.assertContains(response, "© GeoBasis-DE / BKG (2021) (Daten verändert)")
        self.assertContains(response, API_MATRIX)
        self.assertContains(response, API_AGGREGATES)
        self.assertContains(response, "not_applicable_reason")
        self.assertContains(response, f"{csv_url('matrix')}?faktor=2")
        self.assertContains(response, f"{csv_url('matrix')}?jobcenter={self.jc_b.district.ags}")
        self.assertContains(response, f"{json_url('matrix')}?stichtag=2026-03-31")

    def test_wrong_method_is_405(self):
        for url in (PAGE, csv_url("matrix"), API_MATRIX, API_AGGREGATES):
            self.assertEqual(self.client.post(url).status_code, 405, url)

    def test_api_index_lists_the_endpoints(self):
        with self.assertNumQueries(0):
            response = self.client.get(reverse("reports:api_index"))
        payload = json.loads(response.content)
        self.assertEqual(payload["endpoints"]["matrix"], f"http://testserver{API_MATRIX}")
        self.assertEqual(payload["licence"]["id"], "dl-de/by-2-0")
        self.assertEqual(self.client.post(reverse("reports:api_index")).status_code, 405)

    def test_unknown_dataset_is_404(self):
        self.assertEqual(self.client.get("/daten/geheim.csv").status_code, 404)
        self.assertEqual(self.client.get("/daten/matrix-excel.json").status_code, 404)


class DownloadFormatTests(OpenDataTestCase):
    def test_matrix_csv(self):
        response = self.client.get(csv_url("matrix"))
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertRegex(
            response["Content-Disposition"],
            r'^attachment; filename="kjc-monitor-matrix-\d{4}-\d{2}-\d{2}\.csv"$',
        )
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
        self.assertEqual(len(rows), 6)
        [row] = [r for r in rows if r["jobcenter"] == "Jobcenter A" and r["factor_number"] == "1"]
        self.assertEqual(row["status"], "umgesetzt")
        with translation.override("de"):  # "umgesetzt" once the catalogue is compiled
            self.assertEqual(row["status_label"], str(Status.DONE.label))
        self.assertEqual(row["progress"], "100")
        self.assertEqual(row["public_note"], "Läuft seit April")
        self.assertEqual(row["target_date"], "2026-04-01")
        self.assertEqual(row["last_update"], "2026-04-10T12:00:00+02:00")
        self.assertEqual(row["is_demo"], "false")
        self.assertEqual(row["ags"], self.jc_a.district.ags)

    def test_matrix_csv_for_german_excel(self):
        response = self.client.get(excel_url("matrix"))
        self.assertIn("-excel-", response["Content-Disposition"])
        self.assertTrue(response.content.startswith("\ufeff".encode()))
        text = response.content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
        [row] = [r for r in rows if r["jobcenter"] == "Jobcenter A" and r["factor_number"] == "1"]
        self.assertEqual(row["target_date"], "01.04.2026")
        self.assertEqual(row["last_update"], "10.04.2026 12:00")
        self.assertEqual(row["is_demo"], "nein")

    def test_aggregates_csv_for_german_excel_has_decimal_comma(self):
        text = self.client.get(excel_url("faktoren")).content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
        self.assertEqual(rows[0]["done_share"], "50,0")  # 1 of 2 applicable
        self.assertEqual(rows[1]["done_share"], "0,0")
        plain = self.client.get(csv_url("faktoren")).content.decode("utf-8")
        self.assertEqual(next(csv.DictReader(io.StringIO(plain)))["done_share"], "50.0")

    def test_matrix_json(self):
        response = self.client.get(json_url("matrix"))
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertIn(".json", response["Content-Disposition"])
        payload = json.loads(response.content)
        self.assertEqual(payload["meta"]["licence"]["url"], "https://www.govdata.de/dl-de/by-2-0")
        self.assertEqual(len(payload["data"]), 6)
        first = payload["data"][0]
        self.assertEqual(first["factor_number"], 1)
        self.assertIs(first["is_demo"], False)
        # One record per line: readable and diffable without an indented dump.
        lines = response.content.decode().splitlines()
        self.assertEqual(len(lines), 2 + len(payload["data"]) + 1)
        self.assertEqual(json.loads(lines[2].rstrip(",")), first)

    def test_every_dataset_in_every_format_parses(self):
        for dataset in DATASETS:
            plain = self.client.get(csv_url(dataset)).content.decode("utf-8")
            excel = self.client.get(excel_url(dataset)).content.decode("utf-8-sig")
            data = json.loads(self.client.get(json_url(dataset)).content)["data"]
            plain_rows = list(csv.DictReader(io.StringIO(plain)))
            excel_rows = list(csv.DictReader(io.StringIO(excel), delimiter=";"))
            self.assertEqual(len(plain_rows), len(data), dataset)
            self.assertEqual(len(excel_rows), len(data), dataset)
            self.assertEqual(list(plain_rows[0]), list(data[0]), dataset)

    def test_per_factor_and_per_jobcenter(self):
        rows = json.loads(self.client.get(json_url("matrix"), {"faktor": 2}).content)["data"]
        self.assertEqual({r["factor_number"] for r in rows}, {2})
        self.assertEqual(len(rows), 2)
        ags = self.jc_b.district.ags
        response = self.client.get(csv_url("matrix"), {"jobcenter": ags})
        self.assertIn(f"matrix-{ags}-", response["Content-Disposition"])
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        self.assertEqual({r["jobcenter"] for r in rows}, {"Jobcenter B"})

    def test_stichtag_gives_the_state_of_that_day(self):
        response = self.client.get(json_url("matrix"), {"stichtag": "2026-03-31"})
        self.assertIn("2026-03-31.json", response["Content-Disposition"])
        payload = json.loads(response.content)
        self.assertEqual(payload["meta"]["as_of"], "2026-03-31")
        status = {(r["jobcenter"], r["factor_number"]): r for r in payload["data"]}
        self.assertEqual(status[("Jobcenter A", 1)]["status"], "geplant")
        self.assertEqual(status[("Jobcenter A", 1)]["public_note"], "")
        self.assertEqual(status[("Jobcenter B", 2)]["progress"], 45)
        before = json.loads(self.client.get(API_MATRIX, {"stichtag": "2026-01-01"}).content)
        self.assertEqual(before["data"], [])

    def test_unknown_progress_is_empty_not_zero(self):
        payload = json.loads(self.client.get(json_url("matrix")).content)
        unknown = [r for r in payload["data"] if r["status"] == Status.NOT_REPORTED]
        self.assertTrue(unknown)
        self.assertEqual({r["progress"] for r in unknown}, {None})
        rows = csv.DictReader(io.StringIO(self.client.get(csv_url("matrix")).content.decode()))
        unknown = [r for r in rows if r["status"] == Status.NOT_REPORTED]
        self.assertEqual({r["progress"] for r in unknown}, {""})

    def test_matrix_api_pages_through_every_row_once(self):
        everything = json.loads(self.client.get(json_url("matrix")).content)["data"]
        with mock.patch("reports.api.MATRIX_PAGE_SIZE", 4):
            first = json.loads(self.client.get(API_MATRIX).content)
            self.assertEqual((first["meta"]["page"], first["meta"]["page_size"]), (1, 4))
            self.assertIsNone(first["meta"]["previous"])
            self.assertTrue(first["meta"]["next"].endswith(f"{API_MATRIX}?seite=2"))
            second = json.loads(self.client.get(API_MATRIX, {"seite": 2}).content)
            self.assertIsNone(second["meta"]["next"])
            self.assertTrue(second["meta"]["previous"].endswith("?seite=1"))
            self.assertEqual(first["data"] + second["data"], everything)
            # Filters stay in the links.
            filtered = json.loads(self.client.get(API_MATRIX, {"faktor": 1}).content)
            self.assertIsNone(filtered["meta"]["next"])
            beyond = self.client.get(API_MATRIX, {"seite": 3})
            self.assertEqual(beyond.status_code, 404)
            self.assertIn("error", json.loads(beyond.content))
        self.assertEqual(self.client.get(API_MATRIX, {"seite": 0}).status_code, 400)
        self.assertEqual(self.client.get(API_MATRIX, {"seite": "zwei"}).status_code, 400)

    def test_matrix_api_links_keep_the_filters(self):
        with mock.patch("reports.api.MATRIX_PAGE_SIZE", 1):
            payload = json.loads(self.client.get(API_MATRIX, {"faktor": 2}).content)
        self.assertIn("faktor=2", payload["meta"]["next"])
        self.assertIn("seite=2", payload["meta"]["next"])

    def test_aggregates_api(self):
        payload = json.loads(self.client.get(API_AGGREGATES).content)
        counts = {r["status"]: r["count"] for r in payload["by_status"]}
        self.assertEqual(counts["umgesetzt"], 1)
        self.assertEqual(counts["in_umsetzung"], 1)
        self.assertEqual(counts["nicht_gemeldet"], 4)
        self.assertEqual(len(payload["by_factor"]), 3)
        self.assertEqual(len(payload["by_jobcenter"]), 2)
        self.assertEqual(len(payload["by_theme"]), 2)
        jc_a = next(r for r in payload["by_jobcenter"] if r["jobcenter"] == "Jobcenter A")
        self.assertEqual(jc_a["done_share"], 33.3)
        old = json.loads(self.client.get(API_AGGREGATES, {"stichtag": "2026-03-31"}).content)
        counts = {r["status"]: r["count"] for r in old["by_status"]}
        self.assertEqual(counts["geplant"], 1)
        self.assertEqual(counts["umgesetzt"], 0)

    def test_bad_parameters_are_400_with_a_message(self):
        cases = [
            (API_MATRIX, {"stichtag": "gestern"}),
            (API_MATRIX, {"stichtag": "2999-01-01"}),
            (API_MATRIX, {"faktor": "36"}),
            (API_MATRIX, {"faktor": "1e9"}),
            (API_MATRIX, {"jobcenter": "123"}),
            (API_MATRIX, {"jobcenter": "06438' OR 1=1"}),
            (API_AGGREGATES, {"faktor": "1"}),
            (csv_url("matrix"), {"stichtag": "31.03.2026"}),
            (excel_url("jobcenter"), {"jobcenter": "06438"}),
            (json_url("matrix"), {"faktor": "\x00"}),
        ]
        for url, params in cases:
            response = self.client.get(url, params)
            self.assertEqual(response.status_code, 400, (url, params))
            if url.startswith("/api/"):
                self.assertTrue(json.loads(response.content)["error"], params)
            else:
                self.assertTrue(response.content.strip(), params)
            self.assertNotIn(b"__all__", response.content)

    def test_conditional_get_answers_304(self):
        written = timezone.now() - timedelta(minutes=5)
        DataVersion.objects.update(changed_at=written)  # no trigger on the version itself
        for url in (PAGE, csv_url("matrix"), excel_url("faktoren"), API_MATRIX, API_AGGREGATES):
            response = self.client.get(url)
            self.assertEqual(response["Last-Modified"], http_date(written.timestamp()))
            self.assertIn("no-cache", response["Cache-Control"])
            again = self.client.get(url, headers={"if-modified-since": response["Last-Modified"]})
            self.assertEqual(again.status_code, 304, url)

    def test_etag_answers_304_and_moves_with_a_backdated_change(self):
        for url in (PAGE, json_url("matrix"), API_MATRIX, API_AGGREGATES):
            etag = self.client.get(url)["ETag"]
            again = self.client.get(url, headers={"if-none-match": etag})
            self.assertEqual(again.status_code, 304, url)
        # An import may date a change into the past: Last-Modified stays, the ETag moves.
        change(self.b2, self.editor, at(2026, 1, 20), public_note="nachgetragen")
        response = self.client.get(API_MATRIX, headers={"if-none-match": etag})
        self.assertEqual(response.status_code, 200)
        self.assertNotEqual(response["ETag"], etag)
        self.assertIn("nachgetragen", response.content.decode())

    def test_a_new_stichtag_changes_the_page_etag(self):
        etag = self.client.get(PAGE)["ETag"]
        Stichtag.objects.create(date=date(2026, 6, 30), label="H1")
        response = self.client.get(PAGE, headers={"if-none-match": etag})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "?stichtag=2026-06-30")

    def test_a_change_makes_the_data_modified_again(self):
        DataVersion.objects.update(changed_at=timezone.now() - timedelta(minutes=5))
        last_modified = self.client.get(API_MATRIX)["Last-Modified"]
        # Even a change backdated before that date counts: the version row keeps the
        # time of the write, not the date the change claims.
        change(self.b2, self.editor, at(2026, 1, 20), status=Status.DONE)
        response = self.client.get(API_MATRIX, headers={"if-modified-since": last_modified})
        self.assertEqual(response.status_code, 200)


class LeakTests(OpenDataTestCase):
    """Internal notes and user names/e-mails never reach a public response."""

    def public_urls(self):
        ags = self.jc_a.district.ags
        yield PAGE
        yield reverse("reports:api_index")
        for dataset in DATASETS:
            for url in (csv_url(dataset), excel_url(dataset), json_url(dataset)):
                yield url
                yield f"{url}?stichtag=2026-03-31"
        for params in (
            "",
            "?faktor=1",
            f"?jobcenter={ags}",
            "?stichtag=2026-03-31",
            "?stichtag=2026-04-30&faktor=1",
        ):
            yield API_MATRIX + params
            yield csv_url("matrix") + params
        yield API_AGGREGATES
        yield API_AGGREGATES + "?stichtag=2026-03-31"

    def test_marker_is_in_the_database(self):
        self.assertTrue(Implementation.objects.filter(internal_note__contains=MARKER).exists())
        self.assertTrue(Implementation.history.filter(internal_note__contains=MARKER).exists())

    def test_no_public_response_contains_the_marker(self):
        count = 0
        for url in self.public_urls():
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            body = response.content.decode("utf-8")
            self.assertNotIn(MARKER, body, url)
            self.assertNotIn("example.org", body, url)
            count += 1
        self.assertGreater(count, 30)


class StandTests(OpenDataTestCase):
    def test_the_stand_is_the_latest_released_change(self):
        Implementation.objects.update(updated_at=datetime(2026, 2, 3, 10, tzinfo=UTC))
        Implementation.objects.filter(pk=Implementation.objects.first().pk).update(
            updated_at=datetime(2026, 3, 4, 10, tzinfo=UTC)
        )
        response = self.client.get(reverse("reports:open_data"), headers={"accept-language": "en"})
        self.assertEqual(response.context["stand"], Implementation.objects.latest_change())
        self.assertContains(response, "Data as of")
        payload = json.loads(self.client.get(json_url("matrix")).content)
        self.assertEqual(payload["meta"]["stand"], "2026-03-04T11:00:00+01:00")


class QueryCountTests(OpenDataTestCase):
    def test_page(self):
        # data version, Stichtage, first matrix row (example), factors, jobcenters, the
        # Stand (latest released change: one definition with the start page; 6 since then)
        with self.assertNumQueries(6):
            self.client.get(PAGE)

    def test_matrix_downloads(self):
        for url in (csv_url("matrix"), excel_url("matrix"), json_url("matrix"), API_MATRIX):
            # data version, matrix rows (as of the Stichtag); a JSON download's meta also
            # names the Stand (latest released change: one query, 3 since then)
            stand = 1 if url == json_url("matrix") else 0
            with self.assertNumQueries(2 + stand):
                self.client.get(url, {"faktor": 1})
            with self.assertNumQueries(2 + stand):
                self.client.get(url, {"stichtag": "2026-03-31"})

    def test_aggregate_downloads(self):
        for dataset in ("faktoren", "jobcenter", "handlungsfelder"):
            with self.assertNumQueries(3):  # data version, grouped counts, factors/jc/themes
                self.client.get(csv_url(dataset))
            with self.assertNumQueries(4):  # the same from the history, and the Stand
                self.client.get(json_url(dataset), {"stichtag": "2026-03-31"})

    def test_aggregates_api(self):
        # data version; grouped counts per factor and per jobcenter (2); the factors,
        # jobcenters and themes (3). The counts per theme are summed from those per factor.
        with self.assertNumQueries(6):
            self.client.get(API_AGGREGATES)
        with self.assertNumQueries(6):
            self.client.get(API_AGGREGATES, {"stichtag": "2026-03-31"})

    def test_not_modified_costs_one_query(self):
        etag = self.client.get(API_AGGREGATES)["ETag"]
        with self.assertNumQueries(1):  # the data version
            response = self.client.get(API_AGGREGATES, headers={"if-none-match": etag})
        self.assertEqual(response.status_code, 304)


class QueryCountAt100Tests(QueryCountTests):
    extra_jobcenters = 98

    def test_size(self):
        self.assertEqual(len(json.loads(self.client.get(API_MATRIX).content)["data"]), 300)
