"""Joins planned by the rows they can match: key lists before lookups,
pages before joins (issue 14). Each test checks the rows against what SQL
answers, and the commands where the plan is the point."""

from unittest import mock

from django.db import connection
from django.test import TestCase

from djongo_app.testing import CaptureCommands
from djongo_app.transpiler import joins, plan_cache
from tests.testapp.models import Author, Book, Tag


def delete_raw(model, **filter):
    """Delete documents behind Django's back (a dangling foreign key)."""
    collection = connection.connection.database[model._meta.db_table]
    return collection.delete_many(filter, session=connection.connection.session).deleted_count


class KeyListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.ann = Author.objects.create(name="Ann", age=30)
        cls.bob = Author.objects.create(name="Bob", age=40)
        cls.cid = Author.objects.create(name="Cid", age=30)
        cls.red = Tag.objects.create(label="red")
        cls.blue = Tag.objects.create(label="blue")
        cls.both = Book.objects.create(title="both", author=cls.ann, pages=10)
        cls.both.tags.set([cls.red, cls.blue])
        cls.only_red = Book.objects.create(title="only red", author=cls.bob, pages=20)
        cls.only_red.tags.set([cls.red])
        cls.none = Book.objects.create(title="none", author=cls.cid, editor=cls.ann, pages=30)

    def test_many_to_many_filter_keeps_one_row_per_match(self):
        """A book with two matching tags is two rows, as in SQL."""
        titles = Book.objects.filter(tags__label__in=["red", "blue"]).order_by("title")
        self.assertEqual(list(titles.values_list("title", flat=True)), ["both", "both", "only red"])
        self.assertEqual(Book.objects.filter(tags__label__in=["red", "blue"]).count(), 3)
        self.assertEqual(Book.objects.filter(tags__label__in=["red", "blue"]).distinct().count(), 2)

    def test_many_to_many_filter_on_one_related_row_is_a_find(self):
        """Each book links to the red tag once: the link rows' book keys do
        not repeat, and the books are one find (no $lookup)."""
        books = Book.objects.filter(tags__label="red").order_by("title")
        with CaptureCommands() as commands:
            titles = list(books.values_list("title", flat=True))
        self.assertEqual(titles, ["both", "only red"])
        self.assertEqual(commands.kind(), "find")
        self.assertEqual(commands.filter(), {"_id": {"$in": [self.both.pk, self.only_red.pk]}})
        self.assertEqual(Book.objects.filter(tags__label="red").count(), 2)

    def test_repeated_link_keys_keep_the_join(self):
        """A book linked to two matching tags repeats its key: the plan
        without the join gives way to the one with it."""
        books = Book.objects.filter(tags__label__in=["red", "blue"]).order_by("title")
        with CaptureCommands() as commands:
            titles = list(books.values_list("title", flat=True))
        self.assertEqual(titles, ["both", "both", "only red"])
        self.assertEqual(commands.kind(), "aggregate")
        self.assertEqual(len(commands.stages("$lookup")), 1)

    def test_two_joins_to_keys_that_repeat(self):
        """Authors by their books' tags: a book with two tags is two rows
        of its author, as in SQL (the inner key list repeats)."""
        authors = Author.objects.filter(books__tags__isnull=False).order_by("name")
        self.assertEqual(list(authors.values_list("name", flat=True)), ["Ann", "Ann", "Bob"])
        authors = Author.objects.filter(books__tags__label="red").order_by("name")
        self.assertEqual(list(authors.values_list("name", flat=True)), ["Ann", "Bob"])

    def test_filter_across_a_join(self):
        """The authors' keys, then one find of the books: no $lookup."""
        books = Book.objects.filter(author__age=30).order_by("title")
        with CaptureCommands() as commands:
            titles = list(books.values_list("title", flat=True))
        self.assertEqual(titles, ["both", "none"])
        self.assertEqual(commands.kind(), "find")
        self.assertEqual(commands.filter(), {"author_id": {"$in": [self.ann.pk, self.cid.pk]}})

    def test_null_foreign_keys_never_match(self):
        """Books without an editor are not among those of a named editor."""
        self.assertEqual(
            list(Book.objects.filter(editor__name="Ann").values_list("title", flat=True)),
            ["none"],
        )
        self.assertEqual(
            list(
                Book.objects.exclude(editor__name="Ann")
                .order_by("title")
                .values_list("title", flat=True)
            ),
            ["both", "only red"],
        )

    def test_no_matching_key_is_no_row(self):
        self.assertEqual(list(Book.objects.filter(author__name="Nobody")), [])
        self.assertEqual(Book.objects.filter(author__name="Nobody").count(), 0)

    def test_too_many_keys_run_the_joins(self):
        """Past KEY_LIMIT keys the statement runs with its $lookup."""
        plan_cache.clear()
        self.addCleanup(plan_cache.clear)
        books = Book.objects.filter(author__age=30).order_by("title")
        with mock.patch.object(joins, "KEY_LIMIT", 1), CaptureCommands() as commands:
            titles = list(books.values_list("title", flat=True))
        self.assertEqual(titles, ["both", "none"])
        self.assertEqual(commands.kind(), "aggregate")
        self.assertEqual(len(commands.stages("$lookup")), 1)


class PageBeforeJoinTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.ann = Author.objects.create(name="Ann")
        cls.gone = Author.objects.create(name="Gone")
        for index, author in enumerate([cls.ann, cls.gone, cls.ann, cls.ann]):
            Book.objects.create(title=f"b{index}", author=author, pages=index, editor=cls.ann)
        Book.objects.create(title="b4", author=cls.ann, pages=4)

    def test_page_is_cut_before_the_lookups(self):
        with CaptureCommands() as commands:
            books = list(Book.objects.select_related("author", "editor").order_by("-pages")[:2])
        self.assertEqual([(b.title, b.author.name) for b in books], [("b4", "Ann"), ("b3", "Ann")])
        self.assertIsNone(books[0].editor)
        self.assertEqual(books[1].editor, self.ann)
        stages = [next(iter(stage)) for stage in commands.pipeline()]
        self.assertEqual(
            stages,
            ["$sort", "$limit", "$lookup", "$unwind", "$lookup", "$unwind", "$project"],
        )

    def test_dangling_foreign_key_gives_its_place_to_the_next_row(self):
        """An INNER JOIN drops a book whose author is gone: the page holds
        the next book instead, as in SQL."""
        self.assertEqual(delete_raw(Author, _id=self.gone.pk), 1)
        books = Book.objects.select_related("author").order_by("pages")[:2]
        self.assertEqual([b.title for b in books], ["b0", "b2"])
        books = Book.objects.select_related("author").order_by("pages")[1:3]
        self.assertEqual([b.title for b in books], ["b2", "b3"])

    def test_filter_on_the_joined_table(self):
        books = (
            Book.objects.select_related("author")
            .filter(author__name="Ann", pages__gte=1)
            .order_by("pages")[:2]
        )
        self.assertEqual([(b.title, b.author.name) for b in books], [("b2", "Ann"), ("b3", "Ann")])
