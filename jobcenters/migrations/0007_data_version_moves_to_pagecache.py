"""DataVersion now belongs to the pagecache app (pagecache 0001): drop it from this app's
state; the table, its row and the triggers stay. The content type follows the model,
so permissions granted on it are kept."""

from django.db import migrations


def content_type_to_pagecache(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    if not types.filter(app_label="pagecache", model="dataversion").exists():
        types.filter(app_label="jobcenters", model="dataversion").update(app_label="pagecache")


def content_type_to_jobcenters(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    if not types.filter(app_label="jobcenters", model="dataversion").exists():
        types.filter(app_label="pagecache", model="dataversion").update(app_label="jobcenters")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("jobcenters", "0006_data_version_triggers"),
        ("pagecache", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DataVersion")],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_pagecache, content_type_to_jobcenters),
    ]
