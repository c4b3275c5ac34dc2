"""Database-level ``on_delete`` rules: Django 6.1's ``DB_CASCADE``,
``DB_SET_NULL`` and ``DB_SET_DEFAULT``.

MongoDB has no referential actions, so djongo_app keeps them itself, as a
SQL database keeps its foreign keys' ``ON DELETE`` clauses: the schema
editor records each rule in the ``__schema__`` entry of the referenced
collection, and every ``DELETE`` on that collection runs them in the same
statement (and transaction), whoever issued it::

    {"name": "<referenced table>", "referenced_by": [
        {"table": "<child>", "column": "<fk column>", "to": "<referenced column>",
         "on_delete": "CASCADE" | "SET NULL" | "SET DEFAULT", "default": <value>}]}

A ``DELETE`` first reads the referenced column of the rows it removes,
removes them, and then, per rule, deletes the children (whose own rules
run in turn), or sets their column to NULL or to the ``db_default``
recorded with the rule. Without a transaction (autocommit, or a
standalone server) these are separate writes, as Django's Python-level
rules are. The rules are read once per connection and table (and again
after this connection's DDL): DDL from another process is seen by
connections opened after it, like the counters of :mod:`.counters`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import NotSupportedError
from django.db.models import Value

from .compat import is_database_on_delete
from .counters import SCHEMA_COLLECTION

REFERENCED_BY = "referenced_by"


@dataclass(frozen=True)
class Reference:
    """A foreign key column of ``table`` that names the referenced
    collection's ``to`` column, with its ``ON DELETE`` action."""

    table: str
    column: str
    to: str
    on_delete: str
    default: Any = None

    def document(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "column": self.column,
            "to": self.to,
            "on_delete": self.on_delete,
            "default": self.default,
        }


# What each action does to the children of the removed rows (a filter on
# their foreign key column), through the statement's writer.
ACTIONS: dict[str, Callable[[Any, Reference, dict[str, Any]], Any]] = {
    "CASCADE": lambda writer, ref, children: writer.delete(ref.table, children),
    "SET NULL": lambda writer, ref, children: writer.update(
        ref.table, children, {"$set": {ref.column: None}}
    ),
    "SET DEFAULT": lambda writer, ref, children: writer.update(
        ref.table, children, {"$set": {ref.column: ref.default}}
    ),
}


def reference_of(model: Any, field: Any, connection: Any) -> Reference | None:
    """Return the database-level rule of ``field`` (of ``model``), or None
    for a field without one.

    ``DB_SET_DEFAULT`` needs a constant ``db_default`` (stored as the
    field stores it); an expression raises NotSupportedError.
    """
    remote = getattr(field, "remote_field", None)
    rule = getattr(remote, "on_delete", None)
    if remote is None or field.column is None or not is_database_on_delete(rule):
        return None
    default = None
    if rule.operation == "SET DEFAULT":
        expression = field._db_default_expression
        if not isinstance(expression, Value):
            raise NotSupportedError(
                f"on_delete=DB_SET_DEFAULT ({model.__name__}.{field.name}) with a db_default "
                f"that is an expression ({expression!r}) is not supported by djongo_app: the "
                "default is stored with the rule. Use a constant db_default."
            )
        default = field.get_db_prep_save(expression.value, connection)
    return Reference(
        table=model._meta.db_table,
        column=field.column,
        to=field.target_field.column,
        on_delete=rule.operation,
        default=default,
    )


class References:
    """The ``on_delete`` rules of one database's collections, cached per
    referenced collection."""

    def __init__(self, database: Any):
        self.collection = database[SCHEMA_COLLECTION]
        self._cache: dict[str, tuple[Reference, ...]] = {}

    def of(self, table: str) -> tuple[Reference, ...]:
        """Return the rules of the foreign keys that reference ``table``."""
        references = self._cache.get(table)
        if references is None:
            entry = self.collection.find_one({"name": table}, {REFERENCED_BY: 1})
            references = tuple(Reference(**ref) for ref in (entry or {}).get(REFERENCED_BY) or ())
            self._cache[table] = references
        return references

    def forget(self) -> None:
        """Drop the cached rules (after DDL)."""
        self._cache.clear()


def add_reference(schema: Any, referenced: str, reference: Reference) -> None:
    """Record ``reference`` in the entry of ``referenced`` (``schema`` is
    the ``__schema__`` collection, or the schema editor's recording)."""
    drop_references(schema, reference.table, reference.column)
    schema.update_one(
        {"name": referenced}, {"$push": {REFERENCED_BY: reference.document()}}, upsert=True
    )


def drop_references(schema: Any, table: str, column: str | None = None) -> None:
    """Forget the rules of ``table``'s foreign keys (of ``column`` only,
    when given)."""
    match = {"table": table} if column is None else {"table": table, "column": column}
    schema.update_many({f"{REFERENCED_BY}.table": table}, {"$pull": {REFERENCED_BY: match}})


def rename_references(schema: Any, old: str, new: str) -> None:
    """Record that the child collection ``old`` is now called ``new``."""
    schema.update_many(
        {f"{REFERENCED_BY}.table": old},
        {"$set": {f"{REFERENCED_BY}.$[ref].table": new}},
        array_filters=[{"ref.table": old}],
    )


__all__ = [
    "ACTIONS",
    "REFERENCED_BY",
    "Reference",
    "References",
    "add_reference",
    "drop_references",
    "reference_of",
    "rename_references",
]
