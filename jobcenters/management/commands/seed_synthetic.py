import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from jobcenters.models import Implementation
from jobcenters.synthetic import AGS_PREFIX, SyntheticDataError, remove_synthetic, seed_synthetic


def positive_int(text):
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def analyze_bulk_load():
    """VACUUM ANALYZE the tables just filled, as autovacuum would within minutes (the
    benchmark asks right away). The statistics: without them the trend's history scan is
    planned as a 14,000-row table and sorted on disk (PostgreSQL's documentation advises
    ANALYZE after a bulk load). The visibility map: without it a count over the
    history_date index (the dashboard's "what changed") reads every table page as well.
    VACUUM cannot run inside a transaction (a test's): there ANALYZE alone."""
    if connection.vendor != "postgresql":
        return
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    tables = [Implementation._meta.db_table, Implementation.history.model._meta.db_table]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{command} {connection.ops.quote_name(table)}")


class Command(BaseCommand):
    help = (
        "Benchmark data: add N synthetic jobcenters (AGS 99001…, named 'Synthetisches "
        "Jobcenter', is_demo) × every factor with about --changes history entries each over "
        "--years years. Loads the reference data first; the real jobcenters are never touched. "
        "Reproducible (--seed) and idempotent; --replace rebuilds, --remove deletes them."
    )

    def add_arguments(self, parser):
        parser.add_argument("n", type=positive_int, nargs="?", help="Number of jobcenters.")
        parser.add_argument("--seed", type=int, default=405, help="Random seed (default 405).")
        parser.add_argument("--years", type=positive_int, default=3, help="Years of history.")
        parser.add_argument(
            "--changes", type=positive_int, default=20, help="Mean changes per row (default 20)."
        )
        parser.add_argument(
            "--replace", action="store_true", help="Remove earlier synthetic rows first."
        )
        parser.add_argument(
            "--remove", action="store_true", help="Only remove every synthetic row."
        )

    def handle(self, *args, n=None, seed, years, changes, replace, remove, **options):
        if remove:
            removed = remove_synthetic()
            self.stdout.write(f"Removed {removed} synthetic jobcenters (AGS {AGS_PREFIX}…).")
            return
        if n is None:
            raise CommandError("Give the number of jobcenters, e.g. `seed_synthetic 389`.")
        began = time.monotonic()
        try:
            counts = seed_synthetic(n, seed=seed, years=years, changes=changes, replace=replace)
        except SyntheticDataError as exc:
            raise CommandError(str(exc)) from None
        if not counts.get("existing"):
            analyze_bulk_load()
        seconds = time.monotonic() - began
        if counts.get("existing"):
            self.stdout.write(
                f"{counts['existing']} synthetic jobcenters exist already; unchanged."
            )
            return
        self.stdout.write(
            f"Created {counts['jobcenters']} synthetic jobcenters, "
            f"{counts['implementations']} implementations and {counts['history']} history rows "
            f"in {seconds:.1f} s"
            + (f" (replaced {counts['removed']})." if counts["removed"] else ".")
        )
