from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from jobcenters import roles
from jobcenters.models import StaffMembership

from . import audit
from .tokens import invitation_token


def invitation_link(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse(
        "accounts:invitation_accept",
        kwargs={"uidb64": uid, "token": invitation_token.make_token(user)},
    )
    return settings.KJC_SITE_URL + path


def invite_staff(*, actor, username, email, jobcenter, first_name="", last_name="", request=None):
    """Create a jobcenter staff account without a password and mail the one-time link
    with which the person sets their own (German, whatever language the office uses)."""
    with transaction.atomic():
        user = get_user_model().objects.create_user(
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            is_staff=True,
        )  # no password given: an unusable one, so nobody can sign in before the link
        user.groups.add(roles.ensure_groups()[roles.JOBCENTER_STAFF])
        StaffMembership.objects.create(user=user, jobcenter=jobcenter)
        audit.record(
            audit.Kind.INVITATION,
            request=request,
            user=user,
            actor=actor,
            detail=f"{jobcenter.name} <{email}>",
        )
    send_invitation(user, jobcenter=jobcenter)
    return user


def send_invitation(user, *, jobcenter):
    context = {
        "user": user,
        "jobcenter": jobcenter,
        "link": invitation_link(user),
        "expires": timezone.localdate() + timedelta(days=settings.KJC_INVITATION_DAYS),
        "site_url": settings.KJC_SITE_URL,
    }
    with translation.override("de"):
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/invitation.txt", context)
    send_mail(subject, body, None, [user.email])
