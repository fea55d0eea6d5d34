"""Reminder and digest e-mails, built from a bounded number of queries.

Both are plain-text mails sent through Django's e-mail backend (console in
development, SMTP from the environment in production, in-memory in tests).
Links are absolute, based on settings.KJC_SITE_URL.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db.models import OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import roles
from .models import (
    Implementation,
    PendingChange,
    StaffMembership,
    Status,
    display_value,
    stale_cutoff,
)
from .services import EDITABLE_FIELDS

DEFAULT_SITE_URL = "http://127.0.0.1:8000"
DEFAULT_DIGEST_DAYS = 7
# A note in a digest is cut to this many characters; the full text is on the site.
DIGEST_TEXT_LIMIT = 200


def site_url():
    return getattr(settings, "KJC_SITE_URL", "") or DEFAULT_SITE_URL


def absolute(path):
    return site_url().rstrip("/") + path


def edit_link(ags, factor_number=None):
    """The editor of one jobcenter, optionally at one factor's row."""
    url = absolute(reverse("jobcenters:edit_jobcenter", args=[ags]))
    return f"{url}#factor-{factor_number}" if factor_number else url


@dataclass
class Mail:
    user: object
    subject: str
    body: str
    # What the mail is about, for --dry-run output and tests.
    items: list = field(default_factory=list)

    def message(self, connection=None):
        return EmailMessage(
            subject=self.subject,
            body=self.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[self.user.email],
            connection=connection,
        )


def send(mails):
    """Send all mails over one connection; returns how many went out."""
    if not mails:
        return 0
    connection = get_connection()
    return connection.send_messages([mail.message(connection) for mail in mails]) or 0


def dry_run_lines(mails):
    """What --dry-run prints per mail: recipient, subject and body."""
    for mail in mails:
        yield f"--- {mail.user.email} ({mail.user.get_username()})"
        yield _("Subject: %(subject)s") % {"subject": mail.subject}
        yield mail.body


def _render(template, context):
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"jobcenters/email/{template}_subject.txt", context)
        body = render_to_string(f"jobcenters/email/{template}.txt", context)
    return " ".join(subject.split()), body


# --- Reminders -------------------------------------------------------------------


@dataclass
class ReminderSection:
    jobcenter: object
    link: str
    entries: list  # [(implementation, link, is_not_reported)]


def reporting_dates(today, stichtage):
    """(last of the dates `stichtage` before today, next from today on), each or None."""
    dates = sorted(stichtage)
    previous = [d for d in dates if d < today]
    upcoming = [d for d in dates if d >= today]
    return (previous[-1] if previous else None), (upcoming[0] if upcoming else None)


def reminder_mails(*, days=None, now=None, stichtage=()):
    """One mail per staff member with open entries.

    `stichtage`: the reporting dates (reports.Stichtag, which builds on this app;
    the caller reads them: reports' send_reminders command).

    An entry is open when it is not reported yet, unchanged for `days` days
    (default: settings.KJC_STALE_MONTHS), or unchanged since the last Stichtag
    while a next Stichtag lies ahead (it has not been reported for the current
    round yet); not when a change of it is submitted for release (review step),
    but again when that is sent back. Only active users with an e-mail address are asked; a user who
    reports for several jobcenters gets one mail with a section per jobcenter.
    Two queries.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=days) if days else stale_cutoff(now=now)
    today = timezone.localdate(now)
    last_stichtag, next_stichtag = reporting_dates(today, stichtage)
    if last_stichtag and next_stichtag:
        round_start = timezone.make_aware(
            datetime.datetime.combine(last_stichtag + datetime.timedelta(days=1), datetime.time())
        )
        cutoff = max(cutoff, round_start)
    memberships = (
        StaffMembership.objects.filter(user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "jobcenter__district")
        .order_by("user__username", "jobcenter__district__ags")
    )
    memberships = list(memberships)
    open_entries = {}
    for impl in (
        Implementation.objects.filter(jobcenter__in={m.jobcenter_id for m in memberships})
        .filter(Q(updated_at__lt=cutoff) | Q(status=Status.NOT_REPORTED))
        # A change submitted for release (review step) is reported; it waits for the
        # coordination office, not for the jobcenter. A draft sent back stays open.
        .exclude(pending_change__state=PendingChange.State.SUBMITTED)
        .select_related("factor")
        .order_by("jobcenter_id", "factor__number")
    ):
        open_entries.setdefault(impl.jobcenter_id, []).append(impl)

    by_user = {}
    for membership in memberships:
        entries = open_entries.get(membership.jobcenter_id)
        if not entries:
            continue
        ags = membership.jobcenter.district.ags
        section = ReminderSection(
            jobcenter=membership.jobcenter,
            link=edit_link(ags),
            entries=[
                (impl, edit_link(ags, impl.factor.number), impl.status == Status.NOT_REPORTED)
                for impl in entries
            ],
        )
        by_user.setdefault(membership.user.pk, (membership.user, []))[1].append(section)

    mails = []
    for user, sections in by_user.values():
        count = sum(len(s.entries) for s in sections)
        subject, body = _render(
            "reminder",
            {
                "user": user,
                "sections": sections,
                "count": count,
                "cutoff": timezone.localtime(cutoff),
                "next_stichtag": next_stichtag,
                "site_url": site_url(),
            },
        )
        items = [
            (s.jobcenter.district.ags, impl.factor.number)
            for s in sections
            for impl, *_ in s.entries
        ]
        mails.append(Mail(user=user, subject=subject, body=body, items=items))
    return mails


# --- Digest ----------------------------------------------------------------------


@dataclass
class DigestChange:
    when: datetime.datetime
    who: str
    jobcenter: object
    factor: object
    link: str
    fields: list  # [(label, old text, new text)]


def digest_changes(*, since, until=None):
    """Every change to an implementation since `since`, field by field, oldest first.

    Three queries: the history records in the period, the last record of each
    touched row before the period (to diff the first change against), and the
    rows' jobcenters and factors.
    """
    until = until or timezone.now()
    History = Implementation.history.model
    records = list(
        History.objects.filter(history_date__gte=since, history_date__lt=until)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    if not records:
        return []
    ids = {r.id for r in records}
    latest_before = (
        History.objects.filter(id=OuterRef("id"), history_date__lt=since)
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    previous = {
        r.id: r
        for r in History.objects.filter(id__in=ids, history_date__lt=since).filter(
            history_id=Subquery(latest_before)
        )
    }
    rows = {
        impl.pk: impl
        for impl in Implementation.objects.filter(pk__in=ids).select_related(
            "jobcenter__district", "factor"
        )
    }
    labels = {f.name: f.verbose_name for f in Implementation._meta.fields}
    changes = []
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        impl = rows.get(record.id)
        if impl is None or record.history_type == "-":
            continue
        fields = []
        for name in EDITABLE_FIELDS:
            new = getattr(record, name)
            old = getattr(before, name) if before is not None else None
            if before is not None and old == new:
                continue
            if before is None and new in (None, "", 0, Status.NOT_REPORTED):
                continue  # a new row's defaults are no news
            fields.append(
                (
                    str(labels[name]),
                    _short(display_value(name, old)),
                    _short(display_value(name, new)),
                )
            )
        if not fields:
            continue
        user = record.history_user
        changes.append(
            DigestChange(
                when=timezone.localtime(record.history_date),
                who=(user.get_full_name() or user.get_username()) if user else "–",
                jobcenter=impl.jobcenter,
                factor=impl.factor,
                link=edit_link(impl.jobcenter.district.ags, impl.factor.number),
                fields=fields,
            )
        )
    changes.sort(key=lambda c: (c.jobcenter.district.ags, c.factor.number, c.when))
    return changes


def _short(text):
    text = " ".join(str(text).split())
    return text if len(text) <= DIGEST_TEXT_LIMIT else text[: DIGEST_TEXT_LIMIT - 1] + "…"


def director_recipients():
    """Active directors with an e-mail address (one query)."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.DIRECTORS)
        .exclude(email="")
        .distinct()
        .order_by("username")
    )


def digest_mails(*, since, until=None):
    """One mail per director listing every change since `since`; none if nothing changed."""
    changes = digest_changes(since=since, until=until)
    if not changes:
        return []
    recipients = director_recipients()
    mails = []
    for user in recipients:
        subject, body = _render(
            "digest",
            {
                "user": user,
                "changes": changes,
                "count": len(changes),
                "since": timezone.localtime(since),
                "site_url": site_url(),
            },
        )
        items = [(c.jobcenter.district.ags, c.factor.number) for c in changes]
        mails.append(Mail(user=user, subject=subject, body=body, items=items))
    return mails
