from django.core.management.base import BaseCommand

from jobcenters.backup import export_all


class Command(BaseCommand):
    help = (
        "Write every row of the database (users, memberships, catalogue, statuses and their "
        "full history) to a XML file. Restore with import_all."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the XML backup to write.")

    def handle(self, *args, file, **options):
        export_all(file)
        self.stdout.write(f"Backup written to {file}.")
