"""Stichtage are offered on the open-data page and in the API: they bump the data version."""

from django.db import migrations

from jobcenters import triggers

TABLES = ["reports_stichtag"]


def forwards(apps, schema_editor):
    triggers.install(schema_editor, TABLES)


def backwards(apps, schema_editor):
    triggers.remove(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("jobcenters", "0006_data_version_triggers"),
        ("reports", "0001_stichtag"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
