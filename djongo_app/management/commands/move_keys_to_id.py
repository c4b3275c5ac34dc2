"""``manage.py move_keys_to_id [app_label ...] [--check] [--database DB]``.

Move the integer primary keys of collections written in Djongo's layout
(``id`` beside an ObjectId ``_id``) into ``_id``, the layout djongo_app
creates: the ``id`` index goes, and so does its cost on every insert and
update (see :mod:`djongo_app.keymove`). Collections already in that layout
are left alone; so are unmanaged models' (another program owns them). Stop
the application first: the documents are copied and swapped in, not
changed in a transaction. ``--check`` only reports.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from djongo_app.keymove import move_key

from .sync_counters import Command as SyncCounters

SAID = {
    "moved": "{table}: {documents} document(s), key {column!r} moved to _id",
    "recorded": "{table}: key {column!r} already in _id (an interrupted move), recorded",
    "in _id": "{table}: key in _id",
    "missing": "{table}: no collection",
    "refused": "{table}: not moved: {reason}",
}
WOULD = {
    "moved": "{table}: {documents} document(s), key {column!r} would move to _id",
    "recorded": "{table}: key {column!r} already in _id (an interrupted move), to be recorded",
}


class Command(BaseCommand):
    help = "Move integer primary keys of Djongo-layout collections into _id."

    def add_arguments(self, parser):
        parser.add_argument("app_label", nargs="*", help="only these apps (default: all)")
        parser.add_argument("--check", action="store_true", help="report only; change nothing")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, app_label=(), check=False, database=DEFAULT_DB_ALIAS, **options):
        connection = connections[database]
        if connection.vendor != "mongodb":
            raise CommandError(f"Database {database!r} does not use djongo_app.")
        refused = []
        for model in SyncCounters.counted_models(SyncCounters.app_configs(app_label), database):
            if not model._meta.managed:
                continue
            move = move_key(connection, model, check=check)
            text = (WOULD if check else SAID).get(move.outcome) or SAID[move.outcome]
            self.stdout.write(
                text.format(
                    table=move.table,
                    column=move.column,
                    documents=move.documents,
                    reason=move.reason,
                )
            )
            if move.outcome == "refused":
                refused.append(move.table)
        if refused:
            raise CommandError(f"{len(refused)} collection(s) not moved: {', '.join(refused)}")
