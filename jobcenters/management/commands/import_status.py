from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jobcenters import spreadsheets
from jobcenters.models import Jobcenter
from kjc.uploads import upload_limit, upload_limit_mb


class Command(BaseCommand):
    help = (
        "Check a status spreadsheet (XLSX or CSV in the export format) as USER and list every "
        "change; with --apply, write them all or nothing, in the history under USER."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="XLSX or CSV file in the export format.")
        parser.add_argument(
            "--user", required=True, help="Import as this user, with this user's permissions."
        )
        parser.add_argument(
            "--jobcenter",
            metavar="AGS",
            help="Limit the file to this jobcenter; rows without an AGS then belong to it.",
        )
        parser.add_argument(
            "--apply", action="store_true", help="Write the changes (default: preview only)."
        )

    def handle(self, *args, file, user, jobcenter=None, apply=False, **options):
        importer = self._user(user)
        scope = None
        if jobcenter:
            scope = (
                Jobcenter.objects.editable_by(importer)
                .select_related("district")
                .filter(district__ags=jobcenter)
                .first()
            )
            if scope is None:
                raise CommandError(
                    _("%(user)s may not change the jobcenter %(ags)s (or it does not exist).")
                    % {"user": importer.get_username(), "ags": jobcenter}
                )
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        if path.stat().st_size > upload_limit():
            raise CommandError(
                _("The file is larger than %(limit)s MB; please split it.")
                % {"limit": upload_limit_mb()}
            )
        preview = spreadsheets.preview_import(path.read_bytes(), user=importer, jobcenter=scope)
        if preview.errors:
            self._errors(preview.errors)
        for change in preview.changes:
            for label, old, new in change.display():
                self.stdout.write(
                    _("Line %(line)s: %(ags)s factor %(number)s, %(field)s: %(old)s → %(new)s")
                    % {
                        "line": change.line,
                        "ags": change.ags,
                        "number": change.factor,
                        "field": label,
                        "old": _one_line(old),
                        "new": _one_line(new),
                    }
                )
        self.stdout.write(
            _("%(rows)s rows read, %(changed)s entries with %(fields)s changed fields.")
            % {
                "rows": preview.rows,
                "changed": len(preview.changes),
                "fields": preview.field_changes,
            }
        )
        if not preview.changes:
            self.stdout.write(_("Nothing to change."))
            return
        if not apply:
            self.stdout.write(_("Preview only: nothing was saved. Run again with --apply."))
            return
        try:
            count = spreadsheets.apply_import(preview.changes, user=importer)
        except spreadsheets.ImportRefused as exc:
            self._errors(exc.errors)
        self.stdout.write(
            self.style.SUCCESS(_("%(count)s entries were updated.") % {"count": count})
        )

    def _user(self, username):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(_("No user named %(name)s.") % {"name": username}) from None
        if not user.is_active:
            raise CommandError(_("The user %(name)s is inactive.") % {"name": username})
        return user

    def _errors(self, errors):
        for error in errors:
            if error.line:
                self.stderr.write(
                    _("Line %(line)s: %(message)s") % {"line": error.line, "message": error.message}
                )
            else:
                self.stderr.write(error.message)
        raise CommandError(
            _("Nothing was changed: %(count)s problems found.") % {"count": len(errors)}
        )


def _one_line(text):
    text = " ".join(str(text).split())
    return text if len(text) <= 80 else text[:79] + "…"
