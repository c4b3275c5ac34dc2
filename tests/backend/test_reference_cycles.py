"""Compiling and running a statement leaves no reference cycles of ours
behind (Django's select_related tests check gc.garbage after a query)."""

import gc
import types

from django.test import TestCase

from djongo_app.transpiler import plan_cache
from tests.testapp.models import Author, Book, Review


def garbage_of_ours(run):
    """Run ``run`` with the collector saving what it frees; return the
    functions of djongo_app among it (each one the head of a cycle)."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        run()
        gc.collect()
        return [
            item
            for item in gc.garbage
            if isinstance(item, types.FunctionType) and item.__module__.startswith("djongo_app")
        ]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


class ReferenceCycleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        author = Author.objects.create(name="Ada")
        book = Book.objects.create(title="Notes", author=author)
        Review.objects.create(book=book, stars=5)

    def test_compiling_joins_leaves_no_cycles(self):
        def run():
            plan_cache.clear()
            self.assertEqual(len(list(Book.objects.select_related("author"))), 1)
            # A filtering join reduced to a key list (transpiler/joins.py).
            self.assertEqual(Review.objects.filter(book__author__name="Ada").count(), 1)

        self.assertEqual(garbage_of_ours(run), [])
