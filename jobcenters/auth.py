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
        return not user.groups.filter(name=roles.DEMO_ACCOUNTS).exists()
