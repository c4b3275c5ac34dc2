"""Test databases (create, keepdb, clone, destroy), flush and loaddata of
embedded values, against the server."""

import json
import os
import tempfile

from django.core.management import call_command
from django.db import connection
from django.test import SimpleTestCase, TransactionTestCase
from pymongo.errors import WriteError

from djongo_app.counters import SCHEMA_COLLECTION
from tests.testapp.models import Address, Author, Blog, Contributor, Entry


class TestDatabaseTests(SimpleTestCase):
    databases = {"default"}

    def setUp(self):
        self.probe = connection.copy()
        self.probe.settings_dict["TEST"] = {"NAME": "djongo_app_probe_test"}
        self.probe.ensure_connection()
        self.client = self.probe.connection.client
        self.addCleanup(self.client.drop_database, "djongo_app_probe_test")
        self.addCleanup(self.client.drop_database, "djongo_app_probe_test_1")
        self.addCleanup(self.probe.close)

    def test_create_keepdb_clone_and_destroy(self):
        creation = self.probe.creation
        name = creation._create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        self.assertEqual(name, "djongo_app_probe_test")
        database = self.client[name]
        rule = {"$jsonSchema": {"required": ["id"]}}
        database.create_collection("things", validator=rule, validationLevel="moderate")
        database.things.insert_one({"id": 1})
        database.things.create_index("id", unique=True, name="things_id")

        # --keepdb: the database and its documents stay.
        creation._create_test_db(verbosity=0, autoclobber=True, keepdb=True)
        self.assertEqual(database.things.count_documents({}), 1)

        # A clone for a parallel test process has the documents, indexes
        # and validator (NOT NULL, CHECK).
        self.probe.settings_dict["NAME"] = name
        creation._clone_test_db("1", verbosity=0)
        clone = self.client["djongo_app_probe_test_1"]
        self.assertEqual(clone.things.count_documents({}), 1)
        self.assertTrue(clone.things.index_information()["things_id"]["unique"])
        self.assertEqual(clone.things.options()["validator"], rule)
        with self.assertRaises(WriteError):
            clone.things.insert_one({"name": "no id"})
        # With --keepdb a clone made before stays as it is.
        clone.things.delete_many({})
        creation._clone_test_db("1", verbosity=0, keepdb=True)
        self.assertEqual(clone.things.count_documents({}), 0)

        # Without keepdb the database starts empty.
        creation._create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        self.assertEqual(database.things.count_documents({}), 0)

        creation._destroy_test_db(name, verbosity=0)
        self.assertNotIn(name, self.client.list_database_names())


class FlushTests(TransactionTestCase):
    available_apps = ["tests.testapp"]

    def test_flush_empties_collections_and_resets_counters(self):
        Author.objects.create(name="a")
        Author.objects.create(name="b")
        call_command("flush", interactive=False, verbosity=0)
        self.assertEqual(Author.objects.count(), 0)
        schema = connection.connection.database[SCHEMA_COLLECTION]
        self.assertEqual(schema.find_one({"name": Author._meta.db_table})["auto"]["seq"], 0)
        self.assertEqual(Author.objects.create(name="c").pk, 1)


class LoaddataTests(TransactionTestCase):
    available_apps = ["tests.testapp"]

    def test_loaddata_of_embedded_and_array_values(self):
        fixture = [
            {
                "model": "testapp.entry",
                "pk": 40,
                "fields": {
                    "headline": "fixture",
                    "blog": {"name": "B", "address": {"city": "Oslo"}, "founded": "2020-01-02"},
                    "contributors": [{"name": "Ann"}],
                    "tags": ["a", "b"],
                    "scores": [1],
                    "readers": [],
                    "reviewers": [],
                },
            }
        ]
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(fixture, handle)
        self.addCleanup(os.unlink, handle.name)
        call_command("loaddata", handle.name, verbosity=0)
        entry = Entry.objects.get(pk=40)
        self.assertEqual(entry.blog.address, Address(city="Oslo"))
        self.assertEqual(
            entry.blog, Blog(name="B", address=Address(city="Oslo"), founded=entry.blog.founded)
        )
        self.assertEqual(str(entry.blog.founded), "2020-01-02")
        self.assertEqual(entry.contributors, [Contributor(name="Ann")])
        self.assertEqual(entry.tags, ["a", "b"])
        # The counter moved past the fixture's id: the next insert gets 41.
        self.assertEqual(Entry.objects.create(headline="n", blog=Blog(name="x")).pk, 41)
