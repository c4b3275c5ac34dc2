"""Savepoints inside a MongoDB transaction: an undo journal.

MongoDB has no savepoints. Inside a transaction djongo_app keeps them
itself: a savepoint is a position in the transaction's journal, and while
at least one savepoint is open every write records what undoes it, in the
same transaction:

==========  ==============================================================
write       journal entry (undone by)
==========  ==============================================================
INSERT      the ``_id`` of each inserted document (``delete_many``)
UPDATE      each document as it was before the update, read in the
            transaction just before it (``replace_one`` by ``_id``)
DELETE      each document as it was before the delete (``insert_many``)
==========  ==============================================================

Rolling back to a savepoint applies the entries written after it in
reverse order, in the transaction, and forgets them; releasing a savepoint
forgets its position. Before-images are read as raw BSON and written back
byte for byte (``Int64``, key order, types without a Python counterpart),
bypassing the collection's validator: a restored document is what was
stored.

**A transaction the server ended.** A statement that fails on the server
(other than the errors djongo_app checks for first, see
:mod:`djongo_app.conflicts`) makes MongoDB abort the whole transaction.
The journal also holds, for every write of the transaction, what redoes
it: the inserted documents, and the filter, update and row count of an
update or delete. Rolling back to a savepoint then starts a new
transaction and redoes the writes made before the savepoint, when that is
sure to rebuild the same state: inserts always (their rows exist only in
this transaction); an update or delete only if, when redone, it matches
exactly as many rows as it did, all of them rows this transaction
inserted. Otherwise (or past :data:`REDO_LIMIT` documents) the rollback
raises ``DatabaseError`` and Django rolls back the enclosing block as a
whole. Reads made before the savepoint were made in the earlier snapshot,
as under READ COMMITTED.

What a rollback to a savepoint does not undo:

* ``__schema__`` counters (like SQL sequences: ids stay used);
* DDL, which runs outside the transaction (``can_rollback_ddl`` is False);
  DDL on a collection the transaction wrote to is refused (MongoDB would
  make it wait for the transaction);
* pymongo writes the journal does not follow (``bulk_write()``, an
  upserting ``find_one_and_*()``, anything run in a ``mongo_session``
  block): rolling back to a savepoint older than one raises
  ``DatabaseError``, and Django then rolls back the enclosing block.

Outside a transaction (autocommit, or a standalone server) there are no
savepoints: Django does not ask for them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import bson
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from django.db import DatabaseError
from pymongo import ReplaceOne

from .errors import wrap_pymongo_errors

# Reads of before-images: documents as raw BSON, restored as they were.
RAW = CodecOptions(document_class=RawBSONDocument)
# How many later documents a rollback re-inserts behind the deleted
# documents it restores, to give them back their place (see _undo_delete).
REORDER_LIMIT = 1000
# What the redo log holds at most (inserted documents, and their bytes as
# counted by _size); a transaction that wrote more cannot be rebuilt after
# the server ended it.
REDO_LIMIT = 100_000
REDO_BYTES = 16 * 1024 * 1024


@dataclass
class Entry:
    """One write of the transaction: what undoes it (while a savepoint is
    open) and what redoes it."""

    kind: str  # "insert", "update", "delete" or "opaque"
    collection: str
    # Inserted _ids, or before-images (raw BSON documents); None when no
    # savepoint was open.
    undo: list[Any] | None = None
    # ("insert", documents) or (kind, filter, update, row count); None
    # when the write cannot be redone.
    redo: tuple[Any, ...] | None = None
    # Why the entry cannot be undone (an opaque write, or after DDL).
    unusable: str | None = None


class Journal:
    """The savepoints of one transaction and its writes."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        # Savepoint id → journal position, in the order they were created.
        self.marks: dict[str, int] = {}
        # Documents and bytes held for redoing; past the limits nothing is
        # redone.
        self.redo_size = 0
        self.redo_bytes = 0

    @property
    def recording(self) -> bool:
        """Return True while a savepoint is open: writes must be undoable."""
        return bool(self.marks)

    def reset(self) -> None:
        """Forget everything: the transaction ended (or never started)."""
        self.entries.clear()
        self.marks.clear()
        self.redo_size = 0
        self.redo_bytes = 0

    # Savepoints ------------------------------------------------------------

    def savepoint(self, sid: str) -> None:
        self.marks[sid] = len(self.entries)

    def release(self, sid: str) -> None:
        """Forget ``sid`` and the savepoints created after it."""
        self._drop_marks_from(sid, keep=False)
        if not self.marks:
            # Nothing can be rolled back to any more: drop the undo data.
            for entry in self.entries:
                entry.undo = None

    def rollback(self, sid: str, database: Any, session: Any) -> None:
        """Undo the writes made since ``sid`` and forget the savepoints
        created after it (``sid`` itself stays, as in SQL)."""
        position = self.position(sid)
        undone = self.entries[position:]
        for entry in undone:
            if entry.unusable:
                raise DatabaseError(
                    f"djongo_app: cannot roll back to savepoint {sid}: {entry.unusable}. "
                    "Roll back the whole transaction instead."
                )
        with wrap_pymongo_errors():
            for kind, collection, documents in _merged(reversed(undone)):
                UNDO[kind](database[collection].with_options(codec_options=RAW), documents, session)
        self.truncate(sid)

    def rebuild(self, sid: str, database: Any, session: Any) -> None:
        """Redo, in the new transaction of ``session``, the writes made
        before ``sid``; raise DatabaseError where that could give another
        state than the one the ended transaction had at ``sid``."""
        position = self.position(sid)
        ours: set[bytes] = set()
        with wrap_pymongo_errors():
            for entry in self.entries[:position]:
                if entry.redo is None:
                    raise DatabaseError(
                        f"djongo_app: savepoint {sid} is gone with the transaction the "
                        "server ended, and the writes made before it cannot be redone "
                        f"safely ({entry.unusable or 'a write the journal cannot redo'})."
                    )
                _redo(entry, database[entry.collection], session, ours, sid)
        self.truncate(sid)

    def position(self, sid: str) -> int:
        try:
            return self.marks[sid]
        except KeyError:
            raise DatabaseError(
                f"djongo_app: savepoint {sid} does not exist in this transaction."
            ) from None

    def truncate(self, sid: str) -> None:
        """Forget the writes made after ``sid`` and the later savepoints."""
        del self.entries[self.position(sid) :]
        self._drop_marks_from(sid, keep=True)

    def _drop_marks_from(self, sid: str, keep: bool) -> None:
        self.position(sid)
        sids = list(self.marks)
        for later in sids[sids.index(sid) + (1 if keep else 0) :]:
            del self.marks[later]

    # Writes ----------------------------------------------------------------

    def record(
        self, kind: str, collection: str, undo: list[Any], redo: tuple[Any, ...] | None
    ) -> None:
        """Record a write of the transaction: ``undo`` (kept only while a
        savepoint is open) and ``redo`` (None if it cannot be redone)."""
        if redo is not None and redo[0] == "insert":
            self.redo_size += len(redo[1])
            self.redo_bytes += _size(redo[1])
        if self.redo_size > REDO_LIMIT or self.redo_bytes > REDO_BYTES:
            # Too much to keep: this and later writes cannot be redone.
            redo = None
        self.entries.append(Entry(kind, collection, undo if self.recording else None, redo))

    def record_opaque(self, what: str) -> None:
        """Record a write the journal can neither undo nor redo."""
        reason = f"{what} ran after it, and such writes cannot be undone separately"
        self.entries.append(Entry("opaque", "", unusable=reason))

    def wrote_to(self, collection: str) -> bool:
        """Return whether the transaction wrote to ``collection``."""
        return any(entry.collection == collection for entry in self.entries)


def _merged(entries: Iterator[Entry]) -> Iterator[tuple[str, str, list[Any]]]:
    """Yield the undo operations of ``entries``, consecutive inserts into
    one collection merged into one delete."""
    pending: tuple[str, str, list[Any]] | None = None
    for entry in entries:
        documents = entry.undo or []
        if (
            pending is not None
            and entry.kind == "insert" == pending[0]
            and entry.collection == pending[1]
        ):
            pending[2].extend(documents)
            continue
        if pending is not None:
            yield pending
        pending = (entry.kind, entry.collection, list(documents))
    if pending is not None:
        yield pending


def _undo_insert(collection: Any, ids: list[Any], session: Any) -> None:
    if ids:
        collection.delete_many({"_id": {"$in": ids}}, session=session)


def _undo_update(collection: Any, before: list[Any], session: Any) -> None:
    if not before:
        return
    # In reverse order of the update's own: each intermediate state is one
    # the update went through, so no unique index is violated on the way.
    requests = [ReplaceOne({"_id": document["_id"]}, document) for document in reversed(before)]
    collection.bulk_write(requests, ordered=True, bypass_document_validation=True, session=session)


def _undo_delete(collection: Any, before: list[Any], session: Any) -> None:
    """Insert the deleted documents again where they were in the
    collection's natural order (which reads without ORDER BY follow, as
    they follow a SQL table's physical order).

    A re-inserted document would come last. The documents inserted after
    it (a larger ``_id``: ObjectIds grow with the time of insertion) are
    re-inserted behind it, byte for byte, when there are at most
    :data:`REORDER_LIMIT`; past that, and when the ``_id`` values are not
    of one type, the restored documents stay at the end.
    """
    if not before:
        return
    ids = [document["_id"] for document in before]
    later: list[Any] = []
    if len({type(value) for value in ids}) == 1:
        later = list(
            collection.find({"_id": {"$gt": min(ids)}}, session=session)
            .sort("_id", 1)
            .limit(REORDER_LIMIT + 1)
        )
    if later and len(later) <= REORDER_LIMIT:
        collection.delete_many({"_id": {"$in": [d["_id"] for d in later]}}, session=session)
        before = sorted([*before, *later], key=lambda document: document["_id"])
    collection.insert_many(before, ordered=True, bypass_document_validation=True, session=session)


UNDO = {"insert": _undo_insert, "update": _undo_update, "delete": _undo_delete}


# The types whose values _size() measures with len() without a loop in
# Python; a value of another subclass of str or bytes sends it to the loop.
SIZED_TYPES = frozenset({str, bytes, bson.Binary})


def _size(documents: list[Any]) -> int:
    """Return about how many bytes ``documents`` hold (their top-level
    strings and binary values; enough to bound GridFS chunks)."""
    # One flat list of values: this runs on every insert of a transaction.
    values = list(itertools.chain.from_iterable([d.values() for d in documents]))
    types = list(map(type, values))
    if all(kind in SIZED_TYPES or not issubclass(kind, (str, bytes)) for kind in set(types)):
        sized: Iterable[Any] = itertools.compress(values, map(SIZED_TYPES.__contains__, types))
    else:
        sized = [value for value in values if isinstance(value, (str, bytes))]
    return 16 * len(values) + sum(map(len, sized))


def _key(value: Any, codec_options: Any = bson.DEFAULT_CODEC_OPTIONS) -> bytes:
    return bson.encode({"": value}, codec_options=codec_options)


def _redo(entry: Entry, collection: Any, session: Any, ours: set[bytes], sid: str) -> None:
    """Redo one journaled write; ``ours`` holds the keys of the ``_id``s
    the redone inserts created."""
    assert entry.redo is not None
    if entry.redo[0] == "insert":
        documents = entry.redo[1]
        if documents:
            collection.insert_many(documents, ordered=True, session=session)
        ours.update(_key(d.get("_id"), collection.codec_options) for d in documents)
        return
    kind, query, update, count = entry.redo
    ids = [document["_id"] for document in collection.find(query, {"_id": 1}, session=session)]
    if len(ids) != count or any(_key(i, collection.codec_options) not in ours for i in ids):
        raise DatabaseError(
            f"djongo_app: savepoint {sid} is gone with the transaction the server ended, "
            f"and an {kind} made before it touched rows this transaction did not "
            "create: redoing it could differ from what it did."
        )
    if kind == "update":
        collection.update_many({"_id": {"$in": ids}}, update, session=session)
    else:
        collection.delete_many({"_id": {"$in": ids}}, session=session)
        ours.difference_update(_key(i, collection.codec_options) for i in ids)


__all__ = ["REDO_BYTES", "REDO_LIMIT", "Entry", "Journal"]
