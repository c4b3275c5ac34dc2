"""Column defaults: the ``db_default`` of fields.

MongoDB keeps no column defaults, so djongo_app keeps them itself, as a
SQL database keeps its columns' ``DEFAULT`` clauses: the schema editor
records each default in the ``__schema__`` entry of the collection, and
every ``INSERT`` gives a column the statement leaves out (or writes as
``DEFAULT``) its default before the documents are written, so that
``RETURNING`` reads it back as PostgreSQL's does::

    {"name": "<table>", "defaults": [
        {"column": "<column>", "value": <constant>},
        {"column": "<column>", "sql": "<expression>", "params": [...]},
        {"column": "<column>", "unsupported": "<why>"}]}

A constant is stored as the field stores it. An expression
(``db_default=Now()``) is stored as the SQL Django compiles it to, with
its parameters apart, and evaluated by the server at each ``INSERT`` that
needs it (one aggregation per statement, one value per row). An
expression the transpiler cannot evaluate is recorded as unsupported: an
``INSERT`` that needs its value raises NotSupportedError naming the field
and the expression, never writes a NULL in its place.

The defaults are read once per connection and table (and again after
this connection's DDL): DDL from another process is seen by connections
opened after it, like the counters of :mod:`.counters`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from django.db import NotSupportedError

from .transpiler.expressions import ExpressionCompiler
from .transpiler.parser import parse
from .transpiler.quoting import quote_identifier
from .transpiler.scope import single_table

DEFAULTS = "defaults"


class _Parameters:
    """The bind context of a default expression: its parameters only."""

    def __init__(self, params: Any):
        self.params = tuple(params)

    def run_subquery(self, plan: Any) -> Any:
        raise NotSupportedError("A subquery in a db_default is not supported by djongo_app.")


def compile_expression(table: str, sql: str, params: Any) -> Any:
    """Return the aggregation expression of the SQL expression ``sql``
    (with ``params``) evaluated on its own, as a default of ``table``'s
    column; raise NotSupportedError for what the transpiler refuses."""
    statement = f"SELECT {sql} FROM {quote_identifier(table)}"
    select = parse(statement)
    items = getattr(select, "items", ())
    if len(items) != 1:
        raise NotSupportedError(f"The db_default {sql!r} is not supported by djongo_app.")
    compiler = ExpressionCompiler(single_table(table), statement)
    return compiler.value(items[0].expr)(_Parameters(params))


def _copied(value: Any) -> Any:
    """Return ``value`` as a new object when it is mutable (a document or
    a list): rows never share one."""
    return copy.deepcopy(value) if isinstance(value, (dict, list)) else value


@dataclass(frozen=True)
class TableDefaults:
    """The column defaults of one collection."""

    # (column, constant) pairs.
    constants: tuple[tuple[str, Any], ...] = ()
    # (column, aggregation expression) pairs, evaluated per statement.
    expressions: tuple[tuple[str, Any], ...] = ()
    # (column, message) pairs of defaults that cannot be evaluated.
    unsupported: tuple[tuple[str, str], ...] = ()

    def expression_of(self, column: str) -> Any:
        """Return the aggregation expression of ``column``'s default (None
        for a column without one: SQL's NULL)."""
        for name, message in self.unsupported:
            if name == column:
                raise NotSupportedError(message)
        expressions = dict(self.expressions)
        if column in expressions:
            return expressions[column]
        constants = dict(self.constants)
        return {"$literal": constants[column]} if column in constants else None

    def fill(self, database: Any, session: Any, documents: list[dict[str, Any]]) -> None:
        """Give each document the defaults of the columns it lacks."""
        for column, message in self.unsupported:
            if any(column not in document for document in documents):
                raise NotSupportedError(message)
        for column, value in self.constants:
            for document in documents:
                if column not in document:
                    document[column] = _copied(value)
        if not self.expressions:
            return
        lacking = [
            document
            for document in documents
            if any(column not in document for column, _ in self.expressions)
        ]
        if not lacking:
            return
        # One aggregation evaluates the expressions once per row, as a SQL
        # database evaluates a column default per inserted row.
        values = {f"v{i}": expression for i, (_, expression) in enumerate(self.expressions)}
        pipeline = [
            {"$documents": [{} for _ in lacking]},
            {"$project": {"_id": 0, **values}},
        ]
        results = list(database.aggregate(pipeline, session=session))
        for document, result in zip(lacking, results, strict=True):
            for i, (column, _) in enumerate(self.expressions):
                if column not in document:
                    document[column] = result.get(f"v{i}")


def table_defaults(table: str, entries: Any) -> TableDefaults | None:
    """Return the defaults of ``table`` from its recorded ``entries``, or
    None when it has none."""
    constants, expressions, unsupported = [], [], []
    for entry in entries or ():
        column = entry["column"]
        if "value" in entry:
            constants.append((column, entry["value"]))
        elif "sql" in entry:
            sql, params = entry["sql"], entry["params"]
            try:
                expressions.append((column, compile_expression(table, sql, params)))
            except NotSupportedError as exc:
                unsupported.append((column, _refusal(entry.get("field", column), sql, exc)))
        else:
            unsupported.append((column, entry["unsupported"]))
    if not (constants or expressions or unsupported):
        return None
    return TableDefaults(tuple(constants), tuple(expressions), tuple(unsupported))


def _refusal(field: str, expression: Any, reason: Any) -> str:
    return (
        f"The db_default of {field} ({expression}) is not supported by djongo_app: {reason} "
        "Give the field a constant db_default, or a value on every insert."
    )


class Defaults:
    """The column defaults of one database's collections, read by
    ``entries`` (a :class:`~djongo_app.entries.SchemaEntries`)."""

    def __init__(self, entries: Any):
        self.entries = entries

    def of(self, table: str) -> TableDefaults | None:
        """Return the defaults of ``table``, or None when it has none."""
        return self.entries.derived(
            table, DEFAULTS, lambda entry: table_defaults(table, entry.get(DEFAULTS))
        )


def default_entry(model: Any, field: Any, connection: Any) -> dict[str, Any] | None:
    """Return the ``__schema__`` entry of ``field``'s ``db_default``, or
    None for a field without one.

    A constant is prepared as the field saves it; an expression is
    compiled by Django and checked by the transpiler now, and recorded as
    unsupported (with the reason) when either refuses it.
    """
    from django.db.models import Value
    from django.db.models.sql.query import Query

    if field.column is None or not field.has_db_default():
        return None
    expression = field._db_default_expression
    if isinstance(expression, Value):
        value = expression.value
        if value is not None:
            value = field.get_db_prep_save(value, connection)
        return {"column": field.column, "value": value}
    name = f"{model.__name__}.{field.name}"
    table = model._meta.db_table
    try:
        compiler = Query(model=model, alias_cols=False).get_compiler(connection=connection)
        sql, params = compiler.compile(expression)
        compile_expression(table, sql, params)
    except NotSupportedError as exc:
        return {
            "column": field.column,
            "unsupported": _refusal(name, f"{expression!r}", exc),
        }
    return {"column": field.column, "field": name, "sql": sql, "params": list(params)}


def record_default(schema: Any, table: str, entry: dict[str, Any] | None, column: str) -> None:
    """Record ``entry`` as the default of ``table``'s ``column`` (forget
    the column's default when ``entry`` is None); ``schema`` is the
    ``__schema__`` collection, or the schema editor's recording."""
    drop_default(schema, table, column)
    if entry is not None:
        schema.update_one({"name": table}, {"$push": {DEFAULTS: entry}}, upsert=True)


def set_defaults(schema: Any, table: str, entries: list[dict[str, Any]]) -> None:
    """Record ``entries`` as the defaults of ``table`` (a new collection)."""
    schema.update_one({"name": table}, {"$set": {DEFAULTS: entries}}, upsert=True)


def drop_default(schema: Any, table: str, column: str) -> None:
    """Forget the default of ``table``'s ``column``."""
    schema.update_one(
        {"name": table, f"{DEFAULTS}.column": column},
        {"$pull": {DEFAULTS: {"column": column}}},
    )


__all__ = [
    "DEFAULTS",
    "Defaults",
    "TableDefaults",
    "compile_expression",
    "default_entry",
    "drop_default",
    "record_default",
    "set_defaults",
    "table_defaults",
]
