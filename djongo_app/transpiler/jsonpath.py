"""JSON paths (a parameter, never SQL text) → aggregation expressions.

The dialect's ``JSON_KEY(json, %s)`` and ``JSON_HAS_KEY(json, %s)`` take
the path Django's ``compile_json_path`` writes: ``$`` then steps, each
``."key"`` (a JSON string: an object key) or ``[n]`` (an array element,
negative from the end). The path is read with a JSON decoder when the plan
is bound, so a key may hold any character: quotes, backslashes, ``.``,
``$``, NUL.

Keys are read with ``$getField`` on a ``$literal`` name, never as a
dotted path, so ``.`` and a leading ``$`` are just characters of the key
(MongoDB 5.0). As in SQL, a step never looks inside arrays: ``$."a"."b"``
on ``{"a": [{"b": 1}]}`` is NULL (MongoDB's dotted paths would find 1).
A step on anything that is not an object (or array, for ``[n]``) gives a
missing value, which SQL reads as NULL.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import ProgrammingError

Step = str | int

_DECODER = json.JSONDecoder()


def parse_json_path(path: Any) -> tuple[Step, ...]:
    """Return the steps of a JSON path parameter (``$."a"[0]``).

    Raise ProgrammingError for anything else: the path comes from
    djongo_app's lookups, so a malformed one is hand-written SQL.
    """
    if not isinstance(path, str) or not path.startswith("$"):
        raise _malformed(path)
    steps: list[Step] = []
    position = 1
    while position < len(path):
        char = path[position]
        if char == "." and path[position + 1 : position + 2] == '"':
            try:
                key, position = _DECODER.raw_decode(path, position + 1)
            except ValueError:
                raise _malformed(path) from None
            steps.append(key)
        elif char == "[":
            end = path.find("]", position)
            text = path[position + 1 : end] if end > 0 else ""
            if not text.lstrip("-").isdigit():
                raise _malformed(path)
            steps.append(int(text))
            position = end + 1
        else:
            raise _malformed(path)
    return tuple(steps)


def _malformed(path: Any) -> ProgrammingError:
    return ProgrammingError(
        f'djongo_app: {path!r} is not a JSON path parameter ($ followed by ."key" and [n] steps).'
    )


def is_object(value: Any) -> dict[str, Any]:
    """True when ``value`` is an embedded document (false when missing)."""
    # $ifNull first: some servers report the $type of a missing value
    # bound by $let as "object".
    return {"$eq": [{"$type": {"$ifNull": [value, None]}}, "object"]}


def _in_range(index: int, array: Any) -> dict[str, Any]:
    size = {"$size": array}
    if index >= 0:
        return {"$lt": [index, size]}
    return {"$lte": [-index, size]}


def _with_value(value: Any, body: Any) -> dict[str, Any]:
    """``body`` with ``$$v`` bound to ``value`` (evaluated once)."""
    return {"$let": {"vars": {"v": value}, "in": body}}


def step_value(value: Any, step: Step) -> dict[str, Any]:
    """The value one step below ``value``: missing when there is none."""
    if isinstance(step, int):
        element = {
            "$cond": [
                _in_range(step, "$$v"),
                {"$arrayElemAt": ["$$v", step]},
                "$$REMOVE",
            ]
        }
        return _with_value(value, {"$cond": [{"$isArray": "$$v"}, element, "$$REMOVE"]})
    field = {"$getField": {"field": {"$literal": step}, "input": "$$v"}}
    return _with_value(value, {"$cond": [is_object("$$v"), field, "$$REMOVE"]})


def path_value(value: Any, steps: tuple[Step, ...]) -> Any:
    """The value at ``steps`` below ``value``, null when there is none."""
    for step in steps:
        value = step_value(value, step)
    # A missing value becomes null: the same SQL NULL, and operators such
    # as $multiply then give null on every server (SecantusDB reads a
    # missing value bound by $let as an object).
    return {"$ifNull": [value, None]} if steps else value


def has_step(value: Any, step: Step) -> dict[str, Any]:
    """True when ``value`` has the key (or element) ``step``, whatever it
    holds, JSON null included."""
    if isinstance(step, int):
        return _with_value(value, {"$cond": [{"$isArray": "$$v"}, _in_range(step, "$$v"), False]})
    keys = {"$map": {"input": {"$objectToArray": "$$v"}, "in": "$$this.k"}}
    present = {"$in": [{"$literal": step}, keys]}
    return _with_value(value, {"$cond": [is_object("$$v"), present, False]})


def has_path(value: Any, steps: tuple[Step, ...]) -> Any:
    """True when the path ``steps`` exists below ``value``."""
    if not steps:
        return {"$ne": [{"$ifNull": [value, None]}, None]}
    return has_step(path_value(value, steps[:-1]), steps[-1])


def type_name(value: Any, steps: tuple[Step, ...]) -> Any:
    """The BSON type name of the value at ``steps`` ("null" for JSON
    null), or null when the path does not exist."""
    return {"$cond": [has_path(value, steps), {"$type": path_value(value, steps)}, None]}


def contains(value: Any, wanted: Any, top: bool = True) -> dict[str, Any]:
    """True when the JSON ``value`` contains ``wanted``, as PostgreSQL's
    ``@>`` defines it: an object holds each wanted key with a value that
    contains the wanted one; an array holds, for each wanted element, an
    element containing it; scalars are equal. At the top, an array also
    contains a scalar or an object one of its elements contains (as
    MongoDB's own queries match arrays; Django's
    ``json_key_contains_list_matching_requires_list`` is False)."""
    if top and not isinstance(wanted, list):
        elements = {"$map": {"input": "$$v", "as": "e", "in": contains("$$e", wanted, False)}}
        in_array = {"$cond": [{"$isArray": "$$v"}, {"$anyElementTrue": [elements]}, False]}
        return _with_value(value, {"$or": [contains("$$v", wanted, False), in_array]})
    if isinstance(wanted, dict):
        tests: list[Any] = [is_object("$$v")]
        for key, item in wanted.items():
            tests.append(has_step("$$v", key))
            tests.append(contains(step_value("$$v", key), item, top=False))
        return _with_value(value, {"$and": tests})
    if isinstance(wanted, list):
        tests = [{"$isArray": "$$v"}]
        for item in wanted:
            matches = {"$map": {"input": "$$v", "as": "e", "in": contains("$$e", item, False)}}
            tests.append({"$anyElementTrue": [matches]})
        return _with_value(value, {"$cond": [{"$isArray": "$$v"}, {"$and": tests}, False]})
    return {"$eq": [value, {"$literal": wanted}]}


__all__ = [
    "contains",
    "has_path",
    "parse_json_path",
    "path_value",
    "type_name",
]
