"""Savepoints inside a MongoDB transaction: an undo journal.

MongoDB has no savepoints. Inside a transaction djongo_app keeps them
itself: a savepoint is a position in the transaction's undo journal, and
while at least one savepoint is open every write made through SQL records
what undoes it, in the same transaction:

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
forgets its position (the journal is emptied once no savepoint is open).
Before-images are read as raw BSON and written back byte for byte
(``Int64``, key order, types without a Python counterpart), bypassing the
collection's validator: a restored document is what was stored.

What a rollback to a savepoint does not undo:

* ``__schema__`` counters (like SQL sequences: ids stay used);
* DDL, which runs outside the transaction (``can_rollback_ddl`` is False).
  A collection dropped after a write forgets that write's entries; a
  renamed one takes them along; documents rewritten by a field change
  make the older before-images of that collection unusable, and so do
  pymongo calls made through ``mongo_session`` (``DjongoManager.mongo_*``,
  GridFS storage), which the journal cannot see. Rolling back to a
  savepoint older than such a change raises ``DatabaseError``, and Django
  then rolls back the enclosing block as a whole.

Outside a transaction (autocommit, or a standalone server) there are no
savepoints: Django does not ask for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from django.db import DatabaseError
from pymongo import ReplaceOne

from .errors import wrap_pymongo_errors

# Reads of before-images: documents as raw BSON, restored as they were.
RAW = CodecOptions(document_class=RawBSONDocument)


@dataclass
class Entry:
    """One journaled write: its kind, collection and what undoes it."""

    kind: str  # "insert", "update", "delete" or "opaque"
    collection: str
    # Inserted _ids, or before-images (raw BSON documents).
    documents: list[Any] = field(default_factory=list)
    # Why an entry cannot be undone ("opaque" entries, or after DDL).
    unusable: str | None = None


class Journal:
    """The savepoints of one transaction and the writes made under them."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        # Savepoint id → journal position, in the order they were created.
        self.marks: dict[str, int] = {}

    @property
    def recording(self) -> bool:
        """Return True while a savepoint is open: writes must be journaled."""
        return bool(self.marks)

    def reset(self) -> None:
        """Forget everything: the transaction ended (or never started)."""
        self.entries.clear()
        self.marks.clear()

    # Savepoints ------------------------------------------------------------

    def savepoint(self, sid: str) -> None:
        self.marks[sid] = len(self.entries)

    def release(self, sid: str) -> None:
        """Forget ``sid`` and the savepoints created after it."""
        self._drop_marks_from(sid, keep=False)
        if not self.marks:
            self.entries.clear()

    def rollback(self, sid: str, database: Any, session: Any) -> None:
        """Undo the writes made since ``sid`` and forget the savepoints
        created after it (``sid`` itself stays, as in SQL)."""
        position = self._position(sid)
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
        del self.entries[position:]
        self._drop_marks_from(sid, keep=True)

    def _position(self, sid: str) -> int:
        try:
            return self.marks[sid]
        except KeyError:
            raise DatabaseError(
                f"djongo_app: savepoint {sid} does not exist in this transaction."
            ) from None

    def _drop_marks_from(self, sid: str, keep: bool) -> None:
        self._position(sid)
        sids = list(self.marks)
        for later in sids[sids.index(sid) + (1 if keep else 0) :]:
            del self.marks[later]

    # Writes ----------------------------------------------------------------

    def record(self, kind: str, collection: str, documents: list[Any]) -> None:
        if self.recording and documents:
            self.entries.append(Entry(kind, collection, documents))

    def record_opaque(self, what: str) -> None:
        """Record a write the journal cannot undo (a pymongo call)."""
        if self.recording:
            reason = f"{what} ran after it, and such writes cannot be undone separately"
            self.entries.append(Entry("opaque", "", unusable=reason))

    # DDL (outside the transaction) -----------------------------------------

    def collection_dropped(self, collection: str) -> None:
        """Forget the writes to a dropped collection: they went with it."""
        kept = [i for i, entry in enumerate(self.entries) if entry.collection != collection]
        # A savepoint's position counts the entries before it that stay.
        self.marks = {
            sid: sum(1 for i in kept if i < position) for sid, position in self.marks.items()
        }
        self.entries = [self.entries[i] for i in kept]

    def collection_renamed(self, old: str, new: str) -> None:
        for entry in self.entries:
            if entry.collection == old:
                entry.collection = new

    def documents_rewritten(self, collection: str) -> None:
        """Make the before-images of ``collection`` unusable: a field change
        rewrote its documents outside the transaction."""
        for entry in self.entries:
            if entry.collection == collection and entry.kind in {"update", "delete"}:
                entry.unusable = (
                    f"a schema change rewrote the documents of {collection!r} "
                    "after a write to it in the savepoint"
                )


def _merged(entries: Iterator[Entry]) -> Iterator[tuple[str, str, list[Any]]]:
    """Yield the undo operations of ``entries``, consecutive inserts into
    one collection merged into one delete."""
    pending: tuple[str, str, list[Any]] | None = None
    for entry in entries:
        if (
            pending is not None
            and entry.kind == "insert" == pending[0]
            and entry.collection == pending[1]
        ):
            pending[2].extend(entry.documents)
            continue
        if pending is not None:
            yield pending
        pending = (entry.kind, entry.collection, list(entry.documents))
    if pending is not None:
        yield pending


def _undo_insert(collection: Any, ids: list[Any], session: Any) -> None:
    collection.delete_many({"_id": {"$in": ids}}, session=session)


def _undo_update(collection: Any, before: list[Any], session: Any) -> None:
    # In reverse order of the update's own: each intermediate state is one
    # the update went through, so no unique index is violated on the way.
    requests = [ReplaceOne({"_id": document["_id"]}, document) for document in reversed(before)]
    collection.bulk_write(requests, ordered=True, bypass_document_validation=True, session=session)


def _undo_delete(collection: Any, before: list[Any], session: Any) -> None:
    collection.insert_many(before, ordered=True, bypass_document_validation=True, session=session)


UNDO = {"insert": _undo_insert, "update": _undo_update, "delete": _undo_delete}

__all__ = ["Entry", "Journal"]
