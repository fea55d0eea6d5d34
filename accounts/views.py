from base64 import b32encode

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from jobcenters import roles
from jobcenters.models import Jobcenter

from . import audit, lockout, twofactor
from .forms import CodeForm, InvitationForm, LoginForm, ThrottledPasswordResetForm
from .models import AuditEvent
from .services import invite_staff
from .signals import SECOND_FACTOR
from .tokens import invitation_token


def start_page(user):
    """Where a user lands after signing in: staff with one jobcenter in its editor,
    directors and the coordination office on the dashboard."""
    if roles.sees_everything(user):
        return reverse("reports:dashboard")
    ags = list(Jobcenter.objects.editable_by(user).values_list("district__ags", flat=True)[:2])
    if len(ags) == 1:
        return reverse("jobcenters:edit_jobcenter", args=[ags[0]])
    if ags:
        return reverse("jobcenters:editor_index")
    return reverse("public:home")


def safe_next(request, default):
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def page_number(request):
    """?seite= as a bounded number; anything else is the first page."""
    value = request.GET.get("seite", "")
    return int(value) if value.isdigit() and len(value) <= 6 else 1


def coordinator_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not roles.is_coordinator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        # An unsafe or missing `next` lands here: the user's own start page.
        return start_page(self.request.user)


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("public:home")


def admin_login(request, extra_context=None):
    """The admin's login is the site's: one form, one lockout, one second factor."""
    target = reverse("accounts:login")
    nxt = request.GET.get(REDIRECT_FIELD_NAME)
    if nxt:
        target += "?" + urlencode({REDIRECT_FIELD_NAME: nxt})
    return redirect(target)


@login_required
def verify(request):
    """The second step after the password: a code from the app or a backup code."""
    user = request.user
    default = start_page(user)
    if user.is_verified():
        return redirect(safe_next(request, default))
    if not twofactor.has_confirmed_device(user):
        return redirect(_with_next(reverse("accounts:two_factor_setup"), request))
    form = CodeForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            otp_login(request, form.matched_device)
            audit.record(audit.Kind.OTP_VERIFIED, request=request, user=user)
            return redirect(safe_next(request, default))
        response = _wrong_code(request, user)
        if response is not None:
            return response
    return render(request, "accounts/verify.html", {"form": form, "next": safe_next(request, "")})


def _wrong_code(request, user):
    """Count a wrong code like a wrong password (django-axes and the account cap)."""
    audit.record(audit.Kind.OTP_FAILED, request=request, user=user)
    user_login_failed.send(
        sender=__name__,
        credentials={"username": user.get_username(), SECOND_FACTOR: True},
        request=request,
    )
    if getattr(request, "axes_locked_out", False) or lockout.account_locked(user.get_username()):
        username = user.get_username()
        logout(request)
        request.axes_locked_out = True
        return render(
            request,
            "axes/locked_out.html",
            {"failure_limit": settings.AXES_FAILURE_LIMIT, "username": username},
            status=settings.AXES_HTTP_RESPONSE_CODE,
        )
    return None


def _with_next(url, request):
    nxt = safe_next(request, "")
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: nxt})}" if nxt else url


@login_required
def two_factor_setup(request):
    """Set up the authenticator app: QR code (server-drawn SVG), then one code to confirm."""
    user = request.user
    if twofactor.has_confirmed_device(user) and not user.is_verified():
        # Adding a device needs the existing factor first.
        return redirect(_with_next(reverse("accounts:verify"), request))
    device = twofactor.pending_totp_device(user)
    form = CodeForm(request.POST or None, user=user, device=device)
    if request.method == "POST":
        if form.is_valid():
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            codes = twofactor.new_backup_codes(user)
            audit.record(audit.Kind.OTP_SETUP, request=request, user=user)
            return render(
                request,
                "accounts/backup_codes.html",
                {"codes": codes, "next": safe_next(request, start_page(user)), "new": True},
            )
        response = _wrong_code(request, user)
        if response is not None:
            return response
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": twofactor.qr_svg(device),
            "secret": _grouped(device),
            "next": safe_next(request, ""),
        },
    )


def _grouped(device):
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@require_POST
@login_required
def backup_codes(request):
    """New backup codes (the old ones stop working); needs the second factor."""
    if not request.user.is_verified():
        return redirect(reverse("accounts:verify"))
    codes = twofactor.new_backup_codes(request.user)
    audit.record(audit.Kind.BACKUP_CODES, request=request, user=request.user)
    return render(
        request,
        "accounts/backup_codes.html",
        {"codes": codes, "next": start_page(request.user), "new": False},
    )


@require_safe
@login_required
def account_home(request):
    """The signed-in user's own account: password, second factor, backup codes."""
    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "has_device": twofactor.has_confirmed_device(user),
            "required": twofactor.second_factor_required(user),
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(audit.Kind.PASSWORD_CHANGED, request=self.request, user=form.user)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ThrottledPasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        # The e-mail is German (the site's first language), as the invitation is.
        with translation.override("de"):
            return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    audit_kind = audit.Kind.PASSWORD_RESET

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(self.audit_kind, request=self.request, user=form.user)
        return response


class InvitationAcceptView(PasswordResetConfirmView):
    """The invitation link: the person sets their own first password, once."""

    template_name = "accounts/invitation_accept.html"
    token_generator = invitation_token
    success_url = reverse_lazy("accounts:invitation_done")
    reset_url_token = "einladung"
    audit_kind = audit.Kind.INVITATION_ACCEPTED


@coordinator_required
def invite(request):
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = invite_staff(actor=request.user, request=request, **form.cleaned_data)
        messages.success(
            request,
            _("Invitation sent to %(email)s. The link expires after %(days)s day(s).")
            % {"email": user.email, "days": settings.KJC_INVITATION_DAYS},
        )
        return redirect("accounts:account_list")
    return render(
        request,
        "accounts/invite.html",
        {"form": form, "invitation_days": settings.KJC_INVITATION_DAYS},
    )


@require_safe
@coordinator_required
def account_list(request):
    """Every account with its second-factor state and lock, for the coordination office."""
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .annotate(has_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
        .order_by("username")
    )
    page = Paginator(users, 100).get_page(page_number(request))
    for user in page:
        user.locked = lockout.account_locked(user.username)
    return render(request, "accounts/account_list.html", {"page": page})


@require_POST
@coordinator_required
def reset_factor(request, pk):
    user = get_object_or_404(get_user_model(), pk=pk)
    twofactor.reset_devices(user)
    audit.record(audit.Kind.OTP_RESET, request=request, user=user, actor=request.user)
    messages.success(
        request,
        _("The second factor of %(name)s was removed; they set up a new one at their next sign-in.")
        % {"name": user.get_username()},
    )
    return redirect("accounts:account_list")


@require_POST
@coordinator_required
def unlock(request, pk):
    user = get_object_or_404(get_user_model(), pk=pk)
    AccessAttempt.objects.filter(username=user.get_username()).delete()
    audit.record(audit.Kind.UNLOCK, request=request, user=user, actor=request.user)
    messages.success(request, _("Sign-in for %(name)s is unlocked.") % {"name": user.username})
    return redirect("accounts:account_list")


@require_safe
@coordinator_required
def audit_list(request):
    events = AuditEvent.objects.select_related("actor")
    kind = request.GET.get("art", "")
    if kind in AuditEvent.Kind.values:
        events = events.filter(kind=kind)
    # PostgreSQL refuses NUL in text: such a name matches nothing anyway.
    name = request.GET.get("konto", "").replace("\x00", "").strip()[:150]
    if name:
        events = events.filter(username__iexact=name)
    page = Paginator(events, 100).get_page(page_number(request))
    return render(
        request,
        "accounts/audit_list.html",
        {"page": page, "kinds": AuditEvent.Kind.choices, "kind": kind, "name": name},
    )
