from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Dashboards for signed-in users, open-data exports and the read-only JSON API."""

    name = "reports"
    verbose_name = _("Reports and open data")
    # The open data and the API offer them: every write bumps the data version (pagecache).
    page_cache_models = ["Stichtag"]
