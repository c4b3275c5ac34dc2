"""``manage.py sync_counters [app_label ...] [--check]``.

Raise each integer auto-increment counter in ``__schema__`` to the largest
id already stored, so that the next insert cannot reuse an id (documents
inserted by other tools, restored dumps, an adopted database). A counter is
never lowered. ``--check`` only reports drift and exits non-zero. Models
with ``managed = False`` (as inspectdb writes them) are included.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Max

AUTO_FIELDS = frozenset({"AutoField", "BigAutoField", "SmallAutoField"})


class Command(BaseCommand):
    help = "Raise __schema__ auto-increment counters to the largest stored id."

    def add_arguments(self, parser):
        parser.add_argument("app_label", nargs="*", help="only these apps (default: all)")
        parser.add_argument(
            "--check", action="store_true", help="report drift and exit non-zero; change nothing"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *app_labels, check=False, database=DEFAULT_DB_ALIAS, **options):
        connection = connections[database]
        if connection.vendor != "mongodb":
            raise CommandError(f"Database {database!r} does not use djongo_app.")
        try:
            configs = [apps.get_app_config(label) for label in app_labels] or apps.get_app_configs()
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        connection.ensure_connection()
        counters = connection.connection.counters
        drift = []
        for config in configs:
            for model in config.get_models():
                field = model._meta.pk
                # Unmanaged models (inspectdb's) insert through the
                # counters too; a proxy shares its concrete model's table.
                if (
                    field.get_internal_type() not in AUTO_FIELDS
                    or model._meta.proxy
                    or not router.allow_migrate_model(database, model)
                ):
                    continue
                table = model._meta.db_table
                highest = model._base_manager.using(database).aggregate(m=Max(field.attname))["m"]
                current = counters.current(table) or 0
                if highest is None or highest <= current:
                    self.stdout.write(f"{table}: counter {current}, largest id {highest}: ok")
                    continue
                drift.append(table)
                if check:
                    self.stdout.write(f"{table}: counter {current} < largest id {highest}: DRIFT")
                else:
                    counters.advance(table, field.column, highest)
                    self.stdout.write(f"{table}: counter {current} raised to {highest}")
        if check and drift:
            raise CommandError(f"{len(drift)} counter(s) behind their data: {', '.join(drift)}")
