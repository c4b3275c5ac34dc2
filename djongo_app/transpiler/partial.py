"""Query filters → the partialFilterExpression of an index.

MongoDB accepts a narrow query language in a partial index's filter:
equality (``{"a": v}``, ``$eq``), ``$gt``/``$gte``/``$lt``/``$lte``,
``$in``, ``$type``, ``$exists: true``, and ``$and``/``$or`` of those. A
condition compiled to anything else (an ``$expr``, as JSON key lookups,
text lookups on numbers and comparisons of two columns are; ``$ne``,
``$not``, ``$nor`` and ``$regex`` of negations and LIKE) is refused when
the index is created, so :func:`partial_filter` refuses it first, with a
message naming the condition.
"""

from __future__ import annotations

from typing import Any

from django.db import NotSupportedError

# The operators a field's condition may use in a partial filter.
FIELD_OPERATORS = frozenset({"$eq", "$gt", "$gte", "$lt", "$lte", "$in", "$type", "$exists"})
LOGICAL_OPERATORS = frozenset({"$and", "$or"})


def partial_filter(
    condition: dict[str, Any], what: str, non_null_types: list[str]
) -> dict[str, Any]:
    """Return ``condition`` as a partialFilterExpression.

    ``{"a": {"$ne": None}}`` (``a__isnull=False``) becomes a ``$type`` of
    ``non_null_types``, which also leaves out a missing ``a``. Anything
    else MongoDB refuses raises NotSupportedError naming ``what``.
    """
    result: dict[str, Any] = {}
    for key, value in condition.items():
        if key in LOGICAL_OPERATORS:
            result[key] = [partial_filter(item, what, non_null_types) for item in value]
        elif key.startswith("$"):
            raise _refused(what, key)
        else:
            result[key] = _field_condition(value, what, non_null_types)
    return result


def _field_condition(value: Any, what: str, non_null_types: list[str]) -> Any:
    if not (isinstance(value, dict) and value and next(iter(value)).startswith("$")):
        # Equality with a value (a document compares whole).
        return value
    if value == {"$ne": None}:
        return {"$type": non_null_types}
    for operator, operand in value.items():
        if operator not in FIELD_OPERATORS or (operator == "$exists" and operand is not True):
            raise _refused(what, operator)
    return value


def _refused(what: str, operator: str) -> NotSupportedError:
    return NotSupportedError(
        f"The condition of {what} is not supported by djongo_app: it needs {operator}, and "
        "MongoDB's partial indexes accept only equality, $gt, $gte, $lt, $lte, $in, $type, "
        "$exists: true, $and and $or (conditions on JSON keys, text lookups, negations and "
        "comparisons between columns are not among them)."
    )


__all__ = ["partial_filter"]
