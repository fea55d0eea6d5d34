from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jobcenters import spreadsheets
from jobcenters.models import Jobcenter


class Command(BaseCommand):
    help = (
        "Write the implementation statuses of all jobcenters (or of the given ones) to FILE, "
        "as XLSX or CSV by its extension; the file can be edited and read back with "
        "import_status."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Target file ending in .xlsx or .csv.")
        parser.add_argument(
            "--jobcenter", metavar="AGS", action="append", help="Only this jobcenter (repeatable)."
        )

    def handle(self, *args, file, jobcenter=None, **options):
        path = Path(file)
        extension = path.suffix.lower().lstrip(".")
        writers = {"xlsx": spreadsheets.write_xlsx, "csv": spreadsheets.write_csv}
        if extension not in writers:
            raise CommandError(_("The file name must end in .xlsx or .csv."))
        jobcenters = Jobcenter.objects.all()
        if jobcenter:
            jobcenters = jobcenters.filter(district__ags__in=jobcenter)
            unknown = set(jobcenter) - set(jobcenters.values_list("district__ags", flat=True))
            if unknown:
                raise CommandError(
                    _("Unknown jobcenter: %(ags)s") % {"ags": ", ".join(sorted(unknown))}
                )
        rows = spreadsheets.implementations_for_export(jobcenters)
        path.write_bytes(writers[extension](rows))
        self.stdout.write(
            _("%(count)s rows written to %(path)s.") % {"count": len(rows), "path": path}
        )
