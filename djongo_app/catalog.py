"""The planner's knowledge of unique keys, read from the installed models.

A column is a unique key of a table when a concrete model with that
``db_table`` declares its field ``primary_key``, ``unique`` (a
``OneToOneField`` too) or a one-column ``UniqueConstraint`` without a
condition. The schema editor creates a unique index for each of these, so
the planner may rely on them (transpiler/catalog.py). A table no model
describes has only ``_id``.
"""

from django.apps import apps
from django.db import models

from .internal_types import COUNTER_TYPES
from .transpiler import catalog


class ModelCatalog:
    def __init__(self):
        self._models = None
        self._unique = {}
        self._keys = {}
        self._columns = {}

    def _refresh(self):
        found = apps.get_models(include_auto_created=True)
        # get_models() is cached; a new list means the registry changed.
        if found is not self._models:
            self._unique = _unique_columns(found)
            self._keys = _counter_keys(found)
            self._columns = _stored_columns(found)
            self._models = found

    def unique_columns(self, table):
        if not apps.ready:
            return frozenset()
        self._refresh()
        return self._unique.get(table, frozenset())

    def columns(self, table):
        if not apps.ready:
            return None
        self._refresh()
        return self._columns.get(table)

    def default_key(self, table):
        """Return the column a new collection ``table`` keeps in ``_id``:
        the counter-filled primary key of the managed model of that table
        (what the schema editor creates), or None."""
        if not apps.ready:
            return None
        self._refresh()
        return self._keys.get(table)


def _unique_columns(found):
    unique = {}
    for model in found:
        opts = model._meta
        columns = {field.column for field in opts.local_concrete_fields if field.unique}
        if opts.pk is not None and opts.pk.column:
            columns.add(opts.pk.column)
        for constraint in opts.constraints:
            if (
                isinstance(constraint, models.UniqueConstraint)
                and len(constraint.fields) == 1
                and constraint.condition is None
                and not constraint.expressions
            ):
                columns.add(opts.get_field(constraint.fields[0]).column)
        for fields in opts.unique_together:
            if len(fields) == 1:
                columns.add(opts.get_field(fields[0]).column)
        unique[opts.db_table] = frozenset(unique.get(opts.db_table, frozenset()) | columns)
    return unique


def _stored_columns(found):
    """Table → the columns its models store (all of them, when several
    models share the table)."""
    columns = {}
    for model in found:
        opts = model._meta
        if opts.proxy:
            continue
        stored = {f.column for f in opts.local_concrete_fields if f.column}
        columns[opts.db_table] = frozenset(columns.get(opts.db_table, frozenset()) | stored)
    return columns


def _counter_keys(found):
    keys = {}
    for model in found:
        opts = model._meta
        pk = opts.pk
        if opts.proxy or pk is None or not pk.column:
            continue
        if opts.managed and pk.column != "_id" and pk.get_internal_type() in COUNTER_TYPES:
            keys.setdefault(opts.db_table, pk.column)
        else:
            # Another model of the table that keeps its key elsewhere.
            keys[opts.db_table] = None
    return keys


_model_catalog = None


def default_key(table):
    """The installed models' answer to :meth:`ModelCatalog.default_key`."""
    global _model_catalog
    if _model_catalog is None:
        _model_catalog = ModelCatalog()
    return _model_catalog.default_key(table)


def install():
    """Let the planner use the models' unique keys (idempotent)."""
    if not isinstance(catalog._catalog, ModelCatalog):
        catalog.install(ModelCatalog())
