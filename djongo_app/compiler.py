"""Django's SQL compilers, with the INSERT one writing its SQL in one pass.

``DatabaseOperations.compiler_module`` points here; every compiler but
``SQLInsertCompiler`` is Django's own.
"""

import datetime
import decimal
import uuid

from bson import Decimal128, ObjectId
from django.db.models.sql import compiler

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


class SQLInsertCompiler(compiler.SQLInsertCompiler):
    """Write the INSERT Django would, without its per-value assembly.

    Django's compiler makes a placeholder and a parameter list for every
    value and then flattens them. Here, when no field has a placeholder of
    its own and no ON CONFLICT clause is asked for, a row of plain values
    is the same ``(%s, ..., %s)`` text, written once, and the values are
    prepared in one loop with the same calls (``pre_save``,
    ``get_db_prep_save``). A row holding an expression is written the way
    Django writes it. The SQL text and parameters are Django's, so the
    transpiler's plan cache serves every batch size of a model with one
    plan (transpiler/cache.py).
    """

    def as_sql(self):
        query = self.query
        fields = query.fields
        if (
            not fields
            or query.on_conflict is not None
            or any(hasattr(field, "get_placeholder") for field in fields)
        ):
            return super().as_sql()
        connection = self.connection
        ops = connection.ops
        plain_row = "({})".format(", ".join(["%s"] * len(fields)))
        rows, params = [], []
        raw = query.raw
        is_plain = PLAIN_TYPES.issuperset
        for obj in query.objs:
            if raw:
                values = [getattr(obj, field.attname) for field in fields]
            else:
                values = [field.pre_save(obj, True) for field in fields]
            if is_plain(map(type, values)):
                prepared = [
                    field.get_db_prep_save(value, connection)
                    for field, value in zip(fields, values, strict=True)
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
        qn = ops.quote_name
        sql = "{} {} ({}) VALUES {}".format(
            ops.insert_statement(on_conflict=None),
            qn(query.get_meta().db_table),
            ", ".join(qn(field.column) for field in fields),
            ", ".join(rows),
        )
        if self.returning_fields:
            returning_sql, self.returning_params = ops.return_insert_columns(self.returning_fields)
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
