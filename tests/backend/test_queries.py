"""CRUD, lookups, ordering and slicing against the server."""

import datetime
import decimal
import uuid

from django.db import transaction
from django.db.models import Count, F, Max, Q, Sum
from django.test import TestCase

from djongo_app.testing import CaptureCommands
from tests.testapp.models import Author, Book, Counter, Everything, Tag


def names(queryset):
    return sorted(queryset.values_list("name", flat=True))


class CrudTests(TestCase):
    def test_create_read_update_delete(self):
        author = Author.objects.create(name="Ann", age=30)
        self.assertIsInstance(author.pk, int)
        fetched = Author.objects.get(pk=author.pk)
        self.assertEqual((fetched.name, fetched.age, fetched.active), ("Ann", 30, True))
        fetched.age = 31
        fetched.save()
        self.assertEqual(Author.objects.get(pk=author.pk).age, 31)
        self.assertEqual(Author.objects.filter(pk=author.pk).update(name="Anna"), 1)
        self.assertEqual(Author.objects.get(pk=author.pk).name, "Anna")
        deleted, _ = Author.objects.filter(pk=author.pk).delete()
        self.assertEqual(deleted, 1)
        self.assertIs(Author.objects.filter(pk=author.pk).exists(), False)

    def test_get_raises_does_not_exist_and_multiple(self):
        Author.objects.create(name="Same")
        Author.objects.create(name="Same")
        with self.assertRaises(Author.DoesNotExist):
            Author.objects.get(name="Nobody")
        with self.assertRaises(Author.MultipleObjectsReturned):
            Author.objects.get(name="Same")

    def test_save_without_changes_updates_existing_row(self):
        author = Author.objects.create(name="Ann")
        author.save()
        self.assertEqual(Author.objects.count(), 1)

    def test_natural_primary_key(self):
        Counter.objects.create(key="hits", value=1)
        counter = Counter.objects.get(pk="hits")
        counter.value = 2
        counter.save()
        self.assertEqual(list(Counter.objects.values_list("key", "value")), [("hits", 2)])

    def test_update_with_column_arithmetic(self):
        Counter.objects.create(key="a", value=1)
        Counter.objects.create(key="b", value=None)
        updated = Counter.objects.update(value=F("value") + 10)
        self.assertEqual(updated, 2)
        # SQL arithmetic on NULL gives NULL, it does not fail.
        self.assertEqual(dict(Counter.objects.values_list("key", "value")), {"a": 11, "b": None})

    def test_update_uses_pipeline_for_arithmetic(self):
        Counter.objects.create(key="a", value=1)
        with CaptureCommands() as commands:
            Counter.objects.filter(key="a").update(value=F("value") * 3)
        (update,) = commands[0]["updates"]
        self.assertEqual(
            update["u"], [{"$set": {"value": {"$multiply": ["$value", {"$literal": 3}]}}}]
        )
        self.assertEqual(Counter.objects.get().value, 3)

    def test_column_arithmetic_rolled_back_with_its_savepoint(self):
        """Under a savepoint an update pipeline is checked and journaled:
        rolling back to the savepoint restores the number."""
        ann = Author.objects.create(name="Ann")
        book = Book.objects.create(title="One", author=ann, pages=10)
        with self.assertRaises(RuntimeError), transaction.atomic():
            Book.objects.filter(pk=book.pk).update(pages=F("pages") + 5)
            self.assertEqual(Book.objects.get().pages, 15)
            raise RuntimeError
        self.assertEqual(Book.objects.get().pages, 10)
        Book.objects.filter(pk=book.pk).update(pages=F("pages") + 1)
        self.assertEqual(Book.objects.get().pages, 11)

    def test_delete_cascades_to_related_rows(self):
        ann = Author.objects.create(name="Ann")
        Book.objects.create(title="One", author=ann)
        Book.objects.create(title="Two", author=ann)
        ann.delete()
        self.assertEqual(Book.objects.count(), 0)

    def test_set_null_on_delete(self):
        ann = Author.objects.create(name="Ann")
        bob = Author.objects.create(name="Bob")
        book = Book.objects.create(title="One", author=ann, editor=bob)
        bob.delete()
        book.refresh_from_db()
        self.assertIsNone(book.editor_id)

    def test_many_to_many(self):
        ann = Author.objects.create(name="Ann")
        book = Book.objects.create(title="One", author=ann)
        red, blue = Tag.objects.create(label="red"), Tag.objects.create(label="blue")
        book.tags.add(red, blue)
        self.assertEqual(sorted(book.tags.values_list("label", flat=True)), ["blue", "red"])
        book.tags.remove(red)
        self.assertEqual(list(book.tags.values_list("label", flat=True)), ["blue"])
        self.assertEqual(list(blue.book_set.values_list("title", flat=True)), ["One"])


class RoundTripTests(TestCase):
    def test_every_type_round_trips(self):
        values = {
            "big": 2**53 + 1,
            "small": -7,
            "text": "héllo\nworld",
            "flag": False,
            "amount": decimal.Decimal("1234.567"),
            "ratio": 0.25,
            "day": datetime.date(2024, 2, 29),
            "moment": datetime.datetime(2024, 2, 29, 13, 45, 1, 123000, tzinfo=datetime.UTC),
            "clock": datetime.time(23, 59, 58, 500000),
            "span": datetime.timedelta(days=2, microseconds=7),
            "uid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
            "blob": b"\x00\x01binary",
            "slug": "a-slug",
        }
        obj = Everything.objects.create(**values)
        fetched = Everything.objects.get(pk=obj.pk)
        for name, value in values.items():
            with self.subTest(name):
                self.assertEqual(getattr(fetched, name), value)

    def test_nulls_round_trip(self):
        obj = Everything.objects.create()
        fetched = Everything.objects.get(pk=obj.pk)
        self.assertEqual(
            [getattr(fetched, f.attname) for f in Everything._meta.fields if f.attname != "id"],
            [None] * (len(Everything._meta.fields) - 1),
        )

    def test_datetimes_keep_milliseconds(self):
        moment = datetime.datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=datetime.UTC)
        obj = Everything.objects.create(moment=moment)
        # BSON dates hold milliseconds: the stored value is truncated.
        self.assertEqual(
            Everything.objects.get(pk=obj.pk).moment, moment.replace(microsecond=123000)
        )
        self.assertIs(Everything.objects.filter(moment=moment).exists(), True)

    def test_filters_on_dates_decimals_and_uuids(self):
        Everything.objects.create(day=datetime.date(2024, 1, 1), amount=decimal.Decimal("1.5"))
        Everything.objects.create(day=datetime.date(2024, 6, 1), amount=decimal.Decimal("10"))
        self.assertEqual(Everything.objects.filter(day__gte=datetime.date(2024, 3, 1)).count(), 1)
        self.assertEqual(Everything.objects.filter(amount__lt=decimal.Decimal("2")).count(), 1)
        uid = uuid.uuid4()
        Everything.objects.create(uid=uid)
        self.assertEqual(Everything.objects.get(uid=uid).uid, uid)


class LookupTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        Author.objects.create(name="Ann", age=30, email="ann@example.com", active=True)
        Author.objects.create(name="Bob", age=None, email=None, active=False)
        Author.objects.create(name="Cid", age=45, email="cid@example.org", active=True)
        Author.objects.create(name="dan_100%", age=18, email=None, active=False)

    def assertNames(self, queryset, expected):
        self.assertEqual(names(queryset), sorted(expected))

    def test_exact_and_not_equal(self):
        self.assertNames(Author.objects.filter(age=30), ["Ann"])
        # SQL: NULL <> 30 is unknown, so Bob is not returned by ~Q on a
        # non-null-aware comparison; Django adds IS NOT NULL for exclude().
        self.assertNames(Author.objects.filter(~Q(age=30)), ["Bob", "Cid", "dan_100%"])
        self.assertNames(Author.objects.exclude(age=30), ["Bob", "Cid", "dan_100%"])

    def test_comparisons(self):
        self.assertNames(Author.objects.filter(age__gt=30), ["Cid"])
        self.assertNames(Author.objects.filter(age__gte=30), ["Ann", "Cid"])
        self.assertNames(Author.objects.filter(age__lt=30), ["dan_100%"])
        self.assertNames(Author.objects.filter(age__lte=30), ["Ann", "dan_100%"])
        # NULL never compares: Bob is in neither side of a range.
        self.assertNames(Author.objects.exclude(age__gt=30), ["Ann", "Bob", "dan_100%"])

    def test_in_and_not_in(self):
        self.assertNames(Author.objects.filter(age__in=[18, 45]), ["Cid", "dan_100%"])
        self.assertNames(Author.objects.exclude(age__in=[18, 45]), ["Ann", "Bob"])
        self.assertNames(Author.objects.filter(name__in=["Ann", "Zed"]), ["Ann"])
        self.assertNames(Author.objects.filter(age__in=[]), [])

    def test_isnull(self):
        self.assertNames(Author.objects.filter(age__isnull=True), ["Bob"])
        self.assertNames(Author.objects.filter(age__isnull=False), ["Ann", "Cid", "dan_100%"])
        self.assertNames(Author.objects.filter(email=None), ["Bob", "dan_100%"])

    def test_range(self):
        self.assertNames(Author.objects.filter(age__range=(18, 30)), ["Ann", "dan_100%"])
        self.assertNames(Author.objects.exclude(age__range=(18, 30)), ["Bob", "Cid"])

    def test_booleans(self):
        self.assertNames(Author.objects.filter(active=True), ["Ann", "Cid"])
        self.assertNames(Author.objects.filter(active=False), ["Bob", "dan_100%"])
        self.assertNames(Author.objects.exclude(active=True), ["Bob", "dan_100%"])

    def test_like_lookups(self):
        self.assertNames(Author.objects.filter(name__contains="a"), ["dan_100%"])
        self.assertNames(Author.objects.filter(name__icontains="A"), ["Ann", "dan_100%"])
        self.assertNames(Author.objects.filter(name__startswith="C"), ["Cid"])
        self.assertNames(Author.objects.filter(name__istartswith="c"), ["Cid"])
        self.assertNames(Author.objects.filter(name__endswith="n"), ["Ann"])
        self.assertNames(Author.objects.filter(name__iendswith="N"), ["Ann"])
        self.assertNames(Author.objects.filter(name__iexact="ANN"), ["Ann"])
        self.assertNames(Author.objects.filter(email__endswith=".org"), ["Cid"])

    def test_like_wildcards_in_values_are_literal(self):
        self.assertNames(Author.objects.filter(name__contains="_"), ["dan_100%"])
        self.assertNames(Author.objects.filter(name__contains="%"), ["dan_100%"])
        self.assertNames(Author.objects.filter(name__contains="n_1"), ["dan_100%"])
        self.assertNames(Author.objects.filter(name__icontains="."), [])
        self.assertNames(Author.objects.filter(name__iexact="dan_100%"), ["dan_100%"])
        self.assertNames(Author.objects.filter(name__iexact="dana100%"), [])

    def test_negated_like_skips_nulls(self):
        self.assertNames(Author.objects.exclude(email__contains="example"), ["Bob", "dan_100%"])
        self.assertNames(
            Author.objects.filter(~Q(email__contains="example") & Q(email__isnull=False)), []
        )

    def test_regex(self):
        self.assertNames(Author.objects.filter(name__regex=r"^[AB]"), ["Ann", "Bob"])
        self.assertNames(Author.objects.filter(name__iregex=r"^[ab]"), ["Ann", "Bob"])

    def test_and_or_not_precedence(self):
        self.assertNames(Author.objects.filter(Q(age=30) | Q(age=45), active=True), ["Ann", "Cid"])
        self.assertNames(Author.objects.filter(Q(age=30) | (Q(age=45) & Q(active=False))), ["Ann"])
        self.assertNames(
            Author.objects.filter(~(Q(name="Ann") | Q(name="Bob"))), ["Cid", "dan_100%"]
        )
        self.assertNames(Author.objects.filter(~Q(age__gt=20) | Q(name="Bob")), ["Bob", "dan_100%"])

    def test_column_against_column(self):
        Counter.objects.create(key="20", value=20)
        self.assertNames(Author.objects.filter(age__gt=F("age") - 1), ["Ann", "Cid", "dan_100%"])

    def test_exists_and_count(self):
        self.assertIs(Author.objects.filter(name="Ann").exists(), True)
        self.assertIs(Author.objects.filter(name="Zed").exists(), False)
        self.assertEqual(Author.objects.filter(active=True).count(), 2)

    def test_filter_across_foreign_key(self):
        ann = Author.objects.get(name="Ann")
        Book.objects.create(title="One", author=ann, pages=100)
        Book.objects.create(title="Two", author=Author.objects.get(name="Cid"), pages=50)
        self.assertEqual(
            list(Book.objects.filter(author__name="Ann").values_list("title", flat=True)), ["One"]
        )
        self.assertNames(Author.objects.filter(books__pages__gt=60), ["Ann"])
        book = Book.objects.select_related("author").get(title="Two")
        with self.assertNumQueries(0):
            self.assertEqual(book.author.name, "Cid")

    def test_aggregates(self):
        self.assertEqual(
            Author.objects.aggregate(total=Sum("age"), oldest=Max("age"), n=Count("age")),
            {"total": 93, "oldest": 45, "n": 3},
        )
        self.assertEqual(
            Author.objects.filter(name="Zed").aggregate(total=Sum("age"), n=Count("id")),
            {"total": None, "n": 0},
        )
        self.assertEqual(
            dict(Author.objects.values_list("active").annotate(n=Count("id"))),
            {True: 2, False: 2},
        )


class OrderingAndSlicingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        for name, age in [("Ann", 30), ("Bob", None), ("Cid", 30), ("Dan", 20), ("Eve", 40)]:
            Author.objects.create(name=name, age=age)

    def test_default_ordering(self):
        self.assertEqual(
            list(Author.objects.values_list("name", flat=True)), ["Ann", "Bob", "Cid", "Dan", "Eve"]
        )

    def test_several_keys(self):
        self.assertEqual(
            list(Author.objects.order_by("-age", "name").values_list("name", flat=True)),
            ["Eve", "Ann", "Cid", "Dan", "Bob"],
        )
        # NULLs sort first ascending, as on SQLite.
        self.assertEqual(
            list(Author.objects.order_by("age", "-name").values_list("name", flat=True)),
            ["Bob", "Dan", "Cid", "Ann", "Eve"],
        )

    def test_slicing(self):
        ordered = Author.objects.order_by("name")
        self.assertEqual([a.name for a in ordered[1:3]], ["Bob", "Cid"])
        self.assertEqual([a.name for a in ordered[3:]], ["Dan", "Eve"])
        self.assertEqual(ordered[4].name, "Eve")
        self.assertEqual(ordered.first().name, "Ann")
        self.assertEqual(ordered.last().name, "Eve")
        self.assertEqual([a.name for a in ordered[:2]], ["Ann", "Bob"])

    def test_sliced_count(self):
        self.assertEqual(Author.objects.order_by("name")[1:3].count(), 2)

    def test_find_carries_sort_skip_limit(self):
        with CaptureCommands() as commands:
            list(Author.objects.order_by("-age", "name")[1:3])
        (command,) = commands
        self.assertEqual(command["find"], "testapp_author")
        self.assertEqual(list(command["sort"].items()), [("age", -1), ("name", 1)])
        self.assertEqual((command["skip"], command["limit"]), (1, 2))
