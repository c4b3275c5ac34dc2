"""SQL function name → MongoDB aggregation expression builder.

Each builder takes the arguments' aggregation expressions (already bound)
and returns one expression. SQL functions return NULL when an argument is
NULL; MongoDB operators often return "" or 0 instead, so most entries are
wrapped in :func:`null_propagating`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Builder = Callable[..., Any]


def is_null(expr: Any) -> dict[str, Any]:
    """Return an expression that is true when ``expr`` is null or missing."""
    return {"$eq": [{"$ifNull": [expr, None]}, None]}


def null_propagating(build: Builder) -> Builder:
    """Wrap ``build`` so that a NULL argument gives NULL, as in SQL."""

    def wrapped(*args: Any) -> Any:
        checks = [is_null(arg) for arg in args if not _is_constant(arg)]
        result = build(*args)
        if not checks:
            return result
        condition = checks[0] if len(checks) == 1 else {"$or": checks}
        return {"$cond": [condition, None, result]}

    return wrapped


def _is_constant(expr: Any) -> bool:
    return isinstance(expr, dict) and set(expr) == {"$literal"} and (expr["$literal"] is not None)


def _concat(*args: Any) -> Any:
    # Django's Concat coalesces each part to '' itself; plain CONCAT of SQL
    # returns NULL when any part is NULL.
    return {"$concat": [{"$toString": arg} for arg in args]}


def _substr(string: Any, start: Any, length: Any = None) -> Any:
    # SQL positions are 1-based; a missing length means "to the end".
    begin = {"$subtract": [start, 1]}
    if length is None:
        length = {"$strLenCP": string}
    return {"$substrCP": [string, begin, length]}


def _round(value: Any, places: Any = None) -> Any:
    if places is None:
        places = 0
    return {"$round": [value, places]}


def _sign(value: Any) -> Any:
    return {"$cmp": [value, 0]}


def _strindex(string: Any, substring: Any) -> Any:
    return {"$add": [{"$indexOfCP": [string, substring]}, 1]}


def _left(string: Any, length: Any) -> Any:
    return {"$substrCP": [string, 0, length]}


def _right(string: Any, length: Any) -> Any:
    size = {"$strLenCP": string}
    start = {"$max": [0, {"$subtract": [size, length]}]}
    return {"$substrCP": [string, start, length]}


def _repeat(string: Any, count: Any) -> Any:
    return {
        "$reduce": {
            "input": {"$range": [0, count]},
            "initialValue": "",
            "in": {"$concat": ["$$value", string]},
        }
    }


def _reverse(string: Any) -> Any:
    return {
        "$reduce": {
            "input": {"$range": [0, {"$strLenCP": string}]},
            "initialValue": "",
            "in": {"$concat": [{"$substrCP": [string, "$$this", 1]}, "$$value"]},
        }
    }


def _pad(left: bool) -> Builder:
    def build(string: Any, length: Any, fill: Any = " ") -> Any:
        missing = {"$max": [0, {"$subtract": [length, {"$strLenCP": string}]}]}
        padding = {"$substrCP": [_repeat(fill, length), 0, missing]}
        parts = [padding, string] if left else [string, padding]
        return {"$substrCP": [{"$concat": parts}, 0, length]}

    return build


def _coalesce(*args: Any) -> Any:
    result = args[-1]
    for arg in reversed(args[:-1]):
        result = {"$ifNull": [arg, result]}
    return result


def _nullif(first: Any, second: Any) -> Any:
    return {"$cond": [{"$eq": [first, second]}, None, first]}


def _greatest(*args: Any) -> Any:
    return {"$max": list(args)}


def _least(*args: Any) -> Any:
    return {"$min": list(args)}


def _replace(string: Any, old: Any, new: Any = "") -> Any:
    return {"$replaceAll": {"input": string, "find": old, "replacement": new}}


def _trim(kind: str) -> Builder:
    def build(string: Any) -> Any:
        return {kind: {"input": string}}

    return build


FUNCTIONS: dict[str, Builder] = {
    "ABS": null_propagating(lambda x: {"$abs": x}),
    "CEIL": null_propagating(lambda x: {"$ceil": x}),
    "CEILING": null_propagating(lambda x: {"$ceil": x}),
    "COALESCE": _coalesce,
    "CONCAT": null_propagating(_concat),
    "EXP": null_propagating(lambda x: {"$exp": x}),
    "FLOOR": null_propagating(lambda x: {"$floor": x}),
    "GREATEST": null_propagating(_greatest),
    "IFNULL": _coalesce,
    "INSTR": null_propagating(_strindex),
    "LEAST": null_propagating(_least),
    "LEFT": null_propagating(_left),
    "LENGTH": null_propagating(lambda x: {"$strLenCP": x}),
    "LN": null_propagating(lambda x: {"$ln": x}),
    "LOG": null_propagating(lambda base, x: {"$log": [x, base]}),
    "LOWER": null_propagating(lambda x: {"$toLower": x}),
    "LPAD": null_propagating(_pad(left=True)),
    "LTRIM": null_propagating(_trim("$ltrim")),
    "MOD": null_propagating(lambda a, b: {"$mod": [a, b]}),
    "NULLIF": _nullif,
    "POWER": null_propagating(lambda a, b: {"$pow": [a, b]}),
    "REPEAT": null_propagating(_repeat),
    "REPLACE": null_propagating(_replace),
    "REVERSE": null_propagating(_reverse),
    "RIGHT": null_propagating(_right),
    "ROUND": null_propagating(_round),
    "RPAD": null_propagating(_pad(left=False)),
    "RTRIM": null_propagating(_trim("$rtrim")),
    "SIGN": null_propagating(_sign),
    "SQRT": null_propagating(lambda x: {"$sqrt": x}),
    "STRINDEX": null_propagating(_strindex),
    "SUBSTR": null_propagating(_substr),
    "SUBSTRING": null_propagating(_substr),
    "TRIM": null_propagating(_trim("$trim")),
    "UPPER": null_propagating(lambda x: {"$toUpper": x}),
}

# Aggregate functions, handled by the planner's $group stage.
AGGREGATES = frozenset({"COUNT", "SUM", "AVG", "MIN", "MAX"})
