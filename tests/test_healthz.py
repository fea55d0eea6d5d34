from unittest import mock

from django.db import OperationalError
from django.test import TestCase


class HealthzTests(TestCase):
    def test_ok_when_the_database_answers(self):
        response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"ok\n")

    def test_503_without_a_trace_when_the_database_does_not(self):
        with mock.patch(
            "django.db.backends.utils.CursorWrapper.execute",
            side_effect=OperationalError("connection refused"),
        ):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 503)
        self.assertNotIn(b"Traceback", response.content)
        self.assertNotIn(b"connection refused", response.content)

    def test_post_is_not_allowed(self):
        self.assertEqual(self.client.post("/healthz").status_code, 405)


class HealthzBehindPlainHttpTests(TestCase):
    def test_health_probe_over_http_is_not_redirected_to_https(self):
        with self.settings(SECURE_SSL_REDIRECT=True):
            self.assertEqual(self.client.get("/healthz").status_code, 200)
            self.assertEqual(self.client.get("/impressum/").status_code, 301)
