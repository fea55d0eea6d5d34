from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from jobcenters.models import Jobcenter
from kjc.security import client_ip

from . import audit, lockout, throttle, twofactor


class LoginForm(AuthenticationForm):
    """Django's login form plus the per-account cap (accounts.lockout)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "account_locked": _(
            "This account has had too many failed sign-in attempts within the last "
            "%(minutes)s minutes, from whatever address. To protect it, sign-in is paused: "
            "please wait %(minutes)s minutes or ask the coordination office to unlock it."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and lockout.account_locked(username):
            audit.record(
                audit.Kind.LOGIN_FAILED,
                request=self.request,
                username=username,
                detail="account cap",
            )
            raise forms.ValidationError(
                self.error_messages["account_locked"],
                code="account_locked",
                params={"minutes": lockout.window_minutes()},
            )
        return super().clean()


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, user, device=None, **kwargs):
        self.user = user
        self.device = device
        super().__init__(*args, **kwargs)

    def clean_code(self):
        code = self.cleaned_data["code"]
        if self.device is not None:
            digits = "".join(code.split())
            matched = self.device if self.device.verify_token(digits) else None
        else:
            matched = twofactor.match(self.user, code)
        if matched is None:
            raise forms.ValidationError(
                _("This code is not valid. Please check it and try again."), code="invalid"
            )
        self.matched_device = matched
        return code


class ThrottledPasswordResetForm(PasswordResetForm):
    """Sends the reset mail at most KJC_PASSWORD_RESET_LIMIT times per hour for one
    address and per client address; the answer is the same either way."""

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def save(self, *args, request=None, **kwargs):
        request = request or self.request
        email = self.cleaned_data["email"].strip().casefold()
        limit = settings.KJC_PASSWORD_RESET_LIMIT
        by_address = throttle.allow(f"reset-email:{email}", limit=limit, seconds=3600)
        by_client = throttle.allow(
            f"reset-ip:{client_ip(request) if request else ''}", limit=limit * 2, seconds=3600
        )
        audit.record(
            audit.Kind.PASSWORD_RESET_REQUESTED,
            request=request,
            username=email,
            detail="" if by_address and by_client else "rate limited, not sent",
        )
        if by_address and by_client:
            super().save(*args, request=request, **kwargs)


class InvitationForm(forms.Form):
    username = forms.RegexField(
        label=_("User name"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        help_text=_("Letters, digits and . @ + - _ only, e.g. jc-06434-mueller."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail address"))
    jobcenter = forms.ModelChoiceField(
        label=_("Jobcenter"), queryset=Jobcenter.objects.order_by("name")
    )

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This user name is already taken."), code="taken")
        return username

    def clean_email(self):
        email = get_user_model().objects.normalize_email(self.cleaned_data["email"])
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("An account with this e-mail address already exists."), code="taken"
            )
        return email
