"""The OpenAPI document of /api/v1/: valid, linked, and true of the live API."""

import json

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import TestCase
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate

from .opendata_data import make_open_data


class OpenApiDocumentTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_open_data()

    def document(self):
        response = self.client.get(reverse("opendata:openapi"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json")
        return json.loads(response.content)

    def test_document_validates(self):
        document = self.document()
        validate(document)  # raises on any violation of the OpenAPI 3.1 schema
        self.assertEqual(document["openapi"], "3.1.0")

    def test_every_api_route_is_described(self):
        paths = self.document()["paths"]
        for name in ("api_index", "api_matrix", "api_aggregates"):
            self.assertIn(reverse(f"reports:{name}"), paths)
        matrix = {p["name"]: p["schema"] for p in paths["/api/v1/matrix"]["get"]["parameters"]}
        self.assertEqual(set(matrix), {"stichtag", "faktor", "jobcenter", "seite"})
        self.assertEqual(matrix["faktor"], {"type": "integer", "minimum": 1, "maximum": 35})
        self.assertIn("maximum", matrix["seite"])

    def test_licence_and_contact_from_the_settings(self):
        with self.settings(KJC_OPERATOR_NAME="Koordinierungsstelle", KJC_OPERATOR_EMAIL="k@x.de"):
            info = self.document()["info"]
        self.assertEqual(info["license"]["url"], "https://www.govdata.de/dl-de/by-2-0")
        self.assertEqual(info["contact"]["name"], "Koordinierungsstelle")
        self.assertEqual(info["contact"]["email"], "k@x.de")

    def test_linked_from_the_api_index_and_the_open_data_page(self):
        url = reverse("opendata:openapi")
        index = self.client.get(reverse("reports:api_index")).json()
        self.assertTrue(index["openapi"].endswith(url))
        self.assertContains(self.client.get(reverse("reports:open_data")), f'href="{url}"')


class ApiErrorTests(TestCase):
    """Bad input and unknown addresses under /api/v1/ answer JSON, never HTML or a 500."""

    @classmethod
    def setUpTestData(cls):
        make_open_data()

    def assert_json_error(self, url, status):
        response = self.client.get(url)
        self.assertEqual(response.status_code, status, url)
        self.assertEqual(response["Content-Type"], "application/json", url)
        self.assertTrue(response.json()["error"], url)

    def test_huge_page_number_is_a_400_not_a_500(self):
        # Issue 11 item 2: 20 digits overflowed the database's 64-bit OFFSET.
        self.assert_json_error("/api/v1/matrix?seite=99999999999999999999", 400)

    def test_page_past_the_end_is_a_json_404(self):
        self.assert_json_error("/api/v1/matrix?seite=100000", 404)
        self.assert_json_error("/api/v1/matrix?seite=2", 404)

    def test_bad_parameters(self):
        for query in (
            "stichtag=0001-01-01",
            "stichtag=2999-01-01",
            "stichtag=gestern",
            "faktor=36",
            "faktor=0",
            "jobcenter=٠٦٤٣٨",  # Arabic-Indic digits are not an AGS
            "seite=0",
            "seite=-1",
        ):
            with self.subTest(query):
                self.assert_json_error(f"/api/v1/matrix?{query}", 400)

    def test_unknown_routes_answer_json(self):
        for url in ("/api/v1/nothing", "/api/v1/matrix/", "/api/v1/matrix/extra", "/api/v1/x.csv"):
            with self.subTest(url):
                self.assert_json_error(url, 404)


class SchemathesisTests(TestCase):
    """Schemathesis generates requests from the document and checks every answer of the
    live API against it: no 500, documented status codes, content types and schemas."""

    @classmethod
    def setUpTestData(cls):
        make_open_data()

    def setUp(self):
        # The WSGI handler would close the test's connection (inside the test
        # transaction) at each request's start and end; Django's test client does this.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        self.addCleanup(request_started.connect, close_old_connections)
        self.addCleanup(request_finished.connect, close_old_connections)

    def schema(self):
        import schemathesis

        return schemathesis.openapi.from_wsgi(reverse("opendata:openapi"), WSGIHandler())

    def run_cases(self, mode, checks):
        schema = self.schema()
        answered = []

        @settings(
            max_examples=25,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=schema.as_strategy(generation_mode=mode))
        def run(case):
            # The in-process WSGI client does not decompress what the page cache gzips.
            response = case.call(headers={"Accept-Encoding": "identity"})
            case.validate_response(response, checks=checks)
            answered.append(response.status_code)

        run()
        return answered

    def test_positive_cases_conform(self):
        from schemathesis.checks import (
            content_type_conformance,
            not_a_server_error,
            response_schema_conformance,
            status_code_conformance,
        )

        statuses = self.run_cases(
            _mode("POSITIVE"),
            [
                not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_schema_conformance,
            ],
        )
        self.assertIn(200, statuses)

    def test_negative_cases_never_fail_the_server(self):
        from schemathesis.checks import content_type_conformance, not_a_server_error

        statuses = self.run_cases(_mode("NEGATIVE"), [not_a_server_error, content_type_conformance])
        self.assertIn(400, statuses)


def _mode(name):
    from schemathesis import GenerationMode

    return getattr(GenerationMode, name)
