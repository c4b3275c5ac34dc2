"""What is in the database: collections, sampled columns, indexes, counters.

MongoDB keeps no column list, so a table description is inferred from a
sample of documents: the first ``INTROSPECTION_SAMPLE_SIZE`` (a top-level
key of the ``DATABASES`` entry, default 100; 0 reads every document) in
natural order, so that the same data always gives the same description.
"""

import datetime
import decimal
import uuid
from collections import Counter, namedtuple
from dataclasses import dataclass, field

from bson import Decimal128, Int64, ObjectId
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.introspection import BaseDatabaseIntrospection, TableInfo

from .counters import SCHEMA_COLLECTION
from .errors import wrap_pymongo_errors
from .keylayout import KEY

FieldInfo = namedtuple(
    "FieldInfo",
    "name type_code display_size internal_size precision scale null_ok default collation",
)

DEFAULT_SAMPLE_SIZE = 100

# BSON type name → Django field, for inspectdb.
BSON_FIELD_TYPES = {
    "bool": "BooleanField",
    "int": "IntegerField",
    "long": "BigIntegerField",
    "double": "FloatField",
    "decimal": "DecimalField",
    "string": "TextField",
    "date": "DateTimeField",
    "binData": "BinaryField",
    # Binary subtype 4, which the client decodes as uuid.UUID.
    "uuid": "UUIDField",
    "objectId": "ObjectIdField",
    "object": "JSONField",
    "array": "JSONField",
    # A key holding only nulls, or values of several unrelated types.
    "null": "JSONField",
    "mixed": "JSONField",
}

# Python type of a decoded value → BSON type name, first match wins (bool
# before int, Int64 before int, datetime before date).
PYTHON_BSON_TYPES = (
    (type(None), "null"),
    (bool, "bool"),
    (Int64, "long"),
    (int, "int"),
    (float, "double"),
    # The client decodes Decimal128 as Decimal (see codecs.py).
    (decimal.Decimal, "decimal"),
    (Decimal128, "decimal"),
    (str, "string"),
    (ObjectId, "objectId"),
    (datetime.datetime, "date"),
    (uuid.UUID, "uuid"),
    (bytes, "binData"),
    (dict, "object"),
    (list, "array"),
)
INT32 = range(-(2**31), 2**31)

# Numeric types that widen into one column type: a key holding ints and
# longs is a long, one holding any number and a double is a double.
NUMERIC_WIDENING = (
    (frozenset({"int", "long"}), "long"),
    (frozenset({"int", "long", "double"}), "double"),
)


def bson_type(value):
    """Return the BSON type name of a decoded value ("mixed" if unknown)."""
    for python_type, name in PYTHON_BSON_TYPES:
        if isinstance(value, python_type):
            if name == "int" and value not in INT32:
                return "long"
            return name
    # Timestamp, Regex, Code, MinKey, ...: no Django field of their own.
    return "mixed"


@dataclass
class KeyShape:
    """What a sample holds under one key (or in one array's elements)."""

    # Containers (documents, objects or arrays) in which the key appears.
    present: int = 0
    # BSON type name → how many values had it, nulls included.
    types: Counter = field(default_factory=Counter)
    # The merged shape of the values that are objects.
    fields: "DocumentShape | None" = None
    # The merged shape of the elements of the values that are arrays.
    items: "KeyShape | None" = None
    # For decimals: most digits before and after the point.
    whole_digits: int = 0
    places: int = 0

    def add(self, value):
        self.present += 1
        kind = bson_type(value)
        self.types[kind] += 1
        if kind == "object":
            if self.fields is None:
                self.fields = DocumentShape()
            self.fields.add(value)
        elif kind == "array":
            if self.items is None:
                self.items = KeyShape()
            for element in value:
                self.items.add(element)
        elif kind == "decimal":
            self._add_decimal(value.to_decimal() if isinstance(value, Decimal128) else value)

    def _add_decimal(self, value):
        if not value.is_finite():
            return
        _sign, digits, exponent = value.as_tuple()
        places = max(-exponent, 0)
        self.places = max(self.places, places)
        self.whole_digits = max(self.whole_digits, len(digits) + exponent if digits else 0)

    @property
    def has_null(self):
        return "null" in self.types

    @property
    def type_code(self):
        """Return the one BSON type of the non-null values: "null" when
        there are none, the wider type of mixed numbers, else "mixed"."""
        kinds = set(self.types) - {"null"}
        if not kinds:
            return "null"
        if len(kinds) == 1:
            return next(iter(kinds))
        for members, wider in NUMERIC_WIDENING:
            if kinds <= members:
                return wider
        return "mixed"


@dataclass
class DocumentShape:
    """The keys of a sample of documents (or of the objects under a key)."""

    # Documents merged into this shape.
    count: int = 0
    # Key → its shape, in the order keys were first seen.
    keys: dict = field(default_factory=dict)

    def add(self, document):
        self.count += 1
        for key, value in document.items():
            self.keys.setdefault(key, KeyShape()).add(value)

    def nullable(self, key):
        """Return whether ``key`` is missing from or null in some document."""
        shape = self.keys[key]
        return shape.present < self.count or shape.has_null


class DatabaseIntrospection(BaseDatabaseIntrospection):
    data_types_reverse = BSON_FIELD_TYPES

    @property
    def database(self):
        self.connection.ensure_connection()
        return self.connection.connection.database

    @property
    def sample_size(self):
        """Return how many documents a description reads (0: all)."""
        size = self.connection.settings_dict.get("INTROSPECTION_SAMPLE_SIZE", DEFAULT_SAMPLE_SIZE)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ImproperlyConfigured(
                f"settings.DATABASES[{self.connection.alias!r}]['INTROSPECTION_SAMPLE_SIZE'] "
                f"must be a whole number of documents (0 reads all), not {size!r}."
            )
        return size

    def get_table_list(self, cursor):
        with wrap_pymongo_errors():
            collections = list(self.database.list_collections())
        return [
            TableInfo(info["name"], "v" if info.get("type") == "view" else "t")
            for info in sorted(collections, key=lambda info: info["name"])
            if info["name"] != SCHEMA_COLLECTION and not info["name"].startswith("system.")
        ]

    def get_document_shape(self, table_name, sample_size=None):
        """Return the DocumentShape of a sample of ``table_name``.

        ``sample_size`` defaults to the database's setting; 0 reads every
        document.
        """
        size = self.sample_size if sample_size is None else sample_size
        shape = DocumentShape()
        key = self._stored_key(table_name)
        with wrap_pymongo_errors():
            for document in self.database[table_name].find(limit=size):
                if key is not None and "_id" in document:
                    # The primary key kept in _id (keylayout.py), under its column's name.
                    document = {key: document.pop("_id"), **document}
                shape.add(document)
        return shape

    def get_table_description(self, cursor, table_name):
        """Return the top-level keys seen in a sample of ``table_name``.

        ``type_code`` is a BSON type name (a key of ``data_types_reverse``);
        ``null_ok`` is true for keys missing from or null in some sampled
        document; a decimal's ``precision`` and ``scale`` are the most
        digits seen.
        """
        shape = self.get_document_shape(table_name)
        description = []
        for name, key in shape.keys.items():
            precision = scale = None
            if key.type_code == "decimal":
                precision, scale = key.whole_digits + key.places, key.places
            description.append(
                FieldInfo(
                    name,
                    key.type_code,
                    None,
                    None,
                    precision,
                    scale,
                    shape.nullable(name),
                    None,
                    None,
                )
            )
        return description

    def get_sequences(self, cursor, table_name, table_fields=()):
        return [{"table": table_name, "column": column} for column in self._auto_fields(table_name)]

    def get_constraints(self, cursor, table_name):
        constraints = {}
        key = self._stored_key(table_name)
        with wrap_pymongo_errors():
            information = self.database[table_name].index_information()
        for name, info in information.items():
            columns = [key for key, _ in info["key"]]
            orders = ["DESC" if direction == -1 else "ASC" for _, direction in info["key"]]
            # A collation (Lower()/Upper() indexes): what the index compares
            # is not the stored value.
            collation = info.get("collation")
            if name == "_id_" and key is not None:
                columns = [key]
            constraints[name] = {
                "columns": columns,
                "primary_key": name == "_id_",
                "unique": bool(info.get("unique")) or name == "_id_",
                "foreign_key": None,
                "check": False,
                "index": True,
                "orders": orders,
                "type": "idx",
                "definition": None,
                "options": {"collation": dict(collation)} if collation else None,
            }
        return constraints

    def get_relations(self, cursor, table_name):
        return {}

    def get_primary_key_columns(self, cursor, table_name):
        return self._auto_fields(table_name) or ["_id"]

    def _entry(self, table_name):
        with wrap_pymongo_errors():
            return self.database[SCHEMA_COLLECTION].find_one({"name": table_name}) or {}

    def _auto_fields(self, table_name):
        """Return the counter columns ``__schema__`` records for a table."""
        return list((self._entry(table_name).get("auto") or {}).get("field_names") or [])

    def _stored_key(self, table_name):
        """Return the column ``__schema__`` records as kept in ``_id``, or None."""
        key = self._entry(table_name).get(KEY)
        return key if isinstance(key, str) else None


__all__ = ["BSON_FIELD_TYPES", "DatabaseIntrospection", "DocumentShape", "KeyShape", "bson_type"]
