"""BSON encoding of Python values pymongo does not know.

Values prepared by Django fields already arrive as BSON types (see
operations.py); this covers raw parameters such as a ``date`` passed to
``cursor.execute()`` or a Decimal in a lookup against an expression.
"""

import datetime
import decimal
import itertools

from bson.codec_options import TypeEncoder, TypeRegistry
from bson.decimal128 import Decimal128
from bson.errors import InvalidDocument

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
DECIMAL128_DIGITS = 34

# Times are stored as fixed-width strings so that they sort and compare
# like the values they stand for.
TIME_FORMAT = "%H:%M:%S.%f"


def fallback_encoder(value):
    """Return a BSON-encodable stand-in for ``value``.

    Raise bson's InvalidDocument (a DataError at the error boundary) for a
    value BSON cannot hold: an integer outside 64 bits (bson hands those to
    this encoder), or a type with no BSON counterpart.
    """
    if isinstance(value, int):
        raise InvalidDocument(
            f"the integer {value} is out of range for MongoDB: BSON integers are 64-bit "
            f"({INT64_MIN} to {INT64_MAX})"
        )
    encoder = FALLBACK_ENCODERS.get(type(value))
    if encoder is None:
        for python_type, candidate in FALLBACK_ENCODERS.items():
            if isinstance(value, python_type):
                encoder = candidate
                break
    if encoder is None:
        raise InvalidDocument(f"djongo_app cannot store a value of type {type(value).__name__}")
    return encoder(value)


FALLBACK_ENCODERS = {
    datetime.date: lambda d: datetime.datetime(d.year, d.month, d.day),
    datetime.time: lambda t: t.strftime(TIME_FORMAT),
    datetime.timedelta: lambda d: d // datetime.timedelta(microseconds=1),
    memoryview: bytes,
    bytearray: bytes,
}


class DecimalEncoder(TypeEncoder):
    """Decimal → Decimal128.

    Only one way: a type registry with a decoder makes pymongo decode every
    reply through a slower path (about 15% more client CPU per query).
    Decimal128 values read back become Decimals in the cursor's rows
    (:func:`decode_row`) and, nested in documents and arrays, in the
    fields' converters.
    """

    python_type = decimal.Decimal

    def transform_python(self, value):
        try:
            return Decimal128(value)
        except decimal.DecimalException:
            raise InvalidDocument(
                f"the decimal {value} is out of range for MongoDB: Decimal128 holds "
                f"{DECIMAL128_DIGITS} significant digits and exponents of -6176 to 6111"
            ) from None


def type_registry():
    """Return the TypeRegistry djongo_app's MongoClients use."""
    return TypeRegistry([DecimalEncoder()], fallback_encoder=fallback_encoder)


def decode_row(row):
    """Return ``row`` with its Decimal128 values as Decimals (the row
    itself when it holds none, which is checked in C)."""
    if Decimal128 not in map(type, row):
        return row
    return tuple(value.to_decimal() if type(value) is Decimal128 else value for value in row)


def decode_rows(rows):
    """Return the list ``rows`` with its Decimal128 values as Decimals (the
    list itself when it holds none, which is checked in C)."""
    if Decimal128 not in map(type, itertools.chain.from_iterable(rows)):
        return rows
    return list(map(decode_row, rows))
