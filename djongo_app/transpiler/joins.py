"""Joins planned so that their cost follows the rows they can match.

A ``$lookup`` runs once per document that reaches it. For a join whose
joined table carries conditions (``filter(blog__name="b7")``), only the
base documents whose join key is among the keys of the joined documents
meeting those conditions can survive it. :func:`reduce_joins` rewrites
such a SELECT before it is planned:

* every INNER JOIN whose joined rows are filtered (by WHERE conditions on
  that table alone, or by INNER JOINs that hang off it) gives the base
  table the condition ``local IN (SELECT key FROM joined WHERE ...)``: a
  superset filter, run first as its own query, that lets the main query
  start from the matching documents (an index on the join key serves it);
* such a join to a unique key (a foreign key to a primary key) whose
  table is read nowhere else (the join only filters) is dropped: the
  ``IN`` condition is then exactly what the join did, since each base row
  matches at most one joined row. With no other join left the query is a
  plain ``find`` (or ``count_documents``);
* a filtering join to a key that is not unique (a many-to-many's link
  table) is dropped the same way in a first plan whose key list must not
  repeat (:func:`check_keys`): when every base row matches at most one
  link row, which is what a filter on one related row gives, the query is
  a plain ``find``; otherwise that plan gives way to the one that keeps
  the join (SQL's one row per matching link).

This is the plan that measured best on both a real ``mongod`` and the
test server: one small query on the joined collection plus an indexable
``$in`` on the base one, where a ``$lookup`` would run for every base
document before anything is cut (see docs/performance.md). A key list is
capped (:data:`KEY_LIMIT`): past it the statement runs with its joins
unchanged (:class:`~.plans.KeysFallbackPlan`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from . import nodes as n
from .catalog import is_unique
from .scope import correlated_subqueries, referenced_tables

# Keys a reduction passes as $in before the statement falls back to its
# joins (a command holds at most 16 MB; 100,000 ObjectIds take ~2 MB).
KEY_LIMIT = 100_000


class KeysOverflow(Exception):
    """A reduction found more than KEY_LIMIT keys, or a key list that
    should not repeat repeated: run the joins instead."""


def check_keys(values: list[Any], key_limit: int | None, distinct: bool) -> None:
    """Raise KeysOverflow if the non-null ``values`` of a key list pass
    ``key_limit`` or, when ``distinct``, repeat."""
    if key_limit is not None and len(values) > key_limit:
        raise KeysOverflow(key_limit)
    if distinct:
        try:
            repeated = len(set(values)) != len(values)
        except TypeError:  # an unhashable key: no claim on repeats
            repeated = True
        if repeated:
            raise KeysOverflow("repeated keys")


@dataclass(frozen=True)
class EquiJoin:
    """A JOIN's equality: ``local`` (a column of an earlier table, whose
    alias is ``owner``) = ``foreign`` (a column of the joined table)."""

    join: n.Join
    local: n.Column
    foreign: n.Column
    owner: str
    # The other ON conditions.
    extra: tuple[n.Expr, ...]

    @property
    def alias(self) -> str:
        return self.join.table.alias

    @property
    def unique(self) -> bool:
        """Whether a base row matches at most one joined row."""
        return "." not in self.foreign.name and is_unique(self.join.table.name, self.foreign.name)


def conjuncts(expr: n.Expr | None) -> list[n.Expr]:
    if expr is None:
        return []
    if isinstance(expr, n.And):
        return list(expr.items)
    return [expr]


def and_of(items: list[n.Expr]) -> n.Expr | None:
    if not items:
        return None
    return items[0] if len(items) == 1 else n.And(tuple(items))


def equi_joins(select: n.Select) -> list[EquiJoin] | None:
    """Return the joins of ``select`` as equalities between a column of an
    earlier table and one of the joined table, or None if one is not."""
    if not isinstance(select.source, n.Table):
        return None
    base = select.source.alias
    seen = {base}
    found = []
    for join in select.joins:
        alias = join.table.alias
        pair = None
        extra: list[n.Expr] = []
        for conjunct in conjuncts(join.on):
            if pair is None:
                pair = equality_pair(conjunct, alias)
                if pair is not None:
                    continue
            extra.append(conjunct)
        if pair is None:
            return None
        local, foreign = pair
        owner = base if local.table is None else local.table
        if owner not in seen:
            return None
        seen.add(alias)
        found.append(EquiJoin(join, local, foreign, owner, tuple(extra)))
    return found


def equality_pair(expr: n.Expr, alias: str) -> tuple[n.Column, n.Column] | None:
    """``(other, joined)`` when ``expr`` is ``other = joined`` (either way
    round) with ``joined`` a column of ``alias`` and ``other`` not; else None."""
    if not (isinstance(expr, n.Comparison) and expr.op == "="):
        return None
    left, right = expr.left, expr.right
    if not (isinstance(left, n.Column) and isinstance(right, n.Column)):
        return None
    if right.table == alias and left.table != alias:
        return left, right
    if left.table == alias and right.table != alias:
        return right, left
    return None


def reduce_joins(select: n.Select, repeating: bool = False) -> n.Select | None:
    """Return ``select`` with filtering joins turned into ``IN`` conditions
    on the base table (see the module docstring), or None if none is.

    With ``repeating``, a filtering join to a key that is not unique (a
    many-to-many's link table) is dropped too, its ``IN`` condition
    marked ``distinct_keys``: exact while no key repeats (each base row
    then matches one joined row), and refused at run time otherwise.
    """
    joins = equi_joins(select) if select.joins else None
    if not joins:
        return None
    base = select.source.alias  # type: ignore[union-attr]
    by_alias = {join.alias: join for join in joins}
    inner = {alias for alias, join in by_alias.items() if join.join.kind == "INNER"}
    pushed: dict[str, list[n.Expr]] = {alias: [] for alias in by_alias}
    others: list[n.Expr] = []
    for conjunct in conjuncts(select.where):
        tables = {base if t is None else t for t in referenced_tables(conjunct)}
        if len(tables) == 1 and tables <= inner and not correlated_subqueries(conjunct):
            pushed[next(iter(tables))].append(conjunct)
        else:
            others.append(conjunct)
    children: dict[str, list[EquiJoin]] = {alias: [] for alias in by_alias}
    for join in joins:
        if join.owner in children:
            children[join.owner].append(join)

    keys_of = _KeyQueries(pushed, children, repeating)

    # Aliases read outside their own join and its WHERE conditions.
    read = _aliases_read(select, others)
    dropped: set[str] = set()
    for join in reversed(joins):
        kept_children = [c for c in children[join.alias] if c.alias not in dropped]
        if (
            join.join.kind == "INNER"
            and (join.unique or repeating)
            and join.owner in {base} | (inner - dropped)
            and join.alias not in read
            and not kept_children
            and keys_of(join) is not None
            and not any(referenced_tables(c) - {join.alias} for c in join.extra)
        ):
            dropped.add(join.alias)

    added: list[n.Expr] = []
    for join in joins:
        query = keys_of(join)
        if query is None:
            continue
        if join.owner == base or (join.alias in dropped and join.owner not in dropped):
            distinct = join.alias in dropped and not join.unique
            added.append(key_condition(join, query, distinct))
    if not added:
        return None
    where: list[n.Expr] = [*added, *others]
    for alias, items in pushed.items():
        if alias not in dropped:
            where.extend(items)
    return replace(
        select,
        joins=tuple(join.join for join in joins if join.alias not in dropped),
        where=and_of(where),
    )


class _KeyQueries:
    """``keys_of(join)``: SELECT foreign FROM joined WHERE <what the joined
    rows must meet>, or None when the join cannot be reduced to its keys;
    computed once per join. (A class rather than a recursive closure,
    which would leave a reference cycle behind each compiled statement.)"""

    def __init__(
        self,
        pushed: dict[str, list[n.Expr]],
        children: dict[str, list[EquiJoin]],
        repeating: bool,
    ) -> None:
        self.pushed = pushed
        self.children = children
        self.repeating = repeating
        self.keys: dict[str, n.Select | None] = {}

    def __call__(self, join: EquiJoin) -> n.Select | None:
        if join.alias in self.keys:
            return self.keys[join.alias]
        conditions: list[n.Expr] = list(self.pushed[join.alias])
        for condition in join.extra:
            if referenced_tables(condition) - {join.alias} or correlated_subqueries(condition):
                self.keys[join.alias] = None
                return None
            conditions.append(condition)
        for child in self.children[join.alias]:
            child_keys = self(child) if child.join.kind == "INNER" else None
            if child_keys is not None:
                # Dropped, a join to a key that is not unique counts rows
                # only while its keys do not repeat.
                distinct = self.repeating and not child.unique
                conditions.append(key_condition(child, child_keys, distinct))
        query = None
        if join.join.kind == "INNER" and conditions:
            query = n.Select(
                items=(n.SelectItem(n.Column(join.foreign.name, join.alias)),),
                source=n.Table(join.join.table.name, join.alias),
                where=and_of(conditions),
                limit=KEY_LIMIT + 1,
            )
        self.keys[join.alias] = query
        return query


def key_condition(join: EquiJoin, query: n.Select, distinct: bool = False) -> n.InSubquery:
    """``local IN (keys)``, refused past KEY_LIMIT keys (and, when
    ``distinct``, if a key repeats)."""
    return n.InSubquery(join.local, query, key_limit=KEY_LIMIT, distinct_keys=distinct)


def _aliases_read(select: n.Select, others: list[n.Expr]) -> set[str | None]:
    """The aliases the SELECT list, ORDER BY, GROUP BY, HAVING, the WHERE
    conditions ``others`` and the ON conditions read (each join's own
    equality counting for the table it hangs off only)."""
    found: set[str | None] = set()
    parts: list[Any] = [
        *(item.expr for item in select.items),
        *(order.expr for order in select.order_by),
        *select.group_by,
        *others,
    ]
    if select.having is not None:
        parts.append(select.having)
    for part in parts:
        found |= _all_tables(part)
    for join in select.joins:
        for conjunct in conjuncts(join.on):
            tables = _all_tables(conjunct)
            if equality_pair(conjunct, join.table.alias) is None:
                found |= tables
    return found


def _all_tables(node: Any) -> set[str | None]:
    """Every alias a column anywhere in ``node`` names (subqueries too)."""
    found: set[str | None] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, n.Column):
            found.add(item.table)
        elif isinstance(item, tuple):
            stack.extend(item)
        elif isinstance(item, n.Node):
            stack.extend(getattr(item, name) for name in getattr(item, "__dataclass_fields__", ()))
    return found


__all__ = ["KEY_LIMIT", "EquiJoin", "KeysOverflow", "check_keys", "equi_joins", "reduce_joins"]
