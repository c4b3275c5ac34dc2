"""Window functions (``f(...) OVER (...)``) → ``$setWindowFields`` stages.

Each distinct window (its PARTITION BY and ORDER BY) gets its own fields,
prefixed ``__w<i>_``, written by these stages, in this order:

1. ``$set`` of the ORDER BY keys (``s<j>``), each with a missing value read
   as null (SQL has one NULL), because ``sortBy`` takes field paths only;
   for a RANGE frame with offsets, the single key as a number that sorts
   ascending (``r``: negated for ORDER BY ... DESC).
2. ``$setWindowFields`` sorted by the keys: the row number ``rn``, the
   partition's size ``n``, ``$shift`` for LAG/LEAD and the aggregates over
   ROWS frames.
3. ``$setWindowFields`` partitioned by the partition *and* the sort keys,
   that is by peer group (rows equal in every ORDER BY key): the peer
   group's first and last row numbers ``pf`` and ``pl`` and everything a
   RANGE frame bounded by CURRENT ROW needs, since SQL's frame then ends at
   (or starts from) the last (first) peer, where MongoDB's ends at the row.
4. ``$setWindowFields`` sorted by the row number: DENSE_RANK (a running
   count of the peer groups' first rows) and the frames with EXCLUDE,
   collected as records of row number, first peer and value.
5. ``$setWindowFields`` sorted by ``r`` for RANGE frames with offsets.

A last ``$set`` computes what MongoDB has no operator for from those fields
(RANK, PERCENT_RANK, CUME_DIST, NTILE, NTH_VALUE, SUM's NULL over no row,
the values left by an EXCLUDE), so that every result is SQL's: MongoDB's
``$rank`` accepts one sort key only, and its ``$sum`` of no value is 0.
Only the stages a statement's calls need are emitted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import not_supported, server_refusal
from . import nodes as n
from .expressions import Bound, ExpressionCompiler
from .functions import is_null

UNBOUNDED = "unbounded"
POSITIVE_INFINITY, NEGATIVE_INFINITY = float("inf"), float("-inf")
CURRENT = "current"
# The frame SQL gives an aggregate without a frame clause: the whole
# partition without ORDER BY; with it, up to the current row's last peer.
WHOLE_PARTITION = n.Frame("ROWS", None, None)
UP_TO_PEERS = n.Frame("RANGE", None, 0)

Operator = Callable[[Any], dict[str, Any]]
# (context, the expression of an array of values) → the function's value.
Reducer = Callable[[Any, Any], Any]

# EXCLUDE clauses: (current row number, its first peer's) → the condition
# on a frame row's record ($$this) that keeps it.
EXCLUSIONS: dict[str, Callable[[str, str], dict[str, Any]]] = {
    "CURRENT ROW": lambda number, first: {"$ne": ["$$this.r", number]},
    "GROUP": lambda number, first: {"$ne": ["$$this.p", first]},
    "TIES": lambda number, first: {
        "$or": [{"$ne": ["$$this.p", first]}, {"$eq": ["$$this.r", number]}]
    },
}


def _element(values: Any, index: int) -> dict[str, Any]:
    """The ``index``-th value (from the end when negative), NULL past the
    end ($arrayElemAt gives no value there)."""
    needed = index + 1 if index >= 0 else -index
    return {
        "$cond": [{"$gte": [{"$size": values}, needed]}, {"$arrayElemAt": [values, index]}, None]
    }


def _present(values: Any) -> dict[str, Any]:
    return {"$filter": {"input": values, "cond": {"$ne": ["$$this", None]}}}


def windows_in(expr: Any) -> Iterator[n.Window]:
    """Yield the window calls in ``expr``, not counting subqueries."""
    if isinstance(expr, n.Window):
        yield expr
        return
    if isinstance(expr, n.Select | n.Exists | n.ScalarSubquery | n.InSubquery | n.Compound):
        return
    if isinstance(expr, tuple):
        for item in expr:
            yield from windows_in(item)
    elif isinstance(expr, n.Node):
        for name in getattr(expr, "__dataclass_fields__", ()):
            yield from windows_in(getattr(expr, name))


def window_operands(window: n.Window) -> tuple[n.Expr, ...]:
    """Return the expressions a window call reads per row (its function's
    arguments, partition and sort keys), which a GROUP BY may replace."""
    return (
        *window.func.args,
        *window.partition_by,
        *(order.expr for order in window.order_by),
    )


@dataclass
class _Window:
    """The fields and stages of one PARTITION BY / ORDER BY pair."""

    prefix: str
    partition: list[Bound]
    sort: list[tuple[str, Bound, int]]
    # The single numeric sort key of RANGE frames with offsets.
    range_key: Bound | None = None
    uses_rows: bool = False
    uses_size: bool = False
    uses_peers: bool = False
    sorted_outputs: dict[str, Operator] = field(default_factory=dict)
    peer_outputs: dict[str, Operator] = field(default_factory=dict)
    numbered_outputs: dict[str, Operator] = field(default_factory=dict)
    range_outputs: dict[str, Operator] = field(default_factory=dict)
    counter: int = 0

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def new_key(self) -> str:
        self.counter += 1
        return self.key(f"o{self.counter}")

    @property
    def row_number(self) -> str:
        self.uses_rows = True
        return "$" + self.key("rn")

    @property
    def size(self) -> str:
        self.uses_size = True
        return "$" + self.key("n")

    @property
    def first_peer(self) -> str:
        self.uses_rows = self.uses_peers = True
        return "$" + self.key("pf")

    @property
    def last_peer(self) -> str:
        self.uses_rows = self.uses_peers = True
        return "$" + self.key("pl")

    def partition_by(self, ctx: Any) -> dict[str, Any]:
        return {f"p{i}": {"$ifNull": [value(ctx), None]} for i, value in enumerate(self.partition)}

    def sort_by(self) -> dict[str, int]:
        if not self.sort:
            # $documentNumber and $shift need an order; without ORDER BY
            # any order is SQL's.
            return {"_id": 1}
        return {key: direction for key, _, direction in self.sort}

    def stages(self) -> list[Bound]:
        stages: list[Bound] = []
        outputs = dict(self.sorted_outputs)
        if self.uses_rows:
            outputs[self.key("rn")] = lambda ctx: {"$documentNumber": {}}
        if self.uses_size:
            outputs[self.key("n")] = lambda ctx: {"$count": {}}
        sets = {key: value for key, value, _ in self.sort} if outputs else {}
        if self.range_key is not None:
            sets[self.key("r")] = self.range_key
        if sets:
            stages.append(lambda ctx: {"$set": {k: v(ctx) for k, v in sets.items()}})
        if outputs:
            stages.append(self.window_stage(self.partition_by, self.sort_by(), outputs))
        if self.uses_peers:
            rn = self.row_number
            peer_outputs = {
                self.key("pf"): lambda ctx: {"$min": rn},
                self.key("pl"): lambda ctx: {"$max": rn},
                **self.peer_outputs,
            }

            def peers(ctx: Any) -> dict[str, Any]:
                keys = self.partition_by(ctx)
                keys.update({f"s{i}": f"${key}" for i, (key, _, _) in enumerate(self.sort)})
                return keys

            stages.append(self.window_stage(peers, {self.key("rn"): 1}, peer_outputs))
        if self.numbered_outputs:
            stages.append(
                self.window_stage(self.partition_by, {self.key("rn"): 1}, self.numbered_outputs)
            )
        if self.range_outputs:
            stages.append(
                self.window_stage(self.partition_by, {self.key("r"): 1}, self.range_outputs)
            )
        return stages

    @staticmethod
    def window_stage(
        partition: Callable[[Any], dict[str, Any]],
        sort: dict[str, int],
        outputs: dict[str, Operator],
    ) -> Bound:
        def stage(ctx: Any) -> dict[str, Any]:
            spec: dict[str, Any] = {}
            keys = partition(ctx)
            if keys:
                spec["partitionBy"] = keys
            spec["sortBy"] = sort
            spec["output"] = {key: build(ctx) for key, build in outputs.items()}
            return {"$setWindowFields": spec}

        return stage


def _bound(value: int | None, unbounded: str) -> int | str:
    if value is None:
        return unbounded
    return CURRENT if value == 0 else value


class WindowCompiler:
    """Plan the window calls of one SELECT over the documents of one stage.

    ``expressions`` compiles the calls' operands (after a GROUP BY, with
    its replacements). :meth:`compile` returns the stages and, per window
    call, the field holding its value.
    """

    def __init__(self, expressions: ExpressionCompiler, sql: str):
        self.expressions = expressions
        self.sql = sql
        self.windows: dict[tuple[Any, ...], _Window] = {}
        self.finishers: dict[str, Bound] = {}

    def compile(self, calls: list[n.Window]) -> tuple[list[Bound], dict[n.Expr, str]]:
        fields: dict[n.Expr, str] = {}
        for call in calls:
            if call not in fields:
                fields[call] = self.compile_call(call)
        stages: list[Bound] = []
        for window in self.windows.values():
            stages.extend(window.stages())
        if self.finishers:
            finishers = dict(self.finishers)
            stages.append(lambda ctx: {"$set": {k: v(ctx) for k, v in finishers.items()}})
        return stages, fields

    def window(self, call: n.Window) -> _Window:
        spec = (call.partition_by, call.order_by)
        window = self.windows.get(spec)
        if window is None:
            prefix = f"__w{len(self.windows)}_"
            sort = [
                (
                    f"{prefix}s{i}",
                    self.null_as_null(order.expr),
                    -1 if order.descending else 1,
                )
                for i, order in enumerate(call.order_by)
            ]
            window = _Window(prefix, [self.expressions.value(e) for e in call.partition_by], sort)
            self.windows[spec] = window
        return window

    def null_as_null(self, expr: n.Expr) -> Bound:
        value = self.expressions.value(expr)
        return lambda ctx: {"$ifNull": [value(ctx), None]}

    def compile_call(self, call: n.Window) -> str:
        func = call.func
        if func.distinct:
            raise not_supported(f"{func.name}(DISTINCT ...) OVER (...)", self.sql)
        build = WINDOW_FUNCTIONS.get(func.name)
        if build is None:
            raise not_supported(f"The window function {func.name}()", self.sql)
        return build(self, call, self.window(call))

    def finish(self, window: _Window, value: Bound) -> str:
        key = window.new_key()
        self.finishers[key] = value
        return key

    def constant_int(self, call: n.Window, index: int, default: int | None = None) -> Bound:
        """Return the bound integer argument ``index`` (a parameter or a
        literal: MongoDB takes constants for offsets and counts)."""
        args = call.func.args
        if len(args) <= index:
            if default is None:
                raise not_supported(f"{call.func.name}() without argument {index + 1}", self.sql)
            return lambda ctx: default
        arg = args[index]
        name = call.func.name
        sql = self.sql
        if isinstance(arg, n.Literal) and isinstance(arg.value, int):
            constant = arg.value
            return lambda ctx: constant
        if isinstance(arg, n.Param):
            position = arg.index

            def bound(ctx: Any) -> int:
                value = ctx.params[position]
                if not isinstance(value, int) or isinstance(value, bool):
                    raise not_supported(f"{name}() with a non-integer argument {value!r}", sql)
                return value

            return bound
        raise not_supported(f"{name}() with an expression as argument {index + 1}", self.sql)

    # Frames ---------------------------------------------------------------

    def framed(self, call: n.Window, window: _Window, operator: Operator) -> str:
        """Put ``operator`` (an accumulator) over the call's frame in the
        right stage; return the field that will hold its value."""
        frame = call.frame or (UP_TO_PEERS if call.order_by else WHOLE_PARTITION)
        start, end = self.bounds(call, frame)
        key = window.new_key()
        if (start, end) == (None, None):
            window.sorted_outputs[key] = operator
            return key
        if frame.unit == "ROWS":
            bounds = [_bound(start, UNBOUNDED), _bound(end, UNBOUNDED)]
            window.sorted_outputs[key] = with_window(operator, {"documents": bounds})
            return key
        if start or end:
            return self.range_offsets(call, window, operator, key, start, end)
        if (start, end) == (0, 0):
            # The peer group itself.
            window.uses_rows = window.uses_peers = True
            window.peer_outputs[key] = operator
            return key
        # UNBOUNDED PRECEDING to CURRENT ROW: the value at the last peer;
        # CURRENT ROW to UNBOUNDED FOLLOWING: the value at the first peer.
        rows = [UNBOUNDED, CURRENT] if start is None else [CURRENT, UNBOUNDED]
        window.sorted_outputs[key] = with_window(operator, {"documents": rows})
        window.uses_rows = window.uses_peers = True
        peer_key = window.new_key()
        pick = "$last" if start is None else "$first"
        window.peer_outputs[peer_key] = lambda ctx: {pick: f"${key}"}
        return peer_key

    def bounds(self, call: n.Window, frame: n.Frame) -> tuple[int | None, int | None]:
        if frame.unit == "RANGE" and not call.order_by:
            if frame.start or frame.end:
                raise not_supported("A RANGE frame with an offset and no ORDER BY", self.sql)
            # Without ORDER BY every row is a peer of every other.
            return None, None
        return frame.start, frame.end

    @staticmethod
    def excludes(call: n.Window) -> bool:
        """Return True when the call's frame leaves rows out (EXCLUDE)."""
        return call.frame is not None and call.frame.exclusion not in {None, "NO OTHERS"}

    def framed_excluding(
        self, call: n.Window, window: _Window, value: Bound | None, reduce: Reducer
    ) -> str:
        """A frame with EXCLUDE, which MongoDB's windows cannot express: the
        frame's rows as records (row number ``r``, its first peer's ``p``,
        value ``v``), the excluded ones filtered out, then ``reduce`` over
        the values left, in row order."""
        frame = call.frame
        assert frame is not None and frame.exclusion is not None
        number, first, last = window.row_number, window.first_peer, window.last_peer

        def record(ctx: Any) -> dict[str, Any]:
            v = None if value is None else {"$ifNull": [value(ctx), None]}
            return {"$push": {"r": number, "p": first, "v": v}}

        start, end = self.bounds(call, frame)
        key = window.new_key()
        kept: Any = None
        if frame.unit == "ROWS" or (start, end) == (None, None):
            if (start, end) == (None, None):
                window.numbered_outputs[key] = record
            else:
                bounds = [_bound(start, UNBOUNDED), _bound(end, UNBOUNDED)]
                window.numbered_outputs[key] = with_window(record, {"documents": bounds})
        elif start or end:
            self.range_offsets(call, window, record, key, start, end)
        else:
            # Bounded by CURRENT ROW: the partition's rows, kept by their
            # row numbers against the current row's peers.
            window.numbered_outputs[key] = record
            after_first, up_to_last = {"$gte": ["$$this.r", first]}, {"$lte": ["$$this.r", last]}
            if (start, end) == (0, 0):
                kept = {"$and": [after_first, up_to_last]}
            elif start is None:
                kept = up_to_last
            else:
                kept = after_first
        excluded = EXCLUSIONS[frame.exclusion](number, first)
        condition = excluded if kept is None else {"$and": [kept, excluded]}
        rows = {
            "$sortArray": {
                "input": {"$filter": {"input": f"${key}", "cond": condition}},
                "sortBy": {"r": 1},
            }
        }
        values = {"$map": {"input": rows, "in": "$$this.v"}}
        return self.finish(window, lambda ctx: reduce(ctx, values))

    def range_offsets(
        self,
        call: n.Window,
        window: _Window,
        operator: Operator,
        key: str,
        start: int | None,
        end: int | None,
    ) -> str:
        """A RANGE frame with offsets: MongoDB's range windows, over the one
        ORDER BY key as a number sorted ascending. A non-numeric key makes
        the server refuse the query (as PostgreSQL refuses one)."""
        if len(call.order_by) != 1:
            raise not_supported("A RANGE frame with an offset and several ORDER BY keys", self.sql)
        order = call.order_by[0]
        value = self.expressions.value(order.expr)
        # NULLs sort first ascending and last descending, and are peers of
        # each other only: as an infinity, an offset from a NULL reaches
        # the other NULLs only, and an offset from a number never a NULL.
        # PRECEDING rows of a descending order hold larger values: negated,
        # they sort first.
        descending = order.descending
        null = POSITIVE_INFINITY if descending else NEGATIVE_INFINITY
        refusal = server_refusal(
            "A RANGE frame with an offset over a non-numeric ORDER BY value", self.sql
        )

        def range_key(ctx: Any) -> dict[str, Any]:
            key = value(ctx)
            return {
                "$switch": {
                    "branches": [
                        {
                            "case": {"$isNumber": key},
                            "then": {"$multiply": [-1, key]} if descending else key,
                        },
                        {"case": is_null(key), "then": null},
                    ],
                    "default": refusal,
                }
            }

        window.range_key = range_key
        bounds = [UNBOUNDED if start is None else start, UNBOUNDED if end is None else end]
        window.range_outputs[key] = with_window(operator, {"range": bounds})
        return key

    # Operands -------------------------------------------------------------

    def argument(self, call: n.Window, index: int = 0) -> Bound:
        args = call.func.args
        if len(args) <= index or isinstance(args[index], n.Star):
            raise not_supported(f"{call.func.name}() without argument {index + 1}", self.sql)
        return self.expressions.value(args[index])


def with_window(operator: Operator, bounds: dict[str, Any]) -> Operator:
    def build(ctx: Any) -> dict[str, Any]:
        spec = operator(ctx)
        spec["window"] = bounds
        return spec

    return build


# The window functions: (compiler, call, window) → the field of its value.


def _row_number(c: WindowCompiler, call: n.Window, w: _Window) -> str:
    return w.row_number[1:]


def _rank(c: WindowCompiler, call: n.Window, w: _Window) -> str:
    # RANK is the row number of the first peer (ties share it, gaps follow).
    return w.first_peer[1:]


def _dense_rank(c: WindowCompiler, call: n.Window, w: _Window) -> str:
    # A running count of the peer groups' first rows, in row-number order.
    first, number = w.first_peer, w.row_number
    key = w.new_key()
    starts = {"$cond": [{"$eq": [number, first]}, 1, 0]}
    w.numbered_outputs[key] = lambda ctx: {
        "$sum": starts,
        "window": {"documents": [UNBOUNDED, CURRENT]},
    }
    return key


def _percent_rank(c: WindowCompiler, call: n.Window, w: _Window) -> str:
    # (RANK - 1) / (rows - 1), 0 for a partition of one row.
    first, size = w.first_peer, w.size
    value = {
        "$cond": [
            {"$lte": [size, 1]},
            0.0,
            {"$divide": [{"$subtract": [first, 1]}, {"$subtract": [size, 1]}]},
        ]
    }
    return c.finish(w, lambda ctx: value)


def _cume_dist(c: WindowCompiler, call: n.Window, w: _Window) -> str:
    # Rows up to the current row's last peer, over the partition's rows.
    last, size = w.last_peer, w.size
    value = {"$divide": [last, size]}
    return c.finish(w, lambda ctx: value)


def _ntile(c: WindowCompiler, call: n.Window, w: _Window) -> str:
    # SQL's buckets: the first (rows % k) buckets hold one row more.
    buckets = c.constant_int(call, 0)
    number, size = w.row_number, w.size

    def value(ctx: Any) -> dict[str, Any]:
        k = buckets(ctx)
        if k <= 0:
            raise not_supported(f"NTILE({k})", c.sql)
        small = {"$trunc": {"$divide": [size, k]}}
        large_rows = {"$multiply": [{"$mod": [size, k]}, {"$add": ["$$small", 1]}]}
        in_large = {
            "$add": [
                {"$trunc": {"$divide": [{"$subtract": [number, 1]}, {"$add": ["$$small", 1]}]}},
                1,
            ]
        }
        in_small = {
            "$add": [
                {"$mod": [size, k]},
                {
                    "$trunc": {
                        "$divide": [
                            {"$subtract": [{"$subtract": [number, 1]}, "$$large"]},
                            "$$small",
                        ]
                    }
                },
                1,
            ]
        }
        return {
            "$toLong": {
                "$let": {
                    "vars": {"small": small},
                    "in": {
                        "$let": {
                            "vars": {"large": large_rows},
                            "in": {"$cond": [{"$lte": [number, "$$large"]}, in_large, in_small]},
                        }
                    },
                }
            }
        }

    return c.finish(w, value)


def _shift(direction: int) -> Callable[[WindowCompiler, n.Window, _Window], str]:
    def build(c: WindowCompiler, call: n.Window, w: _Window) -> str:
        value = c.argument(call)
        offset = c.constant_int(call, 1, default=1)
        args = call.func.args
        default = args[2] if len(args) > 2 else n.Literal(None)
        key = w.new_key()
        if isinstance(default, n.Param | n.Literal):
            constant = c.expressions.value(default)
            w.sorted_outputs[key] = lambda ctx: {
                "$shift": {
                    "output": value(ctx),
                    "by": direction * offset(ctx),
                    "default": constant(ctx),
                }
            }
            return key
        # $shift's default must be a constant: mark rows that have a row at
        # the offset and take the expression for the others.
        present = w.new_key()
        w.sorted_outputs[key] = lambda ctx: {
            "$shift": {"output": value(ctx), "by": direction * offset(ctx)}
        }
        w.sorted_outputs[present] = lambda ctx: {
            "$shift": {"output": True, "by": direction * offset(ctx), "default": False}
        }
        fallback = c.expressions.value(default)
        return c.finish(w, lambda ctx: {"$cond": [f"${present}", f"${key}", fallback(ctx)]})

    return build


def _first_value(c: WindowCompiler, call: n.Window, w: _Window) -> str:
    value = c.argument(call)
    if c.excludes(call):
        return c.framed_excluding(call, w, value, lambda ctx, values: _element(values, 0))
    return c.framed(call, w, lambda ctx: {"$first": value(ctx)})


def _last_value(c: WindowCompiler, call: n.Window, w: _Window) -> str:
    value = c.argument(call)
    if c.excludes(call):
        return c.framed_excluding(call, w, value, lambda ctx, values: _element(values, -1))
    return c.framed(call, w, lambda ctx: {"$last": value(ctx)})


def _nth_value(c: WindowCompiler, call: n.Window, w: _Window) -> str:
    # The first k values of the frame; NULL when it has fewer than k rows.
    value = c.argument(call)
    nth = c.constant_int(call, 1)

    def position(ctx: Any) -> int:
        k = nth(ctx)
        if k <= 0:
            raise not_supported(f"NTH_VALUE(..., {k})", c.sql)
        return k

    def first_n(ctx: Any) -> dict[str, Any]:
        return {"$firstN": {"input": {"$ifNull": [value(ctx), None]}, "n": position(ctx)}}

    if c.excludes(call):
        return c.framed_excluding(
            call, w, value, lambda ctx, values: _element(values, position(ctx) - 1)
        )
    key = c.framed(call, w, first_n)

    def pick(ctx: Any) -> dict[str, Any]:
        values = {"$ifNull": [f"${key}", []]}
        k = nth(ctx)
        return {
            "$cond": [{"$gte": [{"$size": values}, k]}, {"$arrayElemAt": [values, k - 1]}, None]
        }

    return c.finish(w, pick)


def _count(c: WindowCompiler, call: n.Window, w: _Window) -> str:
    args = call.func.args
    star = not args or isinstance(args[0], n.Star)
    value = None if star else c.argument(call)
    if c.excludes(call):
        counted: Reducer = (
            (lambda ctx, values: {"$size": values})
            if star
            else (lambda ctx, values: {"$size": _present(values)})
        )
        return c.framed_excluding(call, w, value, counted)
    if value is None:
        return c.framed(call, w, lambda ctx: {"$sum": 1})
    return c.framed(call, w, lambda ctx: {"$sum": {"$cond": [is_null(value(ctx)), 0, 1]}})


def _sum(c: WindowCompiler, call: n.Window, w: _Window) -> str:
    # $sum of no number is 0; SQL's SUM is NULL then.
    value = c.argument(call)
    if c.excludes(call):
        return c.framed_excluding(
            call,
            w,
            value,
            lambda ctx, values: {
                "$cond": [{"$eq": [{"$size": _present(values)}, 0]}, None, {"$sum": values}]
            },
        )
    total = c.framed(call, w, lambda ctx: {"$sum": value(ctx)})
    count = c.framed(call, w, lambda ctx: {"$sum": {"$cond": [is_null(value(ctx)), 0, 1]}})
    return c.finish(w, lambda ctx: {"$cond": [{"$eq": [f"${count}", 0]}, None, f"${total}"]})


def _accumulator(
    operator: str, squared: bool = False
) -> Callable[[WindowCompiler, n.Window, _Window], str]:
    def build(c: WindowCompiler, call: n.Window, w: _Window) -> str:
        value = c.argument(call)
        if c.excludes(call):
            # The same operators take an array: over its values, NULLs
            # ignored.
            def reduce(ctx: Any, values: Any) -> Any:
                result = {operator: values}
                return {"$pow": [result, 2]} if squared else result

            return c.framed_excluding(call, w, value, reduce)
        key = c.framed(call, w, lambda ctx: {operator: value(ctx)})
        if not squared:
            return key
        # MongoDB has standard deviations; variance is their square.
        return c.finish(w, lambda ctx: {"$pow": [f"${key}", 2]})

    return build


WINDOW_FUNCTIONS: dict[str, Callable[[WindowCompiler, n.Window, _Window], str]] = {
    "ROW_NUMBER": _row_number,
    "RANK": _rank,
    "DENSE_RANK": _dense_rank,
    "PERCENT_RANK": _percent_rank,
    "CUME_DIST": _cume_dist,
    "NTILE": _ntile,
    "LAG": _shift(-1),
    "LEAD": _shift(1),
    "FIRST_VALUE": _first_value,
    "LAST_VALUE": _last_value,
    "NTH_VALUE": _nth_value,
    "COUNT": _count,
    "SUM": _sum,
    # These ignore NULLs and give NULL over no value, as SQL's do.
    "AVG": _accumulator("$avg"),
    "MIN": _accumulator("$min"),
    "MAX": _accumulator("$max"),
    "STDDEV_POP": _accumulator("$stdDevPop"),
    "STDDEV_SAMP": _accumulator("$stdDevSamp"),
    "VAR_POP": _accumulator("$stdDevPop", squared=True),
    "VAR_SAMP": _accumulator("$stdDevSamp", squared=True),
}

__all__ = ["WINDOW_FUNCTIONS", "WindowCompiler", "window_operands", "windows_in"]
