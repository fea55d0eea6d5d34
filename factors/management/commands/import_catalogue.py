from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from factors.importing import MAX_BYTES, import_catalogue


class Command(BaseCommand):
    help = (
        "Replace the provisional catalogue with the official wording from a CSV file "
        "(columns: number, theme, title, description, addressee; UTF-8, comma or semicolon). "
        "Every row is checked first; on any error nothing is changed. Imported factors are "
        "marked verified. Implementation statuses and their history are never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the CSV file.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and list the changes without saving anything.",
        )

    def handle(self, *args, file, dry_run=False, **options):
        try:
            with open(file, "rb") as fh:
                # One byte more than allowed is enough to tell that the file is too big.
                data = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(reason)s") % {"path": file, "reason": exc.strerror}
            ) from None

        result = import_catalogue(data=data, filename=file, dry_run=dry_run)

        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("Import cancelled, nothing was changed. Errors in %(file)s: %(count)s.")
                % {"count": len(result.errors), "file": result.filename}
            )

        for theme in result.new_themes:
            self.stdout.write(_("New theme: %(name)s") % {"name": theme})
        for change in result.changes:
            self.stdout.write(str(change))
        if result.empty_themes:
            self.stdout.write(
                self.style.WARNING(
                    _("These themes no longer have any factor: %(names)s")
                    % {"names": "; ".join(result.empty_themes)}
                )
            )
        summary = _(
            "%(rows)s factors read from %(file)s: %(changed)s changed, %(themes)s new themes."
        ) % {
            "rows": result.rows,
            "file": result.filename,
            "changed": len(result.changes),
            "themes": len(result.new_themes),
        }
        if dry_run:
            self.stdout.write(summary + " " + _("Dry run: nothing was saved."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    summary + " " + _("All factors are now marked as verified wording.")
                )
            )
