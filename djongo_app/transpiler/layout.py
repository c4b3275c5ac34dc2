"""Key layout: which column of a table MongoDB's ``_id`` holds.

A table created by djongo_app stores its integer auto-increment primary
key in ``_id`` (as django-mongodb-backend stores every key), so that the
key needs no secondary index: MongoDB's own ``_id`` index is unique and
every insert and update maintains it anyway. A collection created before
(by Djongo, or by an earlier djongo_app) holds the key in a field of its
own name beside an ObjectId ``_id``, and keeps doing so.

The SQL Django sends names the column (``"t"."id"``); :func:`store_keys`
rewrites a parsed statement so that each reference to a stored key reads
``_id`` instead, before planning. The rest of the transpiler then sees an
ordinary ``_id`` column (unique, never NULL), and a plan is compiled for
one layout: the plan cache keys plans by the layout too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from . import nodes as n

# MongoDB's own key.
DOCUMENT_ID = "_id"


def no_key(table: str) -> str | None:
    """The default of a layout whose new tables keep their key in a field
    of its own (no installed models, or ``KEY_IN_ID: False``)."""
    return None


@dataclass(frozen=True)
class KeyLayout:
    """Which column each table stores in ``_id``.

    ``keys`` are the tables recorded with their key in ``_id``;
    ``legacy`` the existing tables that keep it in its own field. A table
    in neither does not exist yet: ``default`` says what it will hold (the
    installed models' answer, or none with ``KEY_IN_ID: False``; compared by
    identity). Immutable and hashable: it is part of a plan's cache key.
    """

    keys: frozenset[tuple[str, str]] = frozenset()
    legacy: frozenset[str] = frozenset()
    default: Callable[[str], str | None] = no_key

    @classmethod
    def of(
        cls,
        keys: Mapping[str, str],
        legacy: Iterable[str] = (),
        default: Callable[[str], str | None] = no_key,
    ) -> KeyLayout:
        return cls(frozenset(keys.items()), frozenset(legacy), default)

    def __post_init__(self) -> None:
        by_table = dict(self.keys)
        object.__setattr__(self, "_by_table", by_table)
        object.__setattr__(self, "known", frozenset(by_table) | self.legacy)

    def key_of(self, table: str) -> str | None:
        """Return the column of ``table`` stored in ``_id``, or None."""
        key = self._by_table.get(table)  # type: ignore[attr-defined]
        if key is not None or table in self.legacy:
            return key
        return self.default(table)

    def path(self, table: str, column: str) -> str:
        """Return the document field that holds ``column`` of ``table``."""
        return DOCUMENT_ID if column == self.key_of(table) else column

    def __bool__(self) -> bool:
        return bool(self.keys) or self.default is not no_key


# The layout of collections nothing is known about: keys in their own fields.
NO_KEYS = KeyLayout()


def store_keys(statement: Any, layout: KeyLayout) -> Any:
    """Return ``statement`` with every reference to a key stored in
    ``_id`` rewritten to ``_id``.

    Column references are resolved as the planner resolves them: a
    qualified one by the alias's table, an unqualified one by the
    statement's FROM table, unless it names an output column of the
    SELECT (ORDER BY and HAVING may). A SELECT item that was such a column
    keeps its output name.
    """
    if not layout:
        return statement
    return _Renamer(layout).statement(statement)


class _Renamer:
    def __init__(self, layout: KeyLayout):
        self.layout = layout

    def statement(self, statement: Any) -> Any:
        if isinstance(statement, n.Explain):
            return replace(statement, statement=self.statement(statement.statement))
        if isinstance(statement, n.Select | n.Compound):
            return self.query(statement, {})
        if isinstance(statement, n.Insert):
            key = self.layout.key_of(statement.table)
            if key is None:
                return statement
            conflict = statement.on_conflict
            if conflict is not None:
                conflict = replace(
                    conflict,
                    target=self.names(conflict.target, key),
                    update=None if conflict.update is None else self.names(conflict.update, key),
                )
            return replace(
                statement,
                columns=self.names(statement.columns, key),
                rows=tuple(tuple(self.expr(v, {}, None) for v in row) for row in statement.rows),
                returning=self.names(statement.returning, key),
                on_conflict=conflict,
            )
        if isinstance(statement, n.Update):
            env = {statement.table: statement.table}
            key = self.layout.key_of(statement.table)
            assignments = tuple(
                n.Assignment(
                    DOCUMENT_ID if a.column == key else a.column,
                    self.expr(a.value, env, statement.table),
                )
                for a in statement.assignments
            )
            where = self.expr(statement.where, env, statement.table)
            return replace(statement, assignments=assignments, where=where)
        if isinstance(statement, n.Delete):
            env = {statement.table: statement.table}
            return replace(statement, where=self.expr(statement.where, env, statement.table))
        return statement

    @staticmethod
    def names(columns: tuple[str, ...], key: str) -> tuple[str, ...]:
        return tuple(DOCUMENT_ID if column == key else column for column in columns)

    def query(self, query: n.Query, outer: dict[str, str | None]) -> n.Query:
        if isinstance(query, n.Compound):
            parts = tuple(self.query(part, outer) for part in query.parts)
            # A compound's ORDER BY names output columns or positions.
            return replace(query, parts=parts)
        env = dict(outer)
        source = query.source
        if isinstance(source, n.Table):
            env[source.alias] = source.name
        elif isinstance(source, n.SubqueryTable):
            inner = source.query
            source = replace(source, query=self.query(inner, outer))
            # SELECT * passes the documents through: the derived table has
            # the columns, and the key, of the table it reads.
            env[source.alias] = _whole_table(inner)
        for join in query.joins:
            env[join.table.alias] = join.table.name
        default = source.alias if source is not None else None
        outputs = {item.alias for item in query.items if item.alias}

        def expr(node: Any, *, outputs_first: bool = False) -> Any:
            return self.expr(node, env, default, outputs if outputs_first else frozenset())

        items = []
        for item in query.items:
            renamed = expr(item.expr)
            if item.alias is None and isinstance(item.expr, n.Column) and renamed != item.expr:
                item = n.SelectItem(renamed, item.expr.name)
            else:
                item = replace(item, expr=renamed)
            items.append(item)
        return replace(
            query,
            items=tuple(items),
            source=source,
            joins=tuple(replace(j, on=expr(j.on)) for j in query.joins),
            where=expr(query.where),
            group_by=tuple(expr(g) for g in query.group_by),
            having=expr(query.having, outputs_first=True),
            order_by=tuple(
                replace(o, expr=expr(o.expr, outputs_first=True)) for o in query.order_by
            ),
        )

    def expr(
        self,
        node: Any,
        env: dict[str, str | None],
        default: str | None,
        outputs: frozenset[str] | set[str] = frozenset(),
    ) -> Any:
        if node is None:
            return None
        if isinstance(node, n.Column):
            alias = node.table
            if alias is None:
                if node.name in outputs:
                    return node
                alias = default
            table = env.get(alias) if alias is not None else None
            if table is not None and self.layout.key_of(table) == node.name:
                return n.Column(DOCUMENT_ID, node.table)
            return node
        if isinstance(node, n.Select | n.Compound):
            return self.query(node, env)
        if isinstance(node, tuple):
            return tuple(self.expr(item, env, default, outputs) for item in node)
        if isinstance(node, n.Node):
            changes = {}
            for f in fields(node):  # type: ignore[arg-type]
                value = getattr(node, f.name)
                renamed = self.expr(value, env, default, outputs)
                if renamed is not value and renamed != value:
                    changes[f.name] = renamed
            return replace(node, **changes) if changes else node  # type: ignore[type-var]
        return node


def _whole_table(query: n.Query) -> str | None:
    """Return the table ``query`` reads whole (``SELECT * FROM t``), or None."""
    if (
        isinstance(query, n.Select)
        and isinstance(query.source, n.Table)
        and not query.joins
        and len(query.items) == 1
        and isinstance(query.items[0].expr, n.Star)
    ):
        return query.source.name
    return None
