"""The writes of INSERT, UPDATE and DELETE plans.

Outside a savepoint a write is one pymongo call. Inside a transaction with
an open savepoint each write is first checked (:mod:`djongo_app.conflicts`)
so that an expected IntegrityError leaves the transaction usable, and then
journaled (:mod:`djongo_app.savepoints`) so that rolling back to the
savepoint can undo it. What that costs, per statement, while a savepoint
is open (and only then):

* INSERT: one aggregation over the new documents when the collection has
  a validator, a partial unique index, or several rows to compare; one
  query for stored duplicates;
* UPDATE: one read of the matching documents (the undo), one aggregation
  of the updated documents and one query for stored duplicates when the
  update sets a path of a unique index or the collection has a validator;
* DELETE: one read of the matching documents.

Conflicts (``bulk_create(ignore_conflicts=True)``, ``update_conflicts``)
are resolved here too: ``ON CONFLICT DO NOTHING`` is an unordered insert
whose duplicate-key errors are dropped (in a transaction, where a
duplicate would abort it, the conflicting rows are found first and left
out), ``ON CONFLICT (...) DO UPDATE`` is one upsert per row.
"""

from __future__ import annotations

from typing import Any

from django.db import NotSupportedError
from pymongo import InsertOne, UpdateOne
from pymongo.errors import BulkWriteError, WriteError

from .conflicts import Checker, filter_paths
from .errors import DUPLICATE_KEY_CODES
from .savepoints import RAW
from .transpiler.nodes import OnConflict


class Writer:
    """Run writes on a :class:`~djongo_app.connection.MongoConnection`."""

    def __init__(self, connection: Any):
        self.connection = connection

    @property
    def _recording(self) -> bool:
        return self.connection.in_transaction and self.connection.journal.recording

    def _checker(self, name: str, session: Any) -> Checker:
        connection = self.connection
        return Checker(connection.database, name, connection.rules_of(name), session)

    # INSERT ----------------------------------------------------------------

    def insert(
        self, name: str, documents: list[dict[str, Any]], conflict: OnConflict | None = None
    ) -> list[dict[str, Any] | None]:
        """Insert ``documents``; return, for each, the stored row it stands
        for: itself when inserted, the existing row it updated (an upsert),
        or None when it was left out (DO NOTHING)."""
        if conflict is not None and conflict.update is not None:
            return self._upsert(name, documents, conflict)
        connection = self.connection
        session = connection.session
        collection = connection.database[name]
        ignore = conflict is not None
        skipped: set[int] = set()
        if session is not None and (ignore or connection.journal.recording):
            skipped = self._checker(name, session).check_insert(documents, skip=ignore)
        positions = [position for position in range(len(documents)) if position not in skipped]
        kept = [documents[position] for position in positions]
        if ignore and session is None:
            failed = _insert_ignoring_duplicates(collection, kept)
            skipped |= {positions[index] for index in failed}
        elif kept:
            collection.insert_many(kept, ordered=True, session=session)
        if self._recording:
            inserted = [d for p, d in enumerate(documents) if p not in skipped]
            connection.journal.record("insert", name, [d["_id"] for d in inserted])
        return [None if p in skipped else d for p, d in enumerate(documents)]

    def _upsert(
        self, name: str, documents: list[dict[str, Any]], conflict: OnConflict
    ) -> list[dict[str, Any] | None]:
        """``ON CONFLICT (target) DO UPDATE``: one upsert per row.

        A row with a NULL in its target columns never matches a stored
        one (NULLs are distinct in SQL's unique constraints) and is
        inserted. Rows of one statement with the same target values update
        the row the first of them inserted (the last one wins), as MySQL's
        ``ON DUPLICATE KEY UPDATE`` does; PostgreSQL refuses such a batch.
        """
        for column in (*conflict.target, *(conflict.update or ())):
            if "." in column:
                raise NotSupportedError(
                    f"ON CONFLICT on the embedded path {column!r} is not supported by djongo_app."
                )
        connection = self.connection
        session = connection.session
        collection = connection.database[name]
        update = conflict.update or ()
        filters = [_target_filter(document, conflict.target) for document in documents]
        matched: dict[int, Any] = {}
        if self._recording:
            matched = self._matching(collection, filters, session, raw=True)
            checked = []
            for position, document in enumerate(documents):
                if position in matched:
                    before = matched[position]
                    after = {**_decoded(before), **{c: document.get(c) for c in update}}
                    checked.append(after)
                else:
                    checked.append(document)
            self._checker(name, session).check_insert(
                checked, exclude_ids=[before["_id"] for before in matched.values()]
            )
        requests: list[Any] = []
        for position, document in enumerate(documents):
            if filters[position] is None:
                requests.append(InsertOne(document))
                continue
            values = {column: document[column] for column in update if column in document}
            rest = {
                key: value
                for key, value in document.items()
                if key not in values and key not in conflict.target
            }
            change: dict[str, Any] = {"$set": values} if values else {}
            if rest:
                change["$setOnInsert"] = rest
            requests.append(UpdateOne(filters[position], change, upsert=True))
        result = collection.bulk_write(requests, ordered=True, session=session)
        inserted = {p for p, query in enumerate(filters) if query is None}
        upserted = {**result.upserted_ids, **{p: documents[p]["_id"] for p in inserted}}
        if self._recording:
            connection.journal.record("update", name, list(matched.values()))
            connection.journal.record("insert", name, list(upserted.values()))
        rows: list[dict[str, Any] | None] = []
        updated = [p for p in range(len(documents)) if p not in upserted]
        stored = {p: _decoded(matched[p]) for p in updated if p in matched}
        missing = [p for p in updated if p not in stored]
        if missing:
            found = self._matching(collection, [filters[p] for p in missing], session)
            stored.update({missing[i]: row for i, row in found.items()})
        for position, document in enumerate(documents):
            if position in upserted:
                rows.append({**document, "_id": upserted[position]})
            else:
                rows.append(stored.get(position))
        return rows

    @staticmethod
    def _matching(collection, filters, session, raw=False) -> dict[int, Any]:
        """Return, by position, the stored document each filter matches."""
        branches = {
            f"d{position}": [{"$match": query}, {"$limit": 1}]
            for position, query in enumerate(filters)
            if query is not None
        }
        if not branches:
            return {}
        every = [query for query in filters if query is not None]
        if raw:
            collection = collection.with_options(codec_options=RAW)
        (result,) = collection.aggregate(
            [{"$match": {"$or": every}}, {"$facet": branches}], session=session
        )
        return {int(key[1:]): documents[0] for key, documents in result.items() if documents}

    # UPDATE and DELETE -----------------------------------------------------

    def update(self, name: str, query: dict[str, Any], update: Any) -> int:
        """Update the documents ``query`` matches; return how many matched."""
        connection = self.connection
        session = connection.session
        collection = connection.database[name]
        if not self._recording:
            return collection.update_many(query, update, session=session).matched_count
        before = list(collection.with_options(codec_options=RAW).find(query, session=session))
        if not before:
            return 0
        ids = [document["_id"] for document in before]
        pipeline, paths = _as_pipeline(update)
        self._checker(name, session).check_update(ids, pipeline, paths)
        result = collection.update_many({"_id": {"$in": ids}}, update, session=session)
        connection.journal.record("update", name, before)
        return result.matched_count

    def delete(self, name: str, query: dict[str, Any]) -> int:
        """Delete the documents ``query`` matches; return how many."""
        connection = self.connection
        session = connection.session
        collection = connection.database[name]
        if not self._recording:
            return collection.delete_many(query, session=session).deleted_count
        before = list(collection.with_options(codec_options=RAW).find(query, session=session))
        if not before:
            return 0
        ids = [document["_id"] for document in before]
        result = collection.delete_many({"_id": {"$in": ids}}, session=session)
        connection.journal.record("delete", name, before)
        return result.deleted_count


def _insert_ignoring_duplicates(collection: Any, documents: list[dict[str, Any]]) -> set[int]:
    """Insert ``documents`` unordered; return the positions refused for a
    duplicate key. Any other write error is raised."""
    if not documents:
        return set()
    try:
        collection.insert_many(documents, ordered=False)
    except BulkWriteError as exc:
        errors = (exc.details or {}).get("writeErrors", [])
        others = [error for error in errors if error.get("code") not in DUPLICATE_KEY_CODES]
        if others:
            first = others[0]
            raise WriteError(first.get("errmsg", ""), first.get("code"), first) from exc
        return {error["index"] for error in errors}
    return set()


def _target_filter(document: dict[str, Any], target: tuple[str, ...]) -> dict[str, Any] | None:
    """Return the filter of the stored row a new row conflicts with, or
    None when a target column is NULL (NULLs never conflict)."""
    values = {column: document.get(column) for column in target}
    if not target or any(value is None for value in values.values()):
        return None
    return {column: {"$eq": value} for column, value in values.items()}


def _decoded(document: Any) -> dict[str, Any]:
    """Return a raw BSON document as a dict (decoded once, shallowly)."""
    return {key: document[key] for key in document}


def _as_pipeline(update: Any) -> tuple[list[dict[str, Any]], set[str] | None]:
    """Return an update as an aggregation pipeline that computes the
    updated documents, and the paths it sets (None: any path)."""
    if isinstance(update, list):
        paths: set[str] | None = set()
        for stage in update:
            (operator, argument), *_ = stage.items()
            if operator in {"$set", "$addFields"} and paths is not None:
                paths |= set(argument)
            elif operator == "$unset" and paths is not None:
                paths |= {argument} if isinstance(argument, str) else set(argument)
            else:
                paths = None
        return update, paths
    stages: list[dict[str, Any]] = []
    for operator, argument in update.items():
        if operator == "$set":
            stages.append({"$set": {path: {"$literal": v} for path, v in argument.items()}})
        elif operator == "$unset":
            stages.append({"$unset": list(argument)})
        else:
            raise NotSupportedError(
                f"The update operator {operator} inside a savepoint is not supported by djongo_app."
            )
    return stages, filter_paths(update)


__all__ = ["Writer"]
