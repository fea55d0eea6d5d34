from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jobcenters.backup import BackupError, import_all


class Command(BaseCommand):
    help = (
        "Restore a backup written by export_all (JSON, JSON Lines or XML, optionally gzipped; "
        "the format is read from the content) into a freshly migrated, empty database. "
        "All-or-nothing: on any error nothing is loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the backup to read.")

    def handle(self, *args, file, **options):
        try:
            fmt = import_all(file)
        except BackupError as error:
            raise CommandError(str(error)) from None
        except FileNotFoundError:
            raise CommandError(_("No such file: %(path)s") % {"path": file}) from None
        except OSError as error:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s")
                % {"path": file, "error": error.strerror or error}
            ) from None
        self.stdout.write(
            _("Backup %(path)s restored (%(format)s).") % {"path": file, "format": fmt.upper()}
        )
