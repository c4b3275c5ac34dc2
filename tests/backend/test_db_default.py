"""Fields with a ``db_default``: recorded by the schema editor in
``__schema__`` and given by every INSERT to the columns it leaves out or
writes as DEFAULT (djongo_app/defaults.py)."""

import datetime
import math

from django.db import NotSupportedError, connection, models
from django.db.models import Func, Value
from django.db.models.functions import Lower, Now, Pi
from django.test import TransactionTestCase
from django.test.utils import isolate_apps
from django.utils import timezone

from djongo_app.counters import SCHEMA_COLLECTION


class Soundex(Func):
    """A SQL function the transpiler does not know."""

    function = "SOUNDEX"
    output_field = models.CharField()


def database():
    connection.ensure_connection()
    return connection.connection.database


def stored(model):
    """Return the model's documents as stored, without ``_id``."""
    documents = database()[model._meta.db_table].find({}, {"_id": 0}).sort("_id", 1)
    return list(documents)


@isolate_apps("tests.testapp")
class DbDefaultTests(TransactionTestCase):
    available_apps = ["tests.testapp"]

    def setUp(self):
        class Gadget(models.Model):
            name = models.CharField(max_length=20, default="plain")
            count = models.IntegerField(db_default=7)
            ratio = models.FloatField(null=True, db_default=1.5)
            label = models.CharField(max_length=20, db_default=Lower(Value("BOXED")))
            added = models.DateTimeField(db_default=Now())
            area = models.FloatField(db_default=Pi() + 1)

            class Meta:
                app_label = "testapp"

        class Coded(models.Model):
            code = models.CharField(max_length=2, primary_key=True, db_default="en")

            class Meta:
                app_label = "testapp"

        self.models = [Gadget, Coded]
        self.Gadget, self.Coded = self.models
        self.assertEqual([e.id for m in self.models for e in m.check(databases=["default"])], [])
        with connection.schema_editor() as editor:
            for model in self.models:
                editor.create_model(model)
        self.addCleanup(self.drop)

    def drop(self):
        with connection.schema_editor() as editor:
            for model in self.models:
                editor.delete_model(model)

    def test_create_returns_and_stores_the_defaults(self):
        """create() leaves the columns to the database, and the object holds
        the values it stored without a refresh, as on PostgreSQL."""
        before = timezone.now().replace(microsecond=0)
        gadget = self.Gadget.objects.create()
        self.assertEqual(gadget.count, 7)
        self.assertEqual(gadget.ratio, 1.5)
        self.assertEqual(gadget.label, "boxed")
        self.assertAlmostEqual(gadget.area, math.pi + 1)
        self.assertGreaterEqual(gadget.added, before)
        (document,) = stored(self.Gadget)
        self.assertEqual(
            {k: document[k] for k in ("name", "count", "ratio", "label")},
            {"name": "plain", "count": 7, "ratio": 1.5, "label": "boxed"},
        )
        self.assertIsInstance(document["added"], datetime.datetime)
        self.assertAlmostEqual(document["area"], math.pi + 1)

    def test_given_values_win(self):
        gadget = self.Gadget.objects.create(count=3, ratio=None, label="x")
        gadget.refresh_from_db()
        self.assertEqual((gadget.count, gadget.ratio, gadget.label), (3, None, "x"))

    def test_primary_key_default(self):
        """A primary key with a db_default takes it, not a counter's id."""
        coded = self.Coded.objects.create()
        self.assertEqual(coded.pk, "en")
        self.assertEqual(list(self.Coded.objects.values_list("pk", flat=True)), ["en"])

    def test_bulk_create(self):
        """Rows of one statement each take the defaults they lack."""
        made = self.Gadget.objects.bulk_create(
            [self.Gadget(), self.Gadget(count=2), self.Gadget(label="own")]
        )
        self.assertEqual(
            [(g.count, g.label) for g in made], [(7, "boxed"), (2, "boxed"), (7, "own")]
        )
        self.assertEqual(
            [(d["count"], d["label"]) for d in stored(self.Gadget)],
            [(7, "boxed"), (2, "boxed"), (7, "own")],
        )

    def test_insert_sql_default_keyword_and_left_out_columns(self):
        """DEFAULT in VALUES (Django 5.2) and a column left out of the
        INSERT (Django 6.x) both take the default."""
        table = connection.ops.quote_name(self.Gadget._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f'INSERT INTO {table} ("name", "count") VALUES (%s, DEFAULT)', ["a"])
            cursor.execute(f'INSERT INTO {table} ("name") VALUES (%s)', ["b"])
        self.assertEqual(
            list(self.Gadget.objects.order_by("name").values_list("name", "count", "label")),
            [("a", 7, "boxed"), ("b", 7, "boxed")],
        )

    def test_update_to_default(self):
        """save() of a new instance of a stored row sets the fields it
        leaves to the database back to their defaults (SET ... = DEFAULT)."""
        stored_gadget = self.Gadget.objects.create(count=3, label="mine")
        self.Gadget(pk=stored_gadget.pk, name="again").save()
        stored_gadget.refresh_from_db()
        self.assertEqual(
            (stored_gadget.name, stored_gadget.count, stored_gadget.label), ("again", 7, "boxed")
        )
        self.assertEqual(self.Gadget.objects.count(), 1)
        self.Gadget.objects.update(ratio=None)
        table = connection.ops.quote_name(self.Gadget._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE {table} SET "count" = %s, "ratio" = DEFAULT WHERE "id" = %s',
                [5, stored_gadget.pk],
            )
        stored_gadget.refresh_from_db()
        self.assertEqual((stored_gadget.count, stored_gadget.ratio), (5, 1.5))

    def test_add_field_fills_existing_documents(self):
        """AddField gives existing documents the default, as a SQL column
        added with DEFAULT fills its rows; the expression is evaluated by
        the server."""
        first = self.Gadget.objects.create()
        size = models.IntegerField(db_default=42)
        size.set_attributes_from_name("size")
        stamp = models.DateTimeField(db_default=Now())
        stamp.set_attributes_from_name("stamp")
        with connection.schema_editor() as editor:
            editor.add_field(self.Gadget, size)
            editor.add_field(self.Gadget, stamp)
        document = database()[self.Gadget._meta.db_table].find_one({"_id": first.pk})
        self.assertEqual(document["size"], 42)
        self.assertIsInstance(document["stamp"], datetime.datetime)
        table = connection.ops.quote_name(self.Gadget._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f'INSERT INTO {table} ("name") VALUES (%s)', ["new"])
        self.assertEqual(
            database()[self.Gadget._meta.db_table].find_one({"name": "new"})["size"], 42
        )

    def test_remove_and_alter_field_update_the_entry(self):
        entry = database()[SCHEMA_COLLECTION].find_one({"name": self.Gadget._meta.db_table})
        self.assertEqual(
            [d["column"] for d in entry["defaults"]],
            ["count", "ratio", "label", "added", "area"],
        )
        self.assertEqual(entry["defaults"][0], {"column": "count", "value": 7})
        old = self.Gadget._meta.get_field("count")
        new = models.IntegerField(db_default=9)
        new.set_attributes_from_name("count")
        with connection.schema_editor() as editor:
            editor.alter_field(self.Gadget, old, new)
            editor.remove_field(self.Gadget, self.Gadget._meta.get_field("ratio"))
        entry = database()[SCHEMA_COLLECTION].find_one({"name": self.Gadget._meta.db_table})
        self.assertEqual(
            sorted((d["column"], d.get("value")) for d in entry["defaults"]),
            [("added", None), ("area", None), ("count", 9), ("label", None)],
        )
        self.assertEqual(self.Gadget.objects.create().count, 9)

    def test_alter_field_to_not_null_fills_nulls(self):
        gadget = self.Gadget.objects.create(ratio=None)
        old = self.Gadget._meta.get_field("ratio")
        new = models.FloatField(db_default=2.5)
        new.set_attributes_from_name("ratio")
        with connection.schema_editor() as editor:
            editor.alter_field(self.Gadget, old, new)
        gadget.refresh_from_db()
        self.assertEqual(gadget.ratio, 2.5)


@isolate_apps("tests.testapp")
class UnsupportedDbDefaultTests(TransactionTestCase):
    available_apps = ["tests.testapp"]

    def setUp(self):
        class Phonetic(models.Model):
            name = models.CharField(max_length=20, null=True)
            sound = models.CharField(max_length=4, db_default=Soundex(Value("x")))

            class Meta:
                app_label = "testapp"

        self.Phonetic = Phonetic
        with connection.schema_editor() as editor:
            editor.create_model(Phonetic)
        self.addCleanup(self.drop)

    def drop(self):
        with connection.schema_editor() as editor:
            editor.delete_model(self.Phonetic)

    def test_insert_needing_the_value_is_refused(self):
        """An expression the transpiler cannot evaluate is refused when a
        row needs it, naming the field and the expression, never NULL."""
        with self.assertRaisesMessage(NotSupportedError, "db_default of Phonetic.sound (Soundex("):
            self.Phonetic.objects.create()
        self.assertIs(self.Phonetic.objects.exists(), False)

    def test_given_value_needs_no_default(self):
        self.Phonetic.objects.create(sound="X000")
        self.assertEqual(list(self.Phonetic.objects.values_list("sound", flat=True)), ["X000"])

    def test_add_field_to_existing_documents_is_refused(self):
        self.Phonetic.objects.create(sound="X000")
        field = models.CharField(max_length=4, db_default=Soundex(Value("y")))
        field.set_attributes_from_name("other")
        with (
            self.assertRaisesMessage(NotSupportedError, "db_default of Phonetic.other"),
            connection.schema_editor() as editor,
        ):
            editor.add_field(self.Phonetic, field)


@isolate_apps("tests.testapp")
class CollectSqlTests(TransactionTestCase):
    available_apps = ["tests.testapp"]

    def test_sqlmigrate_shows_the_recorded_defaults(self):
        class Shown(models.Model):
            count = models.IntegerField(db_default=7)
            added = models.DateTimeField(db_default=Now())

            class Meta:
                app_label = "testapp"
                db_table = "dbdefault_shown"

        with connection.schema_editor(collect_sql=True) as editor:
            editor.create_model(Shown)
        self.assertIn(
            'db.__schema__.updateOne({name: "dbdefault_shown"}, {$set: {defaults: '
            '[{column: "count", value: 7}, {column: "added", field: "Shown.added", '
            'sql: "CURRENT_TIMESTAMP", params: []}]}}, {upsert: true});',
            editor.collected_sql,
        )
        self.assertIsNone(database()[SCHEMA_COLLECTION].find_one({"name": "dbdefault_shown"}))
