"""The parse tree: frozen dataclasses produced by the parser.

Every node is immutable and hashable so that a parsed statement can be
cached and shared between executions. Parameter placeholders (``%s``) are
kept as :class:`Param` nodes holding their position in ``params``; values
are only looked at when a plan is bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class Node:
    """Base class of every tree node."""

    __slots__ = ()


class Expr(Node):
    """A value expression or a predicate."""

    __slots__ = ()


@dataclass(frozen=True)
class Column(Expr):
    """A column reference; ``table`` is the alias it was qualified with."""

    name: str
    table: str | None = None


@dataclass(frozen=True)
class Param(Expr):
    """The ``index``-th ``%s`` placeholder of the statement."""

    index: int


@dataclass(frozen=True)
class Literal(Expr):
    """A constant written in the SQL text (number, string, NULL, boolean)."""

    value: Any


@dataclass(frozen=True)
class Default(Expr):
    """A VALUES entry written as DEFAULT: the column takes no value."""


@dataclass(frozen=True)
class Star(Expr):
    """The ``*`` of ``COUNT(*)``."""


@dataclass(frozen=True)
class Func(Expr):
    """A function call such as ``COUNT(DISTINCT "t"."a")`` or ``UPPER(x)``."""

    name: str
    args: tuple[Expr, ...] = ()
    distinct: bool = False


@dataclass(frozen=True)
class Cast(Expr):
    """``CAST(expr AS type)``."""

    expr: Expr
    type_name: str


@dataclass(frozen=True)
class BinaryOp(Expr):
    """Arithmetic or concatenation: ``+ - * / % ||``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Negate(Expr):
    """Unary minus."""

    expr: Expr


@dataclass(frozen=True)
class When(Node):
    condition: Expr
    result: Expr


@dataclass(frozen=True)
class Case(Expr):
    """``CASE WHEN ... THEN ... ELSE ... END`` (searched form)."""

    whens: tuple[When, ...]
    default: Expr | None = None


@dataclass(frozen=True)
class Frame(Node):
    """A window frame: ``ROWS|RANGE BETWEEN start AND end [EXCLUDE ...]``.

    A bound is None when unbounded (UNBOUNDED PRECEDING for ``start``,
    UNBOUNDED FOLLOWING for ``end``), 0 for CURRENT ROW, negative for
    ``n PRECEDING`` and positive for ``n FOLLOWING``.
    """

    unit: str  # "ROWS" or "RANGE"
    start: int | None
    end: int | None
    exclusion: str | None = None  # "CURRENT ROW", "GROUP", "TIES", "NO OTHERS"


@dataclass(frozen=True)
class Window(Expr):
    """A window function call: ``func OVER (PARTITION BY ... ORDER BY ...
    frame)``."""

    func: Func
    partition_by: tuple[Expr, ...] = ()
    order_by: tuple[OrderItem, ...] = ()
    frame: Frame | None = None


# Predicates ---------------------------------------------------------------


@dataclass(frozen=True)
class Comparison(Expr):
    """``left op right`` with op one of ``= <> < <= > >=``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class IsNull(Expr):
    expr: Expr
    negated: bool = False


@dataclass(frozen=True)
class InList(Expr):
    expr: Expr
    items: tuple[Expr, ...]
    negated: bool = False


@dataclass(frozen=True)
class InSubquery(Expr):
    expr: Expr
    query: Select | Compound
    negated: bool = False
    # Set by the planner's join reduction (joins.py): more rows than this
    # raise plans.KeysOverflow, and the statement runs with its joins.
    key_limit: int | None = None
    # Set there too, for a dropped join to a key that is not unique: a
    # repeated key (a row the join matched twice) raises KeysOverflow.
    distinct_keys: bool = False


@dataclass(frozen=True)
class Between(Expr):
    expr: Expr
    low: Expr
    high: Expr
    negated: bool = False


@dataclass(frozen=True)
class Like(Expr):
    """``expr [NOT] LIKE|ILIKE pattern [ESCAPE 'c']``; the dialect's default
    escape character is a backslash."""

    expr: Expr
    pattern: Expr
    case_insensitive: bool = False
    escape: str | None = None
    negated: bool = False


@dataclass(frozen=True)
class Regex(Expr):
    """``expr [NOT] REGEXP|IREGEXP pattern`` (the dialect of operations.py)."""

    expr: Expr
    pattern: Expr
    case_insensitive: bool = False
    negated: bool = False


@dataclass(frozen=True)
class Exists(Expr):
    query: Select | Compound
    negated: bool = False


@dataclass(frozen=True)
class ScalarSubquery(Expr):
    query: Select | Compound


@dataclass(frozen=True)
class And(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Or(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Not(Expr):
    expr: Expr


# Statements ---------------------------------------------------------------


@dataclass(frozen=True)
class SelectItem(Node):
    expr: Expr
    alias: str | None = None


@dataclass(frozen=True)
class Table(Node):
    name: str
    alias: str


@dataclass(frozen=True)
class SubqueryTable(Node):
    """A derived table: ``(SELECT ...) alias``."""

    query: Select | Compound
    alias: str


@dataclass(frozen=True)
class Join(Node):
    kind: str  # "INNER" or "LEFT"
    table: Table
    on: Expr


@dataclass(frozen=True)
class OrderItem(Node):
    expr: Expr
    descending: bool = False


@dataclass(frozen=True)
class Select(Node):
    items: tuple[SelectItem, ...]
    source: Table | SubqueryTable | None
    joins: tuple[Join, ...] = ()
    where: Expr | None = None
    group_by: tuple[Expr, ...] = ()
    having: Expr | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int = 0
    distinct: bool = False


@dataclass(frozen=True)
class Compound(Node):
    """``part UNION [ALL] | INTERSECT | EXCEPT part ...`` with the ORDER BY,
    LIMIT and OFFSET that apply to the whole."""

    operator: str
    parts: tuple[Select | Compound, ...]
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int = 0


Query = Select | Compound


@dataclass(frozen=True)
class OnConflict(Node):
    """``ON CONFLICT [(target)] DO NOTHING | DO UPDATE SET c = EXCLUDED.c``.

    ``target`` names the columns of the unique constraint (empty: any);
    ``update`` the columns a stored row takes from the new one, or None
    for DO NOTHING.
    """

    target: tuple[str, ...] = ()
    update: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Insert(Node):
    table: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Expr, ...], ...]
    returning: tuple[str, ...] = ()
    on_conflict: OnConflict | None = None


@dataclass(frozen=True)
class Assignment(Node):
    column: str
    value: Expr


@dataclass(frozen=True)
class Update(Node):
    table: str
    assignments: tuple[Assignment, ...]
    where: Expr | None = None


@dataclass(frozen=True)
class Delete(Node):
    table: str
    where: Expr | None = None


@dataclass(frozen=True)
class Explain(Node):
    """``EXPLAIN [JSON] ['verbosity'] statement``: MongoDB's explain output."""

    statement: Select | Compound | Insert | Update | Delete
    verbosity: str = "queryPlanner"
    as_json: bool = False


Statement = Select | Compound | Insert | Update | Delete | Explain

__all__ = [
    "And",
    "Assignment",
    "Between",
    "BinaryOp",
    "Case",
    "Cast",
    "Column",
    "Comparison",
    "Compound",
    "Default",
    "Delete",
    "Exists",
    "Explain",
    "Expr",
    "Frame",
    "Func",
    "InList",
    "InSubquery",
    "Insert",
    "IsNull",
    "Join",
    "Like",
    "Literal",
    "Negate",
    "Node",
    "Not",
    "OnConflict",
    "Or",
    "OrderItem",
    "Param",
    "Query",
    "Regex",
    "ScalarSubquery",
    "Select",
    "SelectItem",
    "Star",
    "Statement",
    "SubqueryTable",
    "Table",
    "Update",
    "When",
    "Window",
]
