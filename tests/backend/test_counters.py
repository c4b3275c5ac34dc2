"""sync_counters and loaddata keep __schema__ counters ahead of the data."""

import json
import multiprocessing
import tempfile
import threading
from collections import defaultdict
from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.test import TransactionTestCase
from django.test.utils import isolate_apps

from djongo_app.counters import NAME_INDEX, SCHEMA_COLLECTION, Counters, database_dropped
from djongo_app.management.commands import sync_counters
from tests.backend.counter_race import reserve_in_rounds
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
            [{"_id": i, "label": f"raw{i}"} for i in range(1, 6)]
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

    def test_documents_without_an_integer_key_are_not_counted(self):
        """A document another program wrote without a key (the driver gave
        it an ObjectId _id) is reported, not compared with the ids."""
        connection.ensure_connection()
        connection.connection.database["testapp_tag"].insert_many(
            [{"_id": 3, "label": "three"}, {"label": "no key"}]
        )
        output, errors = StringIO(), StringIO()
        call_command("sync_counters", "testapp", stdout=output, stderr=errors)
        self.assertIn("testapp_tag: counter 0 raised to 3", output.getvalue())
        self.assertIn("testapp_tag: 1 document(s) whose key is not an integer", errors.getvalue())
        self.assertEqual(counter("testapp_tag"), 3)

    def test_never_lowers_a_counter(self):
        Tag.objects.create(id=50, label="high")
        Tag.objects.filter(pk=50).delete()
        call_command("sync_counters", stdout=StringIO())
        self.assertEqual(counter("testapp_tag"), 50)

    def test_many_to_many_tables(self):
        """The table of a ManyToManyField has a counter of its own, raised
        like a model's."""
        connection.ensure_connection()
        connection.connection.database["testapp_book_tags"].insert_one(
            {"_id": 9, "book_id": 1, "tag_id": 1}
        )
        output = StringIO()
        with self.assertRaisesMessage(CommandError, ": testapp_book_tags"):
            call_command("sync_counters", "testapp", "--check", stdout=output)
        self.assertIn("testapp_book_tags: counter 0 < largest id 9: DRIFT", output.getvalue())
        call_command("sync_counters", "testapp", stdout=StringIO())
        self.assertEqual(counter("testapp_book_tags"), 9)

    def test_a_shared_table_once(self):
        """Two models on one table (an unmanaged copy next to the model)
        give one line and one drift."""
        connection.ensure_connection()
        connection.connection.database["testapp_tag"].insert_one({"_id": 4, "label": "raw"})
        with isolate_apps("tests.testapp") as registry:

            class TagCopy(models.Model):
                label = models.CharField(max_length=50)

                class Meta:
                    app_label = "testapp"
                    db_table = "testapp_tag"
                    managed = False

            class TagAgain(models.Model):
                label = models.CharField(max_length=50)

                class Meta:
                    app_label = "testapp"
                    db_table = "testapp_tag"
                    managed = False

            output = StringIO()
            with (
                mock.patch.object(sync_counters, "apps", registry),
                self.assertRaisesMessage(CommandError, "1 counter(s) behind their data"),
            ):
                call_command("sync_counters", "testapp", "--check", stdout=output)
        self.assertEqual(output.getvalue(), "testapp_tag: counter 0 < largest id 4: DRIFT\n")

    def test_loaddata_advances_counters(self):
        fixture = [{"model": "testapp.tag", "pk": 40, "fields": {"label": "from-fixture"}}]
        with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
            json.dump(fixture, handle)
            handle.flush()
            call_command("loaddata", handle.name, verbosity=0)
        self.assertGreaterEqual(counter("testapp_tag"), 40)
        self.assertEqual(Tag.objects.create(label="after").pk, 41)


class SyncCountersLabelTests(TransactionTestCase):
    available_apps = ["django.contrib.contenttypes", "djongo_app", "tests.testapp"]

    def test_app_labels_select_the_apps(self):
        """Only the tables of the apps named are checked, each once, the
        many-to-many table included; an unknown label is an error."""
        output = StringIO()
        call_command("sync_counters", "testapp", "--check", stdout=output)
        tables = [line.split(":")[0] for line in output.getvalue().splitlines()]
        self.assertIn("testapp_tag", tables)
        self.assertIn("testapp_book_tags", tables)
        self.assertEqual(len(tables), len(set(tables)))
        self.assertNotIn("django_content_type", tables)

        output = StringIO()
        call_command("sync_counters", "contenttypes", "--check", stdout=output)
        self.assertEqual(
            [line.split(":")[0] for line in output.getvalue().splitlines()],
            ["django_content_type"],
        )

        with self.assertRaisesMessage(CommandError, "No installed app with label 'nope'"):
            call_command("sync_counters", "testapp", "nope", stdout=StringIO())


def schema_collection():
    connection.ensure_connection()
    return connection.connection.database[SCHEMA_COLLECTION]


class CounterRaceTests(TransactionTestCase):
    """Concurrent first inserts into a table without a __schema__ entry.

    SecantusDB (0.7.0b3) sometimes answers the losing upsert with no
    document although it applied the $inc; MongoDB retries it on the
    unique index. Either way each id is handed out once.
    """

    available_apps = ["djongo_app", "tests.testapp"]
    reset_sequences = True
    ROUNDS = 8
    WORKERS = 6

    def test_threads_inserting_first_rows(self):
        """Threads that insert the first rows of a table with no __schema__
        entry get distinct ids and leave one entry (issue 10)."""
        schema = schema_collection()
        for round_number in range(self.ROUNDS):
            schema.delete_many({"name": "testapp_tag"})
            Tag.objects.all().delete()
            barrier = threading.Barrier(self.WORKERS)
            ids, errors = [], []

            def insert(worker, barrier=barrier, ids=ids, errors=errors, r=round_number):
                try:
                    barrier.wait(timeout=30)
                    ids.append(Tag.objects.create(label=f"r{r}-w{worker}").pk)
                except Exception as exc:  # reported below, with the round
                    errors.append(exc)
                finally:
                    connection.close()

            threads = [
                threading.Thread(target=insert, args=(worker,)) for worker in range(self.WORKERS)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            self.assertEqual(errors, [], f"round {round_number}")
            self.assertEqual(len(set(ids)), self.WORKERS, f"round {round_number}: {ids}")
            self.assertEqual(schema.count_documents({"name": "testapp_tag"}), 1)
            self.assertGreaterEqual(counter("testapp_tag"), max(ids))
        self.assertGreater(Tag.objects.create(label="after").pk, max(ids))

    def test_processes_reserving_first_ids(self):
        """Processes that reserve the first ids of tables with no __schema__
        entry get distinct ids and leave one entry per table (issue 10)."""
        schema = schema_collection()
        tables = [f"race_{n}" for n in range(self.ROUNDS)]
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(self.WORKERS)
        results = context.Queue()
        arguments = (
            connection.settings_dict["HOST"],
            connection.settings_dict["NAME"],
            tables,
            barrier,
            results,
        )
        processes = [
            context.Process(target=reserve_in_rounds, args=arguments) for _ in range(self.WORKERS)
        ]
        for process in processes:
            process.start()
        reserved = defaultdict(list)
        for _ in range(self.WORKERS * len(tables)):
            table, first = results.get(timeout=120)
            reserved[table].append(first)
        for process in processes:
            process.join(timeout=60)
            self.assertEqual(process.exitcode, 0)
        for table in tables:
            self.assertEqual(len(set(reserved[table])), self.WORKERS, reserved[table])
            self.assertEqual(schema.count_documents({"name": table}), 1)
            self.assertGreaterEqual(counter(table), max(reserved[table]))

    def test_name_is_unique(self):
        """__schema__ holds at most one entry per table name (issue 10)."""
        Tag.objects.create(label="one")
        index = schema_collection().index_information()[NAME_INDEX]
        self.assertEqual(index["key"], [("name", 1)])
        self.assertIs(index["unique"], True)

    def test_adopted_duplicates_are_merged(self):
        """Several entries for one table in an adopted database are merged
        into the one with the highest seq before the unique index is
        created, so no id is handed out twice (issue 10)."""
        schema = schema_collection()
        database = connection.connection.database
        schema.drop_index(NAME_INDEX)
        database_dropped(database.client, database.name)
        schema.insert_many(
            [
                {"name": "legacy", "auto": {"field_names": ["id"], "seq": 5}},
                {"name": "legacy", "auto": {"field_names": ["id", "number"], "seq": 9}},
                {"name": "legacy", "auto": {"field_names": ["id"], "seq": 7}},
            ]
        )
        with self.assertLogs("djongo_app.counters", "WARNING") as logs:
            first = Counters(database).reserve("legacy", "id", 1)
        self.assertIn("legacy", logs.output[0])
        self.assertEqual(first, 10)
        entries = list(schema.find({"name": "legacy"}))
        self.assertEqual(len(entries), 1)
        self.assertEqual(sorted(entries[0]["auto"]["field_names"]), ["id", "number"])
        self.assertIs(schema.index_information()[NAME_INDEX]["unique"], True)

    def test_dropping_schema_recreates_the_unique_index(self):
        """After DROP TABLE "__schema__" the next counter write creates the
        unique index again (issue 10)."""
        Tag.objects.create(label="one")
        entries = list(schema_collection().find({"name": {"$ne": "testapp_tag"}}))
        # The other tables' entries (made by create_model) come back after.
        self.addCleanup(schema_collection().insert_many, entries)
        with connection.cursor() as cursor:
            cursor.execute(f'DROP TABLE "{SCHEMA_COLLECTION}"')
        self.assertNotIn(SCHEMA_COLLECTION, connection.connection.database.list_collection_names())
        # The counters went with it (sync_counters would raise them again).
        Tag.objects.all().delete()
        Tag.objects.create(label="two")
        self.assertIs(schema_collection().index_information()[NAME_INDEX]["unique"], True)
