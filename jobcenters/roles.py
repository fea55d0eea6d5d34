"""The three kinds of signed-in users, expressed as Django groups.

Coordination office: edits everything, the catalogue and users.
Directors of the associations: read everything, edit nothing.
Jobcenter staff: read and edit their own jobcenters' implementations only
(which jobcenters is held by StaffMembership, not by the group).
"""

from functools import wraps

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

COORDINATION = "Koordinierungsstelle"
DIRECTORS = "Verbandsleitung"
JOBCENTER_STAFF = "Jobcenter-Mitarbeitende"
# Seeded demo accounts; refused at login unless settings.KJC_DEMO_LOGINS.
DEMO_ACCOUNTS = "Demo-Konten"

_VIEW_ALL = [
    ("factors", "view_theme"),
    ("factors", "view_factor"),
    ("jobcenters", "view_district"),
    ("jobcenters", "view_jobcenter"),
    ("jobcenters", "view_implementation"),
    ("jobcenters", "view_historicalimplementation"),
    ("reports", "view_stichtag"),
]

GROUP_PERMISSIONS = {
    COORDINATION: _VIEW_ALL
    + [
        ("factors", "add_theme"),
        ("factors", "change_theme"),
        ("factors", "add_factor"),
        ("factors", "change_factor"),
        ("jobcenters", "change_district"),
        ("jobcenters", "add_jobcenter"),
        ("jobcenters", "change_jobcenter"),
        ("jobcenters", "change_implementation"),
        ("jobcenters", "view_staffmembership"),
        ("jobcenters", "add_staffmembership"),
        ("jobcenters", "change_staffmembership"),
        ("jobcenters", "delete_staffmembership"),
        ("auth", "view_user"),
        ("auth", "add_user"),
        ("auth", "change_user"),
        ("auth", "view_group"),
        ("reports", "add_stichtag"),
        ("reports", "change_stichtag"),
        ("reports", "delete_stichtag"),
        # Lifting a login lock = deleting its access attempt (django-axes admin).
        ("axes", "view_accessattempt"),
        ("axes", "delete_accessattempt"),
        # The account audit list (accounts/), read-only for everyone.
        ("accounts", "view_auditevent"),
    ],
    DIRECTORS: list(_VIEW_ALL),
    JOBCENTER_STAFF: [
        ("factors", "view_theme"),
        ("factors", "view_factor"),
        ("jobcenters", "view_jobcenter"),
        ("jobcenters", "view_implementation"),
        ("jobcenters", "change_implementation"),
        ("jobcenters", "view_historicalimplementation"),
        ("reports", "view_stichtag"),
    ],
    DEMO_ACCOUNTS: [],
}


def ensure_groups():
    """Create the role groups with their permissions; safe to run repeatedly."""
    groups = {}
    for name, perms in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = Permission.objects.filter(
            content_type__app_label__in={app for app, _codename in perms},
            codename__in={codename for _app, codename in perms},
        )
        group.permissions.set(
            p for p in wanted if (p.content_type.app_label, p.codename) in set(perms)
        )
        groups[name] = group
    return groups


def group_names(user):
    """The names of the user's groups, read once per user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_kjc_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._kjc_group_names = cached
    return cached


def is_coordinator(user):
    return user.is_authenticated and (user.is_superuser or COORDINATION in group_names(user))


def is_director(user):
    return user.is_authenticated and DIRECTORS in group_names(user)


def sees_everything(user):
    """Coordination office and directors read every jobcenter's internal data."""
    return is_coordinator(user) or is_director(user)


def is_demo_account(user):
    return user is not None and user.is_authenticated and DEMO_ACCOUNTS in group_names(user)


def check_coordinator(user):
    """Raise PermissionDenied unless `user` is in the coordination office (the one check
    of the views and the services that only the coordination office may use)."""
    if not is_coordinator(user):
        raise PermissionDenied(_("Only the coordination office may do this."))


def coordinator_required(view):
    """Decorate a view (inside @login_required) to answer 403 to anyone but the
    coordination office."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        check_coordinator(request.user)
        return view(request, *args, **kwargs)

    return wrapper
