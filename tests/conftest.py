import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty page cache, as a fresh deploy would."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the site's language, as a fresh worker thread does: Django keeps
    the language of a test client's last request active in the thread, so without this a
    test's outcome would depend on which test ran before it on the same xdist worker."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
