"""Integer primary keys kept in ``_id`` (djongo_app/keylayout.py).

A collection the schema editor creates for an AutoField-keyed model keeps
the key in ``_id``: no ``id`` field, no index of its own, and a ``key``
in its ``__schema__`` entry. A collection that already held documents
with an ``id`` field (Djongo's layout) keeps that layout. Both read and
write the same through the ORM, raw SQL and introspection.
"""

from io import StringIO

from bson import ObjectId
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import NotSupportedError, connection, migrations, models
from django.db.migrations.state import ProjectState
from django.db.models import Count
from django.test import TestCase, TransactionTestCase

from djongo_app import keylayout
from djongo_app.connection import key_in_id
from djongo_app.counters import SCHEMA_COLLECTION
from djongo_app.keymove import move_key
from djongo_app.management.commands.inspectdb import Command as InspectDbCommand
from djongo_app.testing import CaptureCommands
from djongo_app.transpiler.layout import KeyLayout
from tests.testapp.models import Author, Book, Tag

APP = "keylayout"


def database():
    connection.ensure_connection()
    return connection.connection.database


def layouts():
    connection.ensure_connection()
    return connection.connection.key_layouts


class NewCollectionTests(TestCase):
    """The test database's collections were created by migrate."""

    def test_the_key_is_stored_in_id_and_recorded(self):
        ann = Author.objects.create(name="Ann")
        document = database()["testapp_author"].find_one(
            {"name": "Ann"}, session=connection.connection.session
        )
        self.assertEqual(document["_id"], ann.pk)
        self.assertIsInstance(document["_id"], int)
        self.assertNotIn("id", document)
        entry = database()[SCHEMA_COLLECTION].find_one({"name": "testapp_author"})
        self.assertEqual(entry["key"], "id")
        self.assertEqual(entry["auto"]["field_names"], ["id"])
        # MongoDB's _id index is the key's index: no second one on "id".
        keys = [info["key"] for info in database()["testapp_author"].index_information().values()]
        self.assertNotIn([("id", 1)], keys)

    def test_queries_by_key_read_id(self):
        ann = Author.objects.create(name="Ann", age=30)
        bob = Author.objects.create(name="Bob", age=40)
        Book.objects.create(title="A", author=ann)
        Book.objects.create(title="B", author=bob)
        self.assertEqual(Author.objects.get(pk=bob.pk), bob)
        self.assertEqual(
            list(Author.objects.filter(pk__in=[ann.pk, bob.pk]).order_by("-pk")), [bob, ann]
        )
        self.assertEqual(
            list(Author.objects.values_list("id", flat=True).order_by("id")), [ann.pk, bob.pk]
        )
        self.assertEqual(
            list(Book.objects.select_related("author").values_list("title", "author__id")),
            [("A", ann.pk), ("B", bob.pk)],
        )
        self.assertEqual(
            dict(Author.objects.annotate(n=Count("books")).values_list("pk", "n")),
            {ann.pk: 1, bob.pk: 1},
        )
        self.assertEqual(Author.objects.filter(pk=ann.pk).update(age=31), 1)
        self.assertEqual(Author.objects.get(pk=ann.pk).age, 31)
        Author.objects.filter(pk=bob.pk).delete()
        self.assertEqual(list(Author.objects.all()), [ann])

    def test_find_command_names_id(self):
        ann = Author.objects.create(name="Ann")
        with connection.cursor() as cursor:
            cursor.execute(
                'SELECT "testapp_author"."id", "testapp_author"."name" FROM "testapp_author" '
                'WHERE "testapp_author"."id" = %s',
                [ann.pk],
            )
            self.assertEqual(cursor.fetchall(), [(ann.pk, "Ann")])
            command = cursor.cursor.last_command
        self.assertEqual(command["filter"], {"_id": ann.pk})
        self.assertEqual(command["projection"], {"_id": 1, "name": 1})

    def test_a_whole_row_is_read_without_a_projection(self):
        """get() selects every column of the model: the document is read
        whole; only() selects fewer: they are projected."""
        ann = Author.objects.create(name="Ann", age=30)
        with CaptureCommands() as commands:
            self.assertEqual(Author.objects.get(pk=ann.pk), ann)
            partial = Author.objects.only("name").get(pk=ann.pk)
        self.assertEqual(commands[0]["filter"], {"_id": ann.pk})
        self.assertNotIn("projection", commands[0])
        self.assertEqual(commands[1]["projection"], {"_id": 1, "name": 1})
        self.assertEqual((partial.pk, partial.name), (ann.pk, "Ann"))

    def test_raw_sql_names_the_column(self):
        ann = Author.objects.create(name="Ann")
        raw = list(Author.objects.raw('SELECT * FROM "testapp_author"'))
        self.assertEqual([(a.pk, a.name) for a in raw], [(ann.pk, "Ann")])
        with connection.cursor() as cursor:
            cursor.execute('SELECT * FROM "testapp_author"')
            names = [column[0] for column in cursor.description]
        self.assertIn("id", names)
        self.assertNotIn("_id", names)

    def test_explicit_ids_advance_the_counter(self):
        Author.objects.bulk_create([Author(id=50, name="Fifty")])
        later = Author.objects.create(name="Later")
        self.assertGreater(later.pk, 50)
        self.assertEqual(
            sorted(
                d["_id"]
                for d in database()["testapp_author"].find(
                    {}, {"_id": 1}, session=connection.connection.session
                )
            ),
            [50, later.pk],
        )

    def test_a_duplicate_key_is_an_integrity_error(self):
        from django.db import IntegrityError

        Author.objects.create(id=7, name="Seven")
        with self.assertRaises(IntegrityError):
            Author.objects.create(id=7, name="Again")

    def test_changing_a_key_is_not_supported(self):
        ann = Author.objects.create(name="Ann")
        with self.assertRaisesMessage(NotSupportedError, "UPDATE of the primary key 'id'"):
            Author.objects.filter(pk=ann.pk).update(id=ann.pk + 100)

    def test_raw_aggregate_reads_the_key_from_id(self):
        from djongo_app.managers import RawAggregateQuerySet

        ann = Author.objects.create(name="Ann")
        found = list(RawAggregateQuerySet(Author, [{"$match": {"name": "Ann"}}], "default"))
        self.assertEqual([(a.pk, a.name) for a in found], [(ann.pk, "Ann")])


class LayoutTestCase(TransactionTestCase):
    available_apps = ["tests.testapp"]

    def setUp(self):
        self.before = set(database().list_collection_names())
        self.entries_before = set(database()[SCHEMA_COLLECTION].distinct("name"))
        self.addCleanup(self.drop_created)

    def drop_created(self):
        for name in set(database().list_collection_names()) - self.before:
            database().drop_collection(name)
        database()[SCHEMA_COLLECTION].delete_many({"name": {"$nin": list(self.entries_before)}})
        connection.connection.counters.forget()
        layouts().reset()

    def migrate(self, state, *operations):
        migration = migrations.Migration("test", APP)
        migration.operations = list(operations)
        with connection.schema_editor() as editor:
            return migration.apply(state, editor)

    def create_gadget(self, state=None):
        return self.migrate(
            state or ProjectState(),
            migrations.CreateModel(
                "Gadget",
                [
                    ("id", models.AutoField(primary_key=True)),
                    ("name", models.CharField(max_length=20)),
                ],
            ),
        )


class LegacyCollectionTests(LayoutTestCase):
    def test_a_collection_with_id_fields_keeps_them(self):
        """Documents written with an ``id`` field beside an ObjectId ``_id``
        (Djongo's layout) before the table was created stay so."""
        database()["keylayout_gadget"].insert_many(
            [{"_id": ObjectId(), "id": 1, "name": "a"}, {"_id": ObjectId(), "id": 2, "name": "b"}]
        )
        database()[SCHEMA_COLLECTION].insert_one(
            {"name": "keylayout_gadget", "auto": {"field_names": ["id"], "seq": 2}}
        )
        layouts().reset()  # as a process started after the documents were written
        state = self.create_gadget()
        entry = database()[SCHEMA_COLLECTION].find_one({"name": "keylayout_gadget"})
        self.assertNotIn("key", entry)
        Gadget = state.apps.get_model(APP, "Gadget")
        self.assertEqual(
            list(Gadget.objects.order_by("id").values_list("id", "name")), [(1, "a"), (2, "b")]
        )
        c = Gadget.objects.create(name="c")
        self.assertEqual(c.pk, 3)
        stored = database()["keylayout_gadget"].find_one({"name": "c"})
        self.assertEqual(stored["id"], 3)
        self.assertIsInstance(stored["_id"], ObjectId)
        Gadget.objects.filter(pk=1).delete()
        self.assertEqual(list(Gadget.objects.values_list("pk", flat=True).order_by("pk")), [2, 3])
        self.assertEqual(Gadget.objects.get(pk=2).name, "b")

    def test_documents_written_after_the_layout_was_read_keep_their_layout(self):
        """create_model asks the server, not the layout this process read
        before the documents appeared (a restore while it ran)."""
        self.assertNotIn("keylayout_gadget", layouts().layout.known)
        database()["keylayout_gadget"].insert_one({"_id": ObjectId(), "id": 4, "name": "d"})
        state = self.create_gadget()
        entry = database()[SCHEMA_COLLECTION].find_one({"name": "keylayout_gadget"}) or {}
        self.assertNotIn("key", entry)
        Gadget = state.apps.get_model(APP, "Gadget")
        self.assertEqual(Gadget.objects.get(pk=4).name, "d")
        self.assertEqual(database()["keylayout_gadget"].find_one({"id": 4})["name"], "d")


class RecordedLayoutTests(LayoutTestCase):
    def test_introspection_names_the_key_column(self):
        state = self.create_gadget()
        state.apps.get_model(APP, "Gadget").objects.create(name="a")
        introspection = connection.introspection
        with connection.cursor() as cursor:
            names = [
                f.name for f in introspection.get_table_description(cursor, "keylayout_gadget")
            ]
            constraints = introspection.get_constraints(cursor, "keylayout_gadget")
            primary = introspection.get_primary_key_columns(cursor, "keylayout_gadget")
        self.assertIn("id", names)
        self.assertNotIn("_id", names)
        self.assertEqual(constraints["_id_"]["columns"], ["id"])
        self.assertTrue(constraints["_id_"]["primary_key"])
        self.assertEqual(primary, ["id"])

    def test_a_new_process_reads_the_recorded_layout(self):
        state = self.create_gadget()
        Gadget = state.apps.get_model(APP, "Gadget")
        first = Gadget.objects.create(name="first")
        layouts().reset()
        self.assertEqual(layouts().layout.key_of("keylayout_gadget"), "id")
        self.assertEqual(Gadget.objects.get(pk=first.pk).name, "first")
        self.assertEqual(database()["keylayout_gadget"].find_one()["_id"], first.pk)

    def test_a_lost_record_is_read_from_the_documents(self):
        """__schema__ cleared (or the collection restored on its own): the
        documents, an integer _id and no key field, say where the model's
        key is, and the record is written again."""
        schema = database()[SCHEMA_COLLECTION]
        self.addCleanup(schema.update_one, {"name": "testapp_tag"}, {"$set": {"key": "id"}})
        first = Tag.objects.create(label="first")
        schema.update_one({"name": "testapp_tag"}, {"$unset": {"key": ""}})
        layouts().reset()
        self.assertEqual(layouts().layout.key_of("testapp_tag"), "id")
        self.assertEqual(Tag.objects.get(pk=first.pk).label, "first")
        self.assertEqual(schema.find_one({"name": "testapp_tag"})["key"], "id")

    def test_djongo_layout_documents_are_not_taken_for_keys_in_id(self):
        schema = database()[SCHEMA_COLLECTION]
        self.addCleanup(schema.update_one, {"name": "testapp_tag"}, {"$set": {"key": "id"}})
        self.addCleanup(database()["testapp_tag"].delete_many, {})
        database()["testapp_tag"].insert_one({"_id": ObjectId(), "id": 5, "label": "old"})
        schema.update_one({"name": "testapp_tag"}, {"$unset": {"key": ""}})
        layouts().reset()
        self.assertIsNone(layouts().layout.key_of("testapp_tag"))
        self.assertEqual(Tag.objects.get(pk=5).label, "old")
        self.assertNotIn("key", schema.find_one({"name": "testapp_tag"}))

    def test_an_empty_collection_without_its_record_takes_its_models_layout(self):
        """Nothing to read the layout from: no unique index on "id" waits
        for documents (Djongo's would), so the model decides."""
        schema = database()[SCHEMA_COLLECTION]
        schema.update_one({"name": "testapp_tag"}, {"$unset": {"key": ""}})
        self.addCleanup(schema.update_one, {"name": "testapp_tag"}, {"$set": {"key": "id"}})
        layouts().reset()
        self.assertEqual(layouts().layout.key_of("testapp_tag"), "id")
        Tag.objects.create(label="first")
        self.assertEqual(
            database()["testapp_tag"].find_one({}, {"id": 1, "label": 1})["label"], "first"
        )
        self.assertNotIn("id", database()["testapp_tag"].find_one())

    def test_a_first_insert_records_the_layout_it_wrote(self):
        """A table no DDL created (MongoDB creates it on insert) takes the
        layout its model gives, and records it for the next process."""
        registry = layouts()
        registry._layout = KeyLayout.of(
            dict(registry.layout.keys),
            legacy=registry.layout.legacy,
            default=lambda table: "id" if table == "keylayout_fresh" else None,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                'INSERT INTO "keylayout_fresh" ("name") VALUES (%s) '
                'RETURNING "keylayout_fresh"."id"',
                ["x"],
            )
            (pk,) = cursor.fetchone()
        entry = database()[SCHEMA_COLLECTION].find_one({"name": "keylayout_fresh"})
        self.assertEqual(entry["key"], "id")
        self.assertEqual(database()["keylayout_fresh"].find_one({}, {"_id": 1}), {"_id": pk})
        registry.reset()
        with connection.cursor() as cursor:
            cursor.execute('SELECT "keylayout_fresh"."id", "name" FROM "keylayout_fresh"')
            self.assertEqual(cursor.fetchall(), [(pk, "x")])

    def test_renamed_table_and_key_column_keep_the_values_in_id(self):
        state = self.create_gadget()
        Gadget = state.apps.get_model(APP, "Gadget")
        one = Gadget.objects.create(name="one")
        state = self.migrate(
            state,
            migrations.AlterModelTable("Gadget", "keylayout_widget"),
            migrations.AlterField(
                "Gadget", "id", models.AutoField(primary_key=True, db_column="gadget_key")
            ),
        )
        entry = database()[SCHEMA_COLLECTION].find_one({"name": "keylayout_widget"})
        self.assertEqual(entry["key"], "gadget_key")
        self.assertEqual(entry["auto"]["field_names"], ["gadget_key"])
        Gadget = state.apps.get_model(APP, "Gadget")
        self.assertEqual(Gadget.objects.get(pk=one.pk).name, "one")
        two = Gadget.objects.create(name="two")
        self.assertEqual(two.pk, one.pk + 1)
        self.assertEqual(
            sorted(d["_id"] for d in database()["keylayout_widget"].find()), [one.pk, two.pk]
        )
        layouts().reset()
        self.assertEqual(
            list(Gadget.objects.values_list("name", flat=True).order_by("pk")), ["one", "two"]
        )

    def test_inspectdb_gives_an_auto_field(self):
        state = self.create_gadget()
        state.apps.get_model(APP, "Gadget").objects.create(name="a")
        output = StringIO()
        call_command(InspectDbCommand(), "keylayout_gadget", stdout=output)
        text = output.getvalue()
        self.assertIn("id = models.AutoField(primary_key=True)", text)
        self.assertNotIn("db_column='_id'", text)

    def test_key_in_id_false_keeps_djongos_layout(self):
        registry = layouts()
        registry.key_in_id = False
        self.addCleanup(setattr, registry, "key_in_id", True)
        state = self.create_gadget()
        Gadget = state.apps.get_model(APP, "Gadget")
        made = Gadget.objects.create(name="a")
        stored = database()["keylayout_gadget"].find_one()
        self.assertEqual(stored["id"], made.pk)
        self.assertIsInstance(stored["_id"], ObjectId)
        self.assertEqual(Gadget.objects.get(pk=made.pk).name, "a")


class RegistryTests(TestCase):
    def test_concurrent_changes_all_land(self):
        """First inserts into several new tables from several threads
        each record their table; none is lost to another's change."""
        import threading

        registry = keylayout.KeyLayouts(database())
        tables = [f"keylayout_thread{i}" for i in range(16)]
        start = threading.Barrier(len(tables))

        def create(table):
            start.wait()
            registry.created(table, "id")

        threads = [threading.Thread(target=create, args=(t,)) for t in tables]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        recorded = {table: registry.layout.key_of(table) for table in tables}
        self.assertEqual(recorded, dict.fromkeys(tables, "id"))


class SettingTests(TestCase):
    def test_key_in_id_must_be_a_boolean(self):
        self.assertTrue(key_in_id({}, "default"))
        self.assertFalse(key_in_id({"KEY_IN_ID": False}, "default"))
        with self.assertRaisesMessage(ImproperlyConfigured, "['KEY_IN_ID'] must be True or False"):
            key_in_id({"KEY_IN_ID": "no"}, "default")

    def test_layouts_are_shared_per_database(self):
        self.assertIs(keylayout.layouts_of(database()), layouts())


class MoveKeysTests(LayoutTestCase):
    """move_keys_to_id: a Djongo-layout collection into the key-in-_id one."""

    available_apps = ["djongo_app", "tests.testapp"]

    def legacy_gadgets(self, documents):
        database()["keylayout_gadget"].insert_many(documents)
        database()[SCHEMA_COLLECTION].insert_one(
            {"name": "keylayout_gadget", "auto": {"field_names": ["id"], "seq": 9}}
        )
        layouts().reset()
        state = self.create_gadget()
        database()["keylayout_gadget"].create_index(
            [("name", 1), ("id", -1)],
            name="gadget_name_id",
            partialFilterExpression={"id": {"$gt": 1}},
        )
        return state.apps.get_model(APP, "Gadget")

    def test_the_documents_indexes_and_record_move(self):
        Gadget = self.legacy_gadgets(
            [{"_id": ObjectId(), "id": i, "name": f"g{i}"} for i in (3, 5, 9)]
        )
        checked = move_key(connection, Gadget, check=True)
        self.assertEqual((checked.outcome, checked.documents), ("moved", 3))
        self.assertEqual(
            database()["keylayout_gadget"].count_documents({"id": {"$exists": True}}), 3
        )

        moved = move_key(connection, Gadget)
        self.assertEqual(moved.outcome, "moved")
        documents = list(database()["keylayout_gadget"].find(sort=[("_id", 1)]))
        self.assertEqual(documents, [{"_id": i, "name": f"g{i}"} for i in (3, 5, 9)])
        indexes = database()["keylayout_gadget"].index_information()
        self.assertEqual(sorted(indexes), ["_id_", "gadget_name_id"])
        self.assertEqual(indexes["gadget_name_id"]["key"], [("name", 1), ("_id", -1)])
        self.assertEqual(indexes["gadget_name_id"]["partialFilterExpression"], {"_id": {"$gt": 1}})
        entry = database()[SCHEMA_COLLECTION].find_one({"name": "keylayout_gadget"})
        self.assertEqual((entry["key"], entry["auto"]["seq"]), ("id", 9))
        self.assertNotIn("id", required_of("keylayout_gadget"))
        # The ORM reads and writes the new layout; the counter goes on.
        self.assertEqual(Gadget.objects.get(pk=5).name, "g5")
        made = Gadget.objects.create(name="new")
        self.assertEqual(made.pk, 10)
        self.assertEqual(
            database()["keylayout_gadget"].find_one({"name": "new"}), {"_id": 10, "name": "new"}
        )
        self.assertEqual(move_key(connection, Gadget).outcome, "in _id")

    def test_an_empty_collection_moves(self):
        Gadget = self.legacy_gadgets([{"_id": ObjectId(), "id": 1, "name": "a"}])
        database()["keylayout_gadget"].delete_many({})
        self.assertEqual(move_key(connection, Gadget).outcome, "moved")
        self.assertEqual(
            sorted(database()["keylayout_gadget"].index_information()), ["_id_", "gadget_name_id"]
        )
        self.assertEqual(Gadget.objects.create(name="b").pk, 10)
        self.assertEqual(database()["keylayout_gadget"].find_one(), {"_id": 10, "name": "b"})

    def test_documents_without_an_integer_key_are_refused(self):
        Gadget = self.legacy_gadgets(
            [{"_id": ObjectId(), "id": 1, "name": "a"}, {"_id": ObjectId(), "id": "x", "name": "b"}]
        )
        refused = move_key(connection, Gadget)
        self.assertEqual(refused.outcome, "refused")
        self.assertIn("1 of 2 document(s) have no integer 'id'", refused.reason)
        self.assertEqual(
            database()["keylayout_gadget"].count_documents({"id": {"$exists": True}}), 2
        )

    def test_an_interrupted_move_is_recorded(self):
        """Copied and swapped in, but not recorded: the next run records."""
        Gadget = self.legacy_gadgets([{"_id": ObjectId(), "id": 1, "name": "a"}])
        collection = database()["keylayout_gadget"]
        collection.aggregate(
            [{"$set": {"_id": "$id"}}, {"$unset": "id"}, {"$out": "keylayout_tmp"}]
        )
        database()["keylayout_tmp"].rename("keylayout_gadget", dropTarget=True)
        self.assertEqual(move_key(connection, Gadget).outcome, "recorded")
        self.assertEqual(Gadget.objects.get(pk=1).name, "a")

    def test_the_command_reports_each_table(self):
        output = StringIO()
        call_command("move_keys_to_id", "testapp", "--check", stdout=output)
        self.assertIn("testapp_author: key in _id", output.getvalue())


def required_of(table):
    info = database().command("listCollections", filter={"name": table})["cursor"]["firstBatch"]
    rules = info[0]["options"].get("validator") or {}
    rules = rules["$and"][0] if "$and" in rules else rules
    return rules.get("$jsonSchema", {}).get("required", [])
