from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class NameInPasswordValidator:
    """Refuses a password that contains the user name or the local part of the e-mail
    address (case-insensitive).

    Django's UserAttributeSimilarityValidator compares the whole password with each
    attribute: "jc-06434jc-06434" against "jc-06434" has a similarity ratio of
    2·8/24 = 0.67, under its 0.7 limit, so the user name twice passes there.
    """

    min_length = 3

    def validate(self, password, user=None):
        if user is None or not password:
            return
        lowered = password.casefold()
        names = [getattr(user, "username", "") or ""]
        email = getattr(user, "email", "") or ""
        if "@" in email:
            names.append(email.split("@", 1)[0])
        for name in names:
            name = name.casefold()
            if len(name) >= self.min_length and name in lowered:
                raise ValidationError(
                    _("The password must not contain your user name or e-mail address."),
                    code="password_contains_name",
                )

    def get_help_text(self):
        return _("Your password must not contain your user name or e-mail address.")
