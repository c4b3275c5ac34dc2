"""Save preparers: ``field.get_db_prep_save(value, connection)`` for the
common cases in one call.

Django prepares every value of an INSERT through three or four methods
(``get_db_prep_save`` → ``get_db_prep_value`` → ``get_prep_value`` →
``to_python``), each with its own checks: about a microsecond a value, the
largest share of a ``bulk_create``. For a field of one of Django's own
classes and a value of the one type that class stores as it is, the answer
is known without the chain: the string itself for a ``CharField``, the
integer after the backend's range check for an ``IntegerField``. A
preparer does exactly that and hands any other value (another type, an
expression, a naive datetime that Django would warn about) to the field's
``get_db_prep_save``.

The table is keyed by exact class: a subclass may override any of the
methods, so it takes Django's path. ``tests/backend/test_preparers.py``
checks each entry against ``get_db_prep_save``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db import models

from .codecs import INT64_MAX, INT64_MIN
from .operations import DatabaseOperations, use_tz

# The range check the integer preparer inlines.
_OUR_INTEGER_HOOK = DatabaseOperations.adapt_integerfield_value

Preparer = Callable[[Any], Any]


def _same(kind):
    """Values of ``kind`` are stored as they are (``to_python`` returns
    them unchanged and no backend hook applies)."""

    def build(field, connection):
        slow = field.get_db_prep_save

        def prepare(value):
            if type(value) is kind:
                return value
            return slow(value, connection)

        return prepare

    return build


def _integer(field, connection):
    # IntegerField.get_db_prep_value: int(value), then the backend's
    # adapt_integerfield_value, which is a 64-bit range check (an integer
    # outside it takes that path and its error). A backend whose
    # operations redefine the hook gets it called.
    slow = field.get_db_prep_save
    adapt = connection.ops.adapt_integerfield_value
    if type(connection.ops).adapt_integerfield_value is not _OUR_INTEGER_HOOK:
        internal_type = field.get_internal_type()

        def prepare(value):
            if type(value) is int:
                return adapt(value, internal_type)
            return slow(value, connection)

        return prepare

    def prepare(value):
        if type(value) is int and INT64_MIN <= value <= INT64_MAX:
            return value
        return slow(value, connection)

    return prepare


def _adapted(kind, hook):
    """Values of ``kind`` are stored as the backend's ``hook`` makes them
    (``to_python`` returns them unchanged)."""

    def build(field, connection):
        adapt = getattr(connection.ops, hook)
        slow = field.get_db_prep_save

        def prepare(value):
            if type(value) is kind:
                return adapt(value)
            return slow(value, connection)

        return prepare

    return build


def _datetime(field, connection):
    # DateTimeField.get_prep_value warns about (and converts) a naive
    # datetime under USE_TZ: only the values it leaves alone come here.
    adapt = connection.ops.adapt_datetimefield_value
    slow = field.get_db_prep_save
    kind, utc = datetime.datetime, datetime.UTC

    def prepare(value):
        if type(value) is kind and (
            value.tzinfo is utc or not use_tz() or value.utcoffset() is not None
        ):
            return adapt(value)
        return slow(value, connection)

    return prepare


def _foreign_key(field, connection):
    # ForeignKey.get_db_prep_save: its target field's, except for None and
    # "" (which it may read as NULL).
    target = save_preparer(field.target_field, connection)
    slow = field.get_db_prep_save

    def prepare(value):
        if value is None or value == "":
            return slow(value, connection)
        return target(value)

    return prepare


# Exact field class → builder of its preparer.
PREPARER_BUILDERS = {
    models.CharField: _same(str),
    models.TextField: _same(str),
    models.EmailField: _same(str),
    models.SlugField: _same(str),
    models.URLField: _same(str),
    models.BooleanField: _same(bool),
    models.FloatField: _same(float),
    models.IntegerField: _integer,
    models.BigIntegerField: _integer,
    models.SmallIntegerField: _integer,
    models.PositiveIntegerField: _integer,
    models.PositiveBigIntegerField: _integer,
    models.PositiveSmallIntegerField: _integer,
    # AutoFieldMixin: int(value), then validate_autopk_value (no
    # adapt_integerfield_value).
    models.AutoField: _adapted(int, "validate_autopk_value"),
    models.BigAutoField: _adapted(int, "validate_autopk_value"),
    models.SmallAutoField: _adapted(int, "validate_autopk_value"),
    models.DateTimeField: _datetime,
    models.DateField: _adapted(datetime.date, "adapt_datefield_value"),
    models.ForeignKey: _foreign_key,
}

_METHODS = ("get_db_prep_save", "get_db_prep_value", "get_prep_value", "to_python")


def _methods(cls):
    return tuple(getattr(cls, name) for name in _METHODS)


# The methods each class had when the table was written: a class patched
# since (by an app or a test) takes Django's path.
_KNOWN_METHODS = {cls: _methods(cls) for cls in PREPARER_BUILDERS}


def save_preparer(field, connection) -> Preparer:
    """Return a function of one value equal to
    ``field.get_db_prep_save(value, connection)``."""
    cls = type(field)
    build = PREPARER_BUILDERS.get(cls)
    if build is None or _methods(cls) != _KNOWN_METHODS[cls]:
        slow = field.get_db_prep_save
        return lambda value: slow(value, connection)
    return build(field, connection)


__all__ = ["PREPARER_BUILDERS", "save_preparer"]
