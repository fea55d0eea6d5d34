import os
import subprocess
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase

from kjc.env import env_bool, env_int, parse_database_url

ROOT = Path(__file__).resolve().parent.parent


class EnvHelperTests(SimpleTestCase):
    def test_malformed_boolean_fails_loudly(self):
        os.environ["KJC_TEST_FLAG"] = "maybe"
        try:
            with self.assertRaisesMessage(ImproperlyConfigured, "KJC_TEST_FLAG"):
                env_bool("KJC_TEST_FLAG")
        finally:
            del os.environ["KJC_TEST_FLAG"]

    def test_malformed_number_fails_loudly(self):
        os.environ["KJC_TEST_N"] = "zwölf"
        try:
            with self.assertRaisesMessage(ImproperlyConfigured, "not a whole number"):
                env_int("KJC_TEST_N", 1)
        finally:
            del os.environ["KJC_TEST_N"]

    def test_database_urls(self):
        pg = parse_database_url(
            "postgres://u:p%40ss@db.example:5433/kjc?sslmode=require", base_dir=ROOT
        )
        self.assertEqual(
            (pg["ENGINE"], pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]),
            ("django.db.backends.postgresql", "kjc", "u", "p@ss", "db.example", "5433"),
        )
        self.assertEqual(pg["OPTIONS"], {"sslmode": "require"})
        lite = parse_database_url("sqlite:///db.sqlite3", base_dir=ROOT)
        self.assertEqual(lite["NAME"], str(ROOT / "db.sqlite3"))
        for bad in ("mysql://x/y", "postgres://host/", "sqlite://", "postgres://h:port/x"):
            with self.subTest(bad), self.assertRaises(ImproperlyConfigured):
                parse_database_url(bad, base_dir=ROOT)


class StartupTests(SimpleTestCase):
    def run_check(self, command="check", **env):
        base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
        base.pop("DJANGO_SETTINGS_MODULE", None)
        return subprocess.run(
            [sys.executable, "manage.py", command],
            cwd=ROOT,
            env={**base, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )

    def test_secret_key_is_required_without_debug(self):
        result = self.run_check(DEBUG="0")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SECRET_KEY must be set", result.stderr)

    def test_malformed_value_stops_startup_with_a_clear_message(self):
        result = self.run_check(DEBUG="perhaps")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DEBUG='perhaps' is not a boolean", result.stderr)

    def test_every_command_names_the_setting_instead_of_a_trace(self):
        # makemigrations is one of the commands Django lets run on after a settings error.
        result = self.run_check("makemigrations", DEBUG="0")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("Configuration error: SECRET_KEY must be set", result.stderr)
        self.assertNotIn("Traceback", result.stderr)
