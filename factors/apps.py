from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FactorsConfig(AppConfig):
    name = "factors"
    verbose_name = _("Catalogue of success factors")
    # Public pages show them: every write bumps the data version (pagecache).
    page_cache_models = ["Theme", "Factor"]
