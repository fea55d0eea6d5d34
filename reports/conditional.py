"""Conditional GET and caching for the open-data page, the downloads and the API.

They share the public pages' data version (pagecache): every change to
statuses, history, catalogue, districts or Stichtage bumps it, so a save, an import
dated into the past, a catalogue edit or a deploy never gets a stale 304 or a stale
cached download.
"""

from jobcenters.models import Implementation
from pagecache.decorators import data_state, public_page


def last_change(request, *args, **kwargs):
    """When the data last changed (the Last-Modified header's time); no extra query."""
    return data_state(request).changed_at


def data_version(request):
    """The data version (one primary-key query, shared with the page cache)."""
    return data_state(request).version


def stand(request):
    """The one "Stand" of the data: the latest released change
    (Implementation.objects.latest_change(), read once per request)."""
    if not hasattr(request, "_kjc_stand"):
        request._kjc_stand = Implementation.objects.latest_change()
    return request._kjc_stand


# The open-data page, the downloads and the API: one decorator, as for public pages.
public_data = public_page
