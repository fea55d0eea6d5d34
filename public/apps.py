from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    """The public, read-only website: start page, map, factors, jobcenters, matrix, legal pages."""

    name = "public"
    verbose_name = _("Public website")
