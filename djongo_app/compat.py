"""Differences between the supported Django series, in one place.

djongo_app supports Django 5.2 LTS (Python 3.11+), 6.0 and 6.1 (Python
3.12+). Whatever depends on the installed series is decided here, once, at
import; the rest of the package reads the names below and never compares
``django.VERSION`` itself.

Features a series lacks are ``None`` (or empty), so callers test for them
instead of for a version:

* ``StringAgg``, ``AnyValue`` (6.0): aggregates made general; before,
  ``StringAgg`` lived in ``contrib.postgres`` only.
* ``BIT_AGGREGATES`` (6.1): ``BitAnd``, ``BitOr``, ``BitXor``.
* ``JSONNull`` (6.1): the JSON scalar ``null`` as an expression; ``JSONIn``
  (6.1), the ``__in`` lookup of JSONField.
* ``DATABASE_ON_DELETE`` (6.1): ``DB_CASCADE``, ``DB_SET_NULL``,
  ``DB_SET_DEFAULT``, the ``on_delete`` rules left to the database.
"""

import os
import warnings

import django
from django.db import models
from django.db.models.fields import json as json_fields

__all__ = [
    "BIT_AGGREGATES",
    "DATABASE_ON_DELETE",
    "DJANGO_6_0",
    "DJANGO_6_1",
    "DJANGO_SERIES",
    "SUPPORTED_SERIES",
    "AnyValue",
    "JSONIn",
    "JSONNull",
    "OperationsCompatMixin",
    "StringAgg",
    "apply_fetch_mode",
    "compile_json_path",
    "fetch_deferred",
    "is_database_on_delete",
    "since",
    "warn_json_none_deprecated",
]

# (major, minor) of the installed Django, and the series this package
# supports (setup.cfg's install_requires and classifiers say the same).
DJANGO_SERIES = tuple(django.VERSION[:2])
SUPPORTED_SERIES = ((5, 2), (6, 0), (6, 1))
DJANGO_6_0 = DJANGO_SERIES >= (6, 0)
DJANGO_6_1 = DJANGO_SERIES >= (6, 1)

StringAgg = getattr(models, "StringAgg", None)
AnyValue = getattr(models, "AnyValue", None)
BIT_AGGREGATES = tuple(
    getattr(models, name) for name in ("BitAnd", "BitOr", "BitXor") if hasattr(models, name)
)
JSONNull = getattr(models, "JSONNull", None)
JSONIn = getattr(json_fields, "JSONIn", None)
DATABASE_ON_DELETE = tuple(
    getattr(models, name)
    for name in ("DB_CASCADE", "DB_SET_NULL", "DB_SET_DEFAULT")
    if hasattr(models, name)
)


def compile_json_path(connection, key_transforms, include_root=True):
    """Return Django's JSON path of ``key_transforms`` (``$."a"[0]``).

    Django 6.0 moved ``compile_json_path()`` from
    ``django.db.models.fields.json`` to ``DatabaseOperations`` (where it
    honours ``supports_json_negative_indexing``).
    """
    method = getattr(connection.ops, "compile_json_path", None)
    if method is not None:
        return method(key_transforms, include_root)
    return json_fields.compile_json_path(key_transforms, include_root)


def since(table):
    """Return the union of the sets in ``table`` (``{(major, minor): set}``)
    whose series is the installed one or older: e.g. the names of Django
    tests that only exist from some series on."""
    return set().union(*(items for series, items in table.items() if series <= DJANGO_SERIES))


def warn_json_none_deprecated():
    """Warn as Django 6.1+ does for ``filter(jsonfield=None)`` (nothing
    before 6.1): None meaning JSON null on the column is deprecated."""
    if not DJANGO_6_1:
        return
    from django.utils.deprecation import RemovedInDjango2028Warning, django_file_prefixes

    warnings.warn(
        "Using None as the right-hand side of an exact lookup on JSONField to mean JSON "
        "scalar 'null' is deprecated. Use JSONNull() instead (or use the __isnull lookup "
        "if you meant SQL NULL).",
        RemovedInDjango2028Warning,
        # Attributed to the caller's code, not to Django's or djongo_app's.
        skip_file_prefixes=(*django_file_prefixes(), os.path.dirname(__file__)),
    )


def is_database_on_delete(on_delete):
    """Return True if ``on_delete`` is one of 6.1's database-level rules."""
    return any(on_delete is rule for rule in DATABASE_ON_DELETE)


class OperationsCompatMixin:
    """The RETURNING hooks under both of their names.

    Django 6.0 renamed ``return_insert_columns(fields)`` to
    ``returning_columns(fields)`` and ``fetch_returned_insert_rows(cursor)``
    to ``fetch_returned_rows(cursor, returning_params)``. DatabaseOperations
    implements the 6.0 names; on 5.2 the old names call them.
    """

    if not DJANGO_6_0:

        def return_insert_columns(self, fields):
            return self.returning_columns(fields)

        def fetch_returned_insert_rows(self, cursor):
            return self.fetch_returned_rows(cursor, ())


def apply_fetch_mode(queryset, instance):
    """Give ``queryset`` the fetch mode of ``instance`` (Django 6.1's
    related managers do so; before 6.1 there are no fetch modes)."""
    if DJANGO_6_1:
        queryset._fetch_mode = instance._state.fetch_mode
    return queryset


def fetch_deferred(field, instance):
    """Load the deferred ``field`` of ``instance``.

    On Django 6.1 through the instance's fetch mode, as Django's own
    deferred attributes do (``FETCH_PEERS`` loads it for every instance of
    the same queryset with one query, ``FETCH_RAISE`` raises
    ``FieldFetchBlocked``); before, with ``refresh_from_db()``.
    """
    if DJANGO_6_1:
        from django.db.models.query_utils import DeferredAttribute

        instance._state.fetch_mode.fetch(DeferredAttribute(field), instance)
    else:
        instance.refresh_from_db(fields=[field.attname])
