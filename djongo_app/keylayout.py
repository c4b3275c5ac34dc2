"""Which collections keep their integer primary key in ``_id``.

A collection the schema editor creates for a model whose primary key is an
AutoField, BigAutoField or SmallAutoField stores that key in ``_id`` and
records it in the collection's ``__schema__`` entry::

    {"name": "<table>", "key": "<primary key column>", "auto": {...}}

MongoDB's ``_id`` index then serves the key: no second unique index to
maintain on every insert and update (transpiler/layout.py has the why). A
collection that exists without ``key`` (Djongo's, or an earlier djongo_app's)
keeps its key in a field of the column's name, as it was written.

A table that does not exist yet follows the installed model of that
``db_table`` (:meth:`djongo_app.catalog.ModelCatalog.default_key`), which is
what the schema editor would create; its first insert records the layout
it was written with, so that the next process reads it the same way.

The layout is read once per process and database (one ``find`` on
``__schema__``, one ``listCollections``, and one ``find_one`` per existing
collection without a ``key`` record whose model keeps its key in ``_id``) and
kept in step with this process's DDL. Documents with an integer ``_id``
and no key field, in a collection whose record went missing (``__schema__``
cleared, a collection restored on its own), are read as what they are, and
the record is written again. A collection created or dropped by another
process while this one runs is seen as its models say (a new table) or as
it was when read (an existing one): restart after restoring an old dump
over a running site's database, as after any schema change made behind
its back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from .counters import SCHEMA_COLLECTION
from .transpiler.layout import KeyLayout, no_key

KEY = "key"

# (client, database name) → the layout of that database, shared by every
# connection of this process.
_layouts: dict[tuple[int, str], KeyLayouts] = {}
_layouts_lock = threading.Lock()


def layouts_of(database: Any, key_in_id: bool = True) -> KeyLayouts:
    """Return the key layouts of ``database`` (a pymongo Database); with
    ``key_in_id`` False, tables not created yet keep their key in a field
    of its own (the ``KEY_IN_ID`` setting of the first connection wins)."""
    key = (id(database.client), database.name)
    layouts = _layouts.get(key)
    if layouts is None:
        with _layouts_lock:
            layouts = _layouts.setdefault(key, KeyLayouts(database, key_in_id))
    return layouts


def database_dropped(client: Any, name: str) -> None:
    """Forget what was known about database ``name``: it is empty now."""
    layouts = _layouts.get((id(client), name))
    if layouts is not None:
        layouts.reset()


class KeyLayouts:
    """The key layout of one database's collections."""

    def __init__(self, database: Any, key_in_id: bool = True):
        self.database = database
        self.key_in_id = key_in_id
        self._lock = threading.Lock()
        self._layout: KeyLayout | None = None

    @property
    def layout(self) -> KeyLayout:
        """The current layout (read from the server on first use)."""
        layout = self._layout
        if layout is None:
            layout = self._load()
        return layout

    def _load(self) -> KeyLayout:
        from .catalog import default_key

        default = default_key if self.key_in_id else no_key
        schema = self.database[SCHEMA_COLLECTION]
        keys = {
            entry["name"]: entry[KEY]
            for entry in schema.find({KEY: {"$type": "string"}}, {"name": 1, KEY: 1})
            if isinstance(entry.get("name"), str)
        }
        existing = set(self.database.list_collection_names()) - {SCHEMA_COLLECTION}
        for table in sorted(existing - set(keys)):
            key = self._key_in_documents(table, default)
            if key is not None:
                # Documents written with the key in _id whose record went
                # missing (__schema__ cleared, a collection restored alone):
                # the documents say where the key is; the record says it again.
                keys[table] = key
                record_key(schema, table, key)
        layout = KeyLayout.of(keys, legacy=existing - set(keys), default=default)
        with self._lock:
            if self._layout is None:
                self._layout = layout
            return self._layout

    def _key_in_documents(self, table: str, default: Callable[[str], str | None]) -> str | None:
        """Return the key column a collection without a ``key`` record
        keeps in ``_id``, judged by a document of it, or None.

        Only the key of the table's installed model is a candidate (so a
        key column a migration removed never comes back). A document that
        has that field, or an ObjectId ``_id``, is Djongo's layout. An empty
        collection is Djongo's layout when a unique index on the field
        waits for the documents (Djongo and djongo_app before created one);
        otherwise it takes its model's.
        """
        candidate = default(table)
        if candidate is None:
            return None
        collection = self.database[table]
        document = collection.find_one({}, {"_id": 1, candidate: 1})
        if document is None:
            indexed = any(
                info.get("unique") and [key for key, _ in info["key"]] == [candidate]
                for info in collection.index_information().values()
            )
            return None if indexed else candidate
        if candidate in document:
            return None
        key = document.get("_id")
        return candidate if isinstance(key, int) and not isinstance(key, bool) else None

    def _change(self, change: Callable[[dict[str, str], set[str]], None]) -> None:
        """Apply ``change(keys, legacy)`` to the current layout, under the
        lock: concurrent changes (first inserts in two threads) all land."""
        if self._layout is None:
            self._load()  # from the server first, outside the lock
        with self._lock:
            current = self._layout
            if current is None:
                # reset() meanwhile: the next use reads the server again.
                return
            keys, legacy = dict(current.keys), set(current.legacy)
            change(keys, legacy)
            self._layout = KeyLayout.of(keys, legacy=legacy, default=current.default)

    def created(self, table: str, key: str | None) -> None:
        """Record that ``table`` now exists with ``key`` in ``_id`` (or its
        key in its own field, for None). The caller wrote ``__schema__``."""

        def change(keys: dict[str, str], legacy: set[str]) -> None:
            if key is None:
                keys.pop(table, None)
                legacy.add(table)
            else:
                keys[table] = key
                legacy.discard(table)

        self._change(change)

    def dropped(self, table: str) -> None:
        """Record that ``table``'s collection is gone."""

        def change(keys: dict[str, str], legacy: set[str]) -> None:
            keys.pop(table, None)
            legacy.discard(table)

        self._change(change)

    def renamed(self, old: str, new: str) -> None:
        """Record that ``old``'s collection is now ``new``, with its layout."""

        def change(keys: dict[str, str], legacy: set[str]) -> None:
            key = keys.pop(old, None)
            was_legacy = old in legacy
            legacy.discard(old)
            keys.pop(new, None)
            legacy.discard(new)
            if key is not None:
                keys[new] = key
            elif was_legacy:
                legacy.add(new)

        self._change(change)

    def inserted(self, table: str) -> None:
        """Make sure a table written for the first time keeps the layout
        it was written with: a key in ``_id`` is recorded in ``__schema__``
        (a fresh process would otherwise read the collection as one with
        its key in its own field)."""
        layout = self.layout
        if table in layout.known:
            return
        key = layout.key_of(table)
        if key is not None:
            # Outside any transaction, as the counters: the collection
            # exists from this insert on, whatever becomes of it.
            record_key(self.database[SCHEMA_COLLECTION], table, key)
        self.created(table, key)

    def reset(self) -> None:
        with self._lock:
            self._layout = None


def record_key(schema: Any, table: str, key: str, session: Any = None) -> None:
    """Record in ``__schema__`` (or the schema editor's recording) that
    ``table`` keeps column ``key`` in ``_id``."""
    schema.update_one({"name": table}, {"$set": {KEY: key}}, upsert=True, session=session)


def drop_key(schema: Any, table: str) -> None:
    schema.update_one({"name": table}, {"$unset": {KEY: ""}})


__all__ = ["KEY", "KeyLayouts", "database_dropped", "drop_key", "layouts_of", "record_key"]
