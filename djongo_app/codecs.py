"""BSON encoding of Python values pymongo does not know.

Values prepared by Django fields already arrive as BSON types (see
operations.py); this covers raw parameters such as a ``date`` passed to
``cursor.execute()`` or a Decimal in a lookup against an expression.
"""

import datetime
import decimal

from bson.codec_options import TypeCodec, TypeRegistry
from bson.decimal128 import Decimal128

# Times are stored as fixed-width strings so that they sort and compare
# like the values they stand for.
TIME_FORMAT = "%H:%M:%S.%f"


def fallback_encoder(value):
    """Return a BSON-encodable stand-in for ``value`` or raise TypeError."""
    encoder = FALLBACK_ENCODERS.get(type(value))
    if encoder is None:
        for python_type, candidate in FALLBACK_ENCODERS.items():
            if isinstance(value, python_type):
                encoder = candidate
                break
    if encoder is None:
        raise TypeError(f"djongo_app cannot store a value of type {type(value).__name__}")
    return encoder(value)


FALLBACK_ENCODERS = {
    datetime.date: lambda d: datetime.datetime(d.year, d.month, d.day),
    datetime.time: lambda t: t.strftime(TIME_FORMAT),
    datetime.timedelta: lambda d: d // datetime.timedelta(microseconds=1),
    memoryview: bytes,
    bytearray: bytes,
}


class DecimalCodec(TypeCodec):
    """Decimal ↔ Decimal128, both ways, so computed values are Decimals."""

    python_type = decimal.Decimal
    bson_type = Decimal128

    def transform_python(self, value):
        return Decimal128(value)

    def transform_bson(self, value):
        return value.to_decimal()


def type_registry():
    """Return the TypeRegistry djongo_app's MongoClients use."""
    return TypeRegistry([DecimalCodec()], fallback_encoder=fallback_encoder)
