"""annotate() of aggregates over a LEFT JOIN with a LIMIT: the grouped-lookup
plan (the page's groups first, then one $lookup) against values computed in
Python from the same rows, and the commands it issues."""

import decimal

from django.db.models import Avg, Count, Max, Min, Q, Sum
from django.test import TestCase

from djongo_app.testing import CaptureCommands
from tests.testapp.models import Author, Book


def stage_names(command):
    """The operators of the top-level stages of an aggregate command."""
    return [next(iter(stage)) for stage in command["pipeline"]]


class GroupedLookupTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.authors = [Author.objects.create(name=f"a{i}", age=20 + i) for i in range(8)]
        # a0: no books; a1: one book with NULLs; the others several, with
        # repeated page counts (for DISTINCT) and some NULL ratings/prices.
        specs = {
            1: [(10, None, None)],
            2: [(5, 4.0, "1.50"), (5, None, "2.25"), (7, 2.0, None)],
            3: [(1, 1.0, "9.99")],
            5: [(3, 3.0, "3.00"), (4, 5.0, "4.00"), (3, 1.0, None), (9, None, "0.50")],
            7: [(2, 2.5, "2.00"), (2, 2.5, "2.00")],
        }
        for index, books in specs.items():
            for number, (pages, rating, price) in enumerate(books):
                Book.objects.create(
                    title=f"b{index}-{number}",
                    author=cls.authors[index],
                    pages=pages,
                    rating=rating,
                    price=None if price is None else decimal.Decimal(price),
                )

    def expected(self, author):
        books = list(Book.objects.filter(author=author))
        pages = [b.pages for b in books]
        ratings = [b.rating for b in books if b.rating is not None]
        prices = [b.price for b in books if b.price is not None]
        return {
            "n": len(books),
            "total": sum(pages) if pages else None,
            "avg": sum(ratings) / len(ratings) if ratings else None,
            "low": min(pages) if pages else None,
            "high": max(prices) if prices else None,
            "distinct": len(set(pages)),
        }

    def annotated(self):
        return Author.objects.annotate(
            n=Count("books"),
            total=Sum("books__pages"),
            avg=Avg("books__rating"),
            low=Min("books__pages"),
            high=Max("books__price"),
            distinct=Count("books__pages", distinct=True),
        )

    def check_page(self, queryset, expected_names):
        with CaptureCommands() as commands:
            page = list(queryset)
        self.assertEqual([a.name for a in page], expected_names)
        for author in page:
            values = {key: getattr(author, key) for key in self.expected(author)}
            self.assertEqual(values, self.expected(author), author.name)
        return commands[0]

    def test_a_page_of_annotated_objects(self):
        command = self.check_page(
            self.annotated().order_by("-pk")[:5], ["a7", "a6", "a5", "a4", "a3"]
        )
        # Django groups by the primary key alone: each author is its own
        # group, so the page is sorted and cut first, then one $lookup
        # whose pipeline ends in the aggregates: one small document per
        # author, not its books (issue 14).
        self.assertEqual(command["pipeline"][:2], [{"$sort": {"_id": -1}}, {"$limit": 5}])
        self.assertEqual(list(command["pipeline"][2]), ["$lookup"])
        self.assertEqual(list(command["pipeline"][2]["$lookup"]["pipeline"][-1]), ["$group"])
        self.assertEqual(stage_names(command), ["$sort", "$limit", "$lookup", "$project"])

    def test_groups_of_several_documents(self):
        for author in self.authors[:4]:
            Author.objects.filter(pk=author.pk).update(age=40)
        queryset = (
            Author.objects.values("age")
            .annotate(
                n=Count("books"), total=Sum("books__pages"), d=Count("books__pages", distinct=True)
            )
            .order_by("-age")[:3]
        )
        with CaptureCommands() as commands:
            rows = list(queryset)
        self.assertEqual(list(commands.pipeline()[0]), ["$group"])
        self.assertNotIn("$unwind", stage_names(commands[0]))
        expected = []
        for age in sorted({a.age for a in Author.objects.all()}, reverse=True)[:3]:
            books = list(Book.objects.filter(author__age=age))
            pages = [b.pages for b in books]
            expected.append(
                {
                    "age": age,
                    "n": len(books),
                    "total": sum(pages) if pages else None,
                    "d": len(set(pages)),
                }
            )
        self.assertEqual(rows, expected)

    def test_offset_and_a_filter_on_the_base_table(self):
        queryset = self.annotated().filter(age__gte=21).order_by("name")[1:4]
        command = self.check_page(queryset, ["a2", "a3", "a4"])
        self.assertNotIn("$unwind", stage_names(command))

    def test_authors_without_books(self):
        self.check_page(self.annotated().order_by("pk")[:2], ["a0", "a1"])

    def test_filters_on_the_aggregate_use_the_general_plan(self):
        queryset = self.annotated().filter(n__gte=2).order_by("pk")[:10]
        command = self.check_page(queryset, ["a2", "a5", "a7"])
        self.assertIn("$unwind", stage_names(command))

    def test_filters_on_the_joined_table_use_the_general_plan(self):
        queryset = (
            Author.objects.annotate(n=Count("books", filter=Q(books__pages__gt=3)))
            .order_by("pk")
            .values_list("name", "n")[:8]
        )
        expected = [
            (a.name, Book.objects.filter(author=a, pages__gt=3).count()) for a in self.authors
        ]
        self.assertEqual(list(queryset), expected)
