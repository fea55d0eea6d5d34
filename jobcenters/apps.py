from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobcentersConfig(AppConfig):
    name = "jobcenters"
    verbose_name = _("Jobcenters and implementation")
    # Public pages show them: every write bumps the data version (pagecache).
    page_cache_models = ["District", "Jobcenter", "Implementation", "HistoricalImplementation"]
