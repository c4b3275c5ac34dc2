"""SQL function name → MongoDB aggregation expression builder.

Each builder takes the arguments' aggregation expressions (already bound)
and returns one expression. SQL functions return NULL when an argument is
NULL; MongoDB operators often return "" or 0 instead, so most entries are
wrapped in :func:`null_propagating`.
"""

from __future__ import annotations

import hashlib
import math
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
    # CONCAT skips NULL arguments, as PostgreSQL's does and as Django's
    # Concat documents; the || operator is the NULL-propagating one.
    return {"$concat": [{"$ifNull": [{"$toString": arg}, ""]} for arg in args]}


def _substr(string: Any, start: Any, length: Any = None) -> Any:
    # SQL positions are 1-based; a missing length means "to the end".
    begin = {"$subtract": [start, 1]}
    if length is None:
        length = {"$strLenCP": string}
    return {"$substrCP": [string, begin, length]}


def _round(value: Any, places: Any = None) -> Any:
    # SQL rounds halves away from zero; MongoDB's $round rounds them to
    # even (365 → 360 at -1 places). Scale, shift by a half, truncate.
    if places is None:
        places = 0
    scale = {"$pow": [10, places]}
    shifted = {"$add": [{"$abs": {"$multiply": [value, scale]}}, 0.5]}
    magnitude = {"$divide": [{"$floor": shifted}, scale]}
    rounded = {"$multiply": [{"$cond": [{"$lt": [value, 0]}, -1, 1]}, magnitude]}
    # Keep integers integral (decimals stay decimal through the arithmetic).
    integral = {"$in": [{"$type": value}, ["int", "long"]]}
    return {"$cond": [integral, {"$toLong": rounded}, rounded]}


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


def modulo(a: Any, b: Any) -> Any:
    """SQL's MOD: NULL for a zero divisor, where MongoDB's $mod fails."""
    return {"$cond": [{"$eq": [b, 0]}, None, {"$mod": [a, b]}]}


def _text(expr: Any) -> str:
    """Return the string of a literal argument (a unit or a time zone)."""
    if isinstance(expr, dict) and "$literal" in expr:
        return str(expr["$literal"])
    if isinstance(expr, str) and not expr.startswith("$"):
        return expr
    raise TypeError("expected a literal string argument")


def _date_spec(value: Any, timezone: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"date": value}
    if timezone:
        spec["timezone"] = timezone
    return spec


# Django's extract lookups → MongoDB date operators.
EXTRACT_OPERATORS = {
    "year": "$year",
    "iso_year": "$isoWeekYear",
    "month": "$month",
    "week": "$isoWeek",
    "week_day": "$dayOfWeek",
    "iso_week_day": "$isoDayOfWeek",
    "day": "$dayOfMonth",
    "hour": "$hour",
    "minute": "$minute",
    "second": "$second",
}
# Where each part sits in a stored time string "HH:MM:SS.ffffff".
TIME_PARTS = {"hour": 0, "minute": 3, "second": 6}
DATE_PARTS = ("year", "month", "day", "hour", "minute", "second")


def _extract(kind: Any, value: Any, timezone: Any) -> Any:
    unit, zone = _text(kind), _text(timezone)
    spec = _date_spec(value, zone)
    if unit == "quarter":
        return {"$toInt": {"$ceil": {"$divide": [{"$month": spec}, 3]}}}
    if unit not in EXTRACT_OPERATORS:
        raise TypeError(f"cannot extract {unit}")
    return {EXTRACT_OPERATORS[unit]: spec}


def _time_extract(kind: Any, value: Any) -> Any:
    unit = _text(kind)
    if unit not in TIME_PARTS:
        return _extract(kind, value, "")
    part = {"$toInt": {"$substrCP": [value, TIME_PARTS[unit], 2]}}
    return {"$cond": [{"$eq": [{"$type": value}, "string"]}, part, _extract(kind, value, "")]}


def _trunc(kind: Any, value: Any, timezone: Any) -> Any:
    """Truncate to ``kind``, as local wall time stored as a naive datetime
    (what Django's Trunc expects back from the database)."""
    unit, zone = _text(kind), _text(timezone)
    spec = {**_date_spec(value, zone), "unit": unit}
    if unit == "week":
        spec["startOfWeek"] = "monday"
    truncated = {"$dateTrunc": spec}
    if not zone:
        return truncated
    parts = {"$dateToParts": {"date": truncated, "timezone": zone}}
    wall = {"$dateFromParts": {part: f"$$p.{part}" for part in DATE_PARTS}}
    return {"$let": {"vars": {"p": parts}, "in": wall}}


def _time_trunc(kind: Any, value: Any) -> Any:
    unit = _text(kind)
    keep = {"hour": 2, "minute": 5, "second": 8}[unit]
    filler = "00:00:00.000000"[keep:]
    return {"$concat": [{"$substrCP": [value, 0, keep]}, filler]}


def _cast_date(value: Any, timezone: Any) -> Any:
    spec = _date_spec(value, _text(timezone))
    return {
        "$dateFromParts": {
            "year": {"$year": spec},
            "month": {"$month": spec},
            "day": {"$dayOfMonth": spec},
        }
    }


def _cast_time(value: Any, timezone: Any) -> Any:
    return {"$dateToString": {**_date_spec(value, _text(timezone)), "format": "%H:%M:%S.%L000"}}


def _fraction_text(value: Any) -> Any:
    """Return ``.123000`` for a date with milliseconds, ``""`` without, as
    Python's str() of a datetime or time writes the fraction."""
    fraction = {"$dateToString": {"date": value, "format": ".%L000"}}
    return {"$cond": [{"$eq": [{"$millisecond": value}, 0]}, "", fraction]}


def _datetime_text(value: Any) -> Any:
    whole = {"$dateToString": {"date": value, "format": "%Y-%m-%d %H:%M:%S"}}
    return {"$concat": [whole, _fraction_text(value)]}


def _time_text(value: Any) -> Any:
    # Times are stored as "HH:MM:SS.ffffff"; str() drops a zero fraction.
    whole = {"$substrCP": [value, 0, 8]}
    stored = {"$cond": [{"$eq": [{"$substrCP": [value, 8, 7]}, ".000000"]}, whole, value]}
    # A time another tool stored as a date: its wall time in UTC.
    clock = {"$dateToString": {"date": value, "format": "%H:%M:%S"}}
    from_date = {"$concat": [clock, _fraction_text(value)]}
    return {"$cond": [{"$eq": [{"$type": value}, "string"]}, stored, from_date]}


# DJ_TEXT(kind, value): the text SQLite holds for a stored value (see
# DatabaseOperations.text_casts).
TEXT_FORMS: dict[str, Builder] = {
    "date": lambda value: {"$dateToString": {"date": value, "format": "%Y-%m-%d"}},
    "datetime": _datetime_text,
    "time": _time_text,
}


def _text_form(kind: Any, value: Any) -> Any:
    form = TEXT_FORMS.get(_text(kind))
    if form is None:
        raise TypeError(f"no text form {kind!r}")
    return form(value)


def _micros(value: Any) -> Any:
    """Return a date, or a stored time string, as microseconds."""
    string_micros = {
        "$add": [
            {"$multiply": [{"$toLong": {"$substrCP": [value, 0, 2]}}, 3_600_000_000]},
            {"$multiply": [{"$toLong": {"$substrCP": [value, 3, 2]}}, 60_000_000]},
            {"$multiply": [{"$toLong": {"$substrCP": [value, 6, 2]}}, 1_000_000]},
            {"$toLong": {"$substrCP": [value, 9, 6]}},
        ]
    }
    date_micros = {"$multiply": [{"$toLong": value}, 1000]}
    return {"$cond": [{"$eq": [{"$type": value}, "string"]}, string_micros, date_micros]}


def _temporal_subtract(left: Any, right: Any) -> Any:
    return {"$subtract": [_micros(left), _micros(right)]}


def _as_millis(micros: Any) -> Any:
    return {"$toLong": {"$trunc": {"$divide": [micros, 1000]}}}


def _is_date(value: Any) -> Any:
    return {"$eq": [{"$type": value}, "date"]}


def _duration_add(left: Any, right: Any) -> Any:
    # A date plus a duration (integer microseconds), or two durations.
    return {
        "$cond": [
            _is_date(left),
            {"$add": [left, _as_millis(right)]},
            {
                "$cond": [
                    _is_date(right),
                    {"$add": [right, _as_millis(left)]},
                    {"$add": [left, right]},
                ]
            },
        ]
    }


def _duration_subtract(left: Any, right: Any) -> Any:
    return {
        "$cond": [
            _is_date(left),
            {"$subtract": [left, _as_millis(right)]},
            {"$subtract": [left, right]},
        ]
    }


def _shift(left: bool) -> Builder:
    def build(value: Any, places: Any) -> Any:
        factor = {"$pow": [2, places]}
        if left:
            return {"$multiply": [value, factor]}
        return {"$toLong": {"$floor": {"$divide": [value, factor]}}}

    return build


def _json_object(*args: Any) -> Any:
    # JSON_OBJECT(key1, value1, key2, value2, ...) with literal keys.
    pairs = [{"k": args[i], "v": args[i + 1]} for i in range(0, len(args), 2)]
    return {"$arrayToObject": [pairs]}


def _array_length(array: Any) -> Any:
    return {"$cond": [{"$isArray": array}, {"$size": array}, None]}


def _array_append(array: Any, value: Any) -> Any:
    # Append unless present: arrays of references hold each id once.
    items = {"$ifNull": [array, []]}
    return {"$cond": [{"$in": [value, items]}, items, {"$concatArrays": [items, [value]]}]}


def _array_remove(array: Any, value: Any) -> Any:
    return {"$filter": {"input": array, "as": "item", "cond": {"$ne": ["$$item", value]}}}


FUNCTIONS: dict[str, Builder] = {
    "ARRAY_APPEND": _array_append,
    "ARRAY_LENGTH": _array_length,
    "ARRAY_REMOVE": null_propagating(_array_remove),
    "DJ_TWO_VALUED": lambda predicate: {"$eq": [predicate, True]},
    "ABS": null_propagating(lambda x: {"$abs": x}),
    "ACOS": null_propagating(lambda x: {"$acos": x}),
    "ASIN": null_propagating(lambda x: {"$asin": x}),
    "ATAN": null_propagating(lambda x: {"$atan": x}),
    "ATAN2": null_propagating(lambda y, x: {"$atan2": [y, x]}),
    "COS": null_propagating(lambda x: {"$cos": x}),
    "COT": null_propagating(lambda x: {"$divide": [1, {"$tan": x}]}),
    "DEGREES": null_propagating(lambda x: {"$radiansToDegrees": x}),
    "PI": lambda: {"$literal": math.pi},
    "RADIANS": null_propagating(lambda x: {"$degreesToRadians": x}),
    "RANDOM": lambda: {"$rand": {}},
    "SIN": null_propagating(lambda x: {"$sin": x}),
    "TAN": null_propagating(lambda x: {"$tan": x}),
    "TRUNC": null_propagating(lambda x: {"$trunc": x}),
    "BITAND": null_propagating(lambda a, b: {"$bitAnd": [a, b]}),
    "BITLEFTSHIFT": null_propagating(_shift(left=True)),
    "BITOR": null_propagating(lambda a, b: {"$bitOr": [a, b]}),
    "BITRIGHTSHIFT": null_propagating(_shift(left=False)),
    "BITXOR": null_propagating(lambda a, b: {"$bitXor": [a, b]}),
    "DJ_CAST_DATE": null_propagating(_cast_date),
    "DJ_CAST_TIME": null_propagating(_cast_time),
    "DJ_DURATION_ADD": null_propagating(_duration_add),
    "DJ_DURATION_SUBTRACT": null_propagating(_duration_subtract),
    "DJ_DURATION_DIVIDE": null_propagating(
        lambda a, b: {"$toLong": {"$trunc": {"$divide": [a, b]}}}
    ),
    "DJ_DURATION_MULTIPLY": null_propagating(
        lambda a, b: {"$toLong": {"$trunc": {"$multiply": [a, b]}}}
    ),
    "DJ_EXTRACT": null_propagating(_extract),
    "DJ_TEMPORAL_SUBTRACT": null_propagating(_temporal_subtract),
    "DJ_TEXT": null_propagating(_text_form),
    "DJ_TIME_EXTRACT": null_propagating(_time_extract),
    "DJ_TIME_TRUNC": null_propagating(_time_trunc),
    "DJ_TRUNC": null_propagating(_trunc),
    "CEIL": null_propagating(lambda x: {"$ceil": x}),
    "CEILING": null_propagating(lambda x: {"$ceil": x}),
    "COALESCE": _coalesce,
    "CONCAT": _concat,
    "EXP": null_propagating(lambda x: {"$exp": x}),
    "FLOOR": null_propagating(lambda x: {"$floor": x}),
    "GREATEST": null_propagating(_greatest),
    "IFNULL": _coalesce,
    "JSON_ARRAY": lambda *args: list(args),
    "JSON_OBJECT": _json_object,
    "INSTR": null_propagating(_strindex),
    "LEAST": null_propagating(_least),
    "LEFT": null_propagating(_left),
    "LENGTH": null_propagating(lambda x: {"$strLenCP": x}),
    "LN": null_propagating(lambda x: {"$ln": x}),
    "LOG": null_propagating(lambda base, x: {"$log": [x, base]}),
    "LOWER": null_propagating(lambda x: {"$toLower": x}),
    "LPAD": null_propagating(_pad(left=True)),
    "LTRIM": null_propagating(_trim("$ltrim")),
    "MOD": null_propagating(lambda a, b: modulo(a, b)),
    "NOW": lambda: "$$NOW",
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


def _reduce(values: Any, first: Any, combine: Any) -> Any:
    """Reduce an array: ``first`` (of ``$$this``) starts the value and
    ``combine`` (of ``$$value`` and ``$$this``) adds each later element;
    NULL for an empty array."""
    return {
        "$reduce": {
            "input": values,
            "initialValue": None,
            "in": {"$cond": [{"$eq": ["$$value", None]}, first, combine]},
        }
    }


def _fold(operator: str) -> Builder:
    """Fold an array of values with a two-argument ``operator``; NULL
    for an empty array."""

    def fold(values: Any) -> Any:
        return _reduce(values, "$$this", {operator: ["$$value", "$$this"]})

    return fold


def _join(values: Any, delimiter: Any) -> Any:
    """Join an array of values as text; NULL for an empty array."""
    text = {"$toString": "$$this"}
    return _reduce(values, text, {"$concat": ["$$value", delimiter, text]})


# Aggregates that collect the group's non-NULL values into an array ($push,
# or $addToSet for DISTINCT), sort it by their ORDER BY keys, then fold it:
# name → (how many constant arguments follow the value, fold(values, *those)).
# SQL gives NULL over no values, and so does each fold.
COLLECTED_AGGREGATES: dict[str, tuple[int, Builder]] = {
    # Django's StringAgg: STRING_AGG([DISTINCT] value, delimiter, keys...).
    "STRING_AGG": (1, _join),
    "BIT_AND": (0, _fold("$bitAnd")),
    "BIT_OR": (0, _fold("$bitOr")),
    "BIT_XOR": (0, _fold("$bitXor")),
    # Some non-NULL value: the first one read.
    "ANY_VALUE": (0, lambda values: {"$arrayElemAt": [values, 0]}),
}

# The ORDER BY keys of a collected aggregate, written as its trailing
# arguments (djongo_app/aggregates.py): function name → $sort direction.
AGGREGATE_ORDER_KEYS = {"DJ_ORDER_ASC": 1, "DJ_ORDER_DESC": -1}

# Aggregate functions, handled by the planner's $group stage.
AGGREGATES = frozenset(
    {
        "COUNT",
        "SUM",
        "AVG",
        "MIN",
        "MAX",
        "STDDEV_POP",
        "STDDEV_SAMP",
        "VAR_POP",
        "VAR_SAMP",
        *COLLECTED_AGGREGATES,
    }
)


def _hash(name: str) -> Callable[[Any], Any]:
    def digest(value: Any) -> Any:
        return hashlib.new(name, str(value).encode()).hexdigest()

    return digest


# Functions MongoDB has no operator for, applied in Python to a selected
# column as rows are read (never in WHERE, ORDER BY or a subquery).
PYTHON_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "ASCII": lambda value: ord(str(value)[0]) if str(value) else 0,
    "CHR": lambda value: chr(int(value)),
    "MD5": _hash("md5"),
    "SHA1": _hash("sha1"),
    "SHA224": _hash("sha224"),
    "SHA256": _hash("sha256"),
    "SHA384": _hash("sha384"),
    "SHA512": _hash("sha512"),
}
