"""Whole-database backup and restore through Django's own serializers.

Every row with natural foreign keys: content types and permissions are rebuilt by
`migrate` on the target and found again by their natural keys, while every other row
(users, memberships, statuses, every history entry) keeps its primary key, so history
and references survive the round-trip unchanged.

The file name says the format (.json, .jsonl or .xml, each optionally .gz); a name
whose format is not written here is refused before anything is written. A restore
reads the format from the content (gzip magic, then JSON or XML), so a file whose name
lies – such as the XML that older versions wrote into `backup.json` – still restores.
"""

import datetime
import gzip
import os
import tempfile
from collections import defaultdict
from pathlib import Path
from xml.sax import SAXException

from django.apps import apps
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from pagecache import triggers

# Rebuilt by `migrate` on the target (content types, permissions), not worth keeping
# (sessions) or derived from the history and stored again on first use (day
# summaries); everything else goes into the backup.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "pagecache", "reports.daysummary"]

# File name ending -> serializer; each may be followed by .gz.
FORMATS = {".json": "json", ".jsonl": "jsonl", ".xml": "xml"}
GZIP_MAGIC = b"\x1f\x8b"
# Enough of the start of a file to find its first character past a BOM and blank lines.
SNIFF_BYTES = 4096


class BackupError(Exception):
    """A backup that cannot be written or read; the message says why, for the user."""


class RestoreRefused(BackupError):
    pass


def backed_up_models():
    excluded_apps = {label for label in EXCLUDED if "." not in label}
    excluded_models = {label for label in EXCLUDED if "." in label}
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label not in excluded_apps
        and model._meta.label_lower not in excluded_models
        and not model._meta.proxy
        and model._meta.managed
    ]


def accepted_names():
    """The endings export_all writes, for messages and tests."""
    return [f"{ending}{gz}" for ending in FORMATS for gz in ("", ".gz")]


def format_for_name(path):
    """(serializer, compressed) that the file name asks for, or BackupError."""
    suffixes = [suffix.lower() for suffix in Path(path).suffixes]
    compressed = bool(suffixes) and suffixes[-1] == ".gz"
    if compressed:
        suffixes.pop()
    if not suffixes or suffixes[-1] not in FORMATS:
        raise BackupError(
            _("Cannot write %(name)s: the file name must end in %(endings)s.")
            % {"name": Path(path).name, "endings": ", ".join(accepted_names())}
        )
    return FORMATS[suffixes[-1]], compressed


class FullPrecisionEncoder(DjangoJSONEncoder):
    """Django's JSON encoder cuts times to milliseconds; a backup keeps microseconds,
    so that history entries and "as of" snapshots come back exactly."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def _rows():
    """Every backed-up row, models ordered so natural keys exist before their use."""
    by_app = defaultdict(list)
    for model in backed_up_models():
        by_app[apps.get_app_config(model._meta.app_label)].append(model)
    for model in serializers.sort_dependencies(by_app.items(), allow_cycles=True):
        rows = model._base_manager.order_by(model._meta.pk.name)
        # A foreign key written as a natural key reads its target: joined here, not one
        # query per row (every history entry names its user).
        natural = [
            field.name
            for field in model._meta.concrete_fields
            if field.many_to_one and hasattr(field.related_model, "natural_key")
        ]
        if natural:
            rows = rows.select_related(*natural)
        yield from rows.iterator(chunk_size=2000)


def export_all(path):
    """Write every row to `path` in the format its name says; return that format."""
    fmt, compressed = format_for_name(path)
    options = {"use_natural_foreign_keys": True}
    if fmt != "xml":
        options["cls"] = FullPrecisionEncoder
    opener = gzip.open if compressed else open
    with opener(path, "wt", encoding="utf-8") as stream:
        serializers.serialize(fmt, _rows(), stream=stream, **options)
    return fmt


def sniff(path):
    """(serializer, compressed) read from the file's first bytes, not from its name."""
    with open(path, "rb") as raw:
        head = raw.read(SNIFF_BYTES)
    compressed = head.startswith(GZIP_MAGIC)
    if compressed:
        try:
            with gzip.open(path, "rb") as unpacked:
                head = unpacked.read(SNIFF_BYTES)
        except (OSError, EOFError) as error:
            raise BackupError(
                _("%(name)s is a damaged gzip file: %(error)s")
                % {"name": Path(path).name, "error": error}
            ) from None
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    formats = {b"<": "xml", b"[": "json", b"{": "jsonl"}
    if start not in formats:
        raise BackupError(
            _("%(name)s is not a backup written by export_all (neither JSON nor XML).")
            % {"name": Path(path).name}
        )
    return formats[start], compressed


def import_all(path):
    """Load a backup into a database that holds no data yet (migrated, empty)."""
    fmt, compressed = sniff(path)
    occupied = [
        model._meta.label
        for model in backed_up_models()
        if model._meta.label != "auth.Group" and model.objects.exists()
    ]
    if occupied:
        raise RestoreRefused(
            _(
                "The database is not empty (rows in: %(models)s). Restore only into a "
                "freshly migrated database."
            )
            % {"models": ", ".join(occupied)}
        )
    # loaddata knows the format only from the name: hand it the file under a name
    # that tells the truth (a link, so a large backup is not copied).
    with tempfile.TemporaryDirectory() as folder:
        honest = Path(folder) / f"backup.{fmt}{'.gz' if compressed else ''}"
        os.symlink(Path(path).resolve(), honest)
        try:
            with transaction.atomic(), triggers.suspended(connection):
                # `seed` may have created the role groups already; the backup has them too.
                Group.objects.all().delete()
                call_command("loaddata", str(honest), verbosity=0)
        except (DeserializationError, DatabaseError, ValueError, SAXException, OSError) as error:
            reason = str(error).replace(str(honest), str(path))
            raise BackupError(_("Nothing was restored: %(error)s") % {"error": reason}) from None
    return fmt
