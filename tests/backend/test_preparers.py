"""Save preparers (djongo_app/preparers.py) give get_db_prep_save()'s
answers, and what they prepare is stored as Django's path stores it."""

import datetime
import warnings
import zoneinfo

from django.db import DataError, connection, models, transaction
from django.db.models import F
from django.test import SimpleTestCase, TestCase, override_settings
from django.utils.safestring import mark_safe

from djongo_app.preparers import PREPARER_BUILDERS, save_preparer
from tests.testapp.models import Author, Book, Everything, Review

UTC = datetime.UTC
PARIS = zoneinfo.ZoneInfo("Europe/Paris")

# Values each preparer meets: its own type, and the others it hands on.
VALUES = [
    None,
    "text",
    "",
    "4",
    mark_safe("safe"),
    7,
    -(2**63),
    2**63 - 1,
    2**63,
    3.7,
    True,
    False,
    2.5,
    datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
    datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=PARIS),
    datetime.datetime(2024, 5, 6, 7, 8, 9),
    datetime.date(2024, 5, 6),
    F("id"),
]


def field_of(cls):
    if cls is models.ForeignKey:
        return Review._meta.get_field("book")
    if cls in (models.CharField, models.SlugField, models.EmailField, models.URLField):
        field = cls(max_length=50)
    elif cls in (models.AutoField, models.BigAutoField, models.SmallAutoField):
        field = cls(primary_key=True)
    else:
        field = cls(null=True)
    field.set_attributes_from_name("value")
    return field


def outcome(call, value):
    """Return ('value', answer) or ('error', exception class)."""
    try:
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            return "value", call(value)
    except Exception as exc:  # the class is the answer compared
        return "error", type(exc)


class PreparerTableTests(SimpleTestCase):
    def assert_same_as_django(self, cls):
        field = field_of(cls)
        prepare = save_preparer(field, connection)
        for value in VALUES:
            with self.subTest(field=cls.__name__, value=value):
                expected = outcome(lambda v: field.get_db_prep_save(v, connection), value)
                got = outcome(prepare, value)
                self.assertEqual(got, expected)
                if got[0] == "value":
                    self.assertIs(type(got[1]), type(expected[1]))

    def test_every_entry_answers_as_get_db_prep_save(self):
        for cls in PREPARER_BUILDERS:
            self.assert_same_as_django(cls)

    @override_settings(USE_TZ=False)
    def test_every_entry_answers_as_get_db_prep_save_without_time_zones(self):
        for cls in PREPARER_BUILDERS:
            self.assert_same_as_django(cls)

    def test_naive_datetime_under_use_tz_warns_as_django_does(self):
        prepare = save_preparer(field_of(models.DateTimeField), connection)
        with self.assertWarnsMessage(RuntimeWarning, "received a naive datetime"):
            prepare(datetime.datetime(2024, 1, 1))

    def test_out_of_range_integer_is_the_backends_data_error(self):
        prepare = save_preparer(field_of(models.IntegerField), connection)
        with self.assertRaises(DataError):
            prepare(2**63)

    def test_operations_redefining_the_integer_hook_get_it_called(self):
        class Doubling(type(connection.ops)):
            def adapt_integerfield_value(self, value, internal_type):
                return value * 2

        original = connection.ops
        connection.ops = Doubling(connection)
        try:
            prepare = save_preparer(field_of(models.IntegerField), connection)
            self.assertEqual(prepare(21), 42)
            self.assertEqual(prepare("4"), 8)
        finally:
            connection.ops = original

    def test_a_subclass_takes_djangos_path(self):
        class Shouting(models.CharField):
            def get_prep_value(self, value):
                return super().get_prep_value(value).upper()

        field = Shouting(max_length=10)
        self.assertEqual(save_preparer(field, connection)("hi"), "HI")

    def test_a_patched_class_takes_djangos_path(self):
        original = models.TextField.get_prep_value
        models.TextField.get_prep_value = lambda self, value: f"<{value}>"
        try:
            self.assertEqual(save_preparer(field_of(models.TextField), connection)("x"), "<x>")
        finally:
            models.TextField.get_prep_value = original


class PreparedRowsTests(TestCase):
    def stored(self, model, pk, *keys):
        # Inside the test's transaction: through its session.
        connection.ensure_connection()
        mongo = connection.connection
        document = mongo.collection(model._meta.db_table).find_one(
            {"_id": pk}, session=mongo.session
        )
        return tuple(document[key] for key in keys)

    def test_bulk_create_stores_what_djangos_path_stores(self):
        moment = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=PARIS)
        rows = Everything.objects.bulk_create(
            [
                Everything(big=2**40, small=-3, text="é", flag=False, ratio=0.5, slug="s-1"),
                Everything(day=datetime.date(2024, 2, 29), moment=moment),
            ]
        )
        self.assertEqual(
            self.stored(Everything, rows[0].pk, "big", "small", "text", "flag", "ratio", "slug"),
            (2**40, -3, "é", False, 0.5, "s-1"),
        )
        # Dates become BSON dates at midnight; aware datetimes UTC to the
        # millisecond.
        self.assertEqual(
            self.stored(Everything, rows[1].pk, "day", "moment"),
            (
                datetime.datetime(2024, 2, 29),
                datetime.datetime(2024, 5, 6, 5, 8, 9, 123000),
            ),
        )
        read = Everything.objects.get(pk=rows[1].pk)
        self.assertEqual(read.moment, moment.replace(microsecond=123000))

    def test_foreign_keys_and_values_of_other_types(self):
        book = Book.objects.create(title="t", author=Author.objects.create(name="a"))
        # A string id and a string rating go through Django's conversions.
        Review.objects.bulk_create([Review(book_id=str(book.pk), stars="4")])
        self.assertEqual(list(Review.objects.values_list("book_id", "stars")), [(book.pk, 4)])

    def test_an_integer_out_of_range_is_refused(self):
        with self.assertRaises(DataError), transaction.atomic():
            Author.objects.bulk_create([Author(name="x", age=2**63)])
        self.assertFalse(Author.objects.filter(name="x").exists())
