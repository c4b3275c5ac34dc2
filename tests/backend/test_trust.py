"""Answers are right or an error: regressions of issue 10 against the server.

JSON keys (item 1) are in test_json.py, text lookups on ObjectIds (item 6)
in test_objectid.py.
"""

from unittest import mock

from django.db import (
    DatabaseError,
    NotSupportedError,
    ProgrammingError,
    connection,
    transaction,
)
from django.db.models import Count, Max, Subquery
from django.test import TestCase, TransactionTestCase

from djongo_app.cursor import ExecutionContext
from djongo_app.passthrough import mongo_call
from djongo_app.testing import CaptureCommands
from tests.testapp.models import Author, Book, Review


def unset(model, field, **filter):
    """Remove ``field``'s key from the matching documents (as an added
    nullable field, ENFORCE_SCHEMA False or another tool leaves them)."""
    column = model._meta.get_field(field).column
    result = mongo_call(
        "default", model._meta.db_table, "update_many", filter, {"$unset": {column: ""}}
    )
    return result.modified_count


class ChainedLeftJoinTests(TestCase):
    """Author → Book → Review: each LEFT JOIN may find no document (issue 10)."""

    @classmethod
    def setUpTestData(cls):
        cls.lonely = Author.objects.create(name="lonely")
        cls.writer = Author.objects.create(name="writer")
        cls.book = Book.objects.create(title="b", author=cls.writer)
        cls.orphan = Review.objects.create(book=None, stars=1)
        cls.review = Review.objects.create(book=cls.book, stars=5)

    def test_missing_book_matches_no_review_with_a_null_book(self):
        """An author without books has no review, not the review whose
        book_id is NULL (issue 10)."""
        rows = Author.objects.filter(pk=self.lonely.pk).values_list("name", "books__reviews__id")
        self.assertEqual(list(rows), [("lonely", None)])

    def test_missing_book_matches_no_review_without_a_book_key(self):
        """The same when the orphan review lacks the book_id key (issue 10)."""
        self.assertEqual(unset(Review, "book", _id=self.orphan.pk), 1)
        rows = Author.objects.filter(pk=self.lonely.pk).values_list("name", "books__reviews__stars")
        self.assertEqual(list(rows), [("lonely", None)])

    def test_counts_and_filters_across_the_chain(self):
        """Aggregates and filters over the chain count no phantom review (issue 10)."""
        counts = dict(Author.objects.annotate(n=Count("books__reviews")).values_list("name", "n"))
        self.assertEqual(counts, {"lonely": 0, "writer": 1})
        self.assertEqual(
            list(Author.objects.filter(books__reviews__stars=1).values_list("name", flat=True)),
            [],
        )
        self.assertEqual(
            list(Author.objects.filter(books__reviews__isnull=True).values_list("name", flat=True)),
            ["lonely"],
        )
        best = Author.objects.annotate(best=Max("books__reviews__stars")).values_list(
            "name", "best"
        )
        self.assertEqual(dict(best), {"lonely": None, "writer": 5})

    def test_join_guard_follows_the_source_row(self):
        """The lookup of the second join guards against a NULL book id
        because the book row may be missing, whatever the column's name
        (issue 10)."""
        with CaptureCommands() as commands:
            list(Author.objects.values_list("name", "books__reviews__id"))
        first, second = commands.stages("$lookup")
        # The first join starts from the author's _id, never NULL: no guard.
        self.assertEqual(first["localField"], "_id")
        self.assertNotIn("$match", {name for stage in first["pipeline"] for name in stage})
        # The second starts from a book that may be missing (LEFT JOIN).
        self.assertEqual(second["localField"], "__join__testapp_book._id")
        self.assertEqual(second["pipeline"][0], {"$match": {"book_id": {"$ne": None}}})


class MissingIsNullTests(TestCase):
    """A missing key and a stored null are one SQL NULL (issue 10)."""

    @classmethod
    def setUpTestData(cls):
        Author.objects.create(name="stored-null", age=None)
        Author.objects.create(name="missing", age=None)
        Author.objects.create(name="thirty", age=30)
        Author.objects.create(name="also-thirty", age=30)

    def setUp(self):
        unset(Author, "age", name="missing")

    def test_group_by_makes_one_null_group(self):
        """values().annotate() groups a missing key with a stored null (issue 10)."""
        rows = Author.objects.values("age").annotate(n=Count("id")).order_by("age")
        self.assertEqual(list(rows), [{"age": None, "n": 2}, {"age": 30, "n": 2}])

    def test_distinct_and_order_by(self):
        self.assertEqual(
            list(Author.objects.values_list("age", flat=True).distinct().order_by("age")),
            [None, 30],
        )
        names = Author.objects.order_by("age", "name").values_list("name", flat=True)
        self.assertEqual(list(names), ["missing", "stored-null", "also-thirty", "thirty"])

    def test_join_key_missing_or_null_matches_nothing(self):
        """A book whose editor_id is missing or null has no editor (issue 10)."""
        ann = Author.objects.get(name="thirty")
        Book.objects.create(title="null", author=ann, editor=None)
        Book.objects.create(title="missing", author=ann, editor=None)
        unset(Book, "editor", title="missing")
        rows = Book.objects.order_by("title").values_list("title", "editor__name")
        self.assertEqual(list(rows), [("missing", None), ("null", None)])
        groups = Book.objects.values("editor").annotate(n=Count("id"))
        self.assertEqual(list(groups), [{"editor": None, "n": 2}])


class UnplannableSqlTests(TestCase):
    """Raw SQL the planner cannot run faithfully is an error, never empty
    rows (issue 10)."""

    def test_select_star_from_a_derived_table(self):
        Author.objects.create(name="a")
        sql = 'SELECT * FROM (SELECT * FROM "testapp_author") AS s'
        with (
            connection.cursor() as cursor,
            self.assertRaisesMessage(NotSupportedError, "a subquery in FROM") as caught,
        ):
            cursor.execute(sql)
        self.assertIn(sql, str(caught.exception))

    def test_select_star_union(self):
        sql = 'SELECT * FROM "testapp_author" UNION SELECT * FROM "testapp_author"'
        with (
            connection.cursor() as cursor,
            self.assertRaisesMessage(NotSupportedError, "SELECT * in a compound query (UNION)"),
        ):
            cursor.execute(sql)

    def test_derived_tables_with_columns_still_run(self):
        Author.objects.create(name="a")
        with connection.cursor() as cursor:
            cursor.execute('SELECT "s"."name" FROM (SELECT * FROM "testapp_author") AS s')
            self.assertEqual(cursor.fetchall(), [("a",)])
            self.assertEqual([column[0] for column in cursor.description], ["name"])


class ParameterCountTests(TestCase):
    """Placeholders and parameters must agree (issue 10)."""

    SQL = 'SELECT "name" FROM "testapp_author" WHERE "id" = %s'

    def test_too_few_parameters(self):
        with (
            connection.cursor() as cursor,
            self.assertRaisesMessage(ProgrammingError, "1 placeholder(s) but 0 parameter(s)"),
        ):
            cursor.execute(self.SQL, [])

    def test_too_many_parameters(self):
        with (
            connection.cursor() as cursor,
            self.assertRaisesMessage(ProgrammingError, "1 placeholder(s) but 2 parameter(s)"),
        ):
            cursor.execute(self.SQL, [1, 2])

    def test_placeholder_without_parameters(self):
        with connection.cursor() as cursor, self.assertRaises(ProgrammingError):
            cursor.execute(self.SQL)

    def test_exact_count_runs(self):
        author = Author.objects.create(name="a")
        with connection.cursor() as cursor:
            cursor.execute(self.SQL, [author.pk])
            self.assertEqual(cursor.fetchall(), [("a",)])


class ExecutionBoundaryTests(TestCase):
    """A statement runs, fails and is logged inside execute() (issue 10)."""

    def test_server_errors_are_raised_by_execute(self):
        """A query the server rejects fails in execute(), as a Django error,
        not later at the first fetch (issue 10)."""
        Author.objects.create(name="a")
        statements = [
            # find(): an invalid regular expression.
            ('SELECT "name" FROM "testapp_author" WHERE "name" REGEXP %s', ["("]),
            # aggregate(): a string the server cannot convert.
            ('SELECT CAST("name" AS REAL) FROM "testapp_author" ORDER BY 1', None),
        ]
        for sql, params in statements:
            with self.subTest(sql=sql), connection.cursor() as cursor:
                with self.assertRaises(DatabaseError) as caught:
                    cursor.execute(sql, params)
                self.assertNotIsInstance(caught.exception, NotSupportedError)

    def test_subqueries_run_once_when_logged(self):
        """Logging a statement shows the command it ran; its subqueries are
        not run again to print it (issue 10)."""
        author = Author.objects.create(name="a")
        Book.objects.create(title="x", author=author, pages=10)
        ids = Book.objects.filter(pages__gt=5).values("author_id")
        real = ExecutionContext.run_subquery
        with (
            mock.patch.object(
                ExecutionContext, "run_subquery", autospec=True, side_effect=real
            ) as run_subquery,
            CaptureCommands() as commands,
        ):
            updated = Author.objects.filter(pk__in=Subquery(ids)).update(age=1)
        self.assertEqual(updated, 1)
        self.assertEqual(run_subquery.call_count, 1)
        self.assertEqual(commands.filter(), {"_id": {"$in": [author.pk]}})

    def test_last_command_is_the_command_run(self):
        Author.objects.create(name="a")
        with CaptureCommands() as commands, connection.cursor() as cursor:
            cursor.execute('SELECT "name" FROM "testapp_author" WHERE "name" = %s', ["a"])
            self.assertEqual(cursor.last_command, commands[0])
        self.assertEqual(commands.filter(), {"name": "a"})


class StatementCountTests(TransactionTestCase):
    available_apps = ["tests.testapp"]

    def test_a_failed_statement_is_not_counted(self):
        """Only statements that ran count towards a transaction (issue 10)."""
        bad = 'SELECT "name" FROM "testapp_author" WHERE "name" REGEXP %s'
        with self.assertRaises(DatabaseError), transaction.atomic():
            Author.objects.create(name="a")
            mongo = connection.connection
            self.assertEqual(mongo.statements, 1)
            try:
                with connection.cursor() as cursor:
                    cursor.execute(bad, ["("])
            finally:
                self.assertEqual(mongo.statements, 1)
        self.assertFalse(Author.objects.exists())
