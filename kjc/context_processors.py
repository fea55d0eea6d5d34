from django.conf import settings

from factors.models import Factor


def site(request):
    """Values every page's layout needs: the provisional-catalogue notice and operator data."""
    return {
        "catalogue_is_provisional": lambda: Factor.objects.has_unverified(),
        "operator": {
            "name": settings.KJC_OPERATOR_NAME,
            "address": settings.KJC_OPERATOR_ADDRESS,
            "email": settings.KJC_OPERATOR_EMAIL,
            "phone": settings.KJC_OPERATOR_PHONE,
        },
    }
