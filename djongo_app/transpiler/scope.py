"""Name resolution: which document path a column reference reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import nodes as n

# Joined documents are unwound into the base document under this prefix;
# no Django column starts with it.
JOIN_PREFIX = "__join__"


class Context(Protocol):
    """What a compiled closure may look at when a plan is bound."""

    params: tuple[Any, ...] | list[Any]

    def run_subquery(self, plan: Any) -> list[tuple[Any, ...]]: ...


@dataclass(frozen=True)
class Source:
    """One FROM or JOIN entry as seen from the current pipeline stage.

    ``prefix`` is prepended to column names ("" for the base table). A
    derived table maps its column names to output keys in ``columns``.
    """

    prefix: str = ""
    columns: Mapping[str, str] | None = None

    def path(self, name: str) -> str:
        if self.columns is not None:
            if name not in self.columns:
                raise KeyError(name)
            return self.prefix + self.columns[name]
        return self.prefix + name


class Correlation:
    """The outer columns a correlated subquery reads.

    Each outer column becomes a ``$lookup`` ``let`` variable; ``lets`` maps
    the variable names to the column's expression in the outer pipeline.
    """

    def __init__(self, outer_value: Any):
        # outer_value(column) -> Bound expression in the outer pipeline;
        # raises KeyError for a column the outer query cannot see.
        self.outer_value = outer_value
        self.lets: dict[str, Any] = {}
        self._names: dict[n.Column, str] = {}

    def variable(self, column: n.Column) -> str:
        """Return ``$$name`` of the variable that carries ``column``."""
        name = self._names.get(column)
        if name is None:
            bound = self.outer_value(column)
            name = f"outer{len(self._names)}"
            self._names[column] = name
            self.lets[name] = bound
        return "$$" + name


@dataclass(frozen=True)
class Scope:
    """The aliases visible to an expression and how to reach their columns."""

    sources: Mapping[str, Source] = field(default_factory=dict)
    default: str | None = None
    # Output keys of SELECT aliases, for ORDER BY and HAVING references.
    aliases: Mapping[str, str] = field(default_factory=dict)
    # Set inside a correlated subquery: how to read the outer query's columns.
    correlation: Correlation | None = None

    def path(self, column: n.Column) -> str:
        """Return the dotted document path of ``column``.

        Raise KeyError when the column's table is not in this scope.
        """
        if column.table is None:
            if column.name in self.aliases:
                return self.aliases[column.name]
            if self.default is None:
                raise KeyError(column.name)
            return self.sources[self.default].path(column.name)
        return self.sources[column.table].path(column.name)

    def with_aliases(self, aliases: Mapping[str, str]) -> Scope:
        return Scope(self.sources, self.default, aliases, self.correlation)


def single_table(alias: str) -> Scope:
    """Return the scope of a statement over one collection."""
    return Scope({alias: Source()}, default=alias)


def referenced_tables(expr: n.Node) -> set[str | None]:
    """Return the table aliases ``expr`` reads, not counting subqueries."""
    found: set[str | None] = set()
    _walk_tables(expr, found)
    return found


def _walk_tables(node: Any, found: set[str | None]) -> None:
    if isinstance(node, n.Column):
        found.add(node.table)
        return
    if isinstance(node, n.Select | n.Exists | n.ScalarSubquery):
        return
    if isinstance(node, n.InSubquery):
        _walk_tables(node.expr, found)
        return
    if isinstance(node, tuple):
        for item in node:
            _walk_tables(item, found)
        return
    if isinstance(node, n.Node):
        for name in getattr(node, "__dataclass_fields__", ()):
            _walk_tables(getattr(node, name), found)


def defined_aliases(select: n.Node) -> set[str]:
    aliases: set[str] = set()
    if not isinstance(select, n.Select):
        return aliases
    if isinstance(select.source, n.Table | n.SubqueryTable):
        aliases.add(select.source.alias)
    aliases.update(join.table.alias for join in select.joins)
    return aliases


def free_aliases(select: n.Node) -> set[str]:
    """Return the aliases ``select`` reads but does not define (outer ones)."""
    found: set[str | None] = set()
    _walk_all_tables(select, found)
    own = defined_aliases(select)
    return {alias for alias in found if alias is not None and alias not in own}


def _walk_all_tables(node: Any, found: set[str | None]) -> None:
    if isinstance(node, n.Column):
        found.add(node.table)
        return
    if isinstance(node, n.Select):
        inner: set[str | None] = set()
        for name in node.__dataclass_fields__:
            _walk_all_tables(getattr(node, name), inner)
        own = defined_aliases(node)
        found.update(alias for alias in inner if alias not in own)
        return
    if isinstance(node, tuple):
        for item in node:
            _walk_all_tables(item, found)
        return
    if isinstance(node, n.Node):
        for name in getattr(node, "__dataclass_fields__", ()):
            _walk_all_tables(getattr(node, name), found)


def correlated_subqueries(expr: Any) -> list[n.Expr]:
    """Return the subquery nodes in ``expr`` that read outer columns."""
    result: list[n.Expr] = []
    _collect_correlated(expr, result)
    return result


def _collect_correlated(node: Any, result: list[n.Expr]) -> None:
    if isinstance(node, n.Exists | n.ScalarSubquery | n.InSubquery):
        if free_aliases(node.query):
            if node not in result:
                result.append(node)
            if isinstance(node, n.InSubquery):
                _collect_correlated(node.expr, result)
            return
        if isinstance(node, n.InSubquery):
            _collect_correlated(node.expr, result)
        return
    if isinstance(node, tuple):
        for item in node:
            _collect_correlated(item, result)
        return
    if isinstance(node, n.Node) and not isinstance(node, n.Select):
        for name in getattr(node, "__dataclass_fields__", ()):
            _collect_correlated(getattr(node, name), result)
