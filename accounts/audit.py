"""Writing the account audit list (accounts.models.AuditEvent); nothing else writes it."""

import ipaddress

from kjc.security import client_ip

from .models import AuditEvent

Kind = AuditEvent.Kind


def record(kind, *, request=None, user=None, username="", actor=None, detail=""):
    """Append one entry. `user` is the account concerned, `actor` who acted on it."""
    if user is not None and not username:
        username = user.get_username()
    address = client_ip(request) if request is not None else None
    try:
        address = str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        address = None
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=(username or "")[:150],
        actor=actor,
        ip_address=address or None,
        detail=(detail or "")[:200],
    )
