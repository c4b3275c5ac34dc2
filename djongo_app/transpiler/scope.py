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


@dataclass(frozen=True)
class Scope:
    """The aliases visible to an expression and how to reach their columns."""

    sources: Mapping[str, Source] = field(default_factory=dict)
    default: str | None = None
    # Output keys of SELECT aliases, for ORDER BY and HAVING references.
    aliases: Mapping[str, str] = field(default_factory=dict)

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
        return Scope(self.sources, self.default, aliases)


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
