"""A small cache-based counter for rate limits (password-reset requests).

With the default per-process memory cache each worker counts on its own; with
CACHE_URL (redis) the count is shared.
"""

from django.core.cache import cache


def allow(key, *, limit, seconds):
    """Count one event under `key`; False once more than `limit` fell in the window."""
    key = f"kjc-throttle:{key}"
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        count = 1
    return count <= limit
