"""Moving an integer primary key of an existing collection into ``_id``.

A collection written in Djongo's layout keeps its ``AutoField`` key in a
field of its own (``id``) under a unique index, beside an ObjectId ``_id``
(see :mod:`djongo_app.keylayout`). :func:`move_key` rewrites it into the
layout djongo_app creates: each document's ``_id`` becomes its key, the
``id`` field and its index go, the other indexes come back with ``_id``
for ``id``, the validator is rebuilt from the model, and ``__schema__``
records the key. The ObjectIds are dropped: nothing may refer to them.

The documents are copied by one aggregation (``$out`` to a collection
beside it) that is then renamed over the original: not a transaction, so
run it with the application stopped. An interrupted move leaves either the
original untouched (and a copy the next run replaces) or the new layout
without its record, which the next run records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import IndexModel

from .counters import SCHEMA_COLLECTION
from .errors import wrap_pymongo_errors
from .internal_types import COUNTER_TYPES
from .keylayout import KEY, record_key

# Suffix of the collection the documents are copied into.
COPY_SUFFIX = "__keys_in_id"
# BSON types an integer key may have.
INTEGER_BSON_TYPES = ["int", "long"]


@dataclass(frozen=True)
class Move:
    """What :func:`move_key` found (and did, unless ``check``) for a table."""

    table: str
    column: str
    # "moved", "recorded" (an interrupted move finished), "in _id" (nothing
    # to do), "missing" (no collection), "refused".
    outcome: str
    documents: int = 0
    reason: str = ""


def move_key(connection: Any, model: Any, *, check: bool = False) -> Move:
    """Move ``model``'s integer key into ``_id`` (see the module); with
    ``check``, only say what would happen."""
    opts = model._meta
    table, column = opts.db_table, opts.pk.column
    if opts.pk.get_internal_type() not in COUNTER_TYPES or column == "_id":
        return Move(table, column, "refused", reason="its primary key is not an AutoField")
    connection.ensure_connection()
    database = connection.connection.database
    with wrap_pymongo_errors():
        if not database.list_collection_names(filter={"name": table}):
            return Move(table, column, "missing")
        entry = database[SCHEMA_COLLECTION].find_one({"name": table}, {KEY: 1}) or {}
        if entry.get(KEY) == column:
            return Move(table, column, "in _id")
        collection = database[table]
        documents = collection.count_documents({})
        keyed = collection.count_documents({column: {"$exists": True}})
        if keyed == 0 and documents and _integer_ids(collection):
            # An interrupted move: copied and renamed, not yet recorded.
            if not check:
                _record(connection, model, table, column)
            return Move(table, column, "recorded", documents)
        reason = _refusal(collection, column, documents)
        if reason:
            return Move(table, column, "refused", documents, reason)
        if not check:
            _move(connection, model, collection, column)
    return Move(table, column, "moved", documents)


def _integer_ids(collection: Any) -> bool:
    return collection.count_documents({"_id": {"$not": {"$type": INTEGER_BSON_TYPES}}}) == 0


def _refusal(collection: Any, column: str, documents: int) -> str:
    """Return why the documents cannot be moved as they are, or ""."""
    others = collection.count_documents({column: {"$not": {"$type": INTEGER_BSON_TYPES}}})
    if others:
        return (
            f"{others} of {documents} document(s) have no integer {column!r} "
            "(written by another program?); give them one first"
        )
    repeated = list(
        collection.aggregate(
            [
                {"$group": {"_id": f"${column}", "n": {"$sum": 1}}},
                {"$match": {"n": {"$gt": 1}}},
                {"$limit": 3},
            ]
        )
    )
    if repeated:
        shown = ", ".join(str(group["_id"]) for group in repeated)
        return f"several documents share the key (e.g. {shown})"
    return ""


def _move(connection: Any, model: Any, collection: Any, column: str) -> None:
    database = collection.database
    table = collection.name
    copy = table + COPY_SUFFIX
    database.drop_collection(copy)
    if collection.estimated_document_count():
        collection.aggregate([{"$set": {"_id": f"${column}"}}, {"$unset": column}, {"$out": copy}])
    else:
        # $out of nothing creates no collection (on the test server).
        database.create_collection(copy)
    # The indexes after the copy: the test server's $out does not keep the
    # indexes of a collection it replaces.
    indexes = _indexes_for(collection.index_information(), column)
    if indexes:
        database[copy].create_indexes(indexes)
    database[copy].rename(table, dropTarget=True)
    _record(connection, model, table, column)


def _indexes_for(information: dict[str, Any], column: str) -> list[IndexModel]:
    """The indexes of the moved collection: each with ``_id`` for
    ``column``, but for the index of ``column`` alone (``_id``'s serves)."""
    from .schema import _renamed_filter, _renamed_path

    indexes = []
    for name, info in information.items():
        keys = info["key"]
        if name == "_id_" or [key for key, _ in keys] == [column]:
            continue
        options = {k: v for k, v in info.items() if k not in {"key", "v", "ns"}}
        partial = options.get("partialFilterExpression")
        if partial is not None:
            options["partialFilterExpression"] = _renamed_filter(partial, column, "_id")
        renamed = [(_renamed_path(key, column, "_id"), order) for key, order in keys]
        indexes.append(IndexModel(renamed, name=name, **options))
    return indexes


def _record(connection: Any, model: Any, table: str, column: str) -> None:
    database = connection.connection.database
    record_key(database[SCHEMA_COLLECTION], table, column)
    connection.connection.key_layouts.created(table, column)
    connection.connection.schema_changed(table)
    with connection.schema_editor() as editor:
        # The validator, rebuilt now that the key is in _id (never missing).
        editor._update_validator(model)


__all__ = ["Move", "move_key"]
