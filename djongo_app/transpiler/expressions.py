"""Value expressions and predicates → MongoDB aggregation expressions.

Compiling returns a *bound form*: a function of the execution context that
returns the expression with parameter values filled in. Constants are
always wrapped in ``$literal`` so that a user's string such as ``"$x"`` is
never read as a field path.

Predicates follow SQL's three-valued logic: ``truth(p, True)`` is an
expression that is true exactly when ``p`` is TRUE, ``truth(p, False)``
exactly when ``p`` is FALSE; NULL (unknown) satisfies neither.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import not_supported
from . import jsonpath
from . import nodes as n
from .functions import AGGREGATES, FUNCTIONS, is_null, modulo
from .joins import check_keys
from .like import like_to_regex
from .scope import Context, Scope

Bound = Callable[[Context], Any]

AGG_COMPARISONS = {
    "=": "$eq",
    "<>": "$ne",
    "<": "$lt",
    "<=": "$lte",
    ">": "$gt",
    ">=": "$gte",
}
NEGATED_COMPARISONS = {
    "=": "<>",
    "<>": "=",
    "<": ">=",
    "<=": ">",
    ">": "<=",
    ">=": "<",
}
FLIPPED_COMPARISONS = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

CAST_TYPES = {
    "INTEGER": "long",
    "INT": "long",
    "BIGINT": "long",
    "SMALLINT": "int",
    "REAL": "double",
    "FLOAT": "double",
    "DOUBLE": "double",
    "DOUBLE PRECISION": "double",
    "DECIMAL": "decimal",
    "NUMERIC": "decimal",
    "TEXT": "string",
    "VARCHAR": "string",
    "CHAR": "string",
    "BOOL": "bool",
    "BOOLEAN": "bool",
    "DATETIME": "date",
    "TIMESTAMP": "date",
    # The names of DatabaseWrapper.data_types, which Django's Cast uses.
    "STRING": "string",
    "LONG": "long",
    "DATE": "date",
}

# Casts to the document types of DatabaseWrapper.data_types (JSONField,
# EmbeddedField, ArrayField): values are stored natively, so a value is
# already its own JSON document or array.
KEPT_TYPES = frozenset({"OBJECT", "ARRAY"})


def literal(value: Any) -> dict[str, Any]:
    return {"$literal": value}


def constant(value: Any) -> Bound:
    expr = literal(value)
    return lambda ctx: expr


class ExpressionCompiler:
    """Compile expressions of one statement against one scope.

    ``replacements`` maps subtrees (aggregate calls, GROUP BY expressions)
    to the document paths where an earlier stage stored their values.
    """

    def __init__(
        self,
        scope: Scope,
        sql: str,
        replacements: Mapping[n.Expr, str] | None = None,
        subqueries: Any = None,
        lookups: Mapping[n.Expr, str] | None = None,
    ):
        self.scope = scope
        self.sql = sql
        self.replacements = replacements or {}
        self.subqueries = subqueries
        # Correlated subqueries already run by a $lookup: node → the
        # array field holding their rows (each row {"c0": ..., ...}).
        self.lookups = lookups or {}

    # Values -----------------------------------------------------------------

    def value(self, expr: n.Expr) -> Bound:
        """Return the bound aggregation expression of ``expr``'s value."""
        if expr in self.replacements:
            ref = "$" + self.replacements[expr]
            return lambda ctx: ref
        method = getattr(self, "value_" + type(expr).__name__, None)
        if method is None:
            if _is_predicate(expr):
                return self.predicate_value(expr)
            raise not_supported(f"The expression {type(expr).__name__}", self.sql)
        return method(expr)  # type: ignore[no-any-return]

    def value_Column(self, expr: n.Column) -> Bound:
        try:
            ref = path_reference(self.scope.path(expr))
        except KeyError:
            if self.scope.correlation is None:
                raise not_supported(
                    f"A reference to {_column_text(expr)} from this place", self.sql
                ) from None
            ref = self.scope.correlation.variable(expr)
        return lambda ctx: ref

    def value_Window(self, expr: n.Window) -> Bound:
        # The planner replaces the window calls of the SELECT list and
        # ORDER BY with the fields its $setWindowFields stages write.
        raise not_supported(
            f"The window function {expr.func.name}() in WHERE, GROUP BY, HAVING or an aggregate",
            self.sql,
        )

    def value_Param(self, expr: n.Param) -> Bound:
        index = expr.index
        return lambda ctx: {"$literal": ctx.params[index]}

    def value_Literal(self, expr: n.Literal) -> Bound:
        return constant(expr.value)

    def value_Negate(self, expr: n.Negate) -> Bound:
        inner = self.value(expr.expr)
        return lambda ctx: {"$multiply": [-1, inner(ctx)]}

    def value_BinaryOp(self, expr: n.BinaryOp) -> Bound:
        left, right = self.value(expr.left), self.value(expr.right)
        build = BINARY_OPERATORS.get(expr.op)
        if build is None:
            raise not_supported(f"The operator {expr.op}", self.sql)
        return lambda ctx: build(left(ctx), right(ctx))

    def value_Func(self, expr: n.Func) -> Bound:
        special = JSON_FUNCTIONS.get(expr.name)
        if special is not None:
            return special(self, expr)  # type: ignore[no-any-return]
        if expr.name in AGGREGATES:
            raise not_supported(f"The aggregate {expr.name}() in this place", self.sql)
        build = FUNCTIONS.get(expr.name)
        if build is None:
            raise not_supported(f"The function {expr.name}()", self.sql)
        args = [self.value(arg) for arg in expr.args]
        # Try the builder once now so that a wrong argument count or a unit
        # it does not know fails at planning time, with the SQL quoted.
        probe = [literal(a.value) if isinstance(a, n.Literal) else "$probe" for a in expr.args]
        try:
            build(*probe)
        except (TypeError, KeyError, ValueError):
            raise not_supported(
                f"The function {expr.name}() with these arguments", self.sql
            ) from None
        return lambda ctx: build(*(arg(ctx) for arg in args))

    # JSON (lookups.py): the path or the wanted value is a parameter,
    # read when the plan is bound.

    def json_arguments(self, expr: n.Func) -> tuple[Bound, Callable[[Context], Any]]:
        """Return the bound JSON value and the getter of the constant
        argument of ``JSON_KEY``, ``JSON_HAS_KEY`` or ``JSON_CONTAINS``."""
        if len(expr.args) != 2 or not isinstance(expr.args[1], n.Param | n.Literal):
            raise not_supported(
                f"{expr.name}() without a parameter as its second argument", self.sql
            )
        document = self.value(expr.args[0])
        if isinstance(expr.args[0], n.Param):
            # JSON text as a parameter (RawSQL("%s", ['{"x": 1}'])).
            text = document
            document = lambda ctx: literal(_json_document(text(ctx)["$literal"]))  # noqa: E731
        return document, self.pattern_value(expr.args[1])

    def value_json_key(self, expr: n.Func) -> Bound:
        document, path = self.json_arguments(expr)
        return lambda ctx: jsonpath.path_value(document(ctx), jsonpath.parse_json_path(path(ctx)))

    def value_json_has_key(self, expr: n.Func) -> Bound:
        document, path = self.json_arguments(expr)
        return lambda ctx: jsonpath.has_path(document(ctx), jsonpath.parse_json_path(path(ctx)))

    def value_json_type(self, expr: n.Func) -> Bound:
        document, path = self.json_arguments(expr)
        return lambda ctx: jsonpath.type_name(document(ctx), jsonpath.parse_json_path(path(ctx)))

    def value_json_contains(self, expr: n.Func) -> Bound:
        document, wanted = self.json_arguments(expr)

        def bound(ctx: Context) -> Any:
            value, target = document(ctx), wanted(ctx)
            if target is None:
                return None
            # NULL contains nothing and lacks nothing: the result is NULL.
            return {"$cond": [is_null(value), None, jsonpath.contains(value, target)]}

        return bound

    def value_Cast(self, expr: n.Cast) -> Bound:
        base_type = expr.type_name.split("(")[0].strip()
        if base_type in KEPT_TYPES:
            return self.value(expr.expr)
        target = CAST_TYPES.get(base_type)
        if target is None:
            raise not_supported(f"CAST to {expr.type_name}", self.sql)
        inner = self.value(expr.expr)
        if target in {"long", "int"}:
            # SQL truncates toward zero when casting a real to an integer, and
            # reads a number out of a string.
            def to_integer(ctx: Context) -> Any:
                value = inner(ctx)
                number = {"$cond": [{"$isNumber": value}, value, {"$toDouble": value}]}
                return {"$convert": {"input": {"$trunc": number}, "to": target}}

            return to_integer
        return lambda ctx: {"$convert": {"input": inner(ctx), "to": target}}

    def value_Case(self, expr: n.Case) -> Bound:
        branches = [(self.truth(w.condition), self.value(w.result)) for w in expr.whens]
        default = self.value(expr.default) if expr.default else constant(None)
        return lambda ctx: {
            "$switch": {
                "branches": [{"case": c(ctx), "then": r(ctx)} for c, r in branches],
                "default": default(ctx),
            }
        }

    def value_ScalarSubquery(self, expr: n.ScalarSubquery) -> Bound:
        if expr in self.lookups:
            first = {"$first": lookup_values(self.lookups[expr])}
            return lambda ctx: first
        run = self._uncorrelated_subquery(expr.query, "A scalar subquery")

        def bound(ctx: Context) -> Any:
            rows = run(ctx)
            return literal(rows[0][0] if rows else None)

        return bound

    def predicate_value(self, expr: n.Expr) -> Bound:
        """Return the value of a predicate: true, false or null."""
        true, false = self.truth(expr, True), self.truth(expr, False)
        return lambda ctx: {"$cond": [true(ctx), True, {"$cond": [false(ctx), False, None]}]}

    # Predicates -------------------------------------------------------------

    def truth(self, expr: n.Expr, polarity: bool = True) -> Bound:
        """Return an expression true exactly when ``expr`` is ``polarity``."""
        if expr in self.replacements:
            ref = "$" + self.replacements[expr]
            return lambda ctx: {"$eq": [ref, polarity]}
        method = getattr(self, "truth_" + type(expr).__name__, None)
        if method is None:
            # Any other value used as a condition: a boolean column or a
            # function returning one.
            value = self.value(expr)
            return lambda ctx: {"$eq": [value(ctx), polarity]}
        return method(expr, polarity)  # type: ignore[no-any-return]

    def truth_And(self, expr: n.And, polarity: bool) -> Bound:
        items = [self.truth(item, polarity) for item in expr.items]
        op = "$and" if polarity else "$or"
        return lambda ctx: {op: [item(ctx) for item in items]}

    def truth_Or(self, expr: n.Or, polarity: bool) -> Bound:
        items = [self.truth(item, polarity) for item in expr.items]
        op = "$or" if polarity else "$and"
        return lambda ctx: {op: [item(ctx) for item in items]}

    def truth_Not(self, expr: n.Not, polarity: bool) -> Bound:
        return self.truth(expr.expr, not polarity)

    def truth_Literal(self, expr: n.Literal, polarity: bool) -> Bound:
        result = expr.value is not None and bool(expr.value) is polarity
        return constant(result)

    def truth_Comparison(self, expr: n.Comparison, polarity: bool) -> Bound:
        op = expr.op if polarity else NEGATED_COMPARISONS[expr.op]
        mongo_op = AGG_COMPARISONS[op]
        left, right = self.value(expr.left), self.value(expr.right)
        left_node, right_node = expr.left, expr.right

        def bound(ctx: Context) -> Any:
            lhs, rhs = left(ctx), right(ctx)
            lhs, rhs = _as_sql_booleans(left_node, lhs, rhs), _as_sql_booleans(right_node, rhs, lhs)
            guards = [is_not_null(side) for side in (lhs, rhs) if not _is_literal(side)]
            if _is_null_literal(lhs) or _is_null_literal(rhs):
                return False
            truthy = _truth_value_set(left_node, right_node, lhs, rhs)
            if truthy is not None and mongo_op in {"$eq", "$ne"}:
                # "x = 0" where x may be a boolean: SQL equates 0 and false.
                value, members = truthy
                test = {"$in": [value, members]}
                return _all([*guards, test if mongo_op == "$eq" else {"$not": [test]}])
            return _all([*guards, {mongo_op: [lhs, rhs]}])

        return bound

    def truth_IsNull(self, expr: n.IsNull, polarity: bool) -> Bound:
        value = self.value(expr.expr)
        wants_null = polarity != expr.negated
        if wants_null:
            return lambda ctx: is_null(value(ctx))
        return lambda ctx: is_not_null(value(ctx))

    def truth_InList(self, expr: n.InList, polarity: bool) -> Bound:
        value = self.value(expr.expr)
        items = [self.value(item) for item in expr.items]
        member = polarity != expr.negated

        def bound(ctx: Context) -> Any:
            lhs = value(ctx)
            values = [item(ctx) for item in items]
            non_null = [v for v in values if not _is_null_literal(v)]
            if not member and len(non_null) != len(values):
                # x NOT IN (..., NULL) is never TRUE.
                return False
            test = {"$in": [lhs, non_null]}
            return _all([is_not_null(lhs), test if member else {"$not": [test]}])

        return bound

    def truth_InSubquery(self, expr: n.InSubquery, polarity: bool) -> Bound:
        value = self.value(expr.expr)
        member = polarity != expr.negated
        if expr in self.lookups:
            values = lookup_values(self.lookups[expr])

            def from_lookup(ctx: Context) -> Any:
                lhs = value(ctx)
                test = {"$in": [lhs, values]}
                if member:
                    return _all([is_not_null(lhs), test])
                no_nulls = {"$not": [{"$in": [None, values]}]}
                return _all([is_not_null(lhs), no_nulls, {"$not": [test]}])

            return from_lookup
        run = self._uncorrelated_subquery(expr.query, "An IN (SELECT ...) subquery")
        key_limit, distinct = expr.key_limit, expr.distinct_keys

        def bound(ctx: Context) -> Any:
            rows = run(ctx)
            values = [row[0] for row in rows]
            if key_limit is not None:
                check_keys([v for v in values if v is not None], key_limit, distinct)
            if not member and any(v is None for v in values):
                return False
            test = {"$in": [value(ctx), literal([v for v in values if v is not None])]}
            return _all([is_not_null(value(ctx)), test if member else {"$not": [test]}])

        return bound

    def truth_Exists(self, expr: n.Exists, polarity: bool) -> Bound:
        wanted = polarity != expr.negated
        if expr in self.lookups:
            size = {"$size": f"${self.lookups[expr]}"}
            test = {"$gt": [size, 0]} if wanted else {"$eq": [size, 0]}
            return lambda ctx: test
        run = self._uncorrelated_subquery(expr.query, "An EXISTS subquery")
        return lambda ctx: bool(run(ctx)) is wanted

    def truth_Between(self, expr: n.Between, polarity: bool) -> Bound:
        return self.truth(between_as_and(expr), polarity)

    def truth_Like(self, expr: n.Like, polarity: bool) -> Bound:
        if not self.is_bound_pattern(expr.pattern):
            return self.substring_truth(expr, polarity)
        value = self.value(expr.expr)
        pattern = self.pattern_value(expr.pattern)
        options = "si" if expr.case_insensitive else "s"
        matches = polarity != expr.negated
        escape = expr.escape

        def bound(ctx: Context) -> Any:
            raw = pattern(ctx)
            if raw is None:
                return False
            lhs = value(ctx)
            test = {
                "$regexMatch": {
                    "input": {"$toString": lhs},
                    "regex": literal(like_to_regex(str(raw), escape)),
                    "options": options,
                }
            }
            return _all([is_not_null(lhs), test if matches else {"$not": [test]}])

        return bound

    def substring_truth(self, expr: n.Like, polarity: bool) -> Bound:
        """Compile LIKE against a pattern built from a column, in the shapes
        of the dialect's pattern_ops: '%' || LIKE_ESCAPE(x) || '%' and the
        prefix and suffix forms; a bare column compares for equality."""
        parts = _concat_parts(expr.pattern)
        escaped = [p for p in parts if isinstance(p, n.Func) and p.name == "LIKE_ESCAPE"]
        wildcards = [p for p in parts if p not in escaped]
        if len(escaped) > 1 or any(p != n.Literal("%") for p in wildcards):
            raise not_supported("A LIKE pattern computed from columns in this form", self.sql)
        needle_node = escaped[0].args[0] if escaped else expr.pattern
        kind = (
            "exact"
            if not escaped
            else {
                (True, True): "contains",
                (False, True): "startswith",
                (True, False): "endswith",
                (False, False): "exact",
            }[(parts[0] != escaped[0], parts[-1] != escaped[0])]
        )
        value, needle = self.value(expr.expr), self.value(needle_node)
        matches = polarity != expr.negated
        lower = expr.case_insensitive

        def bound(ctx: Context) -> Any:
            haystack, wanted = value(ctx), needle(ctx)
            guards = [is_not_null(haystack), is_not_null(wanted)]
            if lower:
                haystack, wanted = {"$toLower": haystack}, {"$toLower": wanted}
            test = SUBSTRING_TESTS[kind](haystack, wanted)
            return _all([*guards, test if matches else {"$not": [test]}])

        return bound

    def truth_Regex(self, expr: n.Regex, polarity: bool) -> Bound:
        value = self.value(expr.expr)
        pattern = self.pattern_value(expr.pattern)
        options = "i" if expr.case_insensitive else ""
        matches = polarity != expr.negated

        def bound(ctx: Context) -> Any:
            raw = pattern(ctx)
            if raw is None:
                return False
            lhs = value(ctx)
            test = {
                "$regexMatch": {
                    "input": {"$toString": lhs},
                    "regex": literal(str(raw)),
                    "options": options,
                }
            }
            return _all([is_not_null(lhs), test if matches else {"$not": [test]}])

        return bound

    def is_bound_pattern(self, expr: n.Expr) -> bool:
        """Return whether a LIKE or REGEXP pattern is known before the
        statement runs: a parameter, a literal or an uncorrelated scalar
        subquery (run first, as any uncorrelated subquery is)."""
        if isinstance(expr, n.ScalarSubquery):
            return expr not in self.lookups
        return isinstance(expr, n.Param | n.Literal)

    def pattern_value(self, expr: n.Expr) -> Callable[[Context], Any]:
        """Return the bound Python value of a LIKE or REGEXP pattern."""
        if isinstance(expr, n.Param):
            index = expr.index
            return lambda ctx: ctx.params[index]
        if isinstance(expr, n.Literal):
            value = expr.value
            return lambda ctx: value
        if self.is_bound_pattern(expr):
            assert isinstance(expr, n.ScalarSubquery)
            run = self._uncorrelated_subquery(expr.query, "A scalar subquery")
            return lambda ctx: next(iter(run(ctx)), (None,))[0]
        raise not_supported("A LIKE or REGEXP pattern computed from columns", self.sql)

    # Subqueries -------------------------------------------------------------

    def _uncorrelated_subquery(
        self, query: n.Select, what: str
    ) -> Callable[[Context], list[tuple[Any, ...]]]:
        if self.subqueries is None:
            raise not_supported(what, self.sql)
        plan = self.subqueries(query)
        return lambda ctx: ctx.run_subquery(plan)


def _truth_value_set(
    left_node: n.Expr, right_node: n.Expr, lhs: Any, rhs: Any
) -> tuple[Any, list[Any]] | None:
    """For ``x = 0`` / ``x = 1`` written in the SQL text (Django's boolean
    forms), return x and the values SQL treats as equal: [0, false] or
    [1, true]. MongoDB never equates numbers and booleans."""
    for node, value, other in ((right_node, rhs, lhs), (left_node, lhs, rhs)):
        if isinstance(node, n.Literal) and type(node.value) is int and node.value in (0, 1):
            return other, [node.value, bool(node.value)]
        if _is_boolean_case(node):
            # CASE WHEN ... THEN 1 ELSE 0 END: Django's boolean as a number.
            return other, [value, {"$toBool": value}]
    return None


def _is_boolean_case(node: n.Expr) -> bool:
    if not isinstance(node, n.Case):
        return False
    results = [when.result for when in node.whens]
    if node.default is not None:
        results.append(node.default)
    return all(
        isinstance(r, n.Literal) and type(r.value) is int and r.value in (0, 1) for r in results
    )


def _as_sql_booleans(node: n.Expr, value: Any, other: Any) -> Any:
    """Return ``value`` made comparable with ``other`` as SQL compares
    booleans: true = 1 and false = 0 (MongoDB never equates them)."""
    if not (_is_literal(other) and other["$literal"] in (0, 1)):
        return value
    if isinstance(other["$literal"], bool):
        # A stored value (a column, a JSON key) is compared as it is: a
        # JSON true equals true, never 1 or "x".
        stored = isinstance(node, n.Column | n.Param | n.Literal) or (
            isinstance(node, n.Func) and node.name == "JSON_KEY"
        )
        if _is_predicate(node) or stored:
            return value
        return {"$toBool": value}
    if _is_predicate(node):
        return {"$cond": [is_null(value), None, {"$cond": [value, 1, 0]}]}
    return value


def _concat_parts(expr: n.Expr) -> list[n.Expr]:
    if isinstance(expr, n.BinaryOp) and expr.op == "||":
        return _concat_parts(expr.left) + _concat_parts(expr.right)
    return [expr]


def _ends_with(haystack: Any, needle: Any) -> Any:
    size = {"$strLenCP": needle}
    start = {"$subtract": [{"$strLenCP": haystack}, size]}
    return {
        "$and": [
            {"$gte": [start, 0]},
            {"$eq": [{"$substrCP": [haystack, {"$max": [start, 0]}, size]}, needle]},
        ]
    }


SUBSTRING_TESTS: dict[str, Callable[[Any, Any], Any]] = {
    "contains": lambda h, n: {"$gte": [{"$indexOfCP": [h, n]}, 0]},
    "startswith": lambda h, n: {"$eq": [{"$indexOfCP": [h, n]}, 0]},
    "endswith": _ends_with,
    "exact": lambda h, n: {"$eq": [h, n]},
}


def lookup_values(key: str) -> dict[str, Any]:
    """Return the first column of the rows a $lookup stored under ``key``."""
    # $map rather than the "$key.c0" shorthand, which not every server
    # implementation resolves over an array of documents.
    return {"$map": {"input": f"${key}", "in": "$$this.c0"}}


def between_as_and(expr: n.Between) -> n.Expr:
    """Return ``x BETWEEN a AND b`` as ``x >= a AND x <= b`` (or its NOT)."""
    both = n.And(
        (n.Comparison(">=", expr.expr, expr.low), n.Comparison("<=", expr.expr, expr.high))
    )
    return n.Not(both) if expr.negated else both


def is_not_null(expr: Any) -> dict[str, Any]:
    return {"$ne": [{"$ifNull": [expr, None]}, None]}


def _all(conditions: list[Any]) -> Any:
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}


def _is_literal(expr: Any) -> bool:
    return isinstance(expr, dict) and set(expr) == {"$literal"}


def _is_null_literal(expr: Any) -> bool:
    return expr is None or (_is_literal(expr) and expr["$literal"] is None)


def _column_text(column: n.Column) -> str:
    return f'"{column.table}"."{column.name}"' if column.table else f'"{column.name}"'


PREDICATE_TYPES = (
    n.Comparison,
    n.IsNull,
    n.InList,
    n.InSubquery,
    n.Between,
    n.Like,
    n.Regex,
    n.Exists,
    n.And,
    n.Or,
    n.Not,
)


def _is_predicate(expr: n.Expr) -> bool:
    return isinstance(expr, PREDICATE_TYPES)


def _divide(a: Any, b: Any) -> Any:
    # SQL divides integers with truncation; MongoDB's $divide always
    # returns a double.
    both_integers = {
        "$and": [{"$in": [{"$type": a}, ["int", "long"]]}, {"$in": [{"$type": b}, ["int", "long"]]}]
    }
    return {
        "$cond": [
            {"$or": [is_null(a), is_null(b), {"$eq": [b, 0]}]},
            None,
            {"$cond": [both_integers, {"$trunc": {"$divide": [a, b]}}, {"$divide": [a, b]}]},
        ]
    }


BINARY_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: {"$add": [a, b]},
    "-": lambda a, b: {"$subtract": [a, b]},
    "*": lambda a, b: {"$multiply": [a, b]},
    "/": _divide,
    "%": modulo,
    "%%": modulo,
    # SQL's || is NULL when either side is.
    "||": lambda a, b: {
        "$cond": [
            {"$or": [is_null(a), is_null(b)]},
            None,
            {"$concat": [{"$toString": a}, {"$toString": b}]},
        ]
    },
}


JSON_FUNCTIONS: dict[str, Callable[[ExpressionCompiler, n.Func], Bound]] = {
    "JSON_KEY": ExpressionCompiler.value_json_key,
    "JSON_HAS_KEY": ExpressionCompiler.value_json_has_key,
    "JSON_CONTAINS": ExpressionCompiler.value_json_contains,
    "JSON_TYPE": ExpressionCompiler.value_json_type,
}


def _json_document(value: Any) -> Any:
    """Return JSON text decoded; any other value (or invalid JSON) as it is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def path_reference(path: str) -> Any:
    """Return the aggregation expression of a document path.

    ``"$a.b"`` reads a path, but a number in it does not index an array
    there (``"$tags.0"`` is ``[]``): those steps become ``$arrayElemAt``
    (or the key ``"0"`` of a document, as the query language reads it).
    """
    parts = path.split(".")
    if not any(part.isdigit() for part in parts[1:]):
        return "$" + path
    first = next(i for i, part in enumerate(parts[1:], start=1) if part.isdigit())
    expr: Any = "$" + ".".join(parts[:first])
    rest = parts[first:]
    while rest:
        key, rest = rest[0], rest[1:]
        if key.isdigit():
            element = {"$arrayElemAt": ["$$value", int(key)]}
            step: Any = {"$cond": [{"$isArray": "$$value"}, element, f"$$value.{key}"]}
        else:
            step = f"$$value.{key}"
        expr = {"$let": {"vars": {"value": expr}, "in": step}}
    return expr
