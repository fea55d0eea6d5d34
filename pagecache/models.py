import uuid
from datetime import UTC

from django.db import IntegrityError, InterfaceError, OperationalError, connections, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DataVersionManager(models.Manager):
    def current(self):
        """(generation, counter, changed_at) of the data: one primary-key query.

        Every public request runs this, cached page or not, so it is plain SQL rather
        than an ORM query. The row is created by the migration; if a flush removed it,
        a new row with a new generation starts, so no key of the old counter is reused.
        """
        connection = connections[self.db]
        # On a reused connection Django would first run its health check (CONN_HEALTH_
        # CHECKS: a `SELECT 1`), a second round trip on every cached page. This query
        # checks the connection just as well, so it stands in for that check: on a
        # dead connection it reconnects and asks again, once.
        stands_in = (
            connection.health_check_enabled
            and not connection.health_check_done
            and not connection.in_atomic_block
        )
        if stands_in:
            connection.health_check_done = True
        try:
            row = self._read(connection)
        except (OperationalError, InterfaceError):
            if not stands_in:
                raise
            connection.close()
            row = self._read(connection)
        if row is None:
            try:
                version = self.create(pk=1)
            except IntegrityError:  # another request created it just now
                return self.current()
            row = version.generation, version.counter, version.changed_at
        generation, counter, changed_at = row
        if isinstance(generation, uuid.UUID):  # PostgreSQL; SQLite gives the hex string
            generation = generation.hex
        if timezone.is_naive(changed_at):  # SQLite stores UTC without a zone
            changed_at = timezone.make_aware(changed_at, UTC)
        return generation, counter, changed_at

    def _read(self, connection):
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT generation, counter, changed_at FROM {table} WHERE id = 1")
            return cursor.fetchone()


class DataVersion(models.Model):
    """One row counting every change to the data the public pages show.

    Bumped by database triggers (pagecache/triggers.py) on the tables each app
    registers, so that cached pages and ETags are keyed by it and invalidation is
    exact. Never written by the app. The table keeps the name it was created with
    when the model lived in `jobcenters`.
    """

    generation = models.UUIDField(default=uuid.uuid4, editable=False)
    counter = models.BigIntegerField(default=0, editable=False)
    changed_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = DataVersionManager()

    class Meta:
        db_table = "jobcenters_dataversion"
        verbose_name = _("data version")
        verbose_name_plural = _("data versions")

    def __str__(self):
        return f"{self.generation}:{self.counter}"
