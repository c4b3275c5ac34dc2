"""What is in the database: collections, sampled columns, indexes, counters."""

from collections import namedtuple

from bson import Decimal128, ObjectId
from django.db.backends.base.introspection import BaseDatabaseIntrospection, TableInfo

from .counters import SCHEMA_COLLECTION
from .errors import wrap_pymongo_errors

FieldInfo = namedtuple(
    "FieldInfo",
    "name type_code display_size internal_size precision scale null_ok default collation",
)

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
    "objectId": "CharField",
    "object": "JSONField",
    "array": "JSONField",
}


class DatabaseIntrospection(BaseDatabaseIntrospection):
    data_types_reverse = BSON_FIELD_TYPES
    sample_size = 100

    @property
    def database(self):
        self.connection.ensure_connection()
        return self.connection.connection.database

    def get_table_list(self, cursor):
        with wrap_pymongo_errors():
            names = self.database.list_collection_names()
        return [
            TableInfo(name, "t")
            for name in sorted(names)
            if name != SCHEMA_COLLECTION and not name.startswith("system.")
        ]

    def get_table_description(self, cursor, table_name):
        """Return the fields seen in a sample of ``table_name``'s documents."""
        seen = {}
        with wrap_pymongo_errors():
            documents = self.database[table_name].find(limit=self.sample_size)
            for document in documents:
                for key, value in document.items():
                    seen.setdefault(key, set()).add(_bson_type(value))
        return [
            FieldInfo(name, sorted(types)[0], None, None, None, None, True, None, None)
            for name, types in seen.items()
        ]

    def get_sequences(self, cursor, table_name, table_fields=()):
        with wrap_pymongo_errors():
            entry = self.database[SCHEMA_COLLECTION].find_one({"name": table_name})
        if not entry:
            return []
        fields = (entry.get("auto") or {}).get("field_names") or []
        return [{"table": table_name, "column": column} for column in fields]

    def get_constraints(self, cursor, table_name):
        constraints = {}
        with wrap_pymongo_errors():
            information = self.database[table_name].index_information()
        for name, info in information.items():
            columns = [key for key, _ in info["key"]]
            orders = ["DESC" if direction == -1 else "ASC" for _, direction in info["key"]]
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
                "options": None,
            }
        return constraints

    def get_relations(self, cursor, table_name):
        return {}

    def get_primary_key_columns(self, cursor, table_name):
        with wrap_pymongo_errors():
            entry = self.database[SCHEMA_COLLECTION].find_one({"name": table_name})
        fields = ((entry or {}).get("auto") or {}).get("field_names")
        return list(fields) if fields else ["_id"]


def _bson_type(value):

    table = (
        (bool, "bool"),
        (int, "long"),
        (float, "double"),
        (str, "string"),
        (ObjectId, "objectId"),
        (Decimal128, "decimal"),
        (dict, "object"),
        (list, "array"),
        (bytes, "binData"),
    )
    for python_type, name in table:
        if isinstance(value, python_type):
            return name
    return "date" if hasattr(value, "isoformat") else "string"
