"""Whole-database backup and restore through Django's own serializers.

dumpdata/loaddata (XML) with natural foreign keys: content types and permissions are
rebuilt by `migrate` on the target and found again by their natural keys, while
every other row (users, memberships, statuses, every history entry) keeps its
primary key, so history and references survive the round-trip unchanged.
"""

from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction

from pagecache import triggers

# Rebuilt by `migrate` on the target (content types, permissions) or not worth
# keeping (sessions); everything else goes into the backup.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "pagecache"]


def backed_up_models():
    excluded_apps = {label for label in EXCLUDED if "." not in label}
    excluded_models = {label for label in EXCLUDED if "." in label}
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label not in excluded_apps
        and model._meta.label_lower not in excluded_models
        and not model._meta.proxy
        and model._meta.managed
    ]


def export_all(path):
    call_command(
        "dumpdata",
        exclude=EXCLUDED,
        # XML keeps datetimes to the microsecond; Django's JSON encoder cuts them to ms.
        format="xml",
        natural_foreign=True,
        output=str(path),
        verbosity=0,
    )


class RestoreRefused(Exception):
    pass


def import_all(path):
    """Load a backup into a database that holds no data yet (migrated, empty)."""
    occupied = [
        model._meta.label
        for model in backed_up_models()
        if model._meta.label != "auth.Group" and model.objects.exists()
    ]
    if occupied:
        raise RestoreRefused(
            "The database is not empty (rows in: "
            + ", ".join(occupied)
            + "). Restore only into a freshly migrated database."
        )
    with transaction.atomic(), triggers.suspended(connection):
        # `seed` may have created the role groups already; the backup has them too.
        Group.objects.all().delete()
        call_command("loaddata", str(path), verbosity=0)
