"""Database triggers that count every change to the data the public pages show.

Each INSERT, UPDATE or DELETE on a watched table bumps the one DataVersion row in
the same transaction, whoever writes: the services, the admin, a queryset
.update(), a bulk import, loaddata or raw SQL. Signals or explicit calls in each
write path would miss some of these; a page cached under an outdated version
would then be served for ever.

Readers take the version first and the data after it, so a page can at worst be
newer than its key (harmless), never older: the bump becomes visible together
with the data, at commit.

Which tables are watched is each app's own business: its AppConfig lists the models
(`page_cache_models`) and one of its migrations calls `install` for their tables.
Add functions here, never change the SQL an applied migration has created.
"""

from contextlib import contextmanager

from django.apps import apps

# The table kept the name it got when the model lived in `jobcenters`.
VERSION_TABLE = "jobcenters_dataversion"


def watched_tables():
    """The tables of every model an app registered with the page cache, sorted."""
    return sorted(
        config.get_model(name)._meta.db_table
        for config in apps.get_app_configs()
        for name in getattr(config, "page_cache_models", ())
    )


def installed_tables(connection):
    """The tables that carry a bump trigger in the database (for the consistency test)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE t.tgname LIKE 'kjc_dv_%%'"
            )
        else:
            cursor.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_master"
                " WHERE type = 'trigger' AND name LIKE 'kjc_dv_%'"
            )
        return sorted(row[0] for row in cursor.fetchall())


_SQLITE_TRIGGER = """
CREATE TRIGGER {name} AFTER {event} ON {table}
BEGIN
    UPDATE {version} SET counter = counter + 1,
        changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
    WHERE id = 1;
END
"""

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION kjc_bump_data_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {version} SET counter = counter + 1, changed_at = clock_timestamp()
    WHERE id = 1;
    RETURN NULL;
END
$$
"""

# Statement-level: a bulk insert of thousands of history rows bumps once, not per row.
_PG_TRIGGER = """
CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION kjc_bump_data_version()
"""

_SQLITE_EVENTS = {"ins": "INSERT", "upd": "UPDATE", "del": "DELETE"}


def _trigger_name(table, suffix=""):
    return f"kjc_dv_{table}{suffix}"


def install(schema_editor, tables):
    """Create the bump triggers on `tables` (SQLite or PostgreSQL)."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(_PG_FUNCTION.format(version=VERSION_TABLE))
        for table in tables:
            schema_editor.execute(_PG_TRIGGER.format(name=_trigger_name(table), table=table))
    elif vendor == "sqlite":
        for table in tables:
            for suffix, event in _SQLITE_EVENTS.items():
                schema_editor.execute(
                    _SQLITE_TRIGGER.format(
                        name=_trigger_name(table, f"_{suffix}"),
                        event=event,
                        table=table,
                        version=VERSION_TABLE,
                    )
                )
    else:  # pragma: no cover - the project supports exactly these two
        raise NotImplementedError(f"No data-version triggers for {vendor}.")


def remove(schema_editor, tables):
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(table)} ON {table}")
        else:
            for suffix in _SQLITE_EVENTS:
                schema_editor.execute(
                    f"DROP TRIGGER IF EXISTS {_trigger_name(table, f'_{suffix}')}"
                )


@contextmanager
def suspended(connection):
    """Within a transaction: no bump per statement, one bump at the end.

    For bulk loads that write row by row (a restore: one INSERT per object).
    PostgreSQL keeps every version of a row that one transaction updates, so
    hundreds of thousands of bumps in one transaction slow down quadratically.
    On failure the transaction's rollback re-enables the triggers (ALTER TABLE is
    transactional). SQLite updates the row in place and needs none of this.
    """
    if connection.vendor != "postgresql":
        yield
        return
    tables = watched_tables()
    # ALTER TABLE refuses while deferred foreign-key checks are pending: run them now.
    connection.check_constraints()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {_trigger_name(table)}")
    yield
    connection.check_constraints()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {_trigger_name(table)}")
        cursor.execute(
            f"UPDATE {VERSION_TABLE} SET counter = counter + 1,"
            " changed_at = clock_timestamp() WHERE id = 1"
        )
