"""Subqueries, dates and functions against the server."""

import datetime
import zoneinfo

from django.db import models
from django.db.models import Count, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import (
    Coalesce,
    Concat,
    ExtractHour,
    ExtractQuarter,
    ExtractWeekDay,
    Length,
    Lower,
    TruncDay,
    TruncHour,
    TruncMonth,
    Upper,
)
from django.test import TestCase
from django.utils import timezone

from djongo_app.testing import CaptureCommands
from tests.testapp.models import Author, Book, Everything, Tag

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


class SubqueryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.ann = Author.objects.create(name="Ann")
        cls.bob = Author.objects.create(name="Bob")
        cls.cid = Author.objects.create(name="Cid")
        Book.objects.create(title="x", author=cls.ann, pages=5)
        Book.objects.create(title="y", author=cls.ann, pages=9)
        Book.objects.create(title="y", author=cls.bob, pages=1)

    def names(self, queryset):
        return list(queryset.order_by("name").values_list("name", flat=True))

    def test_exclude_across_reverse_foreign_key(self):
        self.assertEqual(self.names(Author.objects.exclude(books__title="x")), ["Bob", "Cid"])

    def test_correlated_exists_runs_as_lookup(self):
        books = Book.objects.filter(author=OuterRef("pk"), pages__gt=4)
        with CaptureCommands() as commands:
            self.assertEqual(self.names(Author.objects.filter(Exists(books))), ["Ann"])
        (lookup,) = commands.stages("$lookup")
        self.assertEqual(lookup["let"], {"outer0": "$_id"})
        self.assertEqual(self.names(Author.objects.filter(~Exists(books))), ["Bob", "Cid"])

    def test_correlated_scalar_subquery(self):
        top = Book.objects.filter(author=OuterRef("pk")).order_by("-pages").values("title")[:1]
        self.assertEqual(
            list(
                Author.objects.annotate(top=Subquery(top))
                .order_by("name")
                .values_list("name", "top")
            ),
            [("Ann", "y"), ("Bob", "y"), ("Cid", None)],
        )

    def test_uncorrelated_in_subquery(self):
        long_books = Book.objects.filter(pages__gt=4).values("author")
        self.assertEqual(self.names(Author.objects.filter(pk__in=long_books)), ["Ann"])
        self.assertEqual(self.names(Author.objects.exclude(pk__in=long_books)), ["Bob", "Cid"])

    def test_exists_annotation_with_group_by(self):
        one_page = Exists(Book.objects.filter(author=OuterRef("pk"), pages=1))
        self.assertEqual(
            list(
                Author.objects.annotate(n=Count("books"), short=one_page)
                .order_by("name")
                .values_list("name", "n", "short")
            ),
            [("Ann", 2, False), ("Bob", 1, True), ("Cid", 0, False)],
        )

    def test_update_with_correlated_filter(self):
        updated = Author.objects.exclude(books__title="x").update(age=4)
        self.assertEqual(updated, 2)
        self.assertEqual(self.names(Author.objects.filter(age=4)), ["Bob", "Cid"])

    def test_delete_with_correlated_filter(self):
        Author.objects.filter(~Exists(Book.objects.filter(author=OuterRef("pk")))).delete()
        self.assertEqual(self.names(Author.objects.all()), ["Ann", "Bob"])


class DateTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        author = Author.objects.create(name="Ann")
        Book.objects.create(
            title="x",
            author=author,
            published=datetime.date(2024, 3, 10),
            created=datetime.datetime(2024, 3, 10, 23, 30, tzinfo=datetime.UTC),
        )
        Book.objects.create(
            title="y",
            author=author,
            published=datetime.date(2023, 7, 1),
            created=datetime.datetime(2023, 7, 1, 1, 0, tzinfo=datetime.UTC),
        )

    def titles(self, queryset):
        return sorted(queryset.values_list("title", flat=True))

    def test_date_part_lookups(self):
        self.assertEqual(self.titles(Book.objects.filter(published__month=3)), ["x"])
        self.assertEqual(self.titles(Book.objects.filter(published__year=2023)), ["y"])
        self.assertEqual(self.titles(Book.objects.filter(created__hour=1)), ["y"])
        self.assertEqual(
            self.titles(Book.objects.filter(created__date=datetime.date(2024, 3, 10))), ["x"]
        )

    def test_date_lookup_in_current_time_zone(self):
        with timezone.override(PARIS):
            self.assertEqual(
                self.titles(Book.objects.filter(created__date=datetime.date(2024, 3, 11))), ["x"]
            )
            self.assertEqual(self.titles(Book.objects.filter(created__day=11)), ["x"])

    def test_dates_and_datetimes(self):
        self.assertEqual(
            list(Book.objects.dates("published", "year")),
            [datetime.date(2023, 1, 1), datetime.date(2024, 1, 1)],
        )
        self.assertEqual(
            list(Book.objects.datetimes("created", "month")),
            [
                datetime.datetime(2023, 7, 1, tzinfo=datetime.UTC),
                datetime.datetime(2024, 3, 1, tzinfo=datetime.UTC),
            ],
        )

    def test_trunc_and_extract_with_time_zone(self):
        with timezone.override(PARIS):
            rows = list(
                Book.objects.annotate(
                    day=TruncDay("created"),
                    month=TruncMonth("created"),
                    hour=ExtractHour("created"),
                    weekday=ExtractWeekDay("created"),
                    quarter=ExtractQuarter("published"),
                )
                .order_by("title")
                .values_list("day", "month", "hour", "weekday", "quarter")
            )
        self.assertEqual(
            rows,
            [
                (
                    datetime.datetime(2024, 3, 11, tzinfo=PARIS),
                    datetime.datetime(2024, 3, 1, tzinfo=PARIS),
                    0,
                    2,
                    1,
                ),
                (
                    datetime.datetime(2023, 7, 1, tzinfo=PARIS),
                    datetime.datetime(2023, 7, 1, tzinfo=PARIS),
                    3,
                    7,
                    3,
                ),
            ],
        )

    def test_time_field_functions_and_duration_arithmetic(self):
        Everything.objects.create(
            clock=datetime.time(10, 30, 15),
            moment=datetime.datetime(2024, 1, 1, 6, tzinfo=datetime.UTC),
            day=datetime.date(2024, 1, 1),
        )
        row = Everything.objects.annotate(
            hour=ExtractHour("clock"),
            truncated=TruncHour("clock"),
            since_midnight=ExpressionWrapper(
                F("moment") - Value(datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)),
                output_field=models.DurationField(),
            ),
            later=ExpressionWrapper(
                F("moment") + datetime.timedelta(days=1, hours=2),
                output_field=models.DateTimeField(),
            ),
        ).values_list("hour", "truncated", "since_midnight", "later")[0]
        self.assertEqual(
            row,
            (
                10,
                datetime.time(10),
                datetime.timedelta(hours=6),
                datetime.datetime(2024, 1, 2, 8, tzinfo=datetime.UTC),
            ),
        )


class FunctionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        ann = Author.objects.create(name="Ann", email="ann@example.com", age=None)
        Book.objects.create(title="Annals", author=ann, pages=9)
        Book.objects.create(title="Zen", author=ann, pages=5)

    def test_string_functions_and_null_propagation(self):
        self.assertEqual(
            list(
                Author.objects.annotate(
                    up=Upper("name"),
                    low=Lower("email"),
                    size=Length("name"),
                    label=Concat("name", Value("/"), "email", output_field=models.CharField()),
                    age_or=Coalesce("age", Value(-1)),
                    age_up=Upper("age"),
                ).values_list("up", "low", "size", "label", "age_or", "age_up")
            ),
            [("ANN", "ann@example.com", 3, "Ann/ann@example.com", -1, None)],
        )

    def test_arithmetic_modulo_and_bitand(self):
        self.assertEqual(
            sorted(
                Book.objects.annotate(
                    m=F("pages") % 4, b=F("pages").bitand(3), h=F("pages") / 2
                ).values_list("m", "b", "h")
            ),
            [(1, 1, 2), (1, 1, 4)],
        )

    def test_like_against_another_column(self):
        self.assertEqual(
            sorted(
                Book.objects.filter(title__icontains=F("author__name")).values_list(
                    "title", flat=True
                )
            ),
            ["Annals"],
        )
        self.assertEqual(
            sorted(
                Book.objects.filter(title__startswith=F("author__name")).values_list(
                    "title", flat=True
                )
            ),
            ["Annals"],
        )

    def test_several_like_lookups_in_one_query(self):
        """Two LIKE patterns in one WHERE parse (they once ran together)."""
        self.assertEqual(
            sorted(
                Book.objects.filter(
                    Q(title__icontains="ann") | Q(title__endswith="en")
                ).values_list("title", flat=True)
            ),
            ["Annals", "Zen"],
        )


class CompoundQueryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        for name, age in [("Ann", 1), ("Bob", 2), ("Cid", 3), ("Dan", None)]:
            Author.objects.create(name=name, age=age)
        Tag.objects.create(label="red")

    def setUp(self):
        self.young = Author.objects.filter(age__lte=2)
        self.old = Author.objects.filter(age__gte=2)

    def names(self, queryset):
        return sorted(queryset.values_list("name", flat=True))

    def test_union_and_union_all(self):
        self.assertEqual(self.names(self.young.union(self.old)), ["Ann", "Bob", "Cid"])
        self.assertEqual(
            self.names(self.young.union(self.old, all=True)), ["Ann", "Bob", "Bob", "Cid"]
        )

    def test_intersection_and_difference(self):
        self.assertEqual(self.names(self.young.intersection(self.old)), ["Bob"])
        self.assertEqual(self.names(self.young.difference(self.old)), ["Ann"])

    def test_ordering_slicing_and_count_of_compound(self):
        combined = self.young.union(Author.objects.filter(age=None))
        self.assertEqual(
            list(combined.order_by("-name").values_list("name", flat=True)[:2]), ["Dan", "Bob"]
        )
        self.assertEqual(combined.count(), 3)

    def test_sliced_parts_and_other_models(self):
        first_old = self.old.order_by("-age")[:1]
        first_young = self.young.order_by("age")[:1]
        self.assertEqual(self.names(first_young.union(first_old)), ["Ann", "Cid"])
        self.assertEqual(
            sorted(
                Author.objects.filter(age=1)
                .values_list("name")
                .union(Tag.objects.values_list("label"))
            ),
            [("Ann",), ("red",)],
        )


class ExplainTests(TestCase):
    def test_explain_returns_the_mongodb_plan(self):
        Author.objects.create(name="Ann", age=1)
        text = Author.objects.filter(age=1).explain()
        self.assertIn('"queryPlanner"', text)
        self.assertIn('"age"', text)
        as_json = Author.objects.filter(age=1).explain(format="json", verbosity="executionStats")
        self.assertIn('"executionStats"', as_json)
        self.assertIn('"$group"', Author.objects.values("active").annotate(n=Count("id")).explain())

    def test_explain_rejects_unknown_formats(self):
        with self.assertRaisesMessage(ValueError, "XML"):
            Author.objects.explain(format="xml")


class BooleanExpressionTests(TestCase):
    """Django writes negated booleans as CASE WHEN x = 0 THEN 1 ELSE 0 END."""

    @classmethod
    def setUpTestData(cls):
        Author.objects.create(name="on", active=True)
        Author.objects.create(name="off", active=False)

    def test_negated_boolean_column(self):
        self.assertEqual(
            list(Author.objects.filter(~F("active")).values_list("name", flat=True)), ["off"]
        )
        self.assertEqual(
            list(Author.objects.annotate(x=~F("active")).order_by("name").values_list("name", "x")),
            [("off", True), ("on", False)],
        )

    def test_negated_empty_exists(self):
        empty = ~Exists(Book.objects.none())
        self.assertEqual(Author.objects.filter(empty).count(), 2)
        self.assertEqual(set(Author.objects.annotate(x=empty).values_list("x", flat=True)), {True})


class TimeZoneOffsetTests(TestCase):
    def test_fixed_offset_time_zone(self):
        """Etc/GMT+10 is written "-10" by Django; MongoDB needs "-10:00"."""
        author = Author.objects.create(name="Ann")
        Book.objects.create(
            title="x",
            author=author,
            created=datetime.datetime(2015, 6, 15, 5, 0, tzinfo=datetime.UTC),
        )
        with timezone.override(zoneinfo.ZoneInfo("Etc/GMT+10")):
            self.assertEqual(
                list(Book.objects.annotate(day=TruncDay("created")).values_list("day", flat=True)),
                [datetime.datetime(2015, 6, 14, tzinfo=zoneinfo.ZoneInfo("Etc/GMT+10"))],
            )


class PythonFunctionTests(TestCase):
    """MD5/SHA*/Chr/Ord have no MongoDB operator: applied to selected rows."""

    def test_hashes_and_characters_in_select(self):
        import hashlib

        from django.db.models.functions import MD5, SHA256, Chr, Ord

        Author.objects.create(name="Ann", age=65)
        row = Author.objects.annotate(
            m=MD5("name"), s=SHA256("name"), c=Chr("age"), o=Ord("name")
        ).values_list("m", "s", "c", "o")[0]
        self.assertEqual(
            row,
            (
                hashlib.md5(b"Ann").hexdigest(),
                hashlib.sha256(b"Ann").hexdigest(),
                "A",
                65,
            ),
        )

    def test_hash_in_where_is_not_supported(self):
        from django.db import NotSupportedError
        from django.db.models.functions import MD5

        with self.assertRaisesMessage(NotSupportedError, "The function MD5()"):
            list(Author.objects.annotate(m=MD5("name")).filter(m="x"))


class BooleanCaseComparisonTests(TestCase):
    def test_boolean_column_against_negated_value(self):
        """~Value(False) is CASE WHEN %s = 0 THEN 1 ELSE 0 END: a number SQL
        equates with a boolean."""
        Author.objects.create(name="on", active=True)
        Author.objects.create(name="off", active=False)
        annotated = Author.objects.annotate(required=~Value(False))
        self.assertEqual(
            list(annotated.filter(active=F("required")).values_list("name", flat=True)), ["on"]
        )
        self.assertEqual(
            list(annotated.filter(active=~F("required")).values_list("name", flat=True)), ["off"]
        )


class JoinOrderTests(TestCase):
    def test_base_filter_precedes_lookup_and_joined_filter_is_inside(self):
        ann = Author.objects.create(name="Ann")
        Book.objects.create(title="long", author=ann, pages=500)
        Book.objects.create(title="short", author=ann, pages=5)
        with CaptureCommands() as commands:
            rows = list(
                Book.objects.filter(pages__gt=100, author__name="Ann").values_list(
                    "title", "author__name"
                )
            )
        self.assertEqual(rows, [("long", "Ann")])
        pipeline = commands.pipeline()
        # The books whose author can match come first (issue 14), then the
        # join, with the author's condition inside its lookup.
        self.assertEqual(
            pipeline[0], {"$match": {"author_id": {"$in": [ann.pk]}, "pages": {"$gt": 100}}}
        )
        # The author's key is its _id: always present, so no guard on it.
        self.assertEqual(pipeline[1]["$lookup"]["foreignField"], "_id")
        self.assertEqual(
            pipeline[1]["$lookup"]["pipeline"],
            [
                {"$match": {"name": "Ann"}},
                {"$project": {"_id": 1, "name": 1}},
            ],
        )

    def test_join_that_only_filters_is_a_find(self):
        """A join to a primary key that only filters runs as the matching
        keys and one find with $in (issue 14)."""
        ann = Author.objects.create(name="Ann")
        bob = Author.objects.create(name="Bob")
        Book.objects.create(title="long", author=ann, pages=500)
        Book.objects.create(title="short", author=ann, pages=5)
        Book.objects.create(title="other", author=bob, pages=600)
        with CaptureCommands() as commands:
            titles = list(
                Book.objects.filter(pages__gt=100, author__name="Ann").values_list(
                    "title", flat=True
                )
            )
        self.assertEqual(titles, ["long"])
        self.assertEqual(
            list(commands),
            [
                {
                    "find": "testapp_book",
                    "filter": {"author_id": {"$in": [ann.pk]}, "pages": {"$gt": 100}},
                    "projection": {"title": 1, "_id": 0},
                }
            ],
        )
        with CaptureCommands() as commands:
            self.assertEqual(Book.objects.filter(author__name="Ann").count(), 2)
        self.assertEqual(commands.kind(), "count")

    def test_base_filter_precedes_correlated_subquery(self):
        ann = Author.objects.create(name="Ann", age=30)
        Author.objects.create(name="Bob", age=10)
        Book.objects.create(title="x", author=ann, pages=5)
        with CaptureCommands() as commands:
            names = list(
                Author.objects.filter(age__gt=20)
                .filter(Exists(Book.objects.filter(author=OuterRef("pk"))))
                .values_list("name", flat=True)
            )
        self.assertEqual(names, ["Ann"])
        self.assertEqual(commands.kind(), "aggregate")
        pipeline = commands.pipeline()
        self.assertEqual(pipeline[0], {"$match": {"age": {"$gt": 20}}})
        self.assertEqual(list(pipeline[1]), ["$lookup"])


class MoreExpressionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        ann = Author.objects.create(name="  Ann  ", age=30, active=True)
        bob = Author.objects.create(name="Bob", age=None, active=False)
        Book.objects.create(title="abc", author=ann, pages=9, rating=2.5)
        Book.objects.create(title="abd", author=ann, pages=4, rating=-1.25)
        Book.objects.create(title="xyz", author=bob, pages=4, rating=None)

    def test_case_when_cast_nullif(self):
        from django.db.models import Case, IntegerField, When
        from django.db.models.functions import Cast, NullIf

        rows = Book.objects.annotate(
            size=Case(When(pages__gt=5, then=Value("big")), default=Value("small")),
            pages_text=Cast("pages", models.CharField()),
            rating_int=Cast("rating", IntegerField()),
            no_four=NullIf("pages", Value(4)),
        ).order_by("title")
        self.assertEqual(
            list(rows.values_list("title", "size", "pages_text", "rating_int", "no_four")),
            [
                ("abc", "big", "9", 2, 9),
                ("abd", "small", "4", -1, None),
                ("xyz", "small", "4", None, None),
            ],
        )

    def test_string_functions(self):
        from django.db.models.functions import (
            Left,
            LPad,
            Repeat,
            Replace,
            Reverse,
            Right,
            RPad,
            StrIndex,
            Substr,
            Trim,
        )

        row = (
            Book.objects.filter(title="abc")
            .annotate(
                sub=Substr("title", 2, 1),
                left=Left("title", 2),
                right=Right("title", 2),
                lpad=LPad("title", 5, Value("*")),
                rpad=RPad("title", 5, Value("-")),
                rev=Reverse("title"),
                rep=Repeat("title", 2),
                repl=Replace("title", Value("b"), Value("B")),
                idx=StrIndex("title", Value("c")),
                trimmed=Trim("author__name"),
            )
            .values_list(
                "sub", "left", "right", "lpad", "rpad", "rev", "rep", "repl", "idx", "trimmed"
            )
            .get()
        )
        self.assertEqual(row, ("b", "ab", "bc", "**abc", "abc--", "cba", "abcabc", "aBc", 3, "Ann"))

    def test_math_functions(self):
        from django.db.models.functions import Abs, Ceil, Floor, Mod, Power, Round, Sign, Sqrt

        row = (
            Book.objects.filter(title="abd")
            .annotate(
                a=Abs("rating"),
                c=Ceil("rating"),
                f=Floor("rating"),
                m=Mod("pages", Value(3)),
                p=Power("pages", 2),
                r=Round("rating", 1),
                s=Sign("rating"),
                q=Sqrt("pages"),
            )
            .values_list("a", "c", "f", "m", "p", "r", "s", "q")
            .get()
        )
        self.assertEqual(row, (1.25, -1.0, -2.0, 1, 16.0, -1.3, -1, 2.0))

    def test_having_count_distinct_and_distinct(self):
        self.assertEqual(
            list(
                Book.objects.values("author__name")
                .annotate(n=Count("id"), pages=Count("pages", distinct=True))
                .filter(n__gt=1)
                .values_list("author__name", "n", "pages")
            ),
            [("  Ann  ", 2, 2)],
        )
        self.assertEqual(sorted(Book.objects.values_list("pages", flat=True).distinct()), [4, 9])
