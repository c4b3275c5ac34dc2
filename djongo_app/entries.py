"""The ``__schema__`` entries of one database's collections, as one
connection read them.

Several facts djongo_app keeps per collection live in its ``__schema__``
entry (the columns' defaults, :mod:`.defaults`; the columns that refuse a
null, :mod:`.notnull`). A write needs them: each entry is read once per
connection, with one ``find_one`` for all of them, and read again after
this connection's DDL on the collection. DDL from another process is seen
by the connections opened after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .counters import SCHEMA_COLLECTION


class SchemaEntries:
    """The parts ``fields`` of each collection's ``__schema__`` entry."""

    def __init__(self, database: Any, fields: tuple[str, ...]):
        self.collection = database[SCHEMA_COLLECTION]
        self.projection = {"_id": 0, **dict.fromkeys(fields, 1)}
        self._entries: dict[str, dict[str, Any]] = {}
        # table → name → what was made of the entry (see derived()).
        self._derived: dict[str, dict[str, Any]] = {}

    def of(self, table: str) -> dict[str, Any]:
        """Return ``table``'s entry (empty when it has none)."""
        entry = self._entries.get(table)
        if entry is None:
            entry = self._entries[table] = (
                self.collection.find_one({"name": table}, self.projection) or {}
            )
        return entry

    def derived(self, table: str, name: str, make: Callable[[dict[str, Any]], Any]) -> Any:
        """Return ``make(entry)`` of ``table``'s entry, made once per
        reading of the entry and kept under ``name``."""
        made = self._derived.get(table)
        if made is None:
            made = self._derived[table] = {}
        try:
            return made[name]
        except KeyError:
            value = made[name] = make(self.of(table))
            return value

    def forget(self, table: str | None = None) -> None:
        """Drop what was read for ``table`` (for every table, without one)."""
        if table is None:
            self._entries.clear()
            self._derived.clear()
        else:
            self._entries.pop(table, None)
            self._derived.pop(table, None)


__all__ = ["SchemaEntries"]
