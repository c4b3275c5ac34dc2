"""MongoDB SQL for Django's ``StringAgg`` (an ``as_mongodb`` method).

Django writes ``STRING_AGG(DISTINCT value, %s ORDER BY key DESC)``; the
dialect has no ORDER BY inside a call, so the ordering travels as trailing
arguments the planner reads (transpiler/functions.py, AGGREGATE_ORDER_KEYS)::

    STRING_AGG(DISTINCT value, %s, DJ_ORDER_DESC(key), DJ_ORDER_ASC(other))

An explicit ``nulls_first``/``nulls_last`` adds a key before its expression
that sorts NULLs where asked (MongoDB sorts them first, ascending).
BitAnd/BitOr/BitXor and AnyValue need no dialect form: Django writes
``BIT_AND(x)``, ``ANY_VALUE(x)``.
"""

from django.db.models import Func, OrderBy

from . import compat


class OrderKey(Func):
    """One ORDER BY key of an aggregate, as an argument of it."""

    arity = 1

    def __init__(self, expression, descending):
        super().__init__(expression)
        self.function = "DJ_ORDER_DESC" if descending else "DJ_ORDER_ASC"


class IsNull(Func):
    """1 where the expression is NULL, else 0: a key that places NULLs."""

    arity = 1
    template = "CASE WHEN %(expressions)s IS NULL THEN 1 ELSE 0 END"


def order_keys(order_by):
    """Return the OrderKey arguments of an aggregate's ``order_by``."""
    keys = []
    for order in order_by.get_source_expressions():
        if not isinstance(order, OrderBy):
            # A bare expression (order_by="name", Lower("name")): ascending.
            order = OrderBy(order)
        if order.nulls_first or order.nulls_last:
            keys.append(OrderKey(IsNull(order.expression), descending=bool(order.nulls_first)))
        keys.append(OrderKey(order.expression, descending=order.descending))
    return keys


def string_agg(self, compiler, connection, **extra_context):
    aggregate = self.copy()
    if aggregate.order_by is not None:
        keys = order_keys(aggregate.order_by)
        aggregate.order_by = None
        aggregate.source_expressions = [*aggregate.source_expressions, *keys]
    return aggregate.as_sql(compiler, connection, **extra_context)


def register():
    """Give Django's StringAgg (Django 6.0+) its ``as_mongodb`` method."""
    if compat.StringAgg is not None:
        compat.StringAgg.as_mongodb = string_agg
