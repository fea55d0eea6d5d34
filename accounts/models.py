from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One entry of the append-only account audit list: who, when, from where, what.

    Nobody edits or deletes entries: the model has only the "view" permission, the admin
    refuses every change, and the code only ever creates rows (accounts.audit.record).
    """

    class Kind(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Sign-in failed")
        LOCKOUT = "lockout", _("Sign-in locked")
        LOGOUT = "logout", _("Signed out")
        OTP_VERIFIED = "otp_verified", _("Second factor confirmed")
        OTP_FAILED = "otp_failed", _("Wrong second-factor code")
        OTP_SETUP = "otp_setup", _("Second factor set up")
        OTP_RESET = "otp_reset", _("Second factor reset")
        BACKUP_CODES = "backup_codes", _("New backup codes")
        INVITATION = "invitation", _("Invitation sent")
        INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
        PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
        PASSWORD_RESET = "password_reset", _("Password was reset")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        UNLOCK = "unlock", _("Account unlocked")

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=32, choices=Kind.choices)
    # The account concerned; kept as text too, so failed sign-ins with unknown names
    # and deleted users stay readable.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("user name"), max_length=150, blank=True, db_index=True)
    # Who did it, when that is someone else (the coordination office inviting or resetting).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit list")
        ordering = ["-created_at", "-pk"]
        default_permissions = ("view",)
        indexes = [models.Index(fields=["username", "kind", "created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.username}"
