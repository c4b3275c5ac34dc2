"""Integer auto-increment ids kept in __schema__, and where a document
keeps them: in ``_id`` for a table djongo_app creates, in a field of the
column's name for a collection that already held Djongo's documents."""

from io import StringIO
from unittest import mock

from bson import ObjectId
from django.core.management import call_command
from django.db import IntegrityError, connection, models
from django.db.models import Max
from django.test import TestCase, TransactionTestCase
from django.test.utils import CaptureQueriesContext, isolate_apps

from djongo_app.counters import SCHEMA_COLLECTION
from djongo_app.keylayout import layouts_of
from djongo_app.management.commands import sync_counters
from tests.testapp.models import Author, Tag


def schema_entry(table):
    connection.ensure_connection()
    return connection.connection.database[SCHEMA_COLLECTION].find_one({"name": table})


def raw_collection(table):
    connection.ensure_connection()
    return connection.connection.database[table]


class AutoIncrementTests(TestCase):
    def test_ids_strictly_increase(self):
        ids = [Author.objects.create(name=f"a{i}").pk for i in range(5)]
        self.assertEqual(ids, sorted(ids))
        self.assertEqual(len(set(ids)), 5)
        self.assertEqual(ids, list(range(ids[0], ids[0] + 5)))

    def test_a_new_table_keeps_its_key_in_id(self):
        """A table the schema editor created stores the counter's id as the
        document's ``_id``: no "id" field, no index of its own, and its
        ``__schema__`` entry names the column kept there."""
        author = Author.objects.create(name="Ann")
        entry = schema_entry("testapp_author")
        self.assertEqual(entry["key"], "id")
        self.assertEqual(entry["auto"]["field_names"], ["id"])
        self.assertEqual(entry["auto"]["seq"], author.pk)
        document = raw_collection("testapp_author").find_one(
            {"_id": author.pk}, session=connection.connection.session
        )
        self.assertEqual(document["name"], "Ann")
        self.assertIs(type(document["_id"]), int)
        self.assertNotIn("id", document)
        keys = [
            index["key"] for index in raw_collection("testapp_author").index_information().values()
        ]
        self.assertIn([("_id", 1)], keys)
        self.assertEqual([key for key in keys if ("id", 1) in key], [])
        self.assertEqual(Author.objects.get(pk=author.pk).name, "Ann")

    def test_bulk_create_sets_pks_with_one_counter_increment(self):
        before = schema_entry("testapp_tag")["auto"]["seq"]
        with CaptureQueriesContext(connection) as captured:
            tags = Tag.objects.bulk_create([Tag(label=f"t{i}") for i in range(4)])
        self.assertEqual([t.pk for t in tags], list(range(before + 1, before + 5)))
        self.assertEqual(schema_entry("testapp_tag")["auto"]["seq"], before + 4)
        inserts = [q for q in captured if q["sql"].startswith("INSERT")]
        self.assertEqual(len(inserts), 1)
        self.assertEqual(
            sorted(Tag.objects.values_list("pk", flat=True)), list(range(before + 1, before + 5))
        )

    def test_explicit_id_advances_counter(self):
        first = Author.objects.create(name="first")
        explicit = first.pk + 500
        Author.objects.create(id=explicit, name="explicit")
        self.assertEqual(schema_entry("testapp_author")["auto"]["seq"], explicit)
        following = Author.objects.create(name="next")
        self.assertEqual(following.pk, explicit + 1)

    def test_lower_explicit_id_does_not_lower_counter(self):
        first = Author.objects.create(name="first")
        high = Author.objects.create(id=first.pk + 50, name="high")
        Author.objects.create(id=first.pk + 7, name="low")
        self.assertEqual(Author.objects.create(name="next").pk, high.pk + 1)

    def test_missing_entry_is_created_on_first_use(self):
        raw_collection(SCHEMA_COLLECTION).delete_one({"name": "testapp_tag"})
        connection.connection.counters.forget()
        tag = Tag.objects.create(label="x")
        self.assertIsInstance(tag.pk, int)
        entry = schema_entry("testapp_tag")
        self.assertEqual(entry["auto"], {"seq": tag.pk, "field_names": ["id"]})
        self.assertEqual(Tag.objects.create(label="y").pk, tag.pk + 1)

    def test_duplicate_explicit_id_is_integrity_error(self):
        author = Author.objects.create(name="a")
        with self.assertRaisesMessage(IntegrityError, "duplicate key"):
            Author.objects.create(id=author.pk, name="b")


LEGACY = "legacy_veteran"


@isolate_apps("tests.testapp")
class LegacyLayoutTests(TransactionTestCase):
    """A collection Djongo wrote (integer ``id`` beside an ObjectId ``_id``,
    a ``__schema__`` counter without ``key``) that exists before the
    model's table is created keeps that layout: the ORM reads, writes and
    counts it by its ``id`` field."""

    available_apps = ["tests.testapp"]

    def setUp(self):
        class Veteran(models.Model):
            name = models.CharField(max_length=20, unique=True)
            rank = models.IntegerField(default=0)

            class Meta:
                app_label = "testapp"
                db_table = LEGACY

        self.Veteran = Veteran
        database = raw_collection(LEGACY).database
        self.addCleanup(self.drop)
        raw_collection(LEGACY).insert_many(
            [{"id": 3, "name": "Ann", "rank": 1}, {"id": 7, "name": "Bob", "rank": 2}]
        )
        raw_collection(SCHEMA_COLLECTION).insert_one(
            {"name": LEGACY, "auto": {"field_names": ["id"], "seq": 7}}
        )
        # The collection appeared behind this process's back: read the
        # layout again, as a process started on this database would.
        layouts_of(database).reset()
        connection.connection.counters.forget()
        with connection.schema_editor() as editor:
            editor.create_model(Veteran)

    def drop(self):
        with connection.schema_editor() as editor:
            editor.delete_model(self.Veteran)
        raw_collection(SCHEMA_COLLECTION).delete_many({"name": LEGACY})
        connection.connection.counters.forget()

    def stored(self):
        """Return (id, type of _id, name, rank) of each document, by id."""
        return [
            (d.get("id"), type(d["_id"]), d["name"], d["rank"])
            for d in raw_collection(LEGACY).find(sort=[("id", 1)])
        ]

    def test_reads_by_the_id_field(self):
        self.assertNotIn("key", schema_entry(LEGACY))
        keys = [index["key"] for index in raw_collection(LEGACY).index_information().values()]
        self.assertIn([("id", 1)], keys)
        Veteran = self.Veteran
        self.assertEqual(
            list(Veteran.objects.order_by("-pk").values_list("pk", "name")),
            [(7, "Bob"), (3, "Ann")],
        )
        self.assertEqual(Veteran.objects.get(pk=7).name, "Bob")
        self.assertEqual(
            list(Veteran.objects.filter(pk__in=[3, 5]).values_list("name")), [("Ann",)]
        )
        self.assertEqual(Veteran.objects.filter(pk__gt=3).count(), 1)
        self.assertEqual(Veteran.objects.aggregate(m=Max("id"))["m"], 7)
        # A fresh read of the layout (the next process) sees the same.
        layouts_of(raw_collection(LEGACY).database).reset()
        self.assertEqual(Veteran.objects.get(name="Ann").pk, 3)

    def test_writes_and_counts_in_the_id_field(self):
        Veteran = self.Veteran
        cy = Veteran.objects.create(name="Cy")
        self.assertEqual(cy.pk, 8)
        Veteran.objects.bulk_create([Veteran(name="Di"), Veteran(name="Ed")])
        Veteran.objects.filter(pk=3).update(rank=5)
        Veteran.objects.get(pk=7).delete()
        with self.assertRaisesMessage(IntegrityError, "duplicate key"):
            Veteran.objects.create(id=8, name="Fay")
        self.assertEqual(
            self.stored(),
            [
                (3, ObjectId, "Ann", 5),
                (8, ObjectId, "Cy", 0),
                (9, ObjectId, "Di", 0),
                (10, ObjectId, "Ed", 0),
            ],
        )
        self.assertEqual(schema_entry(LEGACY)["auto"]["seq"], 10)
        self.assertNotIn("key", schema_entry(LEGACY))

    def test_sync_counters_reads_the_id_field(self):
        raw_collection(LEGACY).insert_one({"id": 20, "name": "Raw", "rank": 0})
        output = StringIO()
        with mock.patch.object(sync_counters, "apps", self.Veteran._meta.apps):
            call_command(sync_counters.Command(), "testapp", stdout=output)
        self.assertIn(f"{LEGACY}: counter 7 raised to 20", output.getvalue())
        self.assertEqual(self.Veteran.objects.create(name="Next").pk, 21)
