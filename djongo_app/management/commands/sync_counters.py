"""``manage.py sync_counters [app_label ...] [--check]``.

Raise each integer auto-increment counter in ``__schema__`` to the largest
id already stored, so that the next insert cannot reuse an id (documents
inserted by other tools, restored dumps, an adopted database). A counter is
never lowered. ``--check`` only reports drift and exits non-zero. Models
with ``managed = False`` (as inspectdb writes them) and the tables Django
creates for many-to-many fields are included; a table shared by several
models is checked once.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Max

from djongo_app.internal_types import COUNTER_TYPES

INT64 = 2**63


class Command(BaseCommand):
    help = "Raise __schema__ auto-increment counters to the largest stored id."

    def add_arguments(self, parser):
        parser.add_argument("app_label", nargs="*", help="only these apps (default: all)")
        parser.add_argument(
            "--check", action="store_true", help="report drift and exit non-zero; change nothing"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, app_label=(), check=False, database=DEFAULT_DB_ALIAS, **options):
        connection = connections[database]
        if connection.vendor != "mongodb":
            raise CommandError(f"Database {database!r} does not use djongo_app.")
        configs = self.app_configs(app_label)
        connection.ensure_connection()
        counters = connection.connection.counters
        drift = []
        for model in self.counted_models(configs, database):
            field = model._meta.pk
            table = model._meta.db_table
            stored = model._base_manager.using(database)
            # Integer keys only: a document another program wrote without
            # one (an ObjectId _id) is no id the counter could hand out.
            integers = {f"{field.attname}__gte": -INT64, f"{field.attname}__lte": INT64 - 1}
            highest = stored.filter(**integers).aggregate(m=Max(field.attname))["m"]
            others = stored.count() - stored.filter(**integers).count()
            if others:
                self.stderr.write(
                    f"{table}: {others} document(s) whose key is not an integer "
                    "(written without one by another program): not counted"
                )
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

    @staticmethod
    def app_configs(labels):
        """Return the app configs named by ``labels`` (all when none)."""
        if not labels:
            return list(apps.get_app_configs())
        configs = []
        for label in dict.fromkeys(labels):
            try:
                configs.append(apps.get_app_config(label))
            except LookupError as exc:
                raise CommandError(str(exc)) from None
        return configs

    @staticmethod
    def counted_models(configs, database):
        """Yield one model per table whose primary key is an integer
        auto-increment field, in app and model order."""
        seen = set()
        for config in configs:
            # Auto-created many-to-many tables insert through the counters
            # too; unmanaged models (inspectdb's) as well. A proxy shares
            # its concrete model's table.
            for model in config.get_models(include_auto_created=True):
                table = model._meta.db_table
                if (
                    table in seen
                    or model._meta.proxy
                    or model._meta.pk.get_internal_type() not in COUNTER_TYPES
                    or not router.allow_migrate_model(database, model)
                ):
                    continue
                seen.add(table)
                yield model
