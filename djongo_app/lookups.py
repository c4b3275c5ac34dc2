"""MongoDB SQL for Django's JSONField lookups (``as_mongodb`` methods).

Django compiles a lookup with ``as_<vendor>`` when the node has one; these
write the dialect the transpiler reads:

* a key path is a dotted column, ``data__owner__name`` → ``"t"."data.owner.name"``,
  which MongoDB reads as the nested field;
* ``has_key`` and ``key__isnull`` → ``JSON_HAS_KEY("t"."data.key")`` ($exists);
* ``contains`` → ``JSON_CONTAINS("t"."data", %s)`` (a containment filter).

JSON values are stored natively (objects, arrays, numbers, strings), so a
JSON ``null`` and a missing key differ, but a JSON ``null`` value and an SQL
NULL column do not.
"""

import re

from django.db import NotSupportedError
from django.db.models.expressions import ExpressionList
from django.db.models.fields import json as json_fields
from django.db.models.lookups import IsNull

from . import compat

NEGATIVE_INDEX = re.compile(r"-\d+")
COLUMN = re.compile(r'^(?P<table>(?:"[^"]+"|\w+)\.)?"(?P<column>[^"]+)"$')


def key_path_sql(compiler, connection, transform, extra_keys=()):
    """Return ``"t"."column.key1.key2"`` for a chain of KeyTransforms."""
    keys = [*extra_keys]
    node = transform
    while isinstance(node, json_fields.KeyTransform):
        keys.insert(0, node.key_name)
        node = node.lhs
    sql, params = compiler.compile(node)
    if COLUMN.match(sql) is None:
        raise NotSupportedError(
            f"A JSON key lookup on the expression {sql} is not supported by djongo_app."
        )
    for key in keys:
        if NEGATIVE_INDEX.fullmatch(str(key)):
            # A dotted path has no "from the end" step (features.py:
            # supports_json_negative_indexing = False).
            raise NotSupportedError(
                "Using negative JSON array indices is not supported on this database backend."
            )
        if "." in str(key) or str(key).startswith("$") or not str(key):
            raise NotSupportedError(
                f"The JSON key {key!r} (with '.' or '$') is not supported by djongo_app."
            )
        sql = dotted_column_sql(sql, key)
    return sql, params


def dotted_column_sql(sql, key):
    """Return the column ``sql`` (``"t"."col"``) extended by ``.key``: the
    dialect's form of a path into a stored document."""
    match = COLUMN.match(sql)
    if match is None:
        raise NotSupportedError(
            f"A nested key lookup ({key!r}) on the expression {sql} is not supported by "
            "djongo_app: it needs a column."
        )
    return f'{match["table"] or ""}"{match["column"]}.{key}"'


def key_transform(self, compiler, connection):
    return key_path_sql(compiler, connection, self)


def has_key(self, compiler, connection):
    keys = self.rhs if isinstance(self.rhs, list | tuple) else [self.rhs]
    parts, params = [], []
    for key in keys:
        if isinstance(key, json_fields.KeyTransform):
            # has_key=KeyTransform("b", "a"): the key path a.b under lhs.
            *_, path_keys = key.preprocess_lhs(compiler, connection)
        else:
            path_keys = [str(key)]
        sql, key_params = key_path_sql(compiler, connection, self.lhs, path_keys)
        parts.append(f"JSON_HAS_KEY({sql})")
        params.extend(key_params)
    operator = " OR " if isinstance(self, json_fields.HasAnyKeys) else " AND "
    return f"({operator.join(parts)})", params


def key_transform_isnull(self, compiler, connection):
    sql, params = key_path_sql(compiler, connection, self.lhs)
    if self.rhs:
        return f"NOT JSON_HAS_KEY({sql})", params
    return f"JSON_HAS_KEY({sql})", params


def data_contains(self, compiler, connection):
    lhs, lhs_params = self.process_lhs(compiler, connection)
    rhs, rhs_params = self.process_rhs(compiler, connection)
    return f"JSON_CONTAINS({lhs}, {rhs})", (*lhs_params, *rhs_params)


def contained_by(self, compiler, connection):
    raise NotSupportedError("JSONField contained_by is not supported by djongo_app.")


def json_exact(self, compiler, connection):
    lhs, lhs_params = self.process_lhs(compiler, connection)
    json_null = self.rhs is None or (
        compat.JSONNull is not None and isinstance(self.rhs, compat.JSONNull)
    )
    if json_null and isinstance(self.lhs, json_fields.KeyTransform):
        # key=None, key=JSONNull(): the key is there and holds null (a
        # missing key does not match, as on SQLite).
        sql, params = key_path_sql(compiler, connection, self.lhs)
        return f"(JSON_HAS_KEY({sql}) AND {sql} IS NULL)", (*params, *params)
    if json_null:
        if self.rhs is None:
            compat.warn_json_none_deprecated()
        # A JSON null and an SQL NULL are one stored value.
        return IsNull(self.lhs, True).as_sql(compiler, connection)
    rhs, rhs_params = self.process_rhs(compiler, connection)
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
    nulls = [v for v in values if isinstance(v, compat.JSONNull)]
    if not nulls:
        return self.as_sql(compiler, connection)
    exact = self.lhs.get_lookup("exact")(self.lhs, compat.JSONNull())
    parts = [compiler.compile(exact)]
    others = [v for v in values if not isinstance(v, compat.JSONNull)]
    if others:
        parts.append(compiler.compile(type(self)(self.lhs, others)))
    sql = " OR ".join(f"({part})" for part, _ in parts)
    return f"({sql})", tuple(param for _, params in parts for param in params)


def json_null(self, compiler, connection):
    """JSONNull() (Django 6.1) as a value: stored as null, not as 'null'."""
    return "%s", (None,)


AS_MONGODB = {
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
