"""JSONField behaviour that Django 6.0 and 6.1 changed: JSONNull(),
filter(data=None) deprecated, key__iexact=None meaning JSON null, and
negative array indexes (``data__tags__-1``)."""

import json
from unittest import skipUnless

from django.db import DataError, NotSupportedError, connection, models
from django.db.models import F, Value
from django.test import TestCase, TransactionTestCase, skipIfDBFeature, skipUnlessDBFeature
from django.test.utils import isolate_apps
from pymongo.errors import WriteError

from djongo_app import compat
from tests.testapp.models import Document

JSONNull = compat.JSONNull


class JSONData(TestCase):
    @classmethod
    def setUpTestData(cls):
        Document.objects.create(
            name="a",
            data={"owner": {"name": "Ann"}, "tags": ["x", "y"], "items": [{"n": 1}, {"n": 2}]},
        )
        Document.objects.create(name="b", data={"owner": None, "tags": ["y"], "items": [{"n": 3}]})
        Document.objects.create(name="c", data={"tags": []})
        Document.objects.create(name="d", data=None)

    def names(self, queryset):
        return sorted(queryset.values_list("name", flat=True))


class KeyNullTests(JSONData):
    def test_key_none_is_a_key_holding_json_null(self):
        """data__owner=None matches a key that holds JSON null, not a
        missing key (as on SQLite), on every Django series."""
        self.assertEqual(self.names(Document.objects.filter(data__owner=None)), ["b"])
        self.assertEqual(self.names(Document.objects.filter(data__owner__isnull=True)), ["c", "d"])


class UnsupportedNegativeIndexTests(JSONData):
    @skipIfDBFeature("supports_json_negative_indexing")
    def test_negative_index_is_refused_not_read_as_a_key(self):
        """A dotted path cannot count from the end of an array: refused,
        never read as the object key "-1" (which matches nothing)."""
        message = "Using negative JSON array indices is not supported on this database backend."
        for lookup in ("data__tags__-1", "data__items__-1__n"):
            with self.subTest(lookup), self.assertRaisesMessage(NotSupportedError, message):
                list(Document.objects.filter(**{lookup: "y"}))


@skipUnless(compat.DJANGO_6_0, "negative JSON array indexes are from Django 6.0")
@skipUnlessDBFeature("supports_json_negative_indexing")
class NegativeIndexTests(JSONData):
    def test_filter_on_the_last_elements(self):
        self.assertEqual(self.names(Document.objects.filter(**{"data__tags__-1": "y"})), ["a", "b"])
        self.assertEqual(self.names(Document.objects.filter(**{"data__tags__-2": "x"})), ["a"])
        # Out of range (and an empty array) matches nothing.
        self.assertEqual(self.names(Document.objects.filter(**{"data__tags__-3": "x"})), [])
        self.assertEqual(
            self.names(Document.objects.filter(**{"data__tags__-1__isnull": False})), ["a", "b"]
        )

    def test_keys_after_a_negative_index(self):
        self.assertEqual(self.names(Document.objects.filter(**{"data__items__-1__n": 2})), ["a"])
        self.assertEqual(
            self.names(Document.objects.filter(**{"data__items__-1__n__gte": 2})), ["a", "b"]
        )

    def test_values_and_ordering(self):
        self.assertEqual(
            list(
                Document.objects.filter(name__in=["a", "b"])
                .order_by("name")
                .values_list("data__tags__-1", "data__items__-1__n")
            ),
            [("y", 2), ("y", 3)],
        )
        self.assertEqual(
            list(
                Document.objects.filter(name__in=["a", "b"])
                .order_by(F("data__items__-1__n").desc())
                .values_list("name", flat=True)
            ),
            ["b", "a"],
        )


@skipUnless(compat.JSONNull, "JSONNull() is from Django 6.1")
class JSONNullTests(JSONData):
    def test_saved_as_null_not_as_text(self):
        doc = Document.objects.create(name="e", data=JSONNull())
        doc.refresh_from_db()
        self.assertIsNone(doc.data)
        self.assertEqual(Document.objects.filter(name="e", data__isnull=True).count(), 1)

    def test_top_level_and_nested_queries(self):
        # A JSON null and an SQL NULL are one stored value (README).
        self.assertEqual(self.names(Document.objects.filter(data=JSONNull())), ["d"])
        self.assertEqual(self.names(Document.objects.filter(data__owner=JSONNull())), ["b"])

    def test_none_on_the_column_is_deprecated(self):
        from django.utils.deprecation import RemovedInDjango2028Warning

        with self.assertWarnsMessage(RemovedInDjango2028Warning, "Use JSONNull() instead"):
            self.assertEqual(self.names(Document.objects.filter(data=None)), ["d"])
        # Key lookups are unaffected: data__owner=None is JSON null there.
        self.assertEqual(self.names(Document.objects.filter(data__owner=None)), ["b"])

    def test_key_iexact_none_is_json_null(self):
        """6.1: key__iexact=None matches a key holding JSON null, as
        key__exact=None does (before, it meant key__isnull=True)."""
        self.assertEqual(self.names(Document.objects.filter(data__owner__iexact=None)), ["b"])


@isolate_apps("tests.testapp")
class NotNullJSONFieldTests(TransactionTestCase):
    """A NOT NULL JSONField may hold JSON null (stored as null); its key
    stays required."""

    available_apps = ["tests.testapp"]

    def test_json_null_is_a_value_a_missing_key_is_not(self):
        class Settings(models.Model):
            data = models.JSONField()

            class Meta:
                app_label = "testapp"

        with connection.schema_editor() as editor:
            editor.create_model(Settings)
        self.addCleanup(self.drop, Settings)
        nulls = [Value(None, output_field=models.JSONField())]
        if JSONNull is not None:
            nulls.append(JSONNull())
        for value in nulls:
            with self.subTest(value):
                obj = Settings.objects.create(data=value)
                obj.refresh_from_db()
                self.assertIsNone(obj.data)
        collection = connection.connection.database[Settings._meta.db_table]
        with self.assertRaises(WriteError):
            collection.insert_one({"id": 1000})

    def drop(self, model):
        with connection.schema_editor() as editor:
            editor.delete_model(model)


class EncoderTests(TestCase):
    def test_invalid_json_from_an_encoder_is_a_data_error(self):
        class Broken(json.JSONEncoder):
            def encode(self, o):
                return "{@!invalid json"

        field = Document._meta.get_field("data")
        with self.assertRaisesMessage(DataError, "the JSON encoder wrote invalid JSON"):
            connection.ops.adapt_json_value({"a": 1}, Broken)
        self.assertEqual(field.get_db_prep_value({"a": [1]}, connection), {"a": [1]})


@skipUnless(compat.JSONNull, "JSONNull() is from Django 6.1")
class JSONNullInTests(JSONData):
    def test_in_with_json_null(self):
        self.assertEqual(
            self.names(Document.objects.filter(data__in=[JSONNull(), {"tags": []}])), ["c", "d"]
        )
        self.assertEqual(
            self.names(Document.objects.filter(data__owner__in=[JSONNull(), {"name": "Ann"}])),
            ["a", "b"],
        )
        self.assertEqual(self.names(Document.objects.filter(data__owner__in=[JSONNull()])), ["b"])
        self.assertEqual(self.names(Document.objects.filter(data__owner__in=[{"name": "x"}])), [])
