"""What differs between Django 5.2, 6.0 and 6.1 (djongo_app/compat.py):
the RETURNING hooks, database-level on_delete rules, fetch modes, fields
refreshed after save(), Model.NotUpdated and in_bulk() after values()."""

from decimal import Decimal
from unittest import skipUnless

import django
from django.core import exceptions
from django.db import DatabaseError, DataError, connection, models
from django.db.models import F
from django.test import TestCase, TransactionTestCase
from django.test.utils import CaptureQueriesContext, isolate_apps

from djongo_app import compat
from tests.testapp.models import Author, Blog, Book, Entry, Reader

FETCH_ONE = getattr(models, "FETCH_ONE", None)
FETCH_PEERS = getattr(models, "FETCH_PEERS", None)
FETCH_RAISE = getattr(models, "FETCH_RAISE", None)
FieldFetchBlocked = getattr(exceptions, "FieldFetchBlocked", None)


class CompatTests(TestCase):
    def test_series_and_public_names(self):
        self.assertEqual(compat.DJANGO_SERIES, django.VERSION[:2])
        self.assertIn(compat.DJANGO_SERIES, compat.SUPPORTED_SERIES)
        for name in compat.__all__:
            self.assertTrue(hasattr(compat, name), name)
        defined_here = {
            name
            for name, value in vars(compat).items()
            if getattr(value, "__module__", None) == compat.__name__ and not name.startswith("_")
        }
        self.assertLessEqual(defined_here, set(compat.__all__))
        self.assertIs(compat.StringAgg is not None, django.VERSION >= (6, 0))
        self.assertEqual(len(compat.BIT_AGGREGATES), 3 if django.VERSION >= (6, 1) else 0)
        self.assertEqual(len(compat.DATABASE_ON_DELETE), 3 if django.VERSION >= (6, 1) else 0)
        self.assertIs(compat.is_database_on_delete(models.CASCADE), False)
        self.assertEqual(
            compat.since({(5, 2): {"a"}, (6, 0): {"b"}, (6, 1): {"c"}, (99, 0): {"d"}}),
            {"a", "b", "c"}
            if django.VERSION >= (6, 1)
            else {"a", "b"}
            if django.VERSION >= (6, 0)
            else {"a"},
        )

    def test_compile_json_path_on_every_series(self):
        self.assertEqual(
            compat.compile_json_path(connection, ["owner", "0", "name"]), '$."owner"[0]."name"'
        )
        self.assertEqual(compat.compile_json_path(connection, ["a"], include_root=False), '."a"')

    def test_returning_hooks_of_the_series_are_ours(self):
        """Django 6.0 renamed return_insert_columns/fetch_returned_insert_rows;
        the names the installed Django calls reach djongo_app's dialect."""
        ops = connection.ops
        field = Author._meta.pk
        if django.VERSION >= (6, 0):
            columns = ops.returning_columns([field])
        else:
            columns = ops.return_insert_columns([field])
        self.assertEqual(columns, ('RETURNING "testapp_author"."id"', ()))
        with CaptureQueriesContext(connection) as queries:
            authors = Author.objects.bulk_create([Author(name="a"), Author(name="b")])
        self.assertIn('RETURNING "testapp_author"."id"', queries[-1]["sql"])
        self.assertEqual(
            sorted(a.pk for a in authors),
            sorted(Author.objects.filter(name__in=["a", "b"]).values_list("pk", flat=True)),
        )


class SaveTests(TestCase):
    def test_forced_update_of_nothing(self):
        """6.0 raises Model.NotUpdated (a DatabaseError) where 5.2 raised
        DatabaseError: the UPDATE's row count says no document matched."""
        error = getattr(Author, "NotUpdated", DatabaseError)
        with self.assertRaises(error):
            Author(pk=987654, name="nobody").save(force_update=True)
        self.assertIs(issubclass(error, DatabaseError), True)

    @skipUnless(compat.DJANGO_6_0, "Django 6.0 refreshes fields assigned expressions")
    def test_field_assigned_an_expression_reads_the_stored_value(self):
        author = Author.objects.create(name="Ann")
        book = Book.objects.create(title="t", author=author, pages=10)
        book.pages = F("pages") + 5
        book.save()
        # No UPDATE ... RETURNING: the field is deferred and read on access.
        with self.assertNumQueries(1):
            self.assertEqual(book.pages, 15)


@skipUnless(compat.DJANGO_6_1, "DecimalField without precision is from Django 6.1")
@isolate_apps("tests.testapp")
class NoPrecisionDecimalTests(TransactionTestCase):
    available_apps = ["tests.testapp"]

    def test_round_trip_and_values_decimal128_cannot_hold(self):
        class Measure(models.Model):
            value = models.DecimalField(null=True)

            class Meta:
                app_label = "testapp"

        self.assertEqual(Measure.check(databases=["default"]), [])
        with connection.schema_editor() as editor:
            editor.create_model(Measure)
        self.addCleanup(self.drop, Measure)
        values = [Decimal("0.99"), Decimal("-12345678901234567890.1234567890123"), Decimal("7")]
        for value in values:
            Measure.objects.create(value=value)
        self.assertEqual(
            list(Measure.objects.order_by("value").values_list("value", flat=True)),
            sorted(values),
        )
        self.assertEqual(Measure.objects.filter(value__gt=1).count(), 1)
        with self.assertRaisesMessage(DataError, "is out of range for MongoDB"):
            Measure.objects.create(value=Decimal("1." + "1" * 40))

    def drop(self, model):
        with connection.schema_editor() as editor:
            editor.delete_model(model)


@skipUnless(compat.DJANGO_6_1, "fetch modes are from Django 6.1")
class FetchModeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.readers = [Reader.objects.create(name=name) for name in ("ann", "bob", "cy")]
        cls.authors = [Author.objects.create(name=f"a{i}", age=i) for i in range(3)]
        for i, author in enumerate(cls.authors):
            Book.objects.create(title=f"b{i}", author=author)
            entry = Entry.objects.create(headline=f"e{i}", blog=Blog(name=f"blog{i}"))
            entry.readers.set(cls.readers[: i + 1])

    def test_foreign_keys_of_peers_in_one_query(self):
        with self.assertNumQueries(2):
            books = list(Book.objects.fetch_mode(FETCH_PEERS).order_by("title"))
            self.assertEqual([b.author.name for b in books], ["a0", "a1", "a2"])
        with self.assertNumQueries(4):
            books = list(Book.objects.fetch_mode(FETCH_ONE).order_by("title"))
            self.assertEqual([b.author.name for b in books], ["a0", "a1", "a2"])

    def test_deferred_fields_of_peers_in_one_query(self):
        with self.assertNumQueries(2):
            authors = list(Author.objects.only("name").fetch_mode(FETCH_PEERS).order_by("name"))
            self.assertEqual([a.age for a in authors], [0, 1, 2])
        with self.assertNumQueries(2):
            entries = list(Entry.objects.defer("blog").fetch_mode(FETCH_PEERS))
            self.assertEqual([e.blog.name for e in entries], ["blog0", "blog1", "blog2"])

    def test_deferred_array_references_of_peers_in_one_query(self):
        peers = list(Entry.objects.defer("readers").fetch_mode(FETCH_PEERS))
        with self.assertNumQueries(1 + len(peers)):
            readers = [[r.name for r in entry.readers.all()] for entry in peers]
        self.assertEqual(readers, [["ann"], ["ann", "bob"], ["ann", "bob", "cy"]])
        alone = list(Entry.objects.defer("readers").fetch_mode(FETCH_ONE))
        with self.assertNumQueries(2 * len(alone)):
            self.assertEqual([[r.name for r in entry.readers.all()] for entry in alone], readers)

    def test_fetch_raise(self):
        book = Book.objects.fetch_mode(FETCH_RAISE).get(title="b0")
        with self.assertRaisesMessage(FieldFetchBlocked, "Fetching of Book.author blocked."):
            book.author  # noqa: B018
        entry = Entry.objects.defer("readers").fetch_mode(FETCH_RAISE).get(headline="e0")
        with self.assertRaisesMessage(FieldFetchBlocked, "Fetching of Entry.readers blocked."):
            entry.readers  # noqa: B018

    def test_array_reference_managers_pass_the_mode_on(self):
        entry = Entry.objects.fetch_mode(FETCH_PEERS).get(headline="e2")
        related = list(entry.readers.all())
        self.assertEqual({r._state.fetch_mode for r in related}, {FETCH_PEERS})
        reader = Reader.objects.fetch_mode(FETCH_RAISE).get(name="cy")
        self.assertEqual({e._state.fetch_mode for e in reader.entries.all()}, {FETCH_RAISE})

    def test_deleted_peer(self):
        peers = list(Entry.objects.defer("readers").fetch_mode(FETCH_PEERS))
        Entry.objects.filter(headline="e1").delete()
        with self.assertRaises(Entry.DoesNotExist):
            peers[1].readers  # noqa: B018
        self.assertEqual([r.name for r in peers[0].readers.all()], ["ann"])

    def test_in_bulk_after_values_list(self):
        """6.1's in_bulk() after values_list() (what FETCH_PEERS uses)."""
        ids = [a.pk for a in self.authors]
        self.assertEqual(
            Author.objects.values_list("age", flat=True).in_bulk(ids),
            {pk: age for pk, age in zip(ids, (0, 1, 2), strict=True)},
        )
        self.assertEqual(Author.objects.values("name").in_bulk(ids[:1]), {ids[0]: {"name": "a0"}})
