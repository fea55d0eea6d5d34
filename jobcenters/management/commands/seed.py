from django.conf import settings
from django.core.management.base import BaseCommand

from jobcenters.seeding import (
    DEMO_PASSWORD,
    seed_demo_statuses,
    seed_demo_users,
    seed_reference_data,
)


class Command(BaseCommand):
    help = (
        "Load the catalogue, Hesse's districts and jobcenters and one implementation row per "
        "jobcenter and factor. Idempotent: never overwrites a reported status. "
        "--demo adds labelled demo statuses, history and demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo", action="store_true", help="Add demo statuses, history and demo logins."
        )

    def handle(self, *args, demo=False, **options):
        created = seed_reference_data()
        summary = ", ".join(f"{n} {kind}" for kind, n in created.items())
        self.stdout.write(f"Reference data: created {summary}.")
        if not demo:
            return
        accounts = seed_demo_users()
        changed = seed_demo_statuses()
        self.stdout.write(f"Demo data: {changed} implementation rows given demo statuses.")
        if not settings.KJC_DEMO_LOGINS:
            self.stdout.write(
                self.style.WARNING("Demo logins are refused on this site because DEBUG is off.")
            )
        self.stdout.write(f"Demo logins (password “{DEMO_PASSWORD}”):")
        for username, group, ags in accounts:
            self.stdout.write(f"  {username:<14} {group}" + (f" ({ags})" if ags else ""))
