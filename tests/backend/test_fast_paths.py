"""The shortcuts taken for speed give the answers of the general paths
(issue 14)."""

import contextlib
import datetime
import pickle
from decimal import Decimal
from unittest import mock

from django.db import connection, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.test import SimpleTestCase, TestCase, TransactionTestCase, override_settings

from djongo_app.fields import EmbeddedField
from djongo_app.testing import CaptureCommands
from djongo_app.transpiler import compile_sql, plan_cache
from djongo_app.transpiler.cache import repeated_rows
from tests.testapp.models import Author, Blog, Book, Entry, Reader, Tag


class Boom(Exception):
    pass


def stored(model, *columns):
    """Return the committed documents of ``model`` as another client reads
    them, sorted."""
    connection.ensure_connection()
    table = connection.connection.database[model._meta.db_table]
    return sorted(tuple(d.get(c) for c in columns) for d in table.find({}))


class BulkInsertTests(TestCase):
    def test_every_batch_size_shares_one_plan(self):
        """bulk_create of 3 and of 5 rows: one plan of one row."""
        Author.objects.bulk_create(Author(name=f"a{i}", age=i) for i in range(3))
        size = plan_cache.info().size
        authors = Author.objects.bulk_create(Author(name=f"b{i}", age=i) for i in range(5))
        self.assertEqual(plan_cache.info().size, size)
        self.assertEqual(len({a.pk for a in authors}), 5)
        self.assertEqual(
            list(Author.objects.filter(name__startswith="b").values_list("name", "age")),
            [(f"b{i}", i) for i in range(5)],
        )

    def test_documents_hold_the_columns_in_order(self):
        with CaptureCommands() as commands:
            authors = Author.objects.bulk_create(
                [Author(name="x", age=1, email="x@e.org"), Author(name="y", age=None)]
            )
        documents = commands[0]["documents"]
        # The counter's key fills _id (the collection's key layout): no "id".
        self.assertEqual([d["_id"] for d in documents], [a.pk for a in authors])
        self.assertFalse(any("id" in d for d in documents))
        self.assertEqual(
            [{k: v for k, v in d.items() if k != "_id"} for d in documents],
            [
                {"name": "x", "email": "x@e.org", "age": 1, "active": True},
                {"name": "y", "email": None, "age": None, "active": True},
            ],
        )

    def test_a_row_with_an_expression_among_plain_rows(self):
        Author.objects.bulk_create(
            [Author(name="plain"), Author(name=Lower(Value("LOUD"))), Author(name="also")]
        )
        self.assertEqual(
            sorted(Author.objects.values_list("name", flat=True)), ["also", "loud", "plain"]
        )

    def test_repeated_rows_only_for_the_same_placeholders(self):
        table = '"t"'
        self.assertEqual(
            repeated_rows(f'INSERT INTO {table} ("a") VALUES (%s), (%s) RETURNING "t"."id"'),
            (f'INSERT INTO {table} ("a") VALUES (%s) RETURNING "t"."id"', 2),
        )
        for sql in (
            f'INSERT INTO {table} ("a") VALUES (%s)',
            f'INSERT INTO {table} ("a", "b") VALUES (%s, DEFAULT), (%s, %s)',
            f'INSERT INTO {table} ("a") VALUES (LOWER(%s)), (LOWER(%s))',
            # A quoted name that reads like a VALUES list.
            'INSERT INTO "x VALUES (%s), (%s)" ("a") VALUES (1)',
        ):
            with self.subTest(sql):
                self.assertIsNone(repeated_rows(sql))

    def test_plan_of_one_row_serves_many(self):
        plan = compile_sql('INSERT INTO "t" ("a", "b") VALUES (%s, DEFAULT)').for_rows(3)
        self.assertEqual(plan.param_count, 3)


class ReadTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.ann = Author.objects.create(name="Ann")
        Book.objects.create(
            title="t",
            author=cls.ann,
            price=Decimal("1.25"),
            created=datetime.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.UTC),
        )

    def test_raw_cursor_reads_decimals(self):
        with connection.cursor() as cursor:
            cursor.execute('SELECT "price" FROM "testapp_book"')
            self.assertEqual(cursor.fetchall(), [(Decimal("1.25"),)])

    def test_datetimes_follow_use_tz(self):
        created = Book.objects.get().created
        self.assertEqual(
            created, datetime.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.UTC)
        )
        with override_settings(USE_TZ=False):
            self.assertIsNone(Book.objects.get().created.tzinfo)
        self.assertEqual(Book.objects.get().created.tzinfo, datetime.UTC)

    def test_aware_datetimes_are_stored_as_naive_utc(self):
        """A UTC datetime (the shortcut) and the same instant in another
        zone (the general path) store the same BSON date, in milliseconds."""
        utc = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.UTC)
        other = utc.astimezone(datetime.timezone(datetime.timedelta(hours=-5)))
        Book.objects.all().delete()
        Book.objects.bulk_create(
            [
                Book(title="utc", author=self.ann, created=utc),
                Book(title="other", author=self.ann, created=other),
            ]
        )
        expected = datetime.datetime(2024, 5, 6, 7, 8, 9, 123000)
        books = connection.connection.database["testapp_book"]
        found = {
            d["title"]: d["created"] for d in books.find({}, session=connection.connection.session)
        }
        self.assertEqual(found, {"utc": expected, "other": expected})
        self.assertEqual(Book.objects.filter(created=other).count(), 2)

    def test_missing_column_reads_as_null(self):
        books = connection.connection.database["testapp_book"]
        books.update_many({}, {"$unset": {"rating": ""}}, session=connection.connection.session)
        self.assertEqual(list(Book.objects.values_list("title", "rating")), [("t", None)])


class LoadedDocumentTests(TestCase):
    def test_stored_references_and_documents_round_trip(self):
        readers = [Reader.objects.create(name=n) for n in ("r1", "r2")]
        entry = Entry.objects.create(headline="h", blog=Blog(name="b"))
        entry.readers.add(*readers)
        loaded = Entry.objects.get(pk=entry.pk)
        self.assertEqual(loaded.readers.ids, [r.pk for r in readers])
        self.assertEqual(loaded.blog, Blog(name="b"))
        copy = pickle.loads(pickle.dumps(loaded))
        self.assertEqual(copy.readers.ids, [r.pk for r in readers])
        # A loaded array is not an assignment: save() leaves it alone.
        loaded.headline = "h2"
        loaded.save()
        self.assertEqual(Entry.objects.get(pk=entry.pk).readers.ids, [r.pk for r in readers])

    def test_duplicate_stored_ids_read_once(self):
        reader = Reader.objects.create(name="r")
        entry = Entry.objects.create(headline="h", blog=Blog(name="b"))
        connection.connection.database["testapp_entry"].update_one(
            {"_id": entry.pk},
            {"$set": {"readers": [reader.pk, reader.pk]}},
            session=connection.connection.session,
        )
        self.assertEqual(Entry.objects.get(pk=entry.pk).readers.ids, [reader.pk])

    def test_unknown_keys_of_an_embedded_document_are_kept(self):
        entry = Entry.objects.create(headline="h", blog=Blog(name="b"))
        connection.connection.database["testapp_entry"].update_one(
            {"_id": entry.pk},
            {"$set": {"blog.extra": 1}},
            session=connection.connection.session,
        )
        loaded = Entry.objects.get(pk=entry.pk)
        loaded.save()
        document = connection.connection.database["testapp_entry"].find_one(
            {"_id": entry.pk}, session=connection.connection.session
        )
        self.assertEqual(document["blog"]["extra"], 1)


class JournaledInsertTests(TransactionTestCase):
    """The shared plan of a bulk_create writes through the savepoint
    journal like any other INSERT (the fast path skips only the checks an
    autocommit insert does not need)."""

    available_apps = ["tests.testapp"]

    def setUp(self):
        if not connection.features.supports_transactions:
            self.skipTest("the server is standalone: no transactions")

    def test_autocommit_bulk_create_is_one_insert(self):
        with CaptureCommands() as commands:
            tags = Tag.objects.bulk_create([Tag(label=f"t{i}") for i in range(5)])
        self.assertEqual([c["insert"] for c in commands if "insert" in c], ["testapp_tag"])
        self.assertEqual(len(commands[-1]["documents"]), 5)
        self.assertEqual(stored(Tag, "_id", "label"), [(t.pk, t.label) for t in tags])

    def test_bulk_create_in_a_rolled_back_savepoint_is_undone(self):
        with transaction.atomic():
            Tag.objects.bulk_create([Tag(label=f"kept{i}") for i in range(3)])
            with contextlib.suppress(Boom), transaction.atomic():
                Tag.objects.bulk_create([Tag(label=f"gone{i}") for i in range(4)])
                self.assertEqual(Tag.objects.count(), 7)
                raise Boom
            self.assertEqual(Tag.objects.count(), 3)
            Tag.objects.bulk_create([Tag(label=f"late{i}") for i in range(2)])
        self.assertEqual(
            [label for (label,) in stored(Tag, "label")],
            ["kept0", "kept1", "kept2", "late0", "late1"],
        )

    def test_ignore_conflicts_over_a_shared_plan(self):
        """Many rows with ON CONFLICT DO NOTHING: the repeated-row plan
        keeps its conflict clause."""
        Tag.objects.create(label="red")
        with CaptureCommands() as commands:
            Tag.objects.bulk_create(
                [Tag(label=label) for label in ("red", "blue", "green", "blue")],
                ignore_conflicts=True,
            )
        insert = next(c for c in commands if "insert" in c)
        self.assertIs(insert["ordered"], False)
        self.assertEqual(stored(Tag, "label"), [("blue",), ("green",), ("red",)])


class LookupProjectionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        ann = Author.objects.create(name="Ann", age=30, email="ann@example.com")
        for index in range(3):
            Book.objects.create(title=f"b{index}", author=ann, pages=index)

    def test_lookup_fetches_only_the_selected_columns(self):
        """A joined author read for its name alone: the $lookup's pipeline
        projects that column (and no email, no age)."""
        books = Book.objects.select_related("author").only("title", "author__name")
        with CaptureCommands() as commands:
            rows = [(b.title, b.author.name) for b in books.order_by("-pages")[:2]]
        self.assertEqual(rows, [("b2", "Ann"), ("b1", "Ann")])
        (lookup,) = commands.stages("$lookup")
        projection = lookup["pipeline"][-1]["$project"]
        # The author's key is its _id, projected with the name.
        self.assertEqual({k for k, v in projection.items() if v}, {"_id", "name"})


class ReadPathTests(TestCase):
    """The read path's shortcuts (converters kept per column, rows decoded
    a batch at a time, one call per embedded document) read what the
    general path reads (issue 14)."""

    @classmethod
    def setUpTestData(cls):
        cls.ann = Author.objects.create(name="Ann")
        for title, price in (("a", None), ("b", Decimal("2.50")), ("c", None)):
            Book.objects.create(title=title, author=cls.ann, price=price)

    def raw_authors(self):
        return connection.connection.database["testapp_author"]

    def test_column_converters_follow_enforce_schema_and_the_field(self):
        """A key the document lacks reads as the default only without the
        schema, and only while the field is NOT NULL with a default."""
        self.raw_authors().insert_one(
            {"_id": 9000, "name": "bare"},
            bypass_document_validation=True,
            session=connection.connection.session,
        )

        def active():
            return Author.objects.values_list("active", flat=True).get(pk=9000)

        self.assertIsNone(active())
        with mock.patch.dict(connection.settings_dict, {"ENFORCE_SCHEMA": False}):
            self.assertIs(active(), True)
            field = Author._meta.get_field("active")
            with mock.patch.object(field, "null", True):
                self.assertIsNone(active())
            self.assertIs(active(), True)
        self.assertIsNone(active())

    def test_column_converters_may_be_concatenated(self):
        col = Book._meta.get_field("created").get_col("testapp_book")
        first = connection.ops.get_db_converters(col)
        kept = list(first)
        # What Django's compiler does with it.
        combined = first + [str]  # noqa: RUF005
        self.assertEqual(combined, [*kept, str])
        self.assertEqual(connection.ops.get_db_converters(col), kept)

    def test_datetimes_read_as_replace_gives_them(self):
        """Naive UTC datetimes, with microseconds, at any moment of the
        day, become aware in the connection's time zone."""
        moments = [
            datetime.datetime(2024, 1, 2, 0, 0, 0, 0, tzinfo=datetime.UTC),
            datetime.datetime(2024, 3, 31, 23, 59, 59, 999000, tzinfo=datetime.UTC),
        ]
        for i, moment in enumerate(moments):
            Book.objects.filter(title="abc"[i]).update(created=moment)
        read = dict(Book.objects.filter(created__isnull=False).values_list("title", "created"))
        self.assertEqual(read, {"a": moments[0], "b": moments[1]})
        self.assertEqual({d.tzinfo for d in read.values()}, {datetime.UTC})

    def test_fetches_decode_decimals_in_any_row_of_a_batch(self):
        sql = 'SELECT "title", "price" FROM "testapp_book" ORDER BY "title"'
        expected = [("a", None), ("b", Decimal("2.50")), ("c", None)]
        with connection.cursor() as cursor:
            cursor.execute(sql)
            self.assertEqual(cursor.fetchmany(2), expected[:2])
            self.assertEqual(cursor.fetchone(), expected[2])
            self.assertIsNone(cursor.fetchone())
            cursor.execute(sql)
            self.assertEqual(cursor.fetchone(), expected[0])
            self.assertEqual(cursor.fetchall(), expected[1:])
            self.assertEqual(
                cursor.description,
                (
                    ("title", None, None, None, None, None, None),
                    ("price", None, None, None, None, None, None),
                ),
            )

    def test_assigned_containers_are_kept_and_dicts_converted(self):
        entry = Entry(headline="h")
        blog = Blog(name="b")
        entry.blog = blog
        self.assertIs(entry.blog, blog)
        entry.blog = {"name": "d"}
        self.assertEqual(entry.blog, Blog(name="d"))

    def test_embedded_documents_with_missing_or_unknown_keys(self):
        entries = connection.connection.database["testapp_entry"]
        entries.insert_many(
            [
                {"_id": 9001, "headline": "exact", "blog": {"name": "x", "url": "", "rank": 1}},
                {"_id": 9002, "headline": "extra", "blog": {"name": "y", "more": 2}},
            ],
            bypass_document_validation=True,
            session=connection.connection.session,
        )
        exact, extra = Entry.objects.filter(pk__in=[9001, 9002]).order_by("pk")
        self.assertEqual(exact.blog, Blog(name="x", url="", rank=1))
        self.assertEqual(extra.blog, Blog(name="y"))
        extra.save()
        self.assertEqual(
            entries.find_one({"_id": 9002}, session=connection.connection.session)["blog"]["more"],
            2,
        )


class EmbeddedConverterTests(SimpleTestCase):
    def test_a_subclass_reading_its_own_way_keeps_its_from_db_value(self):
        class Upper(EmbeddedField):
            def from_db_value(self, value, expression, connection):
                return value

        plain = EmbeddedField(model_container=Blog)
        custom = Upper(model_container=Blog)
        (convert,) = plain.get_db_converters(connection)
        self.assertEqual(convert({"name": "n"}, None, connection), Blog(name="n"))
        self.assertEqual(custom.get_db_converters(connection), [custom.from_db_value])
