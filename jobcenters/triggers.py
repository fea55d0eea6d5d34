"""Frozen copy of the trigger SQL for the landed migrations jobcenters 0006 and reports 0002.

They import this module and must keep working unchanged; the code that the app runs
lives in pagecache/triggers.py. Nothing else imports this module; do not change it.

Database triggers that count every change to the data the public pages show.

Each INSERT, UPDATE or DELETE on a watched table bumps the one DataVersion row in
the same transaction, whoever writes: the services, the admin, a queryset
.update(), a bulk import, loaddata or raw SQL. Signals or explicit calls in each
write path would miss some of these; a page cached under an outdated version
would then be served for ever.

Readers take the version first and the data after it, so a page can at worst be
newer than its key (harmless), never older: the bump becomes visible together
with the data, at commit.
"""

VERSION_TABLE = "jobcenters_dataversion"

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
