"""The writes of INSERT, UPDATE and DELETE plans.

Outside a savepoint a write is one pymongo call (and, in a transaction, an
entry in the journal that could redo it, kept in memory). Inside a
transaction with an open savepoint each write is first checked
(:mod:`djongo_app.conflicts`) so that an expected IntegrityError leaves the
transaction usable, and then journaled (:mod:`djongo_app.savepoints`) so
that rolling back to the savepoint can undo it. What that costs, per
statement, while a savepoint is open (and only then):

* INSERT: one aggregation over the new documents when the collection has
  a validator, a partial unique index, or several rows to compare; one
  query for stored duplicates (none for unique indexes on a column a
  counter fills, such as an AutoField primary key);
* UPDATE: one read of the matching documents (the undo); when it changes
  a path of a unique index or of the validator (a constant equal to the
  stored value changes nothing: ``save()`` of an unchanged unique field),
  one aggregation of the updated documents and one query for stored
  duplicates;
* DELETE: one read of the matching documents.

Conflicts (``bulk_create(ignore_conflicts=True)``, ``update_conflicts``)
are resolved here too: ``ON CONFLICT DO NOTHING`` is an unordered insert
whose duplicate-key errors are dropped (in a transaction, where a
duplicate would abort it, the conflicting rows are found first and left
out), ``ON CONFLICT (...) DO UPDATE`` is one upsert per row.
"""

from __future__ import annotations

from typing import Any

import bson
from django.db import NotSupportedError, ProgrammingError
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, WriteError

from .conflicts import Checker, filter_paths, get_path
from .errors import DUPLICATE_KEY_CODES
from .notnull import refusing_nulls, send_nulls_as_missing
from .ondelete import ACTIONS
from .savepoints import RAW
from .transpiler.nodes import OnConflict
from .transpiler.plans import upsert_request


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
        self,
        name: str,
        documents: list[dict[str, Any]],
        conflict: OnConflict | None = None,
        fresh: tuple[str, ...] = (),
    ) -> list[dict[str, Any] | None]:
        """Insert ``documents``; return, for each, the stored row it stands
        for: itself when inserted, the existing row it updated (an upsert),
        or None when it was left out (DO NOTHING).

        ``fresh`` names columns whose values a counter has just handed out:
        no stored row holds them, so unique indexes on them need no check.
        """
        if conflict is not None and conflict.update is not None:
            return self._upsert(name, documents, conflict)
        connection = self.connection
        refused = connection.not_null.of(name)
        if refused:
            send_nulls_as_missing(documents, refused)
        session = connection.session
        collection = connection.collection(name)
        if conflict is None and session is None:
            # Autocommit, the common case: nothing to check or journal.
            _insert(collection, documents, None)
            return documents
        ignore = conflict is not None
        skipped: set[int] = set()
        if session is not None and (ignore or connection.journal.recording):
            skipped = self._checker(name, session).check_insert(documents, skip=ignore, fresh=fresh)
        positions = [position for position in range(len(documents)) if position not in skipped]
        kept = [documents[position] for position in positions]
        if ignore and session is None:
            failed = _insert_ignoring_duplicates(collection, kept)
            skipped |= {positions[index] for index in failed}
        elif kept:
            _insert(collection, kept, session)
        if session is not None:
            inserted = [d for p, d in enumerate(documents) if p not in skipped]
            ids = [d["_id"] for d in inserted]
            connection.journal.record("insert", name, ids, ("insert", inserted))
        return [None if p in skipped else d for p, d in enumerate(documents)]

    def _upsert(
        self, name: str, documents: list[dict[str, Any]], conflict: OnConflict
    ) -> list[dict[str, Any] | None]:
        """``ON CONFLICT (target) DO UPDATE``: one upsert per row.

        A row with a NULL in its target columns never matches a stored
        one (NULLs are distinct in SQL's unique constraints) and is
        inserted (see ``upsert_request``). Rows of one statement with the
        same target values update the row the first of them inserted (the
        last one wins), as MySQL's ``ON DUPLICATE KEY UPDATE`` does;
        PostgreSQL refuses such a batch.
        """
        for column in (*conflict.target, *(conflict.update or ())):
            if "." in column:
                raise NotSupportedError(
                    f"ON CONFLICT on the embedded path {column!r} is not supported by djongo_app."
                )
        connection = self.connection
        session = connection.session
        collection = connection.collection(name)
        _check_arbiter(name, conflict.target, connection.rules_of(name))
        update = conflict.update or ()
        requests = [upsert_request(document, conflict) for document in documents]
        refused = connection.not_null.of(name)
        if refused:
            requests = [(query, refusing_nulls(change, refused)) for query, change in requests]
        filters = [query for query, _ in requests]
        matched: dict[int, Any] = {}
        if self._recording:
            matched = self._matching(collection, filters, session, raw=True)
            checked = []
            for position, document in enumerate(documents):
                if position in matched:
                    values = {c: document[c] for c in update if c in document}
                    checked.append({**_decoded(matched[position]), **values})
                else:
                    checked.append(document)
            if refused:
                send_nulls_as_missing(checked, refused)
            self._checker(name, session).check_insert(
                checked, exclude_ids=[before["_id"] for before in matched.values()]
            )
        result = collection.bulk_write(
            [UpdateOne(query, change, upsert=True) for query, change in requests],
            ordered=True,
            session=session,
        )
        upserted = result.upserted_ids
        if session is not None:
            # Not redone after the server ends the transaction: which rows
            # an upsert updates depends on rows of other transactions.
            connection.journal.record("update", name, list(matched.values()), None)
            connection.journal.record("insert", name, list(upserted.values()), None)
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
        refused = connection.not_null.of(name)
        if refused:
            update = refusing_nulls(update, refused)
        session = connection.session
        collection = connection.collection(name)
        if not self._recording:
            matched = collection.update_many(query, update, session=session).matched_count
            if session is not None:
                connection.journal.record("update", name, [], ("update", query, update, matched))
            return matched
        before = list(collection.with_options(codec_options=RAW).find(query, session=session))
        if not before:
            return 0
        ids = [document["_id"] for document in before]
        pipeline, paths = _as_pipeline(update)
        if paths is not None and not isinstance(update, list):
            # Constants: only the paths some row gets a new value for can
            # break a unique index or the validator (save() sets them all).
            changed = _changed_paths(update.get("$set", {}), before, collection.codec_options)
            paths = changed | set(update.get("$unset", ()))
        self._checker(name, session).check_update(ids, pipeline, paths)
        query = {"_id": {"$in": ids}}
        matched = collection.update_many(query, update, session=session).matched_count
        connection.journal.record("update", name, before, ("update", query, update, matched))
        return matched

    def delete(self, name: str, query: dict[str, Any]) -> int:
        """Delete the documents ``query`` matches; return how many.

        The database-level ``on_delete`` rules of foreign keys that
        reference collection ``name`` (:mod:`djongo_app.ondelete`) run
        after it, on the children of the deleted documents.
        """
        references = self.connection.references.of(name)
        if not references:
            return self._delete(name, query)
        collection = self.connection.database[name]
        layout = self.connection.key_layouts.layout
        targets = [layout.path(name, ref.to) for ref in references]
        projection = dict.fromkeys(targets, 1)
        removed = list(collection.find(query, projection, session=self.connection.session))
        if not removed:
            return 0
        deleted = self._delete(name, {"_id": {"$in": [d["_id"] for d in removed]}})
        for ref, target in zip(references, targets, strict=True):
            found = (get_path(d, target) for d in removed)
            values = list({_key(v): v for v in found if v is not None}.values())
            if values:
                children = {layout.path(ref.table, ref.column): {"$in": values}}
                ACTIONS[ref.on_delete](self, ref, children)
        return deleted

    def _delete(self, name: str, query: dict[str, Any]) -> int:
        connection = self.connection
        session = connection.session
        collection = connection.collection(name)
        if not self._recording:
            deleted = collection.delete_many(query, session=session).deleted_count
            if session is not None:
                connection.journal.record("delete", name, [], ("delete", query, None, deleted))
            return deleted
        before = list(collection.with_options(codec_options=RAW).find(query, session=session))
        if not before:
            return 0
        query = {"_id": {"$in": [document["_id"] for document in before]}}
        deleted = collection.delete_many(query, session=session).deleted_count
        connection.journal.record("delete", name, before, ("delete", query, None, deleted))
        return deleted

    # pymongo calls (DjongoManager.mongo_*, GridFS storage) -----------------

    def call(self, name: str, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run ``Collection.<method>(*args, **kwargs)`` of collection
        ``name`` in the running transaction (pass ``session`` in
        ``kwargs``), journaled while a savepoint is open.

        Inserts, updates, replacements and deletes (``*_one``, ``*_many``,
        ``find_one_and_*`` without upsert) are journaled like SQL writes;
        any other write (``bulk_write``, an upserting ``find_one_and_*``)
        makes the open savepoints unusable on their own (see
        :mod:`djongo_app.savepoints`).
        """
        connection = self.connection
        collection = connection.collection(name)
        function = getattr(collection, method)
        kind = PYMONGO_WRITES.get(method)
        session = kwargs.get("session")
        if session is None or method not in SESSION_WRITES:
            return function(*args, **kwargs)
        journal = connection.journal
        if kind is None or (method.startswith("find_one_and") and kwargs.get("upsert")):
            journal.record_opaque(f"a pymongo {method}()")
            return function(*args, **kwargs)
        if kind == "insert":
            documents = args[0] if args else kwargs.get("documents", kwargs.get("document"))
            documents = [documents] if method == "insert_one" else documents
            if journal.recording and isinstance(documents, list):
                validate = not kwargs.get("bypass_document_validation")
                self._checker(name, session).check_insert(documents, validate=validate)
            result = function(*args, **kwargs)
            ids = result.inserted_ids if method == "insert_many" else [result.inserted_id]
            redo = ("insert", documents) if isinstance(documents, list) else None
            journal.record("insert", name, list(ids), redo)
            return result
        query = args[0] if args else kwargs["filter"]
        before = []
        if journal.recording:
            raw = collection.with_options(codec_options=RAW)
            before = list(raw.find(query, session=session))
        result = function(*args, **kwargs)
        if kind == "update":
            # Not redone: *_one and find_one_and_* pick one row by order.
            journal.record("update", name, before, None)
            upserted = getattr(result, "upserted_id", None)
            if upserted is not None:
                journal.record("insert", name, [upserted], None)
            return result
        if before and method != "delete_many":
            # One document went: keep the before-images of those gone.
            ids = [document["_id"] for document in before]
            left = {
                d["_id"]
                for d in collection.find({"_id": {"$in": ids}}, {"_id": 1}, session=session)
            }
            before = [document for document in before if document["_id"] not in left]
        journal.record("delete", name, before, None)
        return result


# pymongo Collection methods that write in a transaction, by the journal
# entry that undoes them; those missing from it are not journaled.
SESSION_WRITES = frozenset(
    {
        "bulk_write",
        "delete_many",
        "delete_one",
        "find_one_and_delete",
        "find_one_and_replace",
        "find_one_and_update",
        "insert_many",
        "insert_one",
        "replace_one",
        "update_many",
        "update_one",
    }
)
PYMONGO_WRITES = {
    "insert_one": "insert",
    "insert_many": "insert",
    "update_one": "update",
    "update_many": "update",
    "replace_one": "update",
    "find_one_and_update": "update",
    "find_one_and_replace": "update",
    "delete_one": "delete",
    "delete_many": "delete",
    "find_one_and_delete": "delete",
}


def _insert(collection: Any, documents: list[dict[str, Any]], session: Any) -> None:
    """Insert ``documents`` in order; one through ``insert_one``, which
    skips the driver's bulk machinery (a fifth of a create()'s driver
    time)."""
    if len(documents) == 1:
        collection.insert_one(documents[0], session=session)
    else:
        collection.insert_many(documents, ordered=True, session=session)


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


def _check_arbiter(name: str, target: tuple[str, ...], rules: Any) -> None:
    """Raise ProgrammingError unless a unique index of ``name`` has exactly
    the ``target`` columns (PostgreSQL's rule for ON CONFLICT's columns).

    A partial index qualifies when its filter only leaves NULLs out (what
    djongo_app makes of a unique nullable column); one with a collation or
    a condition does not, as an expression or partial index does not on
    PostgreSQL without more syntax.
    """
    for index in rules.unique:
        if set(index.keys) != set(target) or index.collation is not None:
            continue
        partial = index.partial or {}
        if all(
            column in target and isinstance(test, dict) and set(test) == {"$type"}
            for column, test in partial.items()
        ):
            return
    raise ProgrammingError(
        f"djongo_app: ON CONFLICT ({', '.join(target)}) names no unique constraint of "
        f"{name!r}: give the columns of one unique constraint (unique_fields)."
    )


def _changed_paths(values: dict[str, Any], before: list[Any], codec_options: Any) -> set[str]:
    """Return the paths of ``values`` (a ``$set``) whose value differs, as
    BSON, from what one of the documents ``before`` (raw BSON) holds."""
    changed = set()
    for path, value in values.items():
        new = bson.encode({"": value}, codec_options=codec_options)
        for document in before:
            old = get_path(document, path, missing=_MISSING)
            if old is _MISSING or bson.encode({"": old}, codec_options=codec_options) != new:
                changed.add(path)
                break
    return changed


_MISSING = object()


def _key(value: Any) -> Any:
    """Return ``value`` in a hashable form (documents and lists, which a
    referenced column may hold, as their BSON)."""
    if isinstance(value, (dict, list)):
        return bson.BSON.encode({"v": value})
    return value


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
