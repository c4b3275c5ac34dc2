"""Integer auto-increment ids kept in __schema__."""

from django.db import IntegrityError, connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from djongo_app.counters import SCHEMA_COLLECTION
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

    def test_layout_matches_djongo(self):
        author = Author.objects.create(name="Ann")
        entry = schema_entry("testapp_author")
        self.assertEqual(entry["auto"]["field_names"], ["id"])
        self.assertEqual(entry["auto"]["seq"], author.pk)
        document = raw_collection("testapp_author").find_one(
            {"id": author.pk}, session=connection.connection.session
        )
        self.assertEqual(document["name"], "Ann")
        self.assertEqual(type(document["_id"]).__name__, "ObjectId")
        id_indexes = [
            index
            for index in raw_collection("testapp_author").index_information().values()
            if index["key"] == [("id", 1)]
        ]
        self.assertEqual([index.get("unique") for index in id_indexes], [True])

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
