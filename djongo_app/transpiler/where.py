"""WHERE trees → MongoDB query filters.

A predicate on one column against constants becomes a query operator
(``{"a": {"$gt": 5}}``), which can use an index; anything else becomes an
``$expr`` built by :class:`.expressions.ExpressionCompiler`.

SQL's three-valued logic is kept by compiling a predicate for a wanted
*polarity*: ``compile(p, True)`` matches the rows where ``p`` is TRUE,
``compile(p, False)`` those where it is FALSE. ``NOT`` flips the polarity
and De Morgan's laws push it down, so ``NOT (a = 1)`` never matches a row
whose ``a`` is NULL, exactly as on SQLite.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from bson.regex import Regex

from ..errors import not_supported
from . import nodes as n
from .equality import equals
from .expressions import (
    FLIPPED_COMPARISONS,
    NEGATED_COMPARISONS,
    Bound,
    ExpressionCompiler,
    between_as_and,
    is_not_null,
    literal,
)
from .functions import is_null
from .joins import check_keys
from .like import like_to_regex
from .scope import Context

# Predicates that Django compares explicitly with a boolean.
PREDICATES = (n.Exists, n.InSubquery, n.Like, n.Regex, n.IsNull, n.InList)

MATCH_ALL: dict[str, Any] = {}
# An always-false filter: SQL comparisons with NULL are never TRUE.
MATCH_NONE: dict[str, Any] = {"$expr": {"$literal": False}}

QUERY_OPERATORS = {
    "=": "$eq",
    "<>": "$ne",
    "<": "$lt",
    "<=": "$lte",
    ">": "$gt",
    ">=": "$gte",
}


def and_filters(filters: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the conjunction of ``filters``, merged into one document
    where no field repeats."""
    filters = [f for f in filters if f != MATCH_ALL]
    if not filters:
        return {}
    if any(f == MATCH_NONE for f in filters):
        return MATCH_NONE
    if len(filters) == 1:
        return filters[0]
    merged: dict[str, Any] = {}
    for f in filters:
        if len(f) != 1 or next(iter(f)).startswith("$") or next(iter(f)) in merged:
            return {"$and": filters}
        merged.update(f)
    return merged


def or_filters(filters: list[dict[str, Any]]) -> dict[str, Any]:
    filters = [f for f in filters if f != MATCH_NONE]
    if not filters:
        return MATCH_NONE
    if any(f == MATCH_ALL for f in filters):
        return MATCH_ALL
    return filters[0] if len(filters) == 1 else {"$or": filters}


class FilterCompiler:
    """Compile predicates of one statement into bound query filters."""

    def __init__(self, expressions: ExpressionCompiler):
        self.expressions = expressions
        self.scope = expressions.scope

    def compile(self, expr: n.Expr | None, polarity: bool = True) -> Bound:
        """Return the bound filter of the rows where ``expr`` is ``polarity``."""
        if expr is None:
            return lambda ctx: MATCH_ALL
        method = getattr(self, "filter_" + type(expr).__name__, None)
        result = method(expr, polarity) if method is not None else None
        if result is None:
            truth = self.expressions.truth(expr, polarity)
            return lambda ctx: _expr_filter(truth(ctx))
        return result  # type: ignore[no-any-return]

    def path_of(self, expr: n.Expr) -> str | None:
        """Return the document path of a column the query language can test."""
        if isinstance(expr, n.Column):
            try:
                return self.scope.path(expr)
            except KeyError:
                return None
        return None

    def constant_of(self, expr: n.Expr) -> Callable[[Context], Any] | None:
        """Return the bound Python value of a parameter or literal."""
        if isinstance(expr, n.Param):
            index = expr.index
            return lambda ctx: ctx.params[index]
        if isinstance(expr, n.Literal):
            value = expr.value
            return lambda ctx: value
        return None

    def filter_And(self, expr: n.And, polarity: bool) -> Bound:
        items = [self.compile(item, polarity) for item in expr.items]
        combine = and_filters if polarity else or_filters
        return lambda ctx: combine([item(ctx) for item in items])

    def filter_Or(self, expr: n.Or, polarity: bool) -> Bound:
        items = [self.compile(item, polarity) for item in expr.items]
        combine = or_filters if polarity else and_filters
        return lambda ctx: combine([item(ctx) for item in items])

    def filter_Not(self, expr: n.Not, polarity: bool) -> Bound:
        return self.compile(expr.expr, not polarity)

    def filter_Between(self, expr: n.Between, polarity: bool) -> Bound:
        return self.compile(between_as_and(expr), polarity)

    def filter_Literal(self, expr: n.Literal, polarity: bool) -> Bound:
        result = expr.value is not None and bool(expr.value) is polarity
        return lambda ctx: MATCH_ALL if result else MATCH_NONE

    def filter_Column(self, expr: n.Column, polarity: bool) -> Bound | None:
        # A boolean column used as a condition.
        path = self.path_of(expr)
        if path is None:
            return None
        return lambda ctx: {path: polarity}

    def filter_Comparison(self, expr: n.Comparison, polarity: bool) -> Bound | None:
        op, left, right = expr.op, expr.left, expr.right
        if isinstance(left, PREDICATES) and op in {"=", "<>"}:
            return self._predicate_equals(left, op, right, polarity)
        if self.path_of(left) is None:
            op, left, right = FLIPPED_COMPARISONS[op], right, left
        path = self.path_of(left)
        value = self.constant_of(right)
        if path is None or value is None:
            return None
        if not polarity:
            op = NEGATED_COMPARISONS[op]
        mongo_op = QUERY_OPERATORS[op]
        boolean_like = (
            isinstance(right, n.Literal) and type(right.value) is int and right.value in (0, 1)
        )

        def bound(ctx: Context) -> dict[str, Any]:
            rhs = value(ctx)
            if rhs is None:
                return MATCH_NONE
            if boolean_like and mongo_op in {"$eq", "$ne"}:
                # "col = 0" in the SQL text: SQL equates 0 and false.
                members = [rhs, bool(rhs)]
                if mongo_op == "$eq":
                    return {path: {"$in": members}}
                return {path: {"$nin": [*members, None]}}
            if mongo_op == "$ne":
                # a <> b is not TRUE when a is NULL.
                return {path: {"$nin": [rhs, None]}}
            if mongo_op == "$eq":
                return equals(path, rhs)
            return {path: {mongo_op: rhs}}

        return bound

    def _predicate_equals(
        self, predicate: n.Expr, op: str, right: n.Expr, polarity: bool
    ) -> Bound | None:
        """Compile ``EXISTS(...) = %s`` (Django's explicit boolean form)."""
        value = self.constant_of(right)
        if value is None:
            return None
        when_true = self.compile(predicate, True)
        when_false = self.compile(predicate, False)

        def bound(ctx: Context) -> dict[str, Any]:
            wanted = value(ctx)
            if wanted is None:
                return MATCH_NONE
            matches_true = (bool(wanted) == (op == "=")) == polarity
            return when_true(ctx) if matches_true else when_false(ctx)

        return bound

    def filter_Func(self, expr: n.Func, polarity: bool) -> Bound | None:
        """JSON predicates of the dialect (see djongo_app/lookups.py)."""
        if expr.name == "JSON_HAS_KEY" and len(expr.args) == 1:
            path = self.path_of(expr.args[0])
            if path is None:
                return None
            condition = {path: {"$exists": polarity}}
            return lambda ctx: condition
        if expr.name == "JSON_CONTAINS" and len(expr.args) == 2:
            path = self.path_of(expr.args[0])
            value = self.constant_of(expr.args[1])
            if path is None or value is None:
                return None

            def bound(ctx: Context) -> dict[str, Any]:
                wanted = value(ctx)
                if wanted is None:
                    return MATCH_NONE
                if not fits_query_language(wanted):
                    # Keys with "." or a leading "$" are no query paths:
                    # the aggregation expression reads them with $getField.
                    return _expr_filter(expression(ctx))
                condition = json_containment(path, wanted)
                if polarity:
                    return condition
                return {"$and": [{path: {"$ne": None}}, {"$nor": [condition]}]}

            expression = self.expressions.truth(expr, polarity)
            return bound
        if expr.name == "DJ_TWO_VALUED" and len(expr.args) == 1:
            # A predicate on a nested path (see fields/paths.py): a missing
            # key makes it FALSE, not NULL, so its negation matches.
            when_true = self.compile(expr.args[0], True)
            if polarity:
                return when_true
            return lambda ctx: {"$nor": [when_true(ctx)]}
        if expr.name == "ARRAY_OVERLAP" and len(expr.args) == 2:
            path = self.path_of(expr.args[0])
            value = self.constant_of(expr.args[1])
            if path is None or value is None:
                return None

            def bound(ctx: Context) -> dict[str, Any]:
                wanted = [item for item in value(ctx) or () if item is not None]
                if polarity:
                    return {path: {"$in": wanted}} if wanted else MATCH_NONE
                return {"$and": [{path: {"$ne": None}}, {path: {"$nin": wanted}}]}

            return bound
        return None

    def filter_IsNull(self, expr: n.IsNull, polarity: bool) -> Bound | None:
        path = self.path_of(expr.expr)
        if path is None:
            return None
        wants_null = polarity != expr.negated
        condition = {path: {"$eq": None}} if wants_null else {path: {"$ne": None}}
        return lambda ctx: condition

    def filter_InList(self, expr: n.InList, polarity: bool) -> Bound | None:
        path = self.path_of(expr.expr)
        values = [self.constant_of(item) for item in expr.items]
        if path is None or any(v is None for v in values):
            return None
        getters = [v for v in values if v is not None]
        member = polarity != expr.negated

        def bound(ctx: Context) -> dict[str, Any]:
            items = [get(ctx) for get in getters]
            non_null = [v for v in items if v is not None]
            if member:
                return {path: {"$in": non_null}} if non_null else MATCH_NONE
            if len(non_null) != len(items):
                return MATCH_NONE
            return {path: {"$nin": [*non_null, None]}}

        return bound

    def filter_InSubquery(self, expr: n.InSubquery, polarity: bool) -> Bound | None:
        path = self.path_of(expr.expr)
        if path is None or expr in self.expressions.lookups:
            return None
        run = self.expressions._uncorrelated_subquery(expr.query, "An IN (SELECT ...) subquery")
        member = polarity != expr.negated

        key_limit, distinct = expr.key_limit, expr.distinct_keys

        def bound(ctx: Context) -> dict[str, Any]:
            values = [row[0] for row in run(ctx)]
            non_null = [v for v in values if v is not None]
            if key_limit is not None:
                check_keys(non_null, key_limit, distinct)
                # In key order, as mongod scans an index's points: the test
                # server scans them in the list's order and takes that for
                # the index's order when a sort on the same key follows.
                with contextlib.suppress(TypeError):
                    non_null.sort()
            if member:
                return {path: {"$in": non_null}} if non_null else MATCH_NONE
            if len(non_null) != len(values):
                return MATCH_NONE
            return {path: {"$nin": [*non_null, None]}}

        return bound

    def filter_Exists(self, expr: n.Exists, polarity: bool) -> Bound | None:
        if expr in self.expressions.lookups:
            return None
        run = self.expressions._uncorrelated_subquery(expr.query, "An EXISTS subquery")
        wanted = polarity != expr.negated
        return lambda ctx: MATCH_ALL if bool(run(ctx)) is wanted else MATCH_NONE

    def filter_Like(self, expr: n.Like, polarity: bool) -> Bound | None:
        pattern = self.constant_of(expr.pattern)
        options = "si" if expr.case_insensitive else "s"
        escape = expr.escape
        regex = lambda ctx: _maybe(pattern(ctx), lambda p: like_to_regex(str(p), escape))  # noqa: E731
        matches = polarity != expr.negated
        if pattern is not None and self.text_of_path(expr.expr) is not None:
            return self._text_filter(expr.expr, regex, options, matches)
        path = self.path_of(expr.expr)
        if path is None or pattern is None:
            return None
        return self._regex_filter(path, regex, options, matches)

    def filter_Regex(self, expr: n.Regex, polarity: bool) -> Bound | None:
        pattern = self.constant_of(expr.pattern)
        options = "i" if expr.case_insensitive else ""
        matches = polarity != expr.negated
        if pattern is not None and self.text_of_path(expr.expr) is not None:
            return self._text_filter(expr.expr, pattern, options, matches)
        path = self.path_of(expr.expr)
        if path is None or pattern is None:
            return None
        return self._regex_filter(path, pattern, options, matches)

    def text_of_path(self, expr: n.Expr) -> n.Column | None:
        """Return the column whose text form ``expr`` is (``CAST(c AS
        TEXT)``, ``DJ_TEXT(kind, c)``: DatabaseOperations.lookup_cast), when
        the query language can name its path."""
        if isinstance(expr, n.Cast) and expr.type_name.upper() == "TEXT":
            column = expr.expr
        elif isinstance(expr, n.Func) and expr.name == "DJ_TEXT" and len(expr.args) == 2:
            column = expr.args[1]
        else:
            return None
        if not isinstance(column, n.Column) or self.path_of(column) is None:
            return None
        return column

    def _text_filter(
        self,
        expr: n.Expr,
        pattern: Callable[[Context], Any],
        options: str,
        matches: bool,
    ) -> Bound:
        """Match ``pattern`` against the text form of a path, in any element
        of the arrays along it (as the query language matches a path; its
        ``$regex`` never matches a number or a date, hence an ``$expr``)."""
        column = self.text_of_path(expr)
        assert column is not None
        path = self.path_of(column)
        assert path is not None
        # The text form of one value, bound to $$value by the test below.
        text = ExpressionCompiler(self.scope, self.expressions.sql, {column: "$value"}).value(expr)
        root, *keys = path.split(".")

        def bound(ctx: Context) -> dict[str, Any]:
            regex = pattern(ctx)
            if regex is None:
                return MATCH_NONE
            test = {
                "$regexMatch": {
                    "input": text(ctx),
                    "regex": literal(str(regex)),
                    "options": options,
                }
            }

            def one(item: Any) -> Any:
                return {
                    "$let": {
                        "vars": {"value": item},
                        "in": {"$cond": [is_null("$$value"), False, test]},
                    }
                }

            found = _any_along("$" + root, keys, one)
            if matches:
                return {"$expr": found}
            present = _any_along("$" + root, keys, is_not_null)
            return {"$expr": {"$and": [present, {"$not": [found]}]}}

        return bound

    @staticmethod
    def _regex_filter(
        path: str,
        pattern: Callable[[Context], Any],
        options: str,
        matches: bool,
    ) -> Bound:
        def bound(ctx: Context) -> dict[str, Any]:
            regex = pattern(ctx)
            if regex is None:
                return MATCH_NONE
            regex = str(regex)
            if matches:
                return {path: {"$regex": regex, "$options": options}}
            return {path: {"$not": Regex(regex, options), "$ne": None}}

        return bound


def fits_query_language(value: Any) -> bool:
    """Return True when :func:`json_containment` can write ``value`` as a
    query filter: every object key can be a step of a query path (no ".",
    no leading "$", not empty) and no array holds an array."""
    if isinstance(value, dict):
        return all(
            key and "." not in key and not key.startswith("$") and fits_query_language(item)
            for key, item in value.items()
        )
    if isinstance(value, list):
        return all(not isinstance(item, list) and fits_query_language(item) for item in value)
    return True


def json_containment(path: str, value: Any) -> dict[str, Any]:
    """Return the filter of documents whose JSON at ``path`` contains
    ``value``, as PostgreSQL's @> defines it: objects by key, recursively;
    arrays hold every wanted element; scalars are equal."""
    if isinstance(value, dict):
        if not value:
            return {path: {"$type": "object"}}
        for key in value:
            if "." in key or key.startswith("$"):
                raise not_supported(f"A JSON contains with the key {key!r}", str(value))
        return and_filters([json_containment(f"{path}.{k}", v) for k, v in value.items()])
    if isinstance(value, list):
        conditions = [{path: {"$type": "array"}}]
        for item in value:
            if isinstance(item, dict):
                conditions.append({path: {"$elemMatch": _element_containment(item)}})
            elif isinstance(item, list):
                raise not_supported("A JSON contains of nested arrays", str(value))
            else:
                conditions.append(equals(path, item))
        return {"$and": conditions}
    if value is None:
        # JSON null: the key is there and holds null ($eq would also
        # match a missing key).
        return {path: {"$type": "null"}}
    return equals(path, value)


def _element_containment(value: dict[str, Any]) -> dict[str, Any]:
    for key in value:
        if "." in key or key.startswith("$"):
            raise not_supported(f"A JSON contains with the key {key!r}", str(value))
    conditions = [json_containment(key, item) for key, item in value.items()]
    return and_filters(conditions) if conditions else {}


def _any_along(value: Any, keys: list[str], test: Callable[[Any], Any], level: int = 0) -> Any:
    """Return an expression true when ``test`` holds for a value reached
    from ``value`` by ``keys``, stepping into every element of the arrays
    on the way and at the end, as the query language matches a path
    (``"$a.b"`` would step into arrays too, but not on every server); a
    number selects one element of an array."""
    ref = f"$$v{level}"
    if keys and keys[0].isdigit():
        element = {"$arrayElemAt": [ref, int(keys[0])]}
        step = {"$cond": [{"$isArray": ref}, element, f"{ref}.{keys[0]}"]}
        body = _any_along(step, keys[1:], test, level + 1)
    else:
        items = {"$cond": [{"$isArray": ref}, ref, [ref]]}
        item = f"$$e{level}"
        each = _any_along(f"{item}.{keys[0]}", keys[1:], test, level + 1) if keys else test(item)
        body = {"$anyElementTrue": [{"$map": {"input": items, "as": f"e{level}", "in": each}}]}
    return {"$let": {"vars": {f"v{level}": value}, "in": body}}


def _maybe(value: Any, function: Callable[[Any], Any]) -> Any:
    return None if value is None else function(value)


def _expr_filter(expression: Any) -> dict[str, Any]:
    if expression is True:
        return MATCH_ALL
    if expression is False:
        return MATCH_NONE
    return {"$expr": expression}
