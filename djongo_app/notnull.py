"""NOT NULL: what the server checks, and how djongo_app's writes let it.

The schema editor gives a collection a ``$jsonSchema`` validator whose
``required`` lists the model's NOT NULL columns, and records in the
collection's ``__schema__`` entry which of them refuse a null value::

    {"name": "<table>", "not_null": ["<column>", ...]}

(a NOT NULL ``JSONField`` is required but not listed: JSON null is one of
its values.) djongo_app writes a NULL for a listed column as a missing
key, so that the server refuses the document (code 121, an
IntegrityError), as SQL refuses a NULL in a NOT NULL column:

* an INSERT leaves the key out;
* an ``UPDATE ... SET column = NULL`` unsets it;
* an ``UPDATE ... SET column = <expression>`` (an update pipeline) sets
  ``{$ifNull: [<expression>, "$$REMOVE"]}``: a NULL result removes it.

Why not a validator that refuses null values itself
(``properties: {column: {not: {bsonType: "null"}}}``): on the test server
(SecantusDB) checking one property per column costs about as much as
storing the document (insert_many of 1,000 entries: 40-50 ms without a
validator, 68-69 ms with one property per column, 48-55 ms with
``required`` alone, the range over runs; ``benchmarks/bench_validator.py``
and docs/performance.md). A program other than djongo_app that
writes an explicit null is not stopped by ``required``; one that leaves
the key out is.

A connection reads a collection's record with its other ``__schema__``
facts (:mod:`.entries`: one ``find_one``, which an INSERT makes anyway for
the defaults) and again after its own DDL on the collection; DDL from
another process is seen by the connections opened after it. A collection
created before the record existed has none, and its validator refuses
null values itself: nothing is rewritten for it.
"""

from __future__ import annotations

from typing import Any

NOT_NULL = "not_null"

# An aggregation expression's missing value: $set of it removes the key.
REMOVE = "$$REMOVE"


class NotNullColumns:
    """The columns of each collection that refuse a null value, read by
    ``entries`` (a :class:`~djongo_app.entries.SchemaEntries`)."""

    def __init__(self, entries: Any):
        self.entries = entries

    def of(self, table: str) -> frozenset[str]:
        """Return ``table``'s columns that refuse a null (empty for a
        collection without a record)."""
        return self.entries.derived(table, NOT_NULL, _columns_of)


def _columns_of(entry: dict[str, Any]) -> frozenset[str]:
    return frozenset(entry.get(NOT_NULL) or ())


def record_not_null(schema: Any, table: str, columns: list[str]) -> None:
    """Record in ``__schema__`` (or the schema editor's recording) that
    ``table``'s ``columns`` refuse a null value."""
    schema.update_one({"name": table}, {"$set": {NOT_NULL: columns}}, upsert=True)


def drop_not_null(schema: Any, table: str) -> None:
    schema.update_one({"name": table, NOT_NULL: {"$exists": True}}, {"$unset": {NOT_NULL: ""}})


def send_nulls_as_missing(documents: list[dict[str, Any]], columns: frozenset[str]) -> None:
    """Leave out of ``documents`` the null values of ``columns``."""
    # A column at a time: 0.1 ms for 1,000 rows of six such columns.
    for column in columns:
        for document in documents:
            if document.get(column, 0) is None:
                del document[column]


def refusing_nulls(update: Any, columns: frozenset[str]) -> Any:
    """Return ``update`` (an update document or pipeline) with the null
    values it would set in ``columns`` removed instead; ``update`` itself
    is left as it was."""
    if isinstance(update, list):
        return [_stage_refusing_nulls(stage, columns) for stage in update]
    nulls = [
        column
        for column, value in update.get("$set", {}).items()
        if value is None and column in columns
    ]
    on_insert = [
        column
        for column, value in update.get("$setOnInsert", {}).items()
        if value is None and column in columns
    ]
    if not nulls and not on_insert:
        return update
    update = dict(update)
    if nulls:
        update["$set"] = {c: v for c, v in update["$set"].items() if c not in nulls}
        update["$unset"] = {**update.get("$unset", {}), **dict.fromkeys(nulls, "")}
        if not update["$set"]:
            del update["$set"]
    if on_insert:
        # Never left empty in an upsert: Django's update_fields are in
        # every row, so "$set" (or "$unset") remains.
        update["$setOnInsert"] = {
            c: v for c, v in update["$setOnInsert"].items() if c not in on_insert
        }
        if not update["$setOnInsert"]:
            del update["$setOnInsert"]
    return update


def _stage_refusing_nulls(stage: dict[str, Any], columns: frozenset[str]) -> dict[str, Any]:
    (name, values), *others = stage.items()
    if others or name not in ("$set", "$addFields") or not columns.intersection(values):
        return stage
    return {
        name: {
            column: {"$ifNull": [value, REMOVE]} if column in columns else value
            for column, value in values.items()
        }
    }


__all__ = [
    "NOT_NULL",
    "NotNullColumns",
    "drop_not_null",
    "record_not_null",
    "refusing_nulls",
    "send_nulls_as_missing",
]
