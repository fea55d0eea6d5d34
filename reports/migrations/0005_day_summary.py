"""DaySummary (reports/summaries.py), and the triggers that keep it true to the history.

A stored day is deleted when a history row dated up to the day after it is written,
changed or deleted (a day of margin: `day` is a local date, history_date is UTC), and
every stored day goes when an implementation is deleted (past days then count one
row fewer). Normal edits are dated now and reach no stored day. PostgreSQL runs one
statement per writing statement (transition tables), SQLite one per row. The SQL is
written out here, not imported, so that this migration does not change with the code.
"""

import django.db.models.deletion
from django.db import migrations, models


HISTORY = "jobcenters_historicalimplementation"
IMPLEMENTATION = "jobcenters_implementation"
SUMMARY = "reports_daysummary"

# PostgreSQL: (trigger name, event, transition table read).
HISTORY_TRIGGERS = [
    ("insert", "INSERT", "new"),
    ("update_new", "UPDATE", "new"),
    ("update_old", "UPDATE", "old"),
    ("delete", "DELETE", "old"),
]

POSTGRES_INSTALL = [
    # One function per transition table: the rows a statement wrote (new) or replaced (old).
    *(
        f"""CREATE FUNCTION reports_forget_days_from_{rows}() RETURNS trigger AS $$
    BEGIN
        DELETE FROM {SUMMARY} WHERE day >= (
            SELECT min((history_date AT TIME ZONE 'UTC')::date) - 1 FROM {rows}_rows);
        RETURN NULL;
    END $$ LANGUAGE plpgsql"""
        for rows in ("new", "old")
    ),
    f"""CREATE FUNCTION reports_forget_all_days() RETURNS trigger AS $$
    BEGIN
        DELETE FROM {SUMMARY};
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    *(
        f"""CREATE TRIGGER reports_days_history_{name} AFTER {event} ON {HISTORY}
        REFERENCING {rows.upper()} TABLE AS {rows}_rows FOR EACH STATEMENT
        EXECUTE FUNCTION reports_forget_days_from_{rows}()"""
        for name, event, rows in HISTORY_TRIGGERS
    ),
    f"""CREATE TRIGGER reports_days_history_truncate AFTER TRUNCATE ON {HISTORY}
        FOR EACH STATEMENT EXECUTE FUNCTION reports_forget_all_days()""",
    f"""CREATE TRIGGER reports_days_implementation_delete AFTER DELETE OR TRUNCATE
        ON {IMPLEMENTATION} FOR EACH STATEMENT EXECUTE FUNCTION reports_forget_all_days()""",
]
POSTGRES_REMOVE = [
    *(
        f"DROP TRIGGER IF EXISTS {name} ON {HISTORY}"
        for name in [
            *(f"reports_days_history_{name}" for name, _event, _rows in HISTORY_TRIGGERS),
            "reports_days_history_truncate",
        ]
    ),
    f"DROP TRIGGER IF EXISTS reports_days_implementation_delete ON {IMPLEMENTATION}",
    "DROP FUNCTION IF EXISTS reports_forget_days_from_new()",
    "DROP FUNCTION IF EXISTS reports_forget_days_from_old()",
    "DROP FUNCTION IF EXISTS reports_forget_all_days()",
]

SQLITE_INSTALL = [
    f"""CREATE TRIGGER reports_days_history_insert AFTER INSERT ON {HISTORY} BEGIN
        DELETE FROM {SUMMARY} WHERE day >= date(NEW.history_date, '-1 day'); END""",
    f"""CREATE TRIGGER reports_days_history_update AFTER UPDATE ON {HISTORY} BEGIN
        DELETE FROM {SUMMARY} WHERE day >= date(min(OLD.history_date, NEW.history_date),
        '-1 day'); END""",
    f"""CREATE TRIGGER reports_days_history_delete AFTER DELETE ON {HISTORY} BEGIN
        DELETE FROM {SUMMARY} WHERE day >= date(OLD.history_date, '-1 day'); END""",
    f"""CREATE TRIGGER reports_days_implementation_delete AFTER DELETE ON {IMPLEMENTATION}
        BEGIN DELETE FROM {SUMMARY}; END""",
]
SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "reports_days_history_insert",
        "reports_days_history_update",
        "reports_days_history_delete",
        "reports_days_implementation_delete",
    )
]


def install(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRES_INSTALL if postgres else SQLITE_INSTALL:
        schema_editor.execute(statement)


def remove(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRES_REMOVE if postgres else SQLITE_REMOVE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('factors', '0001_catalogue'),
        ('jobcenters', '0007_data_version_moves_to_pagecache'),
        ('reports', '0004_drop_superseded_history_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='DaySummary',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('status', models.CharField(max_length=20)),
                ('count', models.PositiveIntegerField()),
                ('factor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='factors.factor')),
                ('jobcenter', models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='jobcenters.jobcenter')),
            ],
            options={
                'indexes': [models.Index(fields=['day'], name='reports_daysummary_day_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('factor__isnull', False), ('jobcenter__isnull', True)), models.Q(('factor__isnull', True), ('jobcenter__isnull', False)), _connector='OR'), name='reports_daysummary_one_key')],
            },
        ),
        migrations.RunPython(install, remove),
    ]
