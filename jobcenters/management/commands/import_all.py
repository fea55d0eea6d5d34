from xml.sax import SAXException

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError

from jobcenters.backup import RestoreRefused, import_all


class Command(BaseCommand):
    help = (
        "Restore a backup written by export_all into a freshly migrated, empty database. "
        "All-or-nothing: on any error nothing is loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the XML backup to read.")

    def handle(self, *args, file, **options):
        try:
            import_all(file)
        except RestoreRefused as refused:
            raise CommandError(str(refused)) from None
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        except (DeserializationError, DatabaseError, ValueError, SAXException) as error:
            raise CommandError(f"Nothing was restored: {error}") from None
        self.stdout.write(f"Backup {file} restored.")
