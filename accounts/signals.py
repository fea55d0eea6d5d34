"""Audit entries for Django's and django-axes' own sign-in signals."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import audit

# Set in the credentials of the user_login_failed signal that the second-factor step
# sends, so that axes counts a wrong code like a wrong password; it has its own entry.
SECOND_FACTOR = "kjc_second_factor"


@receiver(user_logged_in, dispatch_uid="accounts.audit_login")
def audit_login(sender, request, user, **kwargs):
    audit.record(audit.Kind.LOGIN, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="accounts.audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(audit.Kind.LOGOUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="accounts.audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    if credentials.get(SECOND_FACTOR):
        return
    audit.record(
        audit.Kind.LOGIN_FAILED, request=request, username=str(credentials.get("username", ""))
    )


@receiver(user_locked_out, dispatch_uid="accounts.audit_lockout")
def audit_lockout(sender, request, username=None, ip_address=None, **kwargs):
    audit.record(audit.Kind.LOCKOUT, request=request, username=str(username or ""))
