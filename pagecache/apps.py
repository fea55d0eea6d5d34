from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagecacheConfig(AppConfig):
    """The data version, its triggers and the page cache; builds on no app of the project.

    An app whose tables a public page shows names their models in its own AppConfig,
    `page_cache_models = ["Theme", "Factor"]`, and installs their triggers in one of its
    migrations (`pagecache.triggers.install`); tests/test_data_version.py checks both agree.
    """

    name = "pagecache"
    verbose_name = _("Page cache")
