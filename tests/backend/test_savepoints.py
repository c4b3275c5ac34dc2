"""Savepoints inside MongoDB transactions, and INSERT ... ON CONFLICT (issue 16)."""

import contextlib
import uuid
from decimal import Decimal
from unittest import mock

from bson.codec_options import CodecOptions
from bson.int64 import Int64
from bson.raw_bson import RawBSONDocument
from django.db import (
    DatabaseError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
    connection,
    connections,
    models,
    transaction,
)
from django.db.models.functions import Upper
from django.db.transaction import TransactionManagementError
from django.test import TransactionTestCase
from django.test.utils import CaptureQueriesContext, isolate_apps
from pymongo import InsertOne

from djongo_app import savepoints
from djongo_app.testing import CaptureCommands
from tests.compatapp.models import Post
from tests.testapp.models import Author, Book, Counter, Everything, Nickname, Product, Tag

# Django 6.1 renames transaction.savepoint() to savepoint_create().
savepoint_create = getattr(transaction, "savepoint_create", None) or transaction.savepoint


class Boom(Exception):
    pass


def committed(model, *fields):
    """Return the committed rows of ``model`` as another client sees them."""
    connection.ensure_connection()
    table = connection.connection.database[model._meta.db_table]
    names = [model._meta.get_field(f).column for f in fields]
    rows = table.find({}, {"_id": 0, **dict.fromkeys(names, 1)})
    return sorted(tuple(row.get(name) for name in names) for row in rows)


def mongo():
    connection.ensure_connection()
    return connection.connection


class SavepointTestCase(TransactionTestCase):
    available_apps = ["tests.testapp", "tests.compatapp"]

    def setUp(self):
        if not connection.features.supports_transactions:
            self.skipTest("the server is standalone: no transactions")


class FeatureTests(SavepointTestCase):
    def test_flags_follow_transactions(self):
        self.assertIs(connection.features.uses_savepoints, True)
        self.assertIs(connection.features.can_release_savepoints, True)
        self.assertIs(connection.features.supports_ignore_conflicts, True)
        self.assertIs(connection.features.supports_update_conflicts_with_target, True)

    def test_no_savepoints_in_autocommit(self):
        """Outside a transaction a savepoint is a no-op, as Django expects."""
        self.assertIsNone(savepoint_create())
        Author.objects.create(name="Ann")
        self.assertEqual(mongo().journal.marks, {})


class NestedRollbackTests(SavepointTestCase):
    def test_failed_inner_block_keeps_outer_writes(self):
        """Inserts, updates, deletes, bulk inserts and M2M changes of a
        failed nested block are undone; the outer block's stay."""
        with transaction.atomic():
            ann = Author.objects.create(name="Ann", age=1)
            bob = Author.objects.create(name="Bob", age=5)
            red = Tag.objects.create(label="red")
            book = Book.objects.create(title="One", author=ann)
            book.tags.add(red)
            with contextlib.suppress(Boom), transaction.atomic():
                Author.objects.create(name="Cid")
                Author.objects.filter(pk=ann.pk).update(age=2)
                bob.delete()
                Tag.objects.bulk_create([Tag(label="x"), Tag(label="y")])
                blue = Tag.objects.create(label="blue")
                book.tags.add(blue)
                book.tags.remove(red)
                Book.objects.filter(pk=book.pk).update(title="Two")
                self.assertEqual(Author.objects.count(), 2)
                raise Boom
            self.assertIs(transaction.get_rollback(), False)
            # The transaction goes on, seeing the state before the block.
            self.assertEqual(
                list(Author.objects.values_list("name", "age")), [("Ann", 1), ("Bob", 5)]
            )
            self.assertEqual(list(book.tags.values_list("label", flat=True)), ["red"])
            Author.objects.create(name="Dee")
        self.assertEqual(committed(Author, "name", "age"), [("Ann", 1), ("Bob", 5), ("Dee", None)])
        self.assertEqual(committed(Tag, "label"), [("red",)])
        self.assertEqual(committed(Book, "title"), [("One",)])
        self.assertEqual(Book.objects.get().tags.get(), red)

    def test_released_savepoint_commits_with_outer_block(self):
        with transaction.atomic():
            Author.objects.create(name="outer")
            with transaction.atomic():
                Author.objects.create(name="inner")
                self.assertEqual(len(mongo().journal.marks), 1)
            # Released: nothing is kept for undoing any more.
            self.assertEqual(mongo().journal.marks, {})
            self.assertEqual([entry.undo for entry in mongo().journal.entries], [None, None])
            Author.objects.filter(name="outer").update(age=3)
        self.assertEqual(committed(Author, "name", "age"), [("inner", None), ("outer", 3)])

    def test_three_levels(self):
        with transaction.atomic():
            Author.objects.create(name="a")
            with transaction.atomic():
                Author.objects.create(name="b")
                with contextlib.suppress(Boom), transaction.atomic():
                    Author.objects.create(name="c")
                    Author.objects.filter(name="a").delete()
                    raise Boom
                Author.objects.create(name="d")
            with contextlib.suppress(Boom), transaction.atomic():
                Author.objects.filter(name="b").update(age=9)
                with transaction.atomic():
                    Author.objects.create(name="e")
                raise Boom
        self.assertEqual(committed(Author, "name", "age"), [("a", None), ("b", None), ("d", None)])

    def test_manual_savepoint_api(self):
        with transaction.atomic():
            Author.objects.create(name="kept")
            sid = savepoint_create()
            Author.objects.create(name="dropped")
            transaction.savepoint_rollback(sid)
            # SQL keeps the savepoint after ROLLBACK TO: roll back to it again.
            Author.objects.create(name="dropped too")
            transaction.savepoint_rollback(sid)
            transaction.savepoint_commit(sid)
            with self.assertRaisesMessage(DatabaseError, "does not exist"):
                transaction.savepoint_rollback(sid)
        self.assertEqual(committed(Author, "name"), [("kept",)])

    def test_rollback_restores_documents_byte_for_byte(self):
        """A before-image is written back as stored: an Int64 stays an
        Int64 and keys keep their order."""
        row = Everything.objects.create(big=5, text="t")
        table = mongo().database["testapp_everything"]
        table.update_one({"_id": table.find_one()["_id"]}, {"$set": {"big": Int64(5)}})
        raw = table.with_options(codec_options=CodecOptions(document_class=RawBSONDocument))
        stored = raw.find_one().raw
        with transaction.atomic():
            with contextlib.suppress(Boom), transaction.atomic():
                Everything.objects.filter(pk=row.pk).update(
                    big=6, text=None, amount=Decimal("1.5"), uid=uuid.uuid4()
                )
                row.delete()
                raise Boom
            self.assertEqual(raw.find_one(session=mongo().session).raw, stored)
        self.assertEqual(raw.find_one().raw, stored)

    def test_counters_are_not_rolled_back(self):
        """Like SQL sequences, ids taken in a rolled-back savepoint stay used."""
        with transaction.atomic():
            with contextlib.suppress(Boom), transaction.atomic():
                first = Author.objects.create(name="gone").pk
                raise Boom
            second = Author.objects.create(name="kept").pk
        self.assertGreater(second, first)

    def test_reads_cost_nothing_extra_and_writes_journal_only_under_a_savepoint(self):
        ann = Author.objects.create(name="Ann")
        with transaction.atomic():
            with CaptureCommands() as plain:
                Author.objects.filter(pk=ann.pk).update(age=1)
            with transaction.atomic(), CaptureCommands() as journaled:
                Author.objects.filter(pk=ann.pk).update(age=2)
        self.assertEqual([next(iter(c)) for c in plain], ["update"])
        # The logged command is the statement's own; the before-image and
        # check reads run inside it.
        self.assertEqual([next(iter(c)) for c in journaled], ["update"])
        self.assertEqual(committed(Author, "age"), [(2,)])


class RestoredOrderTests(SavepointTestCase):
    """Rows a rollback to a savepoint restores come back in their place in
    the natural order, which reads without ORDER BY follow."""

    def names(self):
        return list(Author.objects.order_by().values_list("name", flat=True))

    def delete_and_roll_back(self, *names):
        with transaction.atomic():
            with contextlib.suppress(Boom), transaction.atomic():
                Author.objects.filter(name__in=names).delete()
                raise Boom
            return self.names()

    def test_deleted_rows_come_back_in_place(self):
        for name in ["Ann", "Bob", "Cy", "Dee"]:
            Author.objects.create(name=name)
        self.assertEqual(self.delete_and_roll_back("Bob"), ["Ann", "Bob", "Cy", "Dee"])
        self.assertEqual(self.delete_and_roll_back("Ann", "Cy"), ["Ann", "Bob", "Cy", "Dee"])
        self.assertEqual(self.names(), ["Ann", "Bob", "Cy", "Dee"])

    def test_past_the_limit_they_come_back_last(self):
        for name in ["Ann", "Bob", "Cy", "Dee"]:
            Author.objects.create(name=name)
        with mock.patch.object(savepoints, "REORDER_LIMIT", 1):
            restored = self.delete_and_roll_back("Bob")
        self.assertEqual(restored, ["Ann", "Cy", "Dee", "Bob"])


class SchemaChangeTests(SavepointTestCase):
    @isolate_apps("tests.testapp")
    def test_ddl_on_a_collection_the_transaction_wrote_to_is_refused(self):
        """DDL runs outside the transaction; on a collection the transaction
        wrote to, MongoDB would make it wait for the transaction (which
        waits for it). Elsewhere it runs, and a rollback does not undo it."""

        class Scratch(models.Model):
            name = models.CharField(max_length=10)

            class Meta:
                app_label = "testapp"

        with connection.schema_editor() as editor:
            editor.create_model(Scratch)

        def drop():
            with connection.schema_editor() as editor:
                editor.delete_model(Scratch)

        self.addCleanup(drop)
        index = models.Index(fields=["name"], name="scratch_name")
        with transaction.atomic():
            Tag.objects.create(label="kept")
            with contextlib.suppress(Boom), transaction.atomic():
                Scratch.objects.create(name="x")
                with (
                    self.assertRaisesMessage(TransactionManagementError, "wrote to it"),
                    connection.schema_editor() as editor,
                ):
                    editor.add_index(Scratch, index)
                with connection.schema_editor() as editor:
                    editor.add_index(Book, models.Index(fields=["pages"], name="book_pages"))
                raise Boom
            self.assertIs(transaction.get_rollback(), False)
        self.assertEqual(committed(Tag, "label"), [("kept",)])
        self.assertEqual(committed(Scratch, "name"), [])
        indexes = mongo().database["testapp_book"].index_information()
        self.assertIn("book_pages", indexes)
        with connection.schema_editor() as editor:
            editor.remove_index(Book, models.Index(fields=["pages"], name="book_pages"))


class IntegrityErrorInSavepointTests(SavepointTestCase):
    """An expected IntegrityError inside a savepoint is raised before the
    write, so the transaction stays usable (a duplicate key would make
    MongoDB abort it)."""

    def assertIntegrityErrorKeepsTransaction(self, write, message="checked before the write"):
        Author.objects.filter(name__in=["before", "after"]).delete()
        with transaction.atomic():
            Author.objects.create(name="before")
            with self.assertRaisesMessage(IntegrityError, message), transaction.atomic():
                write()
            self.assertIs(transaction.get_rollback(), False)
            Author.objects.create(name="after")
        names = [name for (name,) in committed(Author, "name")]
        self.assertEqual([n for n in names if n in {"before", "after"}], ["after", "before"])

    def test_duplicate_unique_field(self):
        Tag.objects.create(label="red")
        self.assertIntegrityErrorKeepsTransaction(lambda: Tag.objects.create(label="red"))
        self.assertEqual(Tag.objects.count(), 1)

    def test_duplicate_primary_key(self):
        Counter.objects.create(key="k", value=1)
        self.assertIntegrityErrorKeepsTransaction(lambda: Counter.objects.create(key="k", value=2))
        self.assertEqual(Counter.objects.get().value, 1)

    def test_duplicate_unique_together(self):
        ann = Author.objects.create(name="Ann")
        Book.objects.create(title="One", author=ann)
        self.assertIntegrityErrorKeepsTransaction(
            lambda: Book.objects.create(title="One", author=ann)
        )

    def test_nullable_unique_field_lets_nulls_repeat(self):
        Author.objects.create(name="x", email="x@example.com")
        with transaction.atomic(), transaction.atomic():
            Author.objects.create(name="y", email=None)
            Author.objects.create(name="z", email=None)
        self.assertEqual(Author.objects.filter(email__isnull=True).count(), 2)
        self.assertIntegrityErrorKeepsTransaction(
            lambda: Author.objects.create(name="w", email="x@example.com")
        )

    def test_conditional_unique_constraint(self):
        """A partial unique index covers only the rows its condition holds for."""
        Product.objects.create(sku="a", active=True, price=1)
        with transaction.atomic(), transaction.atomic():
            Product.objects.create(sku="a", active=False, price=1)
        self.assertIntegrityErrorKeepsTransaction(
            lambda: Product.objects.create(sku="a", active=True, price=2)
        )
        self.assertIntegrityErrorKeepsTransaction(
            lambda: Product.objects.filter(active=False).update(active=True)
        )
        self.assertEqual(Product.objects.filter(active=True).count(), 1)

    def test_case_insensitive_unique_constraint(self):
        Nickname.objects.create(name="Ann")
        self.assertIntegrityErrorKeepsTransaction(lambda: Nickname.objects.create(name="ANN"))
        with transaction.atomic(), transaction.atomic():
            Nickname.objects.create(name="Anne")

    def test_not_null_column(self):
        self.assertIntegrityErrorKeepsTransaction(
            lambda: Author.objects.create(name=None), "a NOT NULL column is NULL"
        )
        # An UPDATE to NULL (unset) and one whose expression is NULL
        # ($$REMOVE) are checked the same way.
        author = Author.objects.create(name="kept", age=1)
        self.assertIntegrityErrorKeepsTransaction(
            lambda: Author.objects.filter(pk=author.pk).update(name=None, age=2),
            "a NOT NULL column is NULL",
        )
        self.assertIntegrityErrorKeepsTransaction(
            lambda: Author.objects.filter(pk=author.pk).update(name=Upper("email")),
            "a NOT NULL column is NULL",
        )
        self.assertIn(("kept", 1), committed(Author, "name", "age"))

    def test_check_constraint(self):
        self.assertIntegrityErrorKeepsTransaction(
            lambda: Product.objects.create(sku="b", price=-1), "CHECK constraint"
        )
        product = Product.objects.create(sku="c", price=5, discounted=3)
        self.assertIntegrityErrorKeepsTransaction(
            lambda: Product.objects.filter(pk=product.pk).update(discounted=9), "CHECK constraint"
        )
        self.assertEqual(Product.objects.get(pk=product.pk).discounted, 3)

    def test_update_to_a_duplicate(self):
        Tag.objects.create(label="red")
        blue = Tag.objects.create(label="blue")

        def rename():
            blue.label = "red"
            blue.save()

        self.assertIntegrityErrorKeepsTransaction(rename)
        self.assertEqual(sorted(Tag.objects.values_list("label", flat=True)), ["blue", "red"])

    def test_duplicates_within_one_bulk_insert(self):
        self.assertIntegrityErrorKeepsTransaction(
            lambda: Tag.objects.bulk_create([Tag(label="a"), Tag(label="b"), Tag(label="a")])
        )
        self.assertFalse(Tag.objects.exists())

    def test_get_or_create_after_a_concurrent_commit(self):
        """The transaction read before another connection committed the
        row: the insert conflicts, the transaction (which has not written)
        starts over, and get_or_create finds the committed row."""
        other = connections.create_connection("default")
        try:
            with transaction.atomic():
                self.assertFalse(Tag.objects.filter(label="k").exists())
                with other.cursor() as cursor:
                    cursor.execute('INSERT INTO "testapp_tag" ("label") VALUES (%s)', ["k"])
                tag, created = Tag.objects.get_or_create(label="k")
            self.assertIs(created, False)
            self.assertEqual(Tag.objects.get(label="k").pk, tag.pk)
        finally:
            other.close()

    def test_conflict_after_a_write_ends_the_transaction(self):
        """Once the transaction wrote, a write conflict cannot be retried:
        Django cannot replay the block."""
        other = connections.create_connection("default")
        try:
            with self.assertRaises(OperationalError), transaction.atomic():
                Author.objects.create(name="wrote")
                self.assertFalse(Tag.objects.filter(label="k").exists())
                with other.cursor() as cursor:
                    cursor.execute('INSERT INTO "testapp_tag" ("label") VALUES (%s)', ["k"])
                Tag.objects.get_or_create(label="k")
        finally:
            other.close()
        self.assertEqual(committed(Author, "name"), [])

    def test_get_or_create_in_a_savepoint(self):
        red = Tag.objects.create(label="red")
        with transaction.atomic():
            tag, created = Tag.objects.get_or_create(label="red")
            self.assertEqual((tag, created), (red, False))
            tag, created = Tag.objects.get_or_create(label="blue")
            self.assertIs(created, True)
        self.assertEqual(committed(Tag, "label"), [("blue",), ("red",)])


class BrokenTransactionTests(SavepointTestCase):
    def bad_statement(self):
        """Run a statement the server refuses (not one djongo_app checks
        for first): MongoDB ends the transaction."""
        with connection.cursor() as cursor:
            cursor.execute('SELECT "name" FROM "testapp_author" WHERE "name" REGEXP %s', ["("])

    def test_savepoint_after_a_server_error_rebuilds_the_transaction(self):
        """The server ended the transaction; rolling back to the savepoint
        starts a new one and redoes the earlier writes, which only touched
        rows the transaction created."""
        with transaction.atomic():
            ann = Author.objects.create(name="Ann")
            Author.objects.filter(pk=ann.pk).update(age=4)
            Tag.objects.bulk_create([Tag(label="a"), Tag(label="b")])
            Tag.objects.filter(label="b").delete()
            with self.assertRaises(DatabaseError), transaction.atomic():
                Author.objects.create(name="inner")
                self.bad_statement()
            self.assertIs(transaction.get_rollback(), False)
            self.assertEqual(list(Author.objects.values_list("name", "age")), [("Ann", 4)])
            Author.objects.create(name="after")
        self.assertEqual(committed(Author, "name", "age"), [("Ann", 4), ("after", None)])
        self.assertEqual(committed(Tag, "label"), [("a",)])

    def test_error_caught_inside_the_block_fails_its_release(self):
        """As on PostgreSQL, a block that swallowed a failed statement
        cannot release its savepoint; the savepoint's writes are undone."""
        with transaction.atomic():
            Author.objects.create(name="outer")
            with (
                self.assertRaisesMessage(DatabaseError, "cannot be released"),
                transaction.atomic(),
            ):
                Author.objects.create(name="inner")
                with contextlib.suppress(DatabaseError):
                    self.bad_statement()
            Author.objects.create(name="after")
        self.assertEqual(committed(Author, "name"), [("after",), ("outer",)])

    def test_server_error_after_changing_older_rows_dooms_the_transaction(self):
        """Redoing an update of a row the transaction did not create could
        differ from what it did: the savepoint is lost with the transaction."""
        ann = Author.objects.create(name="Ann")
        with transaction.atomic():
            Author.objects.filter(pk=ann.pk).update(age=4)
            with self.assertRaises(DatabaseError), transaction.atomic():
                self.bad_statement()
            self.assertIs(transaction.get_rollback(), True)
            with self.assertRaises(TransactionManagementError):
                Author.objects.count()
        self.assertEqual(committed(Author, "name", "age"), [("Ann", None)])

    def test_pymongo_writes_are_journaled(self):
        """DjongoManager.mongo_* inserts, updates and deletes are undone
        with the savepoint, like SQL writes."""
        kept = Post.objects.create(headline="kept", score=1)
        gone = Post.objects.create(headline="gone", score=1)
        with transaction.atomic():
            Post.objects.create(headline="outer")
            with contextlib.suppress(Boom), transaction.atomic():
                Post.objects.mongo_insert_one(
                    {"_id": 99, "headline": "raw", "authors": [], "score": 0}
                )
                Post.objects.mongo_update_many({}, {"$set": {"score": 7}})
                Post.objects.mongo_delete_one({"_id": gone.pk})
                Post.objects.mongo_find_one_and_delete({"_id": kept.pk})
                self.assertEqual(Post.objects.count(), 2)
                raise Boom
            self.assertIs(transaction.get_rollback(), False)
        self.assertEqual(
            committed(Post, "headline", "score"), [("gone", 1), ("kept", 1), ("outer", 0)]
        )

    def test_pymongo_bulk_write_makes_older_savepoints_unusable(self):
        """The journal does not follow bulk_write(): rolling back to a
        savepoint older than one rolls back the whole block instead."""
        with transaction.atomic():
            Author.objects.create(name="outer")
            with contextlib.suppress(Boom), transaction.atomic():
                Post.objects.mongo_bulk_write(
                    [InsertOne({"_id": 99, "headline": "raw", "authors": [], "score": 0})]
                )
                raise Boom
            self.assertIs(transaction.get_rollback(), True)
        self.assertEqual(committed(Author, "name"), [])
        self.assertEqual(committed(Post, "headline"), [])

    def test_pymongo_reads_leave_savepoints_usable(self):
        with transaction.atomic():
            Author.objects.create(name="outer")
            with contextlib.suppress(Boom), transaction.atomic():
                Post.objects.create(headline="orm")
                self.assertEqual(Post.objects.mongo_count_documents({}), 1)
                raise Boom
            self.assertIs(transaction.get_rollback(), False)
        self.assertEqual(committed(Author, "name"), [("outer",)])
        self.assertEqual(committed(Post, "headline"), [])

    def test_integrity_error_outside_a_savepoint_still_dooms_the_block(self):
        Tag.objects.create(label="red")
        with self.assertRaises(IntegrityError), transaction.atomic():
            Tag.objects.create(label="blue")
            Tag.objects.create(label="red")
        self.assertEqual(committed(Tag, "label"), [("red",)])


class OnCommitTests(SavepointTestCase):
    def test_hooks_of_a_rolled_back_savepoint_are_discarded(self):
        calls = []
        with transaction.atomic():
            transaction.on_commit(lambda: calls.append("outer"))
            with contextlib.suppress(Boom), transaction.atomic():
                transaction.on_commit(lambda: calls.append("rolled back"))
                Author.objects.create(name="x")
                raise Boom
            with transaction.atomic():
                transaction.on_commit(lambda: calls.append("released"))
            self.assertEqual(calls, [])
        self.assertEqual(calls, ["outer", "released"])

    def test_hooks_of_a_failed_integrity_error_savepoint_are_discarded(self):
        Tag.objects.create(label="red")
        calls = []
        with transaction.atomic():
            with contextlib.suppress(IntegrityError), transaction.atomic():
                transaction.on_commit(lambda: calls.append("no"))
                Tag.objects.create(label="red")
            Tag.objects.create(label="blue")
            transaction.on_commit(lambda: calls.append("yes"))
        self.assertEqual(calls, ["yes"])


class ConflictTests(SavepointTestCase):
    def test_ignore_conflicts_outside_a_transaction(self):
        Tag.objects.create(label="red")
        Tag.objects.bulk_create(
            [Tag(label="red"), Tag(label="blue"), Tag(label="blue"), Tag(label="green")],
            ignore_conflicts=True,
        )
        self.assertEqual(committed(Tag, "label"), [("blue",), ("green",), ("red",)])

    def test_ignore_conflicts_in_a_transaction_skips_rows_first(self):
        """In a transaction a duplicate would abort it: the conflicting rows
        are found and left out instead."""
        Tag.objects.create(label="red")
        with transaction.atomic():
            Tag.objects.bulk_create(
                [Tag(label="red"), Tag(label="blue"), Tag(label="blue"), Tag(label="green")],
                ignore_conflicts=True,
            )
            self.assertEqual(Tag.objects.count(), 3)
        self.assertEqual(committed(Tag, "label"), [("blue",), ("green",), ("red",)])

    def test_ignore_conflicts_keeps_other_errors(self):
        with self.assertRaisesMessage(IntegrityError, "NOT NULL"):
            Author.objects.bulk_create([Author(name=None)], ignore_conflicts=True)

    def test_ignore_conflicts_case_insensitive_and_partial(self):
        Nickname.objects.create(name="Ann")
        Product.objects.create(sku="a", active=True, price=1)
        with transaction.atomic():
            Nickname.objects.bulk_create(
                [Nickname(name="ANN"), Nickname(name="Bo"), Nickname(name="bo")],
                ignore_conflicts=True,
            )
            Product.objects.bulk_create(
                [Product(sku="a", active=False, price=1), Product(sku="a", active=True, price=1)],
                ignore_conflicts=True,
            )
        self.assertEqual(committed(Nickname, "name"), [("Ann",), ("Bo",)])
        self.assertEqual(committed(Product, "sku", "active"), [("a", False), ("a", True)])

    def test_update_conflicts(self):
        red = Counter.objects.create(key="red", value=1)
        rows = Counter.objects.bulk_create(
            [Counter(key="red", value=10), Counter(key="blue", value=20)],
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=["value"],
        )
        self.assertEqual([row.pk for row in rows], ["red", "blue"])
        self.assertEqual(committed(Counter, "key", "value"), [("blue", 20), ("red", 10)])
        self.assertEqual(Counter.objects.get(pk=red.pk).value, 10)

    def test_update_conflicts_return_the_ids_of_updated_rows(self):
        ann = Author.objects.create(name="Ann", email="ann@example.com", age=1)
        rows = Author.objects.bulk_create(
            [
                Author(name="Ann B.", email="ann@example.com", age=2),
                Author(name="Bob", email="bob@example.com", age=3),
            ],
            update_conflicts=True,
            unique_fields=["email"],
            update_fields=["age"],
        )
        self.assertEqual(rows[0].pk, ann.pk)
        self.assertNotEqual(rows[1].pk, ann.pk)
        self.assertEqual(committed(Author, "name", "age"), [("Ann", 2), ("Bob", 3)])

    def test_update_conflicts_in_a_rolled_back_savepoint(self):
        Counter.objects.create(key="red", value=1)
        with transaction.atomic():
            with contextlib.suppress(Boom), transaction.atomic():
                Counter.objects.bulk_create(
                    [Counter(key="red", value=10), Counter(key="blue", value=20)],
                    update_conflicts=True,
                    unique_fields=["key"],
                    update_fields=["value"],
                )
                self.assertEqual(Counter.objects.count(), 2)
                raise Boom
            self.assertEqual(list(Counter.objects.values_list("key", "value")), [("red", 1)])
        self.assertEqual(committed(Counter, "key", "value"), [("red", 1)])

    def test_values_are_parameters(self):
        """The ON CONFLICT clause names columns only; values stay parameters."""
        label = "x' OR 1=1; --"
        Tag.objects.create(label=label)
        with CaptureQueriesContext(connection) as queries:
            Tag.objects.bulk_create([Tag(label=label)], ignore_conflicts=True)
            Counter.objects.bulk_create(
                [Counter(key=label, value=1)],
                update_conflicts=True,
                unique_fields=["key"],
                update_fields=["value"],
            )
        ignore, upsert = (
            q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")
        )
        self.assertTrue(ignore.endswith("ON CONFLICT DO NOTHING"), ignore)
        self.assertIn('ON CONFLICT("key") DO UPDATE SET "value" = EXCLUDED."value"', upsert)
        self.assertEqual(Tag.objects.count(), 1)
        self.assertEqual(Counter.objects.get().key, label)

    def test_update_conflicts_need_the_columns_of_a_unique_constraint(self):
        """As on PostgreSQL, the conflict columns must be a unique
        constraint's; a conditional one does not qualify."""
        with self.assertRaisesMessage(ProgrammingError, "names no unique constraint"):
            Book.objects.bulk_create(
                [Book(title="x", author=Author.objects.create(name="a"))],
                update_conflicts=True,
                unique_fields=["title"],
                update_fields=["pages"],
            )
        with self.assertRaisesMessage(ProgrammingError, "names no unique constraint"):
            Product.objects.bulk_create(
                [Product(sku="a", price=1)],
                update_conflicts=True,
                unique_fields=["sku"],
                update_fields=["price"],
            )
