from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jobcenters import notifications
from reports.models import Stichtag


class Command(BaseCommand):
    help = (
        "Mail each jobcenter's staff (active users with an e-mail address) the entries that are "
        "not reported yet or unchanged for --days days (default: KJC_STALE_MONTHS months), "
        "each with a link to the editor. Nobody gets mail when nothing is open. Cron-friendly."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            help=f"Unchanged for this many days counts as stale (default: "
            f"{settings.KJC_STALE_MONTHS} months, from KJC_STALE_MONTHS).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print who would get what; send nothing."
        )

    def handle(self, *args, days=None, dry_run=False, **options):
        if days is not None and days < 1:
            raise CommandError(_("--days must be at least 1."))
        # The reporting rounds come from here: reports builds on jobcenters, not the reverse.
        stichtage = Stichtag.objects.values_list("date", flat=True)
        mails = notifications.reminder_mails(days=days, stichtage=list(stichtage))
        if dry_run:
            for line in notifications.dry_run_lines(mails):
                self.stdout.write(line)
            self.stdout.write(
                _("Dry run: %(count)s reminder(s) would be sent.") % {"count": len(mails)}
            )
            return
        sent = notifications.send(mails)
        self.stdout.write(_("%(count)s reminder(s) sent.") % {"count": sent})
