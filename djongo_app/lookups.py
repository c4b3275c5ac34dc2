"""MongoDB SQL for Django's JSONField lookups (``as_mongodb`` methods).

A JSON key never becomes SQL text. A chain of key transforms is one
parameter, the JSON path Django's ``compile_json_path`` writes for SQLite
(``$."owner"."name"``, ``$."tags"[0]``: a quoted key names an object key,
a bracketed number an array element), read back by the transpiler with a
JSON decoder (transpiler/jsonpath.py). The SQL text then depends on the
lookup only, so one cached plan serves every key:

* a key path → ``JSON_KEY(<json>, %s)``;
* ``has_key``, ``has_keys``, ``has_any_keys``, ``key__isnull=False`` →
  ``JSON_HAS_KEY(<json>, %s)``;
* ``key=None`` (the key holds JSON null) → ``JSON_TYPE(<json>, %s) = 'null'``
  (``JSON_TYPE`` is the BSON type name, NULL for a missing key);
* ``contains`` → ``JSON_CONTAINS(<json>, %s)`` (PostgreSQL's ``@>``).

JSON values are stored natively (objects, arrays, numbers, strings), so a
JSON ``null`` and a missing key differ, but a JSON ``null`` value and an SQL
NULL column do not.

Paths into embedded documents are model fields, not user input: they stay
dotted column names (``"t"."blog.name"``), written by
:func:`dotted_column_sql` with the one quoting helper.
"""

from django.db import NotSupportedError
from django.db.models.expressions import ExpressionList
from django.db.models.fields import json as json_fields
from django.db.models.functions import Cast
from django.db.models.lookups import IsNull

from . import compat
from .transpiler.quoting import COLUMN, quote_identifier

HAS_KEY_TEMPLATE = "JSON_HAS_KEY(%s, %s)"


def key_transform(self, compiler, connection):
    """``JSON_KEY(<json>, %s)`` with the chain's JSON path as parameter."""
    sql, params, keys = self.preprocess_lhs(compiler, connection)
    return f"JSON_KEY({sql}, %s)", (*params, compat.compile_json_path(connection, keys))


def has_key(self, compiler, connection):
    return self.as_sql(compiler, connection, template=HAS_KEY_TEMPLATE)


def key_transform_isnull(self, compiler, connection):
    # Django's HasKeyOrArrayIndex: a numeric last key is an array index.
    lookup = json_fields.HasKeyOrArrayIndex(self.lhs.lhs, self.lhs.key_name)
    sql, params = lookup.as_sql(compiler, connection, template=HAS_KEY_TEMPLATE)
    return (f"NOT {sql}" if self.rhs else sql), params


def data_contains(self, compiler, connection):
    lhs, lhs_params = self.process_lhs(compiler, connection)
    rhs, rhs_params = self.process_rhs(compiler, connection)
    return f"JSON_CONTAINS({lhs}, {rhs})", (*lhs_params, *rhs_params)


def contained_by(self, compiler, connection):
    raise NotSupportedError("JSONField contained_by is not supported by djongo_app.")


def json_exact(self, compiler, connection):
    # None, or Django 6.1's JSONNull(): the JSON scalar null. (On 6.1,
    # key__iexact=None reaches here as key=None too.)
    json_null = self.rhs is None or (
        compat.JSONNull is not None and isinstance(self.rhs, compat.JSONNull)
    )
    if json_null:
        if isinstance(self.lhs, json_fields.KeyTransform):
            # key=None: the key holds JSON null. As on SQLite, a missing key
            # makes the condition NULL, so exclude() leaves it out too.
            sql, params, keys = self.lhs.preprocess_lhs(compiler, connection)
            path = compat.compile_json_path(connection, keys)
            return f"JSON_TYPE({sql}, %s) = 'null'", (*params, path)
        if self.rhs is None:
            # Deprecated on the column from Django 6.1, as on other backends.
            compat.warn_json_none_deprecated()
        # exact=None on the column: JSON null and SQL NULL are both null.
        return IsNull(self.lhs, True).as_sql(compiler, connection)
    lhs, lhs_params = self.process_lhs(compiler, connection)
    rhs, rhs_params = self.process_rhs(compiler, connection)
    # Django passes JSON null as the text 'null' (a tuple from 6.0 on).
    if tuple(rhs_params) == ("null",):
        rhs_params = [None]
    return f"{lhs} = {rhs}", (*lhs_params, *rhs_params)


def json_in(self, compiler, connection):
    """``__in`` on JSON values (Django 6.1): JSONNull() among the values
    matches the stored null as ``exact=JSONNull()`` does (an IN list never
    matches null); the other values stay one IN."""
    values = self.rhs
    if isinstance(values, ExpressionList):
        # A list holding expressions (JSONNull() is one).
        values = values.get_source_expressions()
    if not isinstance(values, list | tuple):
        values = ()
    if not any(isinstance(v, compat.JSONNull) for v in values):
        return self.as_sql(compiler, connection)
    exact = self.lhs.get_lookup("exact")(self.lhs, compat.JSONNull())
    parts = [compiler.compile(exact)]
    others = [v for v in values if not isinstance(v, compat.JSONNull)]
    if others:
        parts.append(compiler.compile(type(self)(self.lhs, others)))
    sql = " OR ".join(f"({part})" for part, _ in parts)
    return f"({sql})", tuple(param for _, params in parts for param in params)


# Column types stored as documents or arrays: a value of one of them is
# already what a cast to JSON means.
DOCUMENT_TYPES = frozenset({"object", "array"})


def json_cast(self, compiler, connection, **extra_context):
    """``CAST(<x> AS OBJECT)`` for a value stored as a document or array
    (or of no known type); casting anything else to JSON would parse text
    as JSON, which MongoDB's query language cannot do, so it raises."""
    if self.output_field.db_type(connection) in DOCUMENT_TYPES:
        source = self.get_source_expressions()[0]
        source_field = getattr(source, "_output_field_or_none", None)
        if source_field is not None and source_field.db_type(connection) not in DOCUMENT_TYPES:
            raise NotSupportedError(
                f"Cast({source!r}, {type(self.output_field).__name__}()) is not supported by "
                "djongo_app: MongoDB cannot parse text as JSON in a query; store the value "
                "in a JSONField instead."
            )
    return self.as_sql(compiler, connection, **extra_context)


def json_null(self, compiler, connection):
    """JSONNull() (Django 6.1) as a value: stored as null, not as 'null'."""
    return "%s", (None,)


def dotted_column_sql(sql, key):
    """Return the column ``sql`` (``"t"."col"``) extended by ``.key``: the
    dialect's form of a path into a stored embedded document.

    ``key`` is a field's column or an array index; one that MongoDB cannot
    address as a path step (empty, with ``.``, starting with ``$``) raises
    NotSupportedError.
    """
    match = COLUMN.match(sql)
    if match is None:
        raise NotSupportedError(
            f"A nested key lookup ({key!r}) on the expression {sql} is not supported by "
            "djongo_app: it needs a column."
        )
    key = str(key)
    if not key or "." in key or key.startswith("$"):
        raise NotSupportedError(
            f"The nested key {key!r} is not supported by djongo_app: MongoDB paths cannot "
            "hold an empty key, a '.' or a leading '$'."
        )
    name = match["column"].replace('""', '"')
    column = quote_identifier(f"{name}.{key}")
    table = match["table"]
    return f"{table}.{column}" if table else column


AS_MONGODB = {
    Cast: json_cast,
    json_fields.KeyTransform: key_transform,
    json_fields.HasKeyLookup: has_key,
    json_fields.KeyTransformIsNull: key_transform_isnull,
    json_fields.DataContains: data_contains,
    json_fields.ContainedBy: contained_by,
    json_fields.JSONExact: json_exact,
}
if compat.JSONNull is not None:
    AS_MONGODB[compat.JSONNull] = json_null
if compat.JSONIn is not None:
    AS_MONGODB[compat.JSONIn] = json_in


def register():
    """Give Django's JSON lookups their ``as_mongodb`` methods (once)."""
    for cls, method in AS_MONGODB.items():
        cls.as_mongodb = method


__all__ = ["COLUMN", "dotted_column_sql", "register"]
