"""Django's SQL compilers, with the INSERT one writing its SQL in one pass.

``DatabaseOperations.compiler_module`` points here; every compiler but
``SQLInsertCompiler`` is Django's own.
"""

import datetime
import decimal
import operator
import uuid

from bson import Decimal128, ObjectId
from django.db import models
from django.db.models.sql import compiler

from .preparers import save_preparer

# Types whose instances are never expressions (no resolve_expression or
# as_sql): a row of them needs no per-value check. Anything else is
# checked the way Django checks it.
PLAIN_TYPES = frozenset(
    {
        type(None),
        bool,
        int,
        float,
        str,
        bytes,
        dict,
        list,
        datetime.datetime,
        datetime.date,
        datetime.time,
        datetime.timedelta,
        decimal.Decimal,
        uuid.UUID,
        ObjectId,
        Decimal128,
    }
)

SQLCompiler = compiler.SQLCompiler
SQLDeleteCompiler = compiler.SQLDeleteCompiler
SQLUpdateCompiler = compiler.SQLUpdateCompiler
SQLAggregateCompiler = compiler.SQLAggregateCompiler


# pre_save() methods that return the attribute as it is (DateField's and
# its kin's unless auto_now or auto_now_add is set).
ATTRIBUTE_PRE_SAVE = frozenset({models.Field.pre_save})
AUTO_NOW_PRE_SAVE = frozenset(
    {models.DateField.pre_save, models.DateTimeField.pre_save, models.TimeField.pre_save}
)


def reads_attribute(field):
    """Return whether ``field.pre_save(obj, add=True)`` is
    ``getattr(obj, field.attname)``."""
    pre_save = type(field).pre_save
    if pre_save in ATTRIBUTE_PRE_SAVE:
        return True
    return pre_save in AUTO_NOW_PRE_SAVE and not (field.auto_now or field.auto_now_add)


def shape_reader(fields):
    """Return a function reading ``fields``' attributes of an object as a
    tuple, in one call."""
    read = operator.attrgetter(*(field.attname for field in fields))
    if len(fields) == 1:
        return lambda obj: (read(obj),)
    return read


# (table, fields) → what as_sql() needs of them, or None.
_shapes = {}


def insert_shape(table, fields, ops):
    """Return (the SQL up to the VALUES rows, the text of a row of
    placeholders, the reader of the values pre_save() returns or None,
    the fields) of an INSERT of ``fields`` into ``table``, or None when a
    field has a placeholder of its own (Django's compiler then writes it).
    Kept per table and fields: computed once for every create() of a
    model."""
    key = (table, fields)
    shape = _shapes.get(key, False)
    if shape is False:
        shape = None
        if fields and not any(
            hasattr(field, "get_placeholder") or field.has_db_default() for field in fields
        ):
            head = "{} {} ({}) VALUES ".format(
                ops.insert_statement(on_conflict=None),
                ops.quote_name(table),
                ", ".join(ops.quote_name(field.column) for field in fields),
            )
            plain_row = "({})".format(", ".join(["%s"] * len(fields)))
            # pre_save() of each field is getattr(): all of them in one call.
            read = shape_reader(fields) if all(map(reads_attribute, fields)) else None
            shape = (head, plain_row, read, fields)
        _shapes[key] = shape
    return shape


def save_preparers(connection, shape):
    """Return the save preparers (preparers.py) of an insert shape's
    fields, kept per connection (they hold its DatabaseOperations). Keyed
    by the shape's identity: shapes stay in ``_shapes`` for good, and two
    models on one table have shapes of their own."""
    cache = connection.__dict__.setdefault("_djongo_save_preparers", {})
    preparers = cache.get(id(shape))
    if preparers is None:
        fields = shape[3]
        preparers = tuple(save_preparer(field, connection) for field in fields)
        cache[id(shape)] = preparers
    return preparers


class SQLInsertCompiler(compiler.SQLInsertCompiler):
    """Write the INSERT Django would, without its per-value assembly.

    Django's compiler makes a placeholder and a parameter list for every
    value and then flattens them. Here, when no field has a placeholder of
    its own and no ON CONFLICT clause is asked for, a row of plain values
    is the same ``(%s, ..., %s)`` text, written once, and the values are
    prepared in one loop with the same calls (``pre_save``, and
    ``get_db_prep_save`` or its shortcut in preparers.py). A row holding
    an expression is written the way Django writes it. The SQL text and
    parameters are Django's, so the transpiler's plan cache serves every
    batch size of a model with one plan (transpiler/cache.py). Fields with
    a ``db_default`` take Django's path (which, from Django 6.0, leaves out
    a column that is DEFAULT in every row).
    """

    def as_sql(self):
        query = self.query
        shape = insert_shape(query.get_meta().db_table, tuple(query.fields), self.connection.ops)
        if shape is None or query.on_conflict is not None:
            return super().as_sql()
        head, plain_row, read, fields = shape
        if query.raw:
            read = shape_reader(fields)
        connection = self.connection
        preparers = save_preparers(connection, shape)
        is_plain = PLAIN_TYPES.issuperset
        rows, params = [], []
        for obj in query.objs:
            if read is not None:
                values = read(obj)
            else:
                values = [field.pre_save(obj, True) for field in fields]
            if is_plain(map(type, values)):
                prepared = [
                    prepare(value) for prepare, value in zip(preparers, values, strict=True)
                ]
                if is_plain(map(type, prepared)) or not any(
                    hasattr(value, "as_sql") for value in prepared
                ):
                    rows.append(plain_row)
                    params.extend(prepared)
                    continue
            row_sql, row_params = self.expression_row(fields, values)
            rows.append(row_sql)
            params.extend(row_params)
        sql = head + ", ".join(rows)
        if self.returning_fields:
            returning_sql, self.returning_params = connection.ops.returning_columns(
                self.returning_fields
            )
            if returning_sql:
                sql = f"{sql} {returning_sql}"
                params.extend(self.returning_params)
        return [(sql, tuple(params))]

    def expression_row(self, fields, values):
        """Return the placeholders and parameters of a row holding an
        expression, as Django's compiler writes them."""
        placeholders, params = [], []
        for field, value in zip(fields, values, strict=True):
            sql, value_params = self.field_as_sql(field, None, self.prepare_value(field, value))
            placeholders.append(sql)
            params.extend(value_params)
        return "({})".format(", ".join(placeholders)), params
