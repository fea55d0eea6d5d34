"""Who publishes the data: the operator's details from the settings, for every document."""

from django.conf import settings

FALLBACK_NAME = "KJC Monitor"


def operator():
    """Name, e-mail, phone, address of the operator (name falls back to the site's)."""
    return {
        "name": settings.KJC_OPERATOR_NAME or FALLBACK_NAME,
        "email": settings.KJC_OPERATOR_EMAIL,
        "phone": settings.KJC_OPERATOR_PHONE,
        "address": settings.KJC_OPERATOR_ADDRESS,
    }
