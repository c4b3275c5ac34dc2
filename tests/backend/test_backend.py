"""Migrations, DDL, errors, logging and the plan cache against the server."""

import logging

from django.apps import apps
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, NotSupportedError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.functions import Upper
from django.test import TestCase, TransactionTestCase
from django.test.utils import CaptureQueriesContext
from pymongo import MongoClient
from pymongo.errors import WriteError

from djongo_app.counters import SCHEMA_COLLECTION
from djongo_app.transpiler import plan_cache
from tests.testapp.models import Author, Book, Tag


def indexes(table):
    connection.ensure_connection()
    return connection.connection.database[table].index_information()


class ContribMigrationTests(TestCase):
    def test_contrib_apps_migrated(self):
        applied = {app for app, _ in MigrationRecorder(connection).applied_migrations()}
        self.assertLessEqual({"auth", "contenttypes", "sessions", "admin"}, applied)
        tables = set(connection.introspection.table_names())
        for model in apps.get_models():
            with self.subTest(model=model._meta.label):
                self.assertIn(model._meta.db_table, tables)

    def test_content_types_and_permissions_created(self):
        author_type = ContentType.objects.get_for_model(Author)
        self.assertEqual(
            sorted(
                Permission.objects.filter(content_type=author_type).values_list(
                    "codename", flat=True
                )
            ),
            ["add_author", "change_author", "delete_author", "view_author"],
        )

    def test_auth_user_round_trip(self):
        user = User.objects.create_user("ann", "ann@example.com", "secret")
        self.assertIs(User.objects.get(username="ann").check_password("secret"), True)
        user.user_permissions.add(Permission.objects.get(codename="add_author"))
        self.assertIs(User.objects.get(pk=user.pk).has_perm("testapp.add_author"), True)


class SchemaTests(TestCase):
    def test_indexes_from_model_definition(self):
        book = indexes("testapp_book")
        self.assertEqual(book["book_pages_desc"]["key"], [("pages", -1)])
        self.assertEqual(book["book_title_author"]["key"], [("title", 1), ("author_id", 1)])
        self.assertIs(book["book_title_author"]["unique"], True)
        title_index = [i for i in book.values() if i["key"] == [("title", 1)]]
        self.assertEqual(len(title_index), 1)
        self.assertIsNot(title_index[0].get("unique"), True)

    def test_unique_field_rejects_duplicates(self):
        Tag.objects.create(label="red")
        with self.assertRaisesMessage(IntegrityError, "duplicate key"):
            Tag.objects.create(label="red")

    def test_unique_constraint_rejects_duplicates(self):
        ann = Author.objects.create(name="Ann")
        Book.objects.create(title="One", author=ann)
        with self.assertRaises(IntegrityError):
            Book.objects.create(title="One", author=ann)

    def test_nullable_unique_allows_several_nulls(self):
        Author.objects.create(name="a", email=None)
        Author.objects.create(name="b", email=None)
        Author.objects.create(name="c", email="c@example.com")
        self.assertEqual(Author.objects.filter(email__isnull=True).count(), 2)
        with self.assertRaises(IntegrityError):
            Author.objects.create(name="d", email="c@example.com")


class SchemaEditorTests(TransactionTestCase):
    available_apps = ["tests.testapp"]

    def test_create_and_delete_model_with_counter(self):
        from django.db import models

        class Temporary(models.Model):
            name = models.CharField(max_length=10, unique=True)

            class Meta:
                app_label = "testapp"
                db_table = "temporary_model"

        with connection.schema_editor() as editor:
            editor.create_model(Temporary)
        try:
            self.assertIn("temporary_model", connection.introspection.table_names())
            self.assertEqual(
                connection.introspection.get_sequences(None, "temporary_model"),
                [{"table": "temporary_model", "column": "id"}],
            )
            self.assertEqual(Temporary.objects.create(name="x").pk, 1)
            field = Temporary._meta.get_field("name")
            renamed = models.CharField(max_length=10, unique=True)
            renamed.set_attributes_from_name("label")
            renamed.model = Temporary
            with connection.schema_editor() as editor:
                editor.alter_field(Temporary, field, renamed)
            document = connection.connection.database["temporary_model"].find_one()
            self.assertEqual((document.get("label"), "name" in document), ("x", False))
            # The key is stored in _id: MongoDB's _id index serves it.
            self.assertEqual((document["_id"], "id" in document), (1, False))
            self.assertEqual(
                [i["key"] for n, i in indexes("temporary_model").items() if n != "_id_"],
                [[("label", 1)]],
            )
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(Temporary)
        self.assertNotIn("temporary_model", connection.introspection.table_names())
        self.assertEqual(connection.introspection.get_sequences(None, "temporary_model"), [])


class ErrorTests(TestCase):
    def test_unsupported_sql_names_construct_and_quotes_sql(self):
        sql = 'SELECT "name" FROM "testapp_author" CROSS JOIN "testapp_tag"'
        with (
            connection.cursor() as cursor,
            self.assertRaisesMessage(
                NotSupportedError, "CROSS JOIN is not supported by djongo_app"
            ) as raised,
        ):
            cursor.execute(sql)
        self.assertIn('SELECT "name" FROM "testapp_author" CROSS JOIN', str(raised.exception))

    def test_unknown_function_is_not_supported(self):
        with (
            connection.cursor() as cursor,
            self.assertRaisesMessage(
                NotSupportedError, "The function FROBNICATE() is not supported by djongo_app"
            ),
        ):
            cursor.execute('SELECT FROBNICATE("name") FROM "testapp_author"')

    def test_raw_sql_through_cursor(self):
        Author.objects.create(name="Ann", age=3)
        with connection.cursor() as cursor:
            cursor.execute('SELECT "name", "age" FROM "testapp_author" WHERE "age" >= %s', [1])
            self.assertEqual(cursor.fetchall(), [("Ann", 3)])
            self.assertEqual([c[0] for c in cursor.description], ["name", "age"])

    def test_raw_queryset(self):
        Author.objects.create(name="Ann", age=3)
        raw = list(Author.objects.raw('SELECT "id", "name" FROM "testapp_author"'))
        self.assertEqual([a.name for a in raw], ["Ann"])


class PlanCacheTests(TestCase):
    def test_second_execution_reuses_the_plan(self):
        Author.objects.create(name="Ann")
        list(Author.objects.filter(name="cache-warm-up"))
        before = plan_cache.info()
        self.assertEqual([a.name for a in Author.objects.filter(name="Ann")], ["Ann"])
        after = plan_cache.info()
        self.assertEqual(after.misses, before.misses)
        self.assertEqual(after.hits, before.hits + 1)


class LoggingTests(TestCase):
    def test_logger_shows_sql_and_mongodb_command(self):
        with (
            self.assertLogs("django.db.backends", level=logging.DEBUG) as logs,
            CaptureQueriesContext(connection),
        ):
            list(Author.objects.filter(name="Ann"))
        message = "\n".join(logs.output)
        self.assertIn('FROM "testapp_author" WHERE "testapp_author"."name" = \'Ann\'', message)
        self.assertIn('MongoDB: {"find": "testapp_author", "filter": {"name": "Ann"}', message)

    def test_connection_queries_keep_plain_sql(self):
        """connection.queries shows the SQL only (Django's own tests read it)."""
        with CaptureQueriesContext(connection) as captured:
            list(Author.objects.filter(name="Ann"))
        self.assertTrue(captured[0]["sql"].endswith('ORDER BY "testapp_author"."name" ASC'))


class RawAndComputedTests(TestCase):
    def test_raw_select_star(self):
        Author.objects.create(name="Ann", age=3)
        Author.objects.create(name="Bob")
        authors = Author.objects.raw('SELECT * FROM "testapp_author" ORDER BY "name"')
        self.assertEqual([(a.name, a.age) for a in authors], [("Ann", 3), ("Bob", None)])

    def test_select_without_from_evaluates_on_the_server(self):
        from django.db.models import Q, Value
        from django.db.models.lookups import GreaterThan

        self.assertIs(Q(GreaterThan(Value(3), 2)).check({}), True)
        self.assertIs(Q(GreaterThan(Value(1), 2)).check({}), False)
        with connection.cursor() as cursor:
            cursor.execute("SELECT UPPER(%s) AS x WHERE %s > 1", ["abc", 5])
            self.assertEqual(cursor.fetchall(), [("ABC",)])

    def test_bulk_create_with_expressions(self):
        from django.db.models import Value
        from django.db.models.functions import Lower

        Author.objects.bulk_create(
            [Author(name=Lower(Value("ANN"))), Author(name="Bob", age=Value(3) + 4)]
        )
        self.assertEqual(
            list(Author.objects.order_by("name").values_list("name", "age")),
            [("Bob", 7), ("ann", None)],
        )


class NotNullTests(TransactionTestCase):
    available_apps = ["tests.testapp"]

    def test_null_in_a_not_null_column_is_integrity_error(self):
        with self.assertRaisesMessage(IntegrityError, "NOT NULL column is NULL or missing"):
            Author.objects.create(name=None)
        with self.assertRaisesMessage(IntegrityError, "NOT NULL"):
            Book.objects.create(title="t", author_id=None)
        self.assertEqual(Author.objects.count(), 0)

    def test_validator_follows_the_model(self):
        connection.ensure_connection()
        database = connection.connection.database
        options = database.command("listCollections", filter={"name": "testapp_book"})["cursor"][
            "firstBatch"
        ][0]["options"]
        schema = options["validator"]["$jsonSchema"]
        # The primary key is stored in _id, which MongoDB always has. No
        # rule per column: a NULL is sent as a missing key (notnull.py).
        required = ["author_id", "pages", "title"]
        self.assertEqual(schema, {"bsonType": "object", "required": required})
        self.assertEqual(options["validationLevel"], "moderate")
        entry = database[SCHEMA_COLLECTION].find_one({"name": "testapp_book"})
        self.assertEqual(entry["not_null"], required)
        # Whatever writes the document, a missing NOT NULL key is refused.
        with self.assertRaises(WriteError):
            database.testapp_book.insert_one({"pages": 1, "author_id": 1})

    def test_nullable_columns_keep_their_null(self):
        author = Author.objects.create(name="Ann")
        stored = connection.connection.database.testapp_author.find_one({"_id": author.pk})
        self.assertIn("age", stored)
        self.assertIsNone(stored["age"])

    def test_update_to_null_is_integrity_error(self):
        author = Author.objects.create(name="Ann", age=3)
        with self.assertRaisesMessage(IntegrityError, "NOT NULL"):
            Author.objects.filter(pk=author.pk).update(name=None, age=4)
        # An expression that is NULL for a row (an update pipeline).
        with self.assertRaisesMessage(IntegrityError, "NOT NULL"):
            Author.objects.filter(pk=author.pk).update(name=Upper("email"))
        with self.assertRaisesMessage(IntegrityError, "NOT NULL"):
            author.name = None
            author.save()
        self.assertEqual(list(Author.objects.values_list("name", "age")), [("Ann", 3)])
        # Expressions that are not NULL, and NULLs in nullable columns, pass.
        Author.objects.filter(pk=author.pk).update(name=Upper("name"), age=None)
        self.assertEqual(list(Author.objects.values_list("name", "age")), [("ANN", None)])

    def test_bulk_create_with_one_null_writes_nothing(self):
        with self.assertRaisesMessage(IntegrityError, "NOT NULL"):
            Author.objects.bulk_create([Author(name="a"), Author(name=None), Author(name="c")])
        self.assertEqual(Author.objects.count(), 0)

    def test_upsert_of_a_null_is_integrity_error(self):
        with self.assertRaisesMessage(IntegrityError, "NOT NULL"):
            Book.objects.bulk_create(
                [Book(title="t", author_id=None)],
                update_conflicts=True,
                unique_fields=["title", "author"],
                update_fields=["pages"],
            )
        author = Author.objects.create(name="Ann")
        Book.objects.create(title="t", author=author, pages=3)
        with self.assertRaisesMessage(IntegrityError, "NOT NULL"):
            Book.objects.bulk_create(
                [Book(title="t", author=author, pages=None)],
                update_conflicts=True,
                unique_fields=["title", "author"],
                update_fields=["pages"],
            )
        self.assertEqual(list(Book.objects.values_list("title", "pages")), [("t", 3)])

    def test_another_process_ddl_is_seen_by_new_connections(self):
        """A migration run elsewhere makes ``age`` NOT NULL: a connection
        opened after it reads the record and sends a NULL as a missing key."""
        author = Author.objects.create(name="Ann", age=3)
        database = connection.connection.database
        info = database.command("listCollections", filter={"name": "testapp_author"})
        options = info["cursor"]["firstBatch"][0]["options"]
        entry = database[SCHEMA_COLLECTION].find_one({"name": "testapp_author"})

        def restore():
            database.command(
                "collMod",
                "testapp_author",
                validator=options["validator"],
                validationLevel="moderate",
            )
            database[SCHEMA_COLLECTION].update_one(
                {"name": "testapp_author"}, {"$set": {"not_null": entry["not_null"]}}
            )
            connection.close()

        self.addCleanup(restore)
        schema = options["validator"]["$jsonSchema"]
        other = MongoClient(
            connection.connection.client.address[0], connection.connection.client.address[1]
        )
        self.addCleanup(other.close)
        other_database = other[database.name]
        other_database.command(
            "collMod",
            "testapp_author",
            validator={"$jsonSchema": {**schema, "required": [*schema["required"], "age"]}},
            validationLevel="moderate",
        )
        other_database[SCHEMA_COLLECTION].update_one(
            {"name": "testapp_author"}, {"$push": {"not_null": "age"}}
        )
        connection.close()
        with self.assertRaisesMessage(IntegrityError, "NOT NULL"):
            Author.objects.filter(pk=author.pk).update(age=None)
        self.assertEqual(list(Author.objects.values_list("age", flat=True)), [3])


class RawSQLDialectTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        Author.objects.create(name="Ann", age=3)
        Author.objects.create(name="Bob")

    def test_select_star_in_a_derived_table_and_keyword_aliases(self):
        authors = Author.objects.raw(
            'SELECT id, name AS last FROM (SELECT * FROM "testapp_author" WHERE age IS NOT NULL) sq'
        )
        self.assertEqual([a.last for a in authors], ["Ann"])

    def test_select_star_without_matches_still_names_columns(self):
        self.assertEqual(
            list(Author.objects.raw('SELECT * FROM "testapp_author" WHERE "name" = %s', ["Zed"])),
            [],
        )

    def test_unqualified_columns_read_the_from_table(self):
        from django.db.models.expressions import RawSQL

        rows = Author.objects.annotate(doubled=RawSQL("age * 2", ())).filter(books__isnull=True)
        self.assertEqual(sorted(rows.values_list("name", "doubled")), [("Ann", 6), ("Bob", None)])


class CheckAndPartialTests(TransactionTestCase):
    available_apps = ["tests.testapp"]

    def test_check_constraints_are_enforced(self):
        from tests.testapp.models import Product

        Product.objects.create(sku="a", price=10, discounted=5)
        # NULL makes the condition unknown, which passes, as in SQL.
        Product.objects.create(sku="b", price=None, discounted=5)
        with self.assertRaisesMessage(IntegrityError, "CHECK constraint"):
            Product.objects.create(sku="c", price=10, discounted=50)
        with self.assertRaises(IntegrityError):
            Product.objects.create(sku="d", price=-1, discounted=-2)
        with self.assertRaises(IntegrityError):
            Product.objects.filter(sku="a").update(discounted=11)
        self.assertEqual(sorted(Product.objects.values_list("sku", flat=True)), ["a", "b"])

    def test_conditional_unique_constraint_and_partial_index(self):
        from tests.testapp.models import Product

        Product.objects.create(sku="x", active=False, price=1)
        Product.objects.create(sku="x", active=False, price=2)
        Product.objects.create(sku="x", active=True, price=3)
        with self.assertRaises(IntegrityError):
            Product.objects.create(sku="x", active=True, price=4)
        info = indexes("testapp_product")
        self.assertEqual(info["expensive"]["partialFilterExpression"], {"price": {"$gt": 100}})
        self.assertEqual(info["unique_active_sku"]["partialFilterExpression"], {"active": True})
