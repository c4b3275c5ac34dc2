"""The aggregates Django 6.0 and 6.1 made general: StringAgg, AnyValue,
BitAnd, BitOr and BitXor, grouped and over the whole collection."""

from unittest import skipUnless
from unittest.mock import ANY

from django.db.models import F, Q, Value
from django.db.models.functions import Lower
from django.test import TestCase

from djongo_app import compat
from djongo_app.testing import CaptureCommands
from tests.testapp.models import Author, Book

StringAgg = compat.StringAgg
AnyValue = compat.AnyValue
BitAnd, BitOr, BitXor = compat.BIT_AGGREGATES or (None, None, None)


class AggregateData(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.ann = Author.objects.create(name="Ann", age=30)
        cls.bob = Author.objects.create(name="Bob", age=12)
        cls.cy = Author.objects.create(name="Cy", age=None)
        cls.dee = Author.objects.create(name="dee", age=7)
        for title, author, pages in [
            ("b-one", cls.ann, 6),
            ("a-two", cls.ann, 3),
            ("c-three", cls.ann, 0),
            ("d-four", cls.bob, 5),
        ]:
            Book.objects.create(title=title, author=author, pages=pages)


@skipUnless(compat.StringAgg, "StringAgg is general from Django 6.0")
class StringAggTests(AggregateData):
    def test_whole_collection_skips_nulls(self):
        result = Author.objects.aggregate(
            names=StringAgg("name", Value(";"), order_by="name"),
            ages=StringAgg("age", Value(","), order_by="-age"),
        )
        # age is NULL for Cy: left out, as in SQL. Capitals sort first.
        self.assertEqual(result, {"names": "Ann;Bob;Cy;dee", "ages": "30,12,7"})

    def test_order_by_expressions_and_several_keys(self):
        self.assertEqual(
            Author.objects.aggregate(s=StringAgg("name", Value("|"), order_by=Lower("name")))["s"],
            "Ann|Bob|Cy|dee",
        )
        self.assertEqual(
            Author.objects.aggregate(
                s=StringAgg("name", Value(" "), order_by=[F("active").desc(), "-name"])
            )["s"],
            "dee Cy Bob Ann",
        )

    def test_nulls_first_and_last(self):
        last = Author.objects.aggregate(
            s=StringAgg("name", Value(","), order_by=F("age").asc(nulls_last=True))
        )
        first = Author.objects.aggregate(
            s=StringAgg("name", Value(","), order_by=F("age").desc(nulls_first=True))
        )
        self.assertEqual(last["s"], "dee,Bob,Ann,Cy")
        self.assertEqual(first["s"], "Cy,Ann,Bob,dee")

    def test_grouped_by_a_relation(self):
        rows = (
            Author.objects.filter(books__isnull=False)
            .annotate(titles=StringAgg("books__title", Value(", "), order_by="books__title"))
            .values_list("name", "titles")
            .order_by("name")
        )
        self.assertEqual(list(rows), [("Ann", "a-two, b-one, c-three"), ("Bob", "d-four")])

    def test_distinct(self):
        Book.objects.create(title="e-five", author=self.bob, pages=5)
        result = Book.objects.aggregate(
            pages=StringAgg("pages", Value(","), distinct=True, order_by="pages")
        )
        self.assertEqual(result["pages"], "0,3,5,6")
        unordered = Book.objects.aggregate(pages=StringAgg("pages", Value(","), distinct=True))
        self.assertCountEqual(unordered["pages"].split(","), ["0", "3", "5", "6"])

    def test_filter_default_and_no_rows(self):
        result = Author.objects.aggregate(
            young=StringAgg("name", Value(","), filter=Q(age__lt=18), order_by="name"),
            none=StringAgg("name", Value(","), filter=Q(age__gt=100)),
            fallback=StringAgg("name", Value(","), filter=Q(age__gt=100), default=Value("<none>")),
        )
        self.assertEqual(result, {"young": "Bob,dee", "none": None, "fallback": "<none>"})
        self.assertEqual(
            Author.objects.filter(age__gt=100).aggregate(s=StringAgg("name", Value(",")))["s"],
            None,
        )

    def test_delimiter_is_a_parameter(self):
        delimiter = "'; DROP TABLE x; --\" $concat"
        result = Author.objects.filter(age__gt=10).aggregate(
            s=StringAgg("name", Value(delimiter), order_by="name")
        )
        self.assertEqual(result["s"], f"Ann{delimiter}Bob")

    def test_command_pushes_and_sorts(self):
        with CaptureCommands() as commands:
            Author.objects.aggregate(s=StringAgg("name", Value(","), order_by="-age"))
        pipeline = commands[-1]["pipeline"]
        group = next(stage["$group"] for stage in pipeline if "$group" in stage)
        self.assertEqual(group["a0"], {"$push": {"v": "$name", "k0": "$age"}})
        finished = next(stage["$set"]["a0"] for stage in pipeline if "$set" in stage)
        self.assertIn({"$sortArray": ANY}, finished["$reduce"]["input"]["$map"].values())


@skipUnless(compat.AnyValue, "AnyValue is from Django 6.0")
class AnyValueTests(AggregateData):
    def test_some_non_null_value_of_each_group(self):
        rows = dict(
            Book.objects.values("author__name")
            .annotate(pages=AnyValue("pages"))
            .values_list("author__name", "pages")
        )
        # The first non-NULL value read (documents in insertion order here).
        self.assertEqual(rows["Ann"], 6)
        self.assertEqual(rows["Bob"], 5)
        self.assertIsNone(Author.objects.filter(age__gt=100).aggregate(a=AnyValue("age"))["a"])


@skipUnless(compat.BIT_AGGREGATES, "BitAnd, BitOr, BitXor are general from Django 6.1")
class BitAggregateTests(AggregateData):
    def test_whole_collection_ignores_nulls(self):
        # Ages 30 (0b11110), 12 (0b01100), NULL, 7 (0b00111).
        result = Author.objects.aggregate(a=BitAnd("age"), o=BitOr("age"), x=BitXor("age"))
        self.assertEqual(result, {"a": 30 & 12 & 7, "o": 30 | 12 | 7, "x": 30 ^ 12 ^ 7})

    def test_grouped_filtered_and_defaults(self):
        rows = (
            Author.objects.values("active")
            .annotate(o=BitOr("age", filter=Q(age__gt=10)), x=BitXor("age"))
            .values_list("o", "x")
        )
        self.assertEqual(list(rows), [(30 | 12, 30 ^ 12 ^ 7)])
        empty = Author.objects.filter(age__gt=100).aggregate(
            a=BitAnd("age"), d=BitOr("age", default=0)
        )
        self.assertEqual(empty, {"a": None, "d": 0})
