from django.contrib.auth import views as auth_views
from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "accounts"

urlpatterns = [
    path("anmelden/", views.LoginView.as_view(), name="login"),
    path("abmelden/", views.LogoutView.as_view(), name="logout"),
    path("anmelden/bestaetigen/", views.verify, name="verify"),
    path("konto/", views.account_home, name="account"),
    path("konto/zwei-faktor/", views.two_factor_setup, name="two_factor_setup"),
    path("konto/ersatzcodes/", views.backup_codes, name="backup_codes"),
    path("konto/passwort/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "konto/passwort/geaendert/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("passwort-vergessen/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "passwort-vergessen/gesendet/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "passwort-neu/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "passwort-neu/fertig/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path(
        "konten/einladung/<uidb64>/<token>/",
        views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    path(
        "konten/einladung/fertig/",
        # The reset's "password saved" page, with the invitation's next step.
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html",
            extra_context={
                "next_step": _(
                    "Your account is ready. Sign in now; you will then set up the second factor."
                )
            },
        ),
        name="invitation_done",
    ),
    path("konten/", views.account_list, name="account_list"),
    path("konten/einladen/", views.invite, name="invite"),
    path("konten/protokoll/", views.audit_list, name="audit_list"),
    path("konten/<int:pk>/zweiter-faktor/", views.reset_factor, name="reset_factor"),
    path("konten/<int:pk>/entsperren/", views.unlock, name="unlock"),
]
