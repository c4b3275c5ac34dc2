"""Integer auto-increment ids kept in the ``__schema__`` collection.

The layout is Djongo's, so databases it created work unchanged::

    {"name": "<table>", "auto": {"field_names": ["id"], "seq": <last id>}}

Ids are reserved with one atomic ``$inc`` per insert statement (of N for
N rows); an explicit id raises ``seq`` with ``$max`` before the insert, so
a later generated id never collides with it.

A unique index on ``name`` (created once per process and database, before
the first counter write) keeps one entry per table when the first inserts
into a table without an entry race each other. An adopted database that
already holds several entries for one table has them merged into the one
with the highest ``seq`` (the largest id any of them handed out), so that
no id is handed out twice; a warning names the tables.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import OperationalError
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError, OperationFailure

SCHEMA_COLLECTION = "__schema__"
NAME_INDEX = "djongo_app_name_unique"
# Upserts of a first insert that lost a race to a concurrent one are
# retried: the entry exists by then, and the retry increments it.
RACE_ATTEMPTS = 5
# Server codes for an index on "name" that exists with other options.
INDEX_CONFLICT_CODES = frozenset({85, 86})

logger = logging.getLogger("djongo_app.counters")

# (client, database name) pairs whose __schema__ has the unique index.
_indexed: set[tuple[int, str]] = set()
_indexed_lock = threading.Lock()


class Counters:
    """Counters of one database, with a per-connection cache of entries."""

    def __init__(self, database: Any):
        self.collection = database[SCHEMA_COLLECTION]
        self._auto_fields: dict[str, tuple[str, ...] | None] = {}

    @property
    def _index_key(self) -> tuple[int, str]:
        database = self.collection.database
        return id(database.client), database.name

    def ensure_index(self) -> None:
        """Create the unique index on ``name`` unless this process did.

        Several entries for one table (an adopted database, or a race
        before the index existed) are merged first. An index on ``name``
        with other options is left as it is, with a warning.
        """
        key = self._index_key
        if key in _indexed:
            return
        with _indexed_lock:
            if key in _indexed:
                return
            try:
                self._create_index()
            except DuplicateKeyError:
                self.merge_duplicates()
                self._create_index()
            except OperationFailure as exc:
                if exc.code not in INDEX_CONFLICT_CODES:
                    raise
                logger.warning(
                    "djongo_app: %s has an index on name with other options; the "
                    "unique index %s was not created: %s",
                    SCHEMA_COLLECTION,
                    NAME_INDEX,
                    exc,
                )
            _indexed.add(key)

    def _create_index(self) -> None:
        self.collection.create_index([("name", ASCENDING)], unique=True, name=NAME_INDEX)

    def merge_duplicates(self) -> list[str]:
        """Merge the entries of each table that has several into the one
        with the highest ``seq``; return the tables merged.

        The kept entry is raised to the others' ``seq`` before and after
        each is deleted, so that ids handed out meanwhile stay below it.
        """
        groups = self.collection.aggregate(
            [
                {"$group": {"_id": "$name", "ids": {"$push": "$_id"}, "n": {"$sum": 1}}},
                {"$match": {"n": {"$gt": 1}}},
            ]
        )
        merged = []
        for group in groups:
            entries = list(self.collection.find({"_id": {"$in": group["ids"]}}))
            if len(entries) < 2:
                continue
            entries.sort(key=_seq, reverse=True)
            kept, *others = entries
            self._absorb(kept, others)
            for other in others:
                final = self.collection.find_one_and_delete({"_id": other["_id"]})
                if final is not None:
                    self._absorb(kept, [final])
            merged.append(group["_id"])
        if merged:
            logger.warning(
                "djongo_app: merged several %s entries of %s into one each (the highest seq).",
                SCHEMA_COLLECTION,
                ", ".join(map(str, merged)),
            )
            self.forget()
        return merged

    def _absorb(self, kept: dict[str, Any], others: list[dict[str, Any]]) -> None:
        names = [n for entry in others for n in (entry.get("auto") or {}).get("field_names") or ()]
        update: dict[str, Any] = {"$max": {"auto.seq": max(_seq(entry) for entry in others)}}
        if names:
            update["$addToSet"] = {"auto.field_names": {"$each": names}}
        self.collection.update_one({"_id": kept["_id"]}, update)

    def auto_fields(self, table: str, session: Any = None) -> tuple[str, ...] | None:
        """Return the auto-increment columns of ``table``, or None when
        ``__schema__`` has no entry for it."""
        if table not in self._auto_fields:
            entry = self.collection.find_one({"name": table}, session=session)
            fields = None
            # An entry holding only on_delete rules (ondelete.py) has no
            # counters either.
            if entry is not None and "auto" in entry:
                fields = tuple((entry.get("auto") or {}).get("field_names") or ())
            self._auto_fields[table] = fields
        return self._auto_fields[table]

    def reserve(self, table: str, column: str, count: int, session: Any = None) -> int:
        """Reserve ``count`` consecutive ids and return the first one.

        A missing entry is created by the same atomic upsert. When
        concurrent first inserts race to create it, the upserts that lose
        (a duplicate key on the unique index, or no document returned) are
        retried against the entry the winner created; ids a lost attempt
        may have taken are skipped, never handed out twice.
        """
        self.ensure_index()
        for attempt in range(RACE_ATTEMPTS):
            try:
                entry = self.collection.find_one_and_update(
                    {"name": table},
                    {"$inc": {"auto.seq": count}, "$addToSet": {"auto.field_names": column}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                    session=session,
                )
            except DuplicateKeyError:
                if attempt == RACE_ATTEMPTS - 1:
                    raise
                continue
            if entry is not None:
                # The entry as it now is: the next insert need not read it.
                self._auto_fields[table] = tuple(entry["auto"].get("field_names") or ())
                return int(entry["auto"]["seq"]) - count + 1
        raise OperationalError(
            f"djongo_app: no id could be reserved for {table!r}: the {SCHEMA_COLLECTION} "
            f"upsert returned no document {RACE_ATTEMPTS} times."
        )

    def advance(self, table: str, column: str, value: int, session: Any = None) -> None:
        """Make sure the next reserved id is above ``value``."""
        self.ensure_index()
        self._upsert(
            table,
            {"$max": {"auto.seq": value}, "$addToSet": {"auto.field_names": column}},
            session,
        )
        self._auto_fields.pop(table, None)

    def _upsert(self, table: str, update: dict[str, Any], session: Any) -> None:
        """Upsert ``table``'s entry; an upsert that lost a race to create it
        is retried as an update of the entry the winner created."""
        for attempt in range(RACE_ATTEMPTS):
            try:
                self.collection.update_one({"name": table}, update, upsert=True, session=session)
            except DuplicateKeyError:
                if attempt == RACE_ATTEMPTS - 1:
                    raise
                continue
            return

    def register(
        self, table: str, field_names: list[str], key: str | None = None, session: Any = None
    ) -> None:
        """Create ``table``'s entry (the schema editor's create_model), with
        the column it keeps in ``_id`` (keylayout.py) when ``key``."""
        self.ensure_index()
        update, _options = register_update(field_names, key)
        self._upsert(table, update, session)
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
        entry = self.collection.find_one({"name": table}, {"auto.field_names": 1}, session=session)
        names = ((entry or {}).get("auto") or {}).get("field_names") or []
        if old in names:
            # The whole list, not a positional "$" update: the same result,
            # and servers that lack "$" (the test server) take it too.
            renamed = [new if name == old else name for name in names]
            self.collection.update_one(
                {"name": table}, {"$set": {"auto.field_names": renamed}}, session=session
            )
        self._auto_fields.pop(table, None)

    def drop(self, table: str, session: Any = None) -> None:
        """Forget ``table``'s entry (its collection was dropped)."""
        if table == SCHEMA_COLLECTION:
            # __schema__ itself, and the unique index with it.
            with _indexed_lock:
                _indexed.discard(self._index_key)
            self.forget()
            return
        self.collection.delete_one({"name": table}, session=session)
        self._auto_fields.pop(table, None)

    def forget(self) -> None:
        """Drop the cached entries (after DDL from another connection)."""
        self._auto_fields.clear()


def register_update(
    field_names: list[str], key: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the upsert (update, options) of a new table's entry."""
    values: dict[str, Any] = {"auto.field_names": field_names}
    if key is not None:
        # keylayout.KEY: the column kept in _id.
        values["key"] = key
    return {"$setOnInsert": {"auto.seq": 0}, "$set": values}, {"upsert": True}


def database_dropped(client: Any, name: str) -> None:
    """Record that database ``name`` (and its ``__schema__`` index) is gone."""
    with _indexed_lock:
        _indexed.discard((id(client), name))


def _seq(entry: dict[str, Any]) -> int:
    return int((entry.get("auto") or {}).get("seq") or 0)
