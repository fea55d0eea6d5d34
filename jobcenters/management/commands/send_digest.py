import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from jobcenters import notifications
from jobcenters.models import DigestLog


def parse_since(value):
    """An aware datetime at the start of the given day (ISO or TT.MM.JJJJ) or moment (ISO)."""
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            day = datetime.datetime.strptime(value, pattern)
        except ValueError:
            continue
        return timezone.make_aware(day)
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("--since %(value)s is no date; use e.g. 2026-11-18 or 18.11.2026.") % {"value": value}
        ) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = (
        "Mail the association directors (active, with an e-mail address) every change to the "
        "implementation statuses since --since (default: since the last digest, or the last "
        f"{notifications.DEFAULT_DIGEST_DAYS} days): jobcenter, factor, field old → new, who, "
        "when. No mail when nothing changed. Without --since it continues where the last digest "
        "ended. Run it weekly from cron without --since."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="Start date, e.g. 2026-11-18 or 18.11.2026.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Print who would get what; send nothing."
        )

    def handle(self, *args, since=None, dry_run=False, **options):
        now = timezone.now()
        last = DigestLog.objects.order_by("-period_end").first()
        if since:
            start = parse_since(since)
        elif last:
            # Continue exactly where the last digest ended.
            start = last.period_end
        else:
            start = now - datetime.timedelta(days=notifications.DEFAULT_DIGEST_DAYS)
        if start > now:
            raise CommandError(_("--since lies in the future."))
        mails = notifications.digest_mails(since=start, until=now)
        if not mails:
            self.stdout.write(
                _("No changes (or no director with an e-mail address); nothing sent.")
            )
            return
        if dry_run:
            for line in notifications.dry_run_lines(mails):
                self.stdout.write(line)
            self.stdout.write(
                _("Dry run: %(count)s digest(s) would be sent.") % {"count": len(mails)}
            )
            return
        sent = notifications.send(mails)
        DigestLog.objects.create(period_start=start, period_end=now, recipients=sent)
        self.stdout.write(_("%(count)s digest(s) sent.") % {"count": sent})
