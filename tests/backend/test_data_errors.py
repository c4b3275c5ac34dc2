"""Values MongoDB cannot hold fail with django.db.DataError, never with a
raw driver or Python exception: documents over 16 MB, NUL bytes in keys,
integers outside 64 bits, decimals with more than 34 digits."""

import datetime
import decimal

from django.core import checks
from django.db import DataError, connection, models
from django.test import SimpleTestCase, TransactionTestCase
from django.test.utils import isolate_apps

from tests.testapp.models import Document, Everything

SEVENTEEN_MB = 17 * 1024 * 1024


class DataErrorTests(TransactionTestCase):
    # Outside TestCase's transaction: a failed statement aborts a MongoDB
    # transaction, and these tests go on after one.
    available_apps = ["tests.testapp"]

    def test_oversize_insert(self):
        """An INSERT of a document over 16 MB is a DataError (issue 10)."""
        with self.assertRaisesMessage(DataError, "larger than MongoDB's 16 MB limit"):
            Everything.objects.create(text="x" * SEVENTEEN_MB)
        with self.assertRaisesMessage(DataError, "larger than MongoDB's 16 MB limit"):
            Everything.objects.bulk_create([Everything(text="x" * SEVENTEEN_MB), Everything()])
        self.assertEqual(Everything.objects.count(), 0)

    def test_oversize_update_and_save(self):
        """update() and save() of a value over 16 MB are DataErrors and leave
        the document as it was (issue 10)."""
        row = Everything.objects.create(text="small")
        with self.assertRaisesMessage(DataError, "larger than MongoDB's 16 MB limit"):
            Everything.objects.filter(pk=row.pk).update(text="x" * SEVENTEEN_MB)
        row.text = "x" * SEVENTEEN_MB
        with self.assertRaisesMessage(DataError, "larger than MongoDB's 16 MB limit"):
            row.save()
        self.assertEqual(Everything.objects.get(pk=row.pk).text, "small")

    def test_update_that_grows_a_document_over_the_limit(self):
        """An update whose result would exceed 16 MB, though the command is
        smaller, is a DataError (issue 10)."""
        nine_mb = "x" * (9 * 1024 * 1024)
        row = Everything.objects.create(text=nine_mb)
        with self.assertRaisesMessage(DataError, "16 MB"):
            Everything.objects.filter(pk=row.pk).update(slug=nine_mb)
        self.assertIsNone(Everything.objects.get(pk=row.pk).slug)

    def test_nul_byte_in_a_json_key(self):
        """A JSON key with a NUL byte is a DataError, on insert and update
        (issue 10)."""
        with self.assertRaisesMessage(DataError, "Key names must not contain the NULL byte"):
            Document.objects.create(name="nul", data={"a\x00b": 1})
        document = Document.objects.create(name="ok", data={"a": 1})
        with self.assertRaisesMessage(DataError, "Key names must not contain the NULL byte"):
            Document.objects.filter(pk=document.pk).update(data={"\x00": 1})
        self.assertEqual(Document.objects.get(pk=document.pk).data, {"a": 1})
        self.assertEqual(Document.objects.count(), 1)

    def test_integers_beyond_64_bits(self):
        """Integers outside 64 bits are DataErrors saying they are out of
        range for MongoDB: BigIntegerField, JSONField, DurationField
        (issue 10)."""
        message = "is out of range for MongoDB"
        with self.assertRaisesMessage(DataError, message):
            Everything.objects.create(big=2**63)
        with self.assertRaisesMessage(DataError, message):
            Everything.objects.create(big=-(2**63) - 1)
        with self.assertRaisesMessage(DataError, message):
            Document.objects.create(name="big", data={"n": [1, 2**64]})
        with self.assertRaisesMessage(DataError, message):
            Everything.objects.create(span=datetime.timedelta(days=999_999_999))
        self.assertEqual(Everything.objects.count() + Document.objects.count(), 0)
        # The limits themselves are stored and read back.
        row = Everything.objects.create(big=2**63 - 1, span=datetime.timedelta(days=100_000_000))
        row = Everything.objects.get(pk=row.pk)
        self.assertEqual(row.big, 2**63 - 1)
        self.assertEqual(row.span, datetime.timedelta(days=100_000_000))

    def test_integer_lookups_use_the_64_bit_range(self):
        """An IntegerField holds any 64-bit integer; a lookup beyond 32 bits
        reaches the stored documents (issue 10)."""
        row = Everything.objects.create(small=2**40)
        self.assertEqual(list(Everything.objects.filter(small=2**40)), [row])
        self.assertEqual(list(Everything.objects.filter(small__gt=2**63)), [])

    def test_decimal_with_more_than_34_digits(self):
        """A decimal with more than 34 significant digits is a DataError, as
        a value and as a raw parameter (issue 10)."""
        long_decimal = decimal.Decimal("1." + "1" * 40)
        with self.assertRaisesMessage(DataError, "is out of range for MongoDB: Decimal128"):
            Everything.objects.create(amount=long_decimal)
        with (
            self.assertRaisesMessage(DataError, "is out of range for MongoDB: Decimal128"),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                'SELECT "id" FROM "testapp_everything" WHERE "amount" = %s', [long_decimal]
            )
            cursor.fetchall()
        self.assertEqual(Everything.objects.count(), 0)
        exact = decimal.Decimal("1." + "1" * 33)
        row = Everything.objects.create(amount=decimal.Decimal("1234567.125"))
        self.assertEqual(Everything.objects.get(pk=row.pk).amount, decimal.Decimal("1234567.125"))
        self.assertEqual(list(Everything.objects.filter(amount__gt=exact)), [row])


class DecimalCheckTests(SimpleTestCase):
    databases = {"default"}

    @isolate_apps("tests.testapp")
    def test_max_digits_beyond_decimal128(self):
        """A DecimalField with max_digits > 34 gets the warning
        djongo_app.W001; 34 passes (issue 10)."""

        class Money(models.Model):
            wide = models.DecimalField(max_digits=40, decimal_places=2)
            fits = models.DecimalField(max_digits=34, decimal_places=2)

            class Meta:
                app_label = "testapp"

        field = Money._meta.get_field("wide")
        self.assertEqual(
            Money.check(databases=["default"]),
            [
                checks.Warning(
                    "MongoDB (djongo_app) stores decimals as Decimal128, which holds 34 "
                    "significant digits; max_digits=40 allows values it cannot store.",
                    hint=(
                        "Use max_digits=34 or less; a value with more significant digits "
                        "raises DataError when saved."
                    ),
                    obj=field,
                    id="djongo_app.W001",
                )
            ],
        )
