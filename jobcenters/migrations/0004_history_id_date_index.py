"""Index the history by (id, history_date, history_id): "the entry of row X at moment t"
and "the entry before this one" are the lookups of every as-of, trend and what-changed
query (reports/history.py).

Measured at 405 jobcenters × 35 factors × ~20 entries: the dashboard's what-changed
queries 4.6 s → 16 ms on PostgreSQL and 180 → 40 ms on SQLite; the as-of snapshot
270 → 130 ms on PostgreSQL. Raw SQL because simple-history generates the historical
model and offers no hook for a composite index; the statement is the same on SQLite
and PostgreSQL.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("jobcenters", "0003_pending_change"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE INDEX jobcenters_histimpl_id_date_idx "
                "ON jobcenters_historicalimplementation (id, history_date, history_id)"
            ),
            reverse_sql="DROP INDEX jobcenters_histimpl_id_date_idx",
        ),
    ]
