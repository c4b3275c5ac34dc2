"""DjongoManager: mongo_* pass-through in the current transaction, and
raw_aggregate() returning model instances."""

import datetime

from bson import ObjectId
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.test import TestCase, TransactionTestCase
from pymongo.cursor import Cursor

from tests.compatapp.models import Note, Post

WHEN = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


def raw(pk, headline, **values):
    """A complete stored document of Post: the collection's validator
    (ENFORCE_SCHEMA, on by default) requires its NOT NULL keys. The
    migrations created the collection, so its AutoField key is ``_id``."""
    return {"_id": pk, "headline": headline, "score": 0, "authors": [], **values}


def committed(table, query=None):
    """Count documents as another client sees them (outside any session)."""
    connection.ensure_connection()
    return connection.connection.database[table].count_documents(query or {})


class PassThroughTests(TestCase):
    def setUp(self):
        self.first = Post.objects.create(headline="one", score=1, blog={"name": "b"})
        self.second = Post.objects.create(headline="two", score=2)

    def test_reads(self):
        cursor = Post.objects.mongo_find({"score": {"$gte": 1}}, sort=[("score", -1)])
        self.assertIsInstance(cursor, Cursor)
        self.assertEqual([d["headline"] for d in cursor], ["two", "one"])
        document = Post.objects.mongo_find_one({"headline": "one"})
        self.assertEqual(document["blog"]["name"], "b")
        self.assertEqual(document["_id"], self.first.pk)
        self.assertNotIn("id", document)
        self.assertEqual(Post.objects.mongo_count_documents({}), 2)
        self.assertEqual(sorted(Post.objects.mongo_distinct("score")), [1, 2])
        grouped = list(
            Post.objects.mongo_aggregate([{"$group": {"_id": None, "total": {"$sum": "$score"}}}])
        )
        self.assertEqual(grouped[0]["total"], 3)

    def test_writes_are_seen_by_the_orm(self):
        Post.objects.mongo_insert_one(raw(1000, "raw", score=5))
        Post.objects.mongo_insert_many([raw(1001, "r1", score=6), raw(1002, "r2")])
        self.assertEqual(Post.objects.get(pk=1000).headline, "raw")
        result = Post.objects.mongo_update_many({"score": {"$gte": 5}}, {"$inc": {"score": 10}})
        self.assertEqual(result.modified_count, 2)
        self.assertEqual(Post.objects.get(pk=1001).score, 16)
        Post.objects.mongo_update_one({"_id": 1002}, {"$set": {"score": 3}})
        self.assertEqual(Post.objects.get(pk=1002).score, 3)
        self.assertEqual(Post.objects.mongo_delete_one({"_id": 1000}).deleted_count, 1)
        self.assertEqual(Post.objects.mongo_delete_many({"_id": {"$gte": 1001}}).deleted_count, 2)
        self.assertEqual(Post.objects.count(), 2)

    def test_collection_attributes(self):
        self.assertEqual(Post.objects.mongo_name, "compatapp_post")
        self.assertTrue(Post.objects.mongo_full_name.endswith(".compatapp_post"))
        self.assertEqual(Post.objects.mongo_find.__name__, "mongo_find")

    def test_unknown_names(self):
        for name in ("mongo_nope", "mongo__private", "mongo_", "not_mongo"):
            with self.subTest(name=name), self.assertRaises(AttributeError):
                getattr(Post.objects, name)
        self.assertIs(hasattr(Post.objects, "mongo_nope"), False)

    def test_errors_are_django_errors(self):
        document = Post.objects.mongo_find_one({"_id": self.first.pk})
        with self.assertRaisesMessage(IntegrityError, "duplicate key"):
            Post.objects.mongo_insert_one(document)

    def test_a_database_that_is_not_djongo_app(self):
        with self.assertRaisesMessage(ImproperlyConfigured, "need a djongo_app database"):
            Post.objects.db_manager("sqlite").mongo_count_documents({})


class RawAggregateTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        Post.objects.create(headline="a", score=3, published=WHEN, blog={"name": "x", "rank": 1})
        Post.objects.create(headline="b", score=1, authors=[{"name": "Ann"}])
        Post.objects.create(headline="c", score=2)

    def test_instances_with_converted_values(self):
        posts = Post.objects.raw_aggregate([{"$sort": {"score": -1}}])
        self.assertEqual([p.headline for p in posts], ["a", "c", "b"])
        first = posts[0]
        self.assertIsInstance(first, Post)
        self.assertEqual(first.published, WHEN)
        self.assertEqual(first.blog, {"name": "x", "tagline": None, "rank": 1})
        self.assertEqual(posts[2].authors, [{"name": "Ann", "email": ""}])
        self.assertEqual(len(posts), 3)
        self.assertIs(bool(posts), True)
        self.assertEqual(first._state.db, "default")
        self.assertIs(first._state.adding, False)
        first.score = 30
        first.save()
        self.assertEqual(Post.objects.get(headline="a").score, 30)

    def test_projected_out_fields_are_deferred(self):
        (post,) = Post.objects.raw_aggregate(
            [{"$match": {"headline": "b"}}, {"$project": {"_id": 1, "headline": 1}}]
        )
        self.assertEqual(post.get_deferred_fields(), {"blog", "authors", "score", "published"})
        with self.assertNumQueries(1):
            self.assertEqual(post.score, 1)

    def test_other_keys_become_attributes(self):
        posts = Post.objects.raw_aggregate(
            [{"$addFields": {"double": {"$multiply": ["$score", 2]}}}, {"$sort": {"score": 1}}]
        )
        self.assertEqual([(p.score, p.double) for p in posts], [(1, 2), (2, 4), (3, 6)])
        self.assertFalse(hasattr(posts[0], "_id"))

    def test_the_primary_key_is_required(self):
        posts = Post.objects.raw_aggregate([{"$project": {"_id": 0}}])
        with self.assertRaisesMessage(FieldDoesNotExist, "must include the primary key ('_id')"):
            list(posts)

    def test_iterator_streams_without_caching(self):
        posts = Post.objects.raw_aggregate([{"$match": {"score": {"$lt": 3}}}])
        self.assertEqual(sorted(p.headline for p in posts.iterator()), ["b", "c"])
        self.assertIsNone(posts._result_cache)
        self.assertIn("RawAggregateQuerySet: Post", repr(posts))

    def test_object_id_primary_keys(self):
        note = Note.objects.create(text="n")
        (found,) = Note.objects.raw_aggregate([{"$match": {"text": "n"}}])
        self.assertEqual(found, note)


class TransactionTests(TransactionTestCase):
    available_apps = ["tests.compatapp"]

    def setUp(self):
        if not connection.features.supports_transactions:
            self.skipTest("the server is standalone: no transactions")

    def test_validator_applies_to_pass_through_writes(self):
        with self.assertRaisesMessage(IntegrityError, "NOT NULL"):
            Post.objects.mongo_insert_one({"_id": 1, "headline": "no score"})

    def test_pass_through_writes_roll_back(self):
        with self.assertRaises(RuntimeError), transaction.atomic():
            Post.objects.mongo_insert_one(raw(1, "raw"))
            Post.objects.create(headline="orm")
            # Each side sees the other's uncommitted writes...
            self.assertEqual(Post.objects.get(pk=1).headline, "raw")
            self.assertEqual(Post.objects.mongo_count_documents({}), 2)
            self.assertEqual(len(Post.objects.raw_aggregate([])), 2)
            # ...another client sees none.
            self.assertEqual(committed("compatapp_post"), 0)
            raise RuntimeError
        self.assertEqual(committed("compatapp_post"), 0)

    def test_pass_through_writes_commit(self):
        with transaction.atomic():
            Post.objects.mongo_insert_many([raw(1, "a"), raw(2, "b")])
            Post.objects.mongo_update_one({"_id": 1}, {"$set": {"score": 9}})
            Post.objects.mongo_delete_one({"_id": 2})
        self.assertEqual(committed("compatapp_post"), 1)
        self.assertEqual(Post.objects.get().score, 9)

    def test_index_commands_run_outside_the_transaction(self):
        with transaction.atomic():
            Post.objects.create(headline="x")
            name = Post.objects.mongo_create_index("score")
            self.assertIn(name, Post.objects.mongo_index_information())
        Post.objects.mongo_drop_index(name)

    def test_a_refused_insert_in_a_savepoint_keeps_the_transaction(self):
        """A duplicate inserted through the manager inside a savepoint is
        refused before it is sent: the transaction goes on (issue 16)."""
        Post.objects.mongo_insert_one(raw(1, "a"))
        with transaction.atomic():
            with self.assertRaisesMessage(IntegrityError, "duplicate key"), transaction.atomic():
                Post.objects.mongo_insert_one(raw(1, "again"))
            self.assertEqual(Post.objects.mongo_count_documents({}), 1)
            Post.objects.mongo_insert_one(raw(2, "b"))
        self.assertEqual(committed("compatapp_post"), 2)

    def test_a_broken_transaction_refuses_more_calls(self):
        Post.objects.mongo_insert_one(raw(1, "a"))
        with transaction.atomic():
            with self.assertRaises(IntegrityError), transaction.atomic(savepoint=False):
                Post.objects.mongo_insert_one(raw(1, "again"))
            with self.assertRaisesMessage(transaction.TransactionManagementError, "atomic"):
                Post.objects.mongo_count_documents({})
        self.assertEqual(committed("compatapp_post"), 1)


class DjongoLayoutTests(TransactionTestCase):
    """The manager on a collection Djongo wrote: the key in a field of the
    column's name (``id``) beside an ObjectId ``_id``. Pass-through filters
    name ``id``, and raw_aggregate() reads the key from there."""

    available_apps = ["tests.compatapp"]

    def setUp(self):
        connection.ensure_connection()
        # The collection the migrations made, turned into one without a key
        # record: djongo_app reads it as Djongo's (see djongo_app/keylayout.py).
        schema = connection.connection.database["__schema__"]
        layouts = connection.connection.key_layouts
        entry = schema.find_one_and_update({"name": "compatapp_post"}, {"$unset": {"key": ""}})
        self.assertEqual(entry["key"], "id")
        layouts.reset()

        def restore():
            schema.update_one({"name": "compatapp_post"}, {"$set": {"key": "id"}})
            layouts.reset()

        self.addCleanup(restore)

    def test_pass_through_and_orm_share_the_id_field(self):
        Post.objects.mongo_insert_many(
            [
                {"id": 7, "headline": "a", "score": 2, "authors": []},
                {"id": 8, "headline": "b", "score": 1, "authors": []},
            ]
        )
        self.assertEqual(Post.objects.get(pk=7).headline, "a")
        Post.objects.mongo_update_one({"id": 8}, {"$set": {"score": 5}})
        self.assertEqual(Post.objects.get(pk=8).score, 5)
        created = Post.objects.create(headline="orm")
        document = Post.objects.mongo_find_one({"headline": "orm"})
        self.assertEqual(document["id"], created.pk)
        self.assertIsInstance(document["_id"], ObjectId)

    def test_raw_aggregate_reads_the_key_from_id(self):
        Post.objects.mongo_insert_one({"id": 7, "headline": "a", "score": 2, "authors": []})
        (post,) = Post.objects.raw_aggregate([{"$project": {"_id": 0}}])
        self.assertEqual((post.pk, post.headline), (7, "a"))
        posts = Post.objects.raw_aggregate([{"$project": {"id": 0}}])
        with self.assertRaisesMessage(FieldDoesNotExist, "must include the primary key ('id')"):
            list(posts)
