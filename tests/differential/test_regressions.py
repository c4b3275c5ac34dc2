"""Mismatches found by test_sqlite_vs_mongodb.py, minimized and fixed.

Each test asserts SQLite's (the SQL) result on both databases.
"""

from __future__ import annotations

import decimal

from django.db.models import Count, F, Max, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Mod, Round

from tests.testapp.models import Author, Book, Review, Tag

from .support import ALIASES, TwoDatabasesTestCase


class RegressionTests(TwoDatabasesTestCase):
    def assertSame(self, make, expected):
        """``make(alias)`` gives ``expected`` on SQLite and on djongo_app."""
        results = {alias: make(alias) for alias in ALIASES}
        self.maxDiff = None
        self.assertEqual(results, dict.fromkeys(ALIASES, expected))

    def test_round_half_away_from_zero(self):
        # rating 4.5 and 2.5 (floats round right since fff2a36); price 15.25.
        self.assertSame(
            lambda alias: list(
                Book.objects.using(alias)
                .filter(pk__in=[4, 5])
                .annotate(r=Round("rating"))
                .order_by("pk")
                .values_list("r", flat=True)
            ),
            [5.0, 3.0],
        )
        self.assertSame(
            lambda alias: Book.objects.using(alias).annotate(r=Round("price", 1)).get(pk=6).r,
            decimal.Decimal("15.3"),
        )

    def test_order_by_same_column_twice(self):
        self.assertSame(
            lambda alias: list(
                Tag.objects.using(alias)
                .order_by(F("id").desc(nulls_last=True), "id")
                .values_list("id", flat=True)
            ),
            [6, 5, 4, 3, 2, 1],
        )

    def test_aggregate_over_ungrouped_aggregate(self):
        # SELECT SUM("c") FROM (SELECT COUNT("testapp_book"."id") AS "c" FROM "testapp_book")
        self.assertSame(
            lambda alias: (
                Book.objects.using(alias)
                .annotate(m=Max("pages"))
                .values("m")
                .annotate(c=Count("id"))
                .aggregate(x=Sum("c"))
            ),
            {"x": 11},
        )

    def test_modulo_by_zero_is_null(self):
        # Book 4's editor (Frank) is 0 years old.
        self.assertSame(
            lambda alias: (
                Book.objects.using(alias)
                .annotate(r=F("pages") % F("editor__age"), m=Mod("pages", Value(0)))
                .values_list("r", "m")
                .get(pk=4)
            ),
            (None, None),
        )

    def test_exclude_on_subquery_annotation(self):
        top_title = Subquery(
            Book.objects.filter(author=OuterRef("pk")).order_by("-pages", "pk").values("title")[:1]
        )
        self.assertSame(
            lambda alias: list(
                Author.objects.using(alias)
                .annotate(top=top_title)
                .exclude(top="Zebra")
                .order_by("pk")
                .values_list("pk", flat=True)
            ),
            [1, 2, 3, 4, 5],
        )

    def test_arithmetic_on_a_missing_json_key_is_null(self):
        """F() of a JSON key a document lacks is NULL in arithmetic, not a
        server error (issue 10)."""
        self.assertSame(
            lambda alias: list(
                Review.objects.using(alias)
                .filter(stars__gte=F("note__back\\slash") * 2)
                .order_by("pk")
                .values_list("pk", flat=True)
            ),
            [1, 7],
        )

    def test_chained_left_joins_and_missing_keys(self):
        """Authors without books, books without reviews and orphan reviews
        whose book_id is missing or NULL (issue 10)."""
        self.assertSame(
            lambda alias: list(
                Author.objects.using(alias)
                .filter(pk__in=[6, 8, 1])
                .order_by("pk", "books__reviews__id")
                .values_list("pk", "books__reviews__id")
            ),
            [(1, None), (1, 1), (1, 2), (1, 7), (6, None), (8, None)],
        )
        self.assertSame(
            lambda alias: list(
                Review.objects.using(alias)
                .values("book__author__age")
                .annotate(n=Count("id"))
                .order_by("book__author__age")
            ),
            [
                # Orphan reviews 4 and 5: no book, so no author.
                {"book__author__age": None, "n": 2},
                {"book__author__age": 25, "n": 1},
                {"book__author__age": 30, "n": 3},
                {"book__author__age": 45, "n": 2},
            ],
        )
