from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jobcenters.backup import BackupError, export_all


class Command(BaseCommand):
    help = (
        "Write every row of the database (users, memberships, catalogue, statuses and their "
        "full history) to FILE, as JSON, JSON Lines or XML by its name, optionally gzipped "
        "(.json, .jsonl, .xml, each optionally .gz). Restore with import_all."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the backup to write, e.g. backup.json.gz.")

    def handle(self, *args, file, **options):
        try:
            fmt = export_all(file)
        except BackupError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(
                _("Cannot write %(path)s: %(error)s")
                % {"path": file, "error": error.strerror or error}
            ) from None
        self.stdout.write(
            _("Backup written to %(path)s (%(format)s).") % {"path": file, "format": fmt.upper()}
        )
