from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from . import roles


class DemoAwareModelBackend(ModelBackend):
    """The normal backend, except that seeded demo accounts cannot log in on a
    production site (settings.KJC_DEMO_LOGINS is on only with DEBUG)."""

    def user_can_authenticate(self, user):
        if not super().user_can_authenticate(user):
            return False
        if settings.KJC_DEMO_LOGINS:
            return True
        # From the group names, read once per user object: the role checks later in
        # the request reuse them, so this costs no query of its own.
        return roles.DEMO_ACCOUNTS not in roles.group_names(user)
