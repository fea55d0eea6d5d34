"""DataVersion moves here from jobcenters: state only, the table and its row stay as they are.

On a new database the table is still created by jobcenters 0005 and filled by 0006
(landed migrations are not edited), hence the dependency; jobcenters 0007 then drops
the model from its own state.
"""

import uuid

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("jobcenters", "0006_data_version_triggers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DataVersion",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("generation", models.UUIDField(default=uuid.uuid4, editable=False)),
                        ("counter", models.BigIntegerField(default=0, editable=False)),
                        (
                            "changed_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, editable=False
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "data version",
                        "verbose_name_plural": "data versions",
                        "db_table": "jobcenters_dataversion",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
