from django.db import DatabaseError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from kjc.middleware import database_unavailable_response, is_outage

from . import twofactor

# URL families that need the second factor when the user must have one: the admin, the
# editor with its exports and imports, review, catalogue import, the dashboard and its
# export, and the coordination office's account pages.
PROTECTED_NAMESPACES = {"admin", "jobcenters", "factors"}  # factors: the catalogue import
PROTECTED_PREFIXES = ("reports:dashboard",)
PROTECTED_VIEWS = {
    "accounts:account_list",
    "accounts:invite",
    "accounts:audit_list",
    "accounts:reset_factor",
    "accounts:unlock",
    "accounts:backup_codes",
}


def is_protected(match):
    view_name = match.view_name
    return (
        bool(PROTECTED_NAMESPACES.intersection(match.namespaces))
        or view_name.startswith(PROTECTED_PREFIXES)
        or view_name in PROTECTED_VIEWS
    )


class SecondFactorMiddleware:
    """Users who must confirm a second factor and have not are sent to set-up or
    verification before any protected page; after django-otp's OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or not is_protected(match):
            return None
        user = request.user
        try:
            if not twofactor.second_factor_required(user) or user.is_verified():
                return None
            has_device = twofactor.has_confirmed_device(user)
        except DatabaseError as error:
            # Hooks of other middleware are outside the view's exception handling:
            # answer the outage page here, and never let the page through unchecked.
            if is_outage(error):
                return database_unavailable_response()
            raise
        target = "accounts:verify" if has_device else "accounts:two_factor_setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
