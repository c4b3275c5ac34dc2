"""Adopting an existing database: inspectdb, then sync_counters (issue 5)."""

import datetime
import decimal
from io import StringIO
from unittest import mock

from bson import ObjectId
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import SimpleTestCase, TransactionTestCase
from django.test.utils import isolate_apps

from djongo_app.counters import SCHEMA_COLLECTION
from djongo_app.management.commands import sync_counters

PEOPLE = "adopted_person"
NOTES = "adopted_note"
SHAPES = "adopted_shape"
VIEW = "adopted_shape_view"


def database():
    connection.ensure_connection()
    return connection.connection.database


def inspectdb(*tables, **options):
    output = StringIO()
    call_command("inspectdb", *tables, stdout=output, **options)
    return output.getvalue()


def model_lines(source, class_name):
    """Return the stripped lines of one class of inspectdb's output."""
    lines = source.splitlines()
    start = lines.index(f"class {class_name}(models.Model):")
    body = []
    for line in lines[start + 1 :]:
        if line and not line.startswith(" "):
            break
        if line.strip():
            body.append(line.strip())
    return body


def load_models(source):
    """Exec inspectdb's output as a module of the test app; the caller
    isolates the app registry."""
    namespace = {"__name__": "tests.testapp.inspected"}
    exec(compile(source, "<inspectdb>", "exec"), namespace)
    return namespace


class AdoptionTests(TransactionTestCase):
    # djongo_app for its management commands.
    available_apps = ["djongo_app", "tests.testapp"]
    maxDiff = None

    def setUp(self):
        for table in (PEOPLE, NOTES, SHAPES, VIEW):
            self.addCleanup(database().drop_collection, table)
            self.addCleanup(database()[SCHEMA_COLLECTION].delete_one, {"name": table})
        self.addCleanup(connection.connection.counters.forget)

    def insert_people(self):
        """Insert Djongo-layout documents (integer ``id`` beside the
        driver's ObjectId ``_id``) with plain pymongo, ids not from 1."""
        database()[PEOPLE].insert_many(
            [
                {
                    "id": 3,
                    "name": "Ann",
                    "address": {"city": "Oslo", "geo": {"lat": 59.9, "lng": 10.7}},
                    "tags": ["a", "b"],
                    "pets": [{"kind": "cat", "age": 2}],
                },
                {
                    "id": 12,
                    "name": "Bob",
                    "nickname": "B",
                    "address": {"city": "Rome", "geo": {"lat": 41.9, "lng": 12.5}},
                    "tags": [],
                    "pets": [],
                },
                {
                    "id": 7,
                    "name": "Cy",
                    "address": {"city": "Lima", "geo": {"lat": -12.0, "lng": -77.0}},
                    "tags": ["c"],
                    "pets": [{"kind": "dog", "age": 5}, {"kind": "eel", "age": 1}],
                },
            ]
        )

    def test_inspectdb_output_for_the_djongo_layout(self):
        self.insert_people()
        source = inspectdb(PEOPLE)
        self.assertIn(
            "from djongo_app.fields import ArrayField, EmbeddedField, EmbeddedModel", source
        )
        self.assertEqual(
            model_lines(source, "AdoptedPerson"),
            [
                "id = models.AutoField(primary_key=True)",
                "name = models.TextField()",
                "address = EmbeddedField(model_container=AdoptedPersonAddress)",
                "tags = ArrayField(base_field=models.TextField())",
                "pets = ArrayField(model_container=AdoptedPersonPets)",
                "nickname = models.TextField(null=True, blank=True)",
                "class Meta:",
                "managed = False",
                f"db_table = {PEOPLE!r}",
            ],
        )
        # Containers come before the classes that use them, to any depth.
        order = [
            source.index(f"class {name}(")
            for name in (
                "AdoptedPersonAddressGeo",
                "AdoptedPersonAddress",
                "AdoptedPersonPets",
                "AdoptedPerson",
            )
        ]
        self.assertEqual(order, sorted(order))
        self.assertIn(
            "class AdoptedPersonAddressGeo(EmbeddedModel):\n"
            "    lat = models.FloatField()\n"
            "    lng = models.FloatField()\n",
            source,
        )
        self.assertIn(
            "class AdoptedPersonAddress(EmbeddedModel):\n"
            "    city = models.TextField()\n"
            "    geo = EmbeddedField(model_container=AdoptedPersonAddressGeo)\n",
            source,
        )
        # No `_id` field: the driver keeps giving documents their ObjectId.
        self.assertNotIn("db_column='_id'", source)

    def test_adopt_read_sync_counters_and_insert(self):
        self.insert_people()
        source = inspectdb(PEOPLE)
        with isolate_apps("tests.testapp") as registry:
            Person = load_models(source)["AdoptedPerson"]
            people = list(Person.objects.order_by("id"))
            self.assertEqual(
                [(p.id, p.name, p.nickname) for p in people],
                [(3, "Ann", None), (7, "Cy", None), (12, "Bob", "B")],
            )
            ann = people[0]
            self.assertEqual((ann.address.city, ann.address.geo.lat), ("Oslo", 59.9))
            self.assertEqual(ann.tags, ["a", "b"])
            self.assertEqual(
                [(pet.kind, pet.age) for pet in people[1].pets],
                [("dog", 5), ("eel", 1)],
            )
            self.assertEqual(Person.objects.get(address__city="Rome").id, 12)

            # inspectdb's models are managed = False: sync_counters still
            # covers them.
            with mock.patch.object(sync_counters, "apps", registry):
                output = StringIO()
                with self.assertRaisesMessage(
                    CommandError, f"1 counter(s) behind their data: {PEOPLE}"
                ):
                    call_command("sync_counters", "testapp", "--check", stdout=output)
                self.assertIn(f"{PEOPLE}: counter 0 < largest id 12: DRIFT", output.getvalue())
                call_command("sync_counters", "testapp", stdout=StringIO())
                call_command("sync_counters", "testapp", "--check", stdout=StringIO())

            address = Person._meta.get_field("address").model_container
            geo = address._meta.get_field("geo").model_container
            created = Person.objects.create(
                name="Dee",
                address=address(city="Bern", geo=geo(lat=46.9, lng=7.4)),
                tags=[],
                pets=[],
            )
        self.assertEqual(created.id, 13)
        collection = database()[PEOPLE]
        self.assertEqual(collection.count_documents({}), 4)
        self.assertEqual(
            sorted((d["id"], d["name"]) for d in collection.find()),
            [(3, "Ann"), (7, "Cy"), (12, "Bob"), (13, "Dee")],
        )
        stored = collection.find_one({"id": 13})
        self.assertIsInstance(stored["_id"], ObjectId)
        self.assertEqual(stored["address"], {"city": "Bern", "geo": {"lat": 46.9, "lng": 7.4}})

    def test_object_id_collection(self):
        first, second = ObjectId(), ObjectId()
        database()[NOTES].insert_many(
            [{"_id": first, "text": "a", "source": second}, {"_id": second, "text": "b"}]
        )
        source = inspectdb(NOTES)
        self.assertEqual(
            model_lines(source, "AdoptedNote"),
            [
                "id = ObjectIdAutoField(primary_key=True)",
                "text = models.TextField()",
                "source = ObjectIdField(null=True, blank=True)",
                "class Meta:",
                "managed = False",
                f"db_table = {NOTES!r}",
            ],
        )
        with isolate_apps("tests.testapp") as registry:
            Note = load_models(source)["AdoptedNote"]
            self.assertEqual(
                list(Note.objects.order_by("text").values_list("id", "text", "source")),
                [(first, "a", second), (second, "b", None)],
            )
            created = Note.objects.create(text="c")
            with mock.patch.object(sync_counters, "apps", registry):
                output = StringIO()
                call_command("sync_counters", "testapp", "--check", stdout=output)
        self.assertIsInstance(created.pk, ObjectId)
        self.assertEqual(database()[NOTES].count_documents({}), 3)
        # No counter: ObjectIds come from the driver.
        self.assertEqual(output.getvalue(), "")
        self.assertIsNone(database()[SCHEMA_COLLECTION].find_one({"name": NOTES}))

    def test_field_inference(self):
        database()[SHAPES].create_index("code", unique=True)
        database()[SHAPES].insert_many(
            [
                {
                    "code": "x1",
                    "count": 1,
                    "big": 2**40,
                    "ratio": 1,
                    "price": decimal.Decimal("12.345"),
                    "when": datetime.datetime(2020, 1, 1),
                    "flag": True,
                    "blob": b"\x00",
                    "mixed": 1,
                    "odd key": 1,
                    "firstName": "Ann",
                    "class": "a",
                    "nothing": None,
                    "empty": {},
                    "nested": [[1]],
                    "scores": [1, None],
                    "id": "not-an-integer",
                },
                {"code": "x2", "ratio": 2.5, "price": decimal.Decimal("1.5"), "mixed": "one"},
            ]
        )
        self.assertEqual(
            model_lines(inspectdb(SHAPES), "AdoptedShape"),
            [
                "id = ObjectIdAutoField(primary_key=True)",
                "code = models.TextField(unique=True)",
                "count = models.IntegerField(null=True, blank=True)",
                "big = models.BigIntegerField(null=True, blank=True)",
                "ratio = models.FloatField()",
                "price = models.DecimalField(max_digits=5, decimal_places=3)",
                "when = models.DateTimeField(null=True, blank=True)",
                "flag = models.BooleanField(null=True, blank=True)",
                "blob = models.BinaryField(null=True, blank=True)",
                "mixed = models.JSONField()  # Values of several types (int, string).",
                "odd_key = models.IntegerField(db_column='odd key', null=True, blank=True)"
                "  # Field renamed to remove unsuitable characters.",
                "firstname = models.TextField(db_column='firstName', null=True, blank=True)"
                "  # Field name made lowercase.",
                "class_field = models.TextField(db_column='class', null=True, blank=True)"
                "  # Field renamed because it was a Python reserved word.",
                "nothing = models.JSONField(null=True, blank=True)"
                "  # Only nulls in the sample: the type is a guess.",
                "empty = models.JSONField(null=True, blank=True)",
                "nested = models.JSONField(null=True, blank=True)  # Array elements: array.",
                "scores = ArrayField(base_field=models.IntegerField(null=True, blank=True), "
                "null=True, blank=True)",
                "id_0 = models.TextField(db_column='id', null=True, blank=True)"
                "  # Field renamed because of name conflict.",
                "class Meta:",
                "managed = False",
                f"db_table = {SHAPES!r}",
            ],
        )

    def test_keys_a_path_cannot_name(self):
        """Sub-documents with a key starting with "$" or holding a "." are
        JSONFields, not containers, and read back whole; a name Django
        prefixed is explained by its first character (trial of main)."""
        database()[SHAPES].insert_many(
            [
                {
                    "attrs": {"$gt": "", "a.b": 1},
                    "parts": [{"x.y": 1}, {"x.y": 2}],
                    "plain": {"ok": 1, "deep": {"$in": [1]}},
                    "-rank": 3,
                }
            ]
        )
        source = inspectdb(SHAPES)
        self.assertEqual(
            model_lines(source, "AdoptedShape"),
            [
                "id = ObjectIdAutoField(primary_key=True)",
                "attrs = models.JSONField()  # Sub-documents with keys a path cannot name "
                "('$gt', 'a.b': a leading '$' or a '.'): a JSONField, not an EmbeddedField.",
                "parts = models.JSONField()  # Sub-documents with keys a path cannot name "
                "('x.y': a leading '$' or a '.'): a JSONField, not an EmbeddedField.",
                "plain = EmbeddedField(model_container=AdoptedShapePlain)",
                "field_rank = models.IntegerField(db_column='-rank')  # Field renamed to "
                "remove unsuitable characters. Field renamed because it started with '-'.",
                "class Meta:",
                "managed = False",
                f"db_table = {SHAPES!r}",
            ],
        )
        self.assertIn(
            "class AdoptedShapePlain(EmbeddedModel):\n"
            "    ok = models.IntegerField()\n"
            "    deep = models.JSONField()  # Sub-documents with keys a path cannot name ('$in': "
            "a leading '$' or a '.'): a JSONField, not an EmbeddedField.\n",
            source,
        )
        with isolate_apps("tests.testapp"):
            Shape = load_models(source)["AdoptedShape"]
            shape = Shape.objects.get(attrs__has_key="a.b")
            self.assertEqual(shape.attrs, {"$gt": "", "a.b": 1})
            self.assertEqual(shape.parts, [{"x.y": 1}, {"x.y": 2}])
            self.assertEqual(shape.plain.deep, {"$in": [1]})
            self.assertEqual(shape.field_rank, 3)

    def test_sample_size(self):
        database()[SHAPES].insert_many([{"a": 1}, {"a": 2}, {"a": 3, "late": "x"}])
        self.assertNotIn("late", inspectdb(SHAPES, sample_size=2))
        self.assertIn("late = models.TextField(null=True, blank=True)", inspectdb(SHAPES))
        with mock.patch.dict(connection.settings_dict, {"INTROSPECTION_SAMPLE_SIZE": 1}):
            source = inspectdb(SHAPES)
            self.assertIn("# Fields are inferred from the first 1 documents", source)
            self.assertNotIn("late", source)
            self.assertIn("late", inspectdb(SHAPES, sample_size=0))
        with self.assertRaisesMessage(CommandError, "--sample-size must be 0"):
            inspectdb(SHAPES, sample_size=-1)

    def test_views_with_include_views(self):
        database()[SHAPES].insert_one({"a": 1})
        database().create_collection(VIEW, viewOn=SHAPES, pipeline=[])
        self.assertNotIn(VIEW, inspectdb())
        source = inspectdb(include_views=True)
        self.assertIn("managed = False  # Created from a view. Don't remove.", source)
        self.assertIn("a = models.IntegerField()", model_lines(source, "AdoptedShapeView"))

    def test_table_description_for_django(self):
        """get_table_description() keeps Django's contract (migrate
        --fake-initial reads the column names)."""
        database()[SHAPES].insert_many([{"a": 1, "b": "x"}, {"a": 2}])
        description = connection.introspection.get_table_description(None, SHAPES)
        self.assertEqual(
            [(row.name, row.type_code, row.null_ok) for row in description],
            [("_id", "objectId", False), ("a", "int", False), ("b", "string", True)],
        )


class OtherBackendTests(SimpleTestCase):
    databases = {"sqlite"}

    def test_other_backends_keep_djangos_inspectdb(self):
        source = inspectdb(database="sqlite")
        self.assertIn("from django.db import models", source)
        self.assertNotIn("Fields are inferred", source)
