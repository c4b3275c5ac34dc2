"""What the schema editor would run, written as MongoDB shell (mongosh) text.

``manage.py sqlmigrate`` runs a migration with ``collect_sql=True``: the
schema editor then works on a :class:`RecordingDatabase`, which writes each
command it is asked for (``db.createCollection(...)``,
``db.<table>.createIndex(...)``, ``db.<table>.updateMany(...)``, ...) into
the editor's ``collected_sql`` and runs none of them. What the editor reads
to decide (the indexes a collection has, the counter columns of a table)
is read from the real database.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import json
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from bson import Binary, Decimal128, Int64, ObjectId, Regex

from .counters import SCHEMA_COLLECTION, register_update

IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def _datetime(value: datetime.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return f'ISODate("{value.isoformat(timespec="milliseconds")}Z")'


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


# Python and BSON values → their mongosh constructors; the first class that
# matches wins (bool before int, Int64 before int, datetime before date).
LITERALS: tuple[tuple[type | tuple[type, ...], Callable[[Any], str]], ...] = (
    (type(None), lambda value: "null"),
    (bool, lambda value: "true" if value else "false"),
    (Int64, lambda value: f"NumberLong({int(value)})"),
    (int, str),
    (float, _float),
    (str, json.dumps),
    ((decimal.Decimal, Decimal128), lambda value: f'NumberDecimal("{value}")'),
    (ObjectId, lambda value: f'ObjectId("{value}")'),
    (datetime.datetime, _datetime),
    (
        datetime.date,
        lambda value: _datetime(datetime.datetime.combine(value, datetime.time())),
    ),
    (uuid.UUID, lambda value: f'UUID("{value}")'),
    (
        (bytes, Binary),
        lambda value: (
            f'BinData({getattr(value, "subtype", 0)}, "{base64.b64encode(value).decode()}")'
        ),
    ),
    (Regex, lambda value: f"RegExp({json.dumps(value.pattern)}, {json.dumps(value.flags)})"),
)


def js(value: Any) -> str:
    """Return ``value`` as mongosh source text (keys unquoted where they
    are identifiers: ``{$set: {"auto.seq": 0}}``)."""
    if isinstance(value, Mapping):
        items = ", ".join(f"{_key(key)}: {js(item)}" for key, item in value.items())
        return "{" + items + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(js(item) for item in value) + "]"
    for classes, write in LITERALS:
        if isinstance(value, classes):
            return write(value)
    return json.dumps(str(value))


def _key(key: Any) -> str:
    key = str(key)
    return key if IDENTIFIER.match(key) else json.dumps(key)


def collection_text(name: str) -> str:
    """Return how mongosh names collection ``name``: ``db.blog_entry``, or
    ``db.getCollection("...")`` for a name that is not an identifier."""
    return f"db.{name}" if IDENTIFIER.match(name) else f"db.getCollection({json.dumps(name)})"


def call(target: str, method: str, *arguments: Any) -> str:
    """Return the statement ``target.method(arguments...);``."""
    return f"{target}.{method}({', '.join(js(argument) for argument in arguments)});"


def _options(kwargs: dict[str, Any]) -> list[dict[str, Any]]:
    """Return pymongo's update options as mongosh's (none: no argument)."""
    names = {"upsert": "upsert", "array_filters": "arrayFilters"}
    options = {names[k]: v for k, v in kwargs.items() if k in names and v}
    return [options] if options else []


class RecordingDatabase:
    """A stand-in for a pymongo ``Database`` that records writes as mongosh
    statements in ``collected`` and reads from ``database``."""

    def __init__(self, database: Any, collected: list[str]):
        self._database = database
        self._collected = collected

    def record(self, statement: str) -> None:
        self._collected.append(statement)

    def __getitem__(self, name: str) -> RecordingCollection:
        return RecordingCollection(self, name)

    def list_collection_names(self, **kwargs: Any) -> list[str]:
        # What the migration would create does not exist yet: the
        # statements to create it are shown, whatever the database holds.
        return []

    def create_collection(self, name: str, **options: Any) -> None:
        self.record(call("db", "createCollection", name, *([options] if options else [])))

    def drop_collection(self, name: str) -> None:
        self.record(f"{collection_text(name)}.drop();")

    def command(self, name: str, value: Any, **options: Any) -> None:
        self.record(call("db", "runCommand", {name: value, **options}))


class RecordingCollection:
    """A stand-in for a pymongo ``Collection`` (see :class:`RecordingDatabase`)."""

    def __init__(self, database: RecordingDatabase, name: str):
        self._database = database
        self.name = name
        self._target = collection_text(name)

    def _record(self, method: str, *arguments: Any) -> None:
        self._database.record(call(self._target, method, *arguments))

    def index_information(self) -> dict[str, Any]:
        return self._database._database[self.name].index_information()

    def create_indexes(self, indexes: list[Any]) -> None:
        for index in indexes:
            document = dict(index.document)
            keys = document.pop("key")
            self._record("createIndex", dict(keys), document)

    def drop_index(self, name: str) -> None:
        self._record("dropIndex", name)

    def update_many(self, filter: Any, update: Any, **kwargs: Any) -> None:
        self._record("updateMany", filter, update, *_options(kwargs))

    def update_one(self, filter: Any, update: Any, **kwargs: Any) -> None:
        self._record("updateOne", filter, update, *_options(kwargs))

    def rename(self, new_name: str) -> None:
        self._record("renameCollection", new_name)


class RecordingCounters:
    """A stand-in for :class:`djongo_app.counters.Counters` that records the
    changes of ``__schema__`` entries the schema editor asks for."""

    def __init__(self, counters: Any, database: RecordingDatabase):
        self._counters = counters
        self._schema = database[SCHEMA_COLLECTION]

    def auto_fields(self, table: str) -> tuple[str, ...] | None:
        return self._counters.auto_fields(table)

    def register(self, table: str, field_names: list[str], key: str | None = None) -> None:
        self._schema._record("updateOne", {"name": table}, *register_update(field_names, key))

    def drop(self, table: str) -> None:
        if table != SCHEMA_COLLECTION:
            self._schema._record("deleteOne", {"name": table})

    def rename(self, old: str, new: str) -> None:
        self._schema._record("deleteMany", {"name": new})
        self._schema._record("updateOne", {"name": old}, {"$set": {"name": new}})

    def rename_column(self, table: str, old: str, new: str) -> None:
        self._schema._record(
            "updateOne",
            {"name": table, "auto.field_names": old},
            {"$set": {"auto.field_names.$": new}},
        )


__all__ = ["RecordingCounters", "RecordingDatabase", "collection_text", "js"]
