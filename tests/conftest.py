import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty page cache, as a fresh deploy would."""
    cache.clear()
    yield
    cache.clear()
