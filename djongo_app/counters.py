"""Integer auto-increment ids kept in the ``__schema__`` collection.

The layout is Djongo's, so databases it created work unchanged::

    {"name": "<table>", "auto": {"field_names": ["id"], "seq": <last id>}}

Ids are reserved with one atomic ``$inc`` per insert statement (of N for
N rows); an explicit id raises ``seq`` with ``$max`` before the insert, so
a later generated id never collides with it.
"""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument

SCHEMA_COLLECTION = "__schema__"


class Counters:
    """Counters of one database, with a per-connection cache of entries."""

    def __init__(self, database: Any):
        self.collection = database[SCHEMA_COLLECTION]
        self._auto_fields: dict[str, tuple[str, ...] | None] = {}

    def auto_fields(self, table: str, session: Any = None) -> tuple[str, ...] | None:
        """Return the auto-increment columns of ``table``, or None when
        ``__schema__`` has no entry for it."""
        if table not in self._auto_fields:
            entry = self.collection.find_one({"name": table}, session=session)
            fields = None
            if entry is not None:
                fields = tuple((entry.get("auto") or {}).get("field_names") or ())
            self._auto_fields[table] = fields
        return self._auto_fields[table]

    def reserve(self, table: str, column: str, count: int, session: Any = None) -> int:
        """Reserve ``count`` consecutive ids and return the first one.

        A missing entry is created by the same atomic upsert.
        """
        entry = self.collection.find_one_and_update(
            {"name": table},
            {"$inc": {"auto.seq": count}, "$addToSet": {"auto.field_names": column}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        # The entry as it now is: the next insert need not read it again.
        self._auto_fields[table] = tuple(entry["auto"].get("field_names") or ())
        return int(entry["auto"]["seq"]) - count + 1

    def advance(self, table: str, column: str, value: int, session: Any = None) -> None:
        """Make sure the next reserved id is above ``value``."""
        self.collection.update_one(
            {"name": table},
            {"$max": {"auto.seq": value}, "$addToSet": {"auto.field_names": column}},
            upsert=True,
            session=session,
        )
        self._auto_fields.pop(table, None)

    def register(self, table: str, field_names: list[str], session: Any = None) -> None:
        """Create ``table``'s entry (the schema editor's create_model)."""
        self.collection.update_one(
            {"name": table},
            {
                "$setOnInsert": {"auto.seq": 0},
                "$set": {"auto.field_names": field_names},
            },
            upsert=True,
            session=session,
        )
        self._auto_fields[table] = tuple(field_names)

    def current(self, table: str, session: Any = None) -> int | None:
        entry = self.collection.find_one({"name": table}, session=session)
        if entry is None:
            return None
        return int((entry.get("auto") or {}).get("seq", 0))

    def reset(self, tables: list[str], session: Any = None) -> None:
        self.collection.update_many(
            {"name": {"$in": tables}}, {"$set": {"auto.seq": 0}}, session=session
        )

    def rename(self, old: str, new: str, session: Any = None) -> None:
        """Move ``old``'s entry to ``new`` (a renamed collection); an entry
        ``new`` already had (its collection dropped) is replaced."""
        if self.collection.find_one({"name": old}, session=session) is not None:
            self.collection.delete_many({"name": new}, session=session)
            self.collection.update_one({"name": old}, {"$set": {"name": new}}, session=session)
        self.forget()

    def rename_column(self, table: str, old: str, new: str, session: Any = None) -> None:
        """Record that ``table``'s counter column ``old`` is now ``new``."""
        self.collection.update_one(
            {"name": table, "auto.field_names": old},
            {"$set": {"auto.field_names.$": new}},
            session=session,
        )
        self._auto_fields.pop(table, None)

    def drop(self, table: str, session: Any = None) -> None:
        self.collection.delete_one({"name": table}, session=session)
        self._auto_fields.pop(table, None)

    def forget(self) -> None:
        """Drop the cached entries (after DDL from another connection)."""
        self._auto_fields.clear()
