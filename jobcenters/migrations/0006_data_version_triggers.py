"""The data-version row and the triggers that bump it (see jobcenters/triggers.py)."""

from django.db import migrations

from jobcenters import triggers

TABLES = [
    "factors_theme",
    "factors_factor",
    "jobcenters_district",
    "jobcenters_jobcenter",
    "jobcenters_implementation",
    "jobcenters_historicalimplementation",
]


def forwards(apps, schema_editor):
    DataVersion = apps.get_model("jobcenters", "DataVersion")
    DataVersion.objects.using(schema_editor.connection.alias).get_or_create(pk=1)
    triggers.install(schema_editor, TABLES)


def backwards(apps, schema_editor):
    triggers.remove(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("factors", "0001_catalogue"),
        ("jobcenters", "0005_data_version"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
