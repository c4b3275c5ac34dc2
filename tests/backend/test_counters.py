"""sync_counters and loaddata keep __schema__ counters ahead of the data."""

import json
import tempfile
from io import StringIO

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import TransactionTestCase

from djongo_app.counters import SCHEMA_COLLECTION
from tests.testapp.models import Tag


def counter(table):
    connection.ensure_connection()
    entry = connection.connection.database[SCHEMA_COLLECTION].find_one({"name": table})
    return entry["auto"]["seq"]


class SyncCountersTests(TransactionTestCase):
    available_apps = ["djongo_app", "tests.testapp"]
    reset_sequences = True

    def test_documents_inserted_by_other_tools(self):
        connection.ensure_connection()
        # Ids written by plain pymongo: the counter knows nothing of them.
        connection.connection.database["testapp_tag"].insert_many(
            [{"id": i, "label": f"raw{i}"} for i in range(1, 6)]
        )
        self.assertEqual(counter("testapp_tag"), 0)
        output = StringIO()
        with self.assertRaisesMessage(CommandError, "1 counter(s) behind their data: testapp_tag"):
            call_command("sync_counters", "testapp", "--check", stdout=output)
        self.assertIn("testapp_tag: counter 0 < largest id 5: DRIFT", output.getvalue())
        self.assertEqual(counter("testapp_tag"), 0)

        call_command("sync_counters", "testapp", stdout=StringIO())
        self.assertEqual(counter("testapp_tag"), 5)
        self.assertEqual(Tag.objects.create(label="next").pk, 6)
        self.assertEqual(Tag.objects.count(), 6)
        call_command("sync_counters", "testapp", "--check", stdout=StringIO())

    def test_never_lowers_a_counter(self):
        Tag.objects.create(id=50, label="high")
        Tag.objects.filter(pk=50).delete()
        call_command("sync_counters", stdout=StringIO())
        self.assertEqual(counter("testapp_tag"), 50)

    def test_loaddata_advances_counters(self):
        fixture = [{"model": "testapp.tag", "pk": 40, "fields": {"label": "from-fixture"}}]
        with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
            json.dump(fixture, handle)
            handle.flush()
            call_command("loaddata", handle.name, verbosity=0)
        self.assertGreaterEqual(counter("testapp_tag"), 40)
        self.assertEqual(Tag.objects.create(label="after").pk, 41)
