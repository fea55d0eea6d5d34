"""Drop jobcenters' (id, history_date, history_id) history index: 0003's trend index
starts with the same three columns, so every lookup the old one served the new one
serves too (the planners already chose it), and each history row written (every save,
import and seed) updated both.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_history_trend_index"),
        ("jobcenters", "0004_history_id_date_index"),
    ]

    operations = [
        migrations.RunSQL(
            sql="DROP INDEX jobcenters_histimpl_id_date_idx",
            reverse_sql=(
                "CREATE INDEX jobcenters_histimpl_id_date_idx "
                "ON jobcenters_historicalimplementation (id, history_date, history_id)"
            ),
        ),
    ]
