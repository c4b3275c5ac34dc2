"""Dotted MongoDB paths for lookups into nested documents and arrays.

A key of an embedded document is a dotted column in the dialect:
``filter(blog__name="x")`` compiles to ``"t"."blog.name" = %s``, which the
transpiler reads as the MongoDB path ``blog.name``. On an array, MongoDB
matches a path when any element matches it (``authors.name``), and a
number selects one element (``authors.0.name``).
"""

import copy

from django.core.exceptions import FieldDoesNotExist
from django.db import NotSupportedError
from django.db.models import Lookup, Transform
from django.db.models.constants import LOOKUP_SEP
from django.db.models.sql import subqueries

from ..lookups import dotted_column_sql


class PathTransform(Transform):
    """One key (or array index) deeper into a stored document.

    Its output field is the field stored at that key, so the lookups and
    transforms that follow are that field's (``blog__name__icontains``).
    """

    def __init__(self, key, output_field, lhs, field_name=None):
        super().__init__(lhs, output_field=output_field)
        self.key = str(key)
        self.field_name = field_name or self.key

    @property
    def lookup_name(self):
        return self.key

    def __getstate__(self):
        # The output field belongs to an abstract container, which pickle
        # cannot look up: it is found again from the lhs when unpickled.
        state = super().__getstate__()
        for name in ("output_field", "_output_field_or_none", "_constructor_args", "identity"):
            state.pop(name, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.output_field = nested_field(self.lhs.output_field, self.field_name)
        self._constructor_args = ((self.key, self.output_field, self.lhs, self.field_name), {})

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.lhs)
        return dotted_column_sql(sql, self.key), params


class PathTransformFactory:
    """What ``get_transform()`` returns for a key: called with the lhs."""

    def __init__(self, key, output_field, field_name=None):
        self.key = key
        self.output_field = output_field
        self.field_name = field_name

    def __call__(self, lhs, *args, **kwargs):
        return PathTransform(self.key, self.output_field, lhs, self.field_name)


def nested_field(field, key):
    """Return the field stored at ``key`` under ``field`` (an embedded or
    array field), or None."""
    resolve = getattr(field, "nested_field", None)
    return resolve(key) if resolve is not None else None


def update_path_field(opts, name):
    """Return a copy of the field at the path ``name`` (``blog__name``) whose
    column is the dotted path (``blog.name``), or None if ``name`` is not a
    path into an embedded or array field of ``opts``."""
    first, *keys = name.split(LOOKUP_SEP)
    try:
        root = opts.get_field(first)
    except FieldDoesNotExist:
        return None
    if not keys or nested_field(root, keys[0]) is None:
        return None
    field, columns = root, [root.column]
    for position, key in enumerate(keys):
        if getattr(field, "base_field", None) is not None and not key.isdigit():
            array = LOOKUP_SEP.join([first, *keys[:position]])
            raise NotSupportedError(
                f"update({name}=...) would set {key!r} in every element of an array; "
                f"djongo_app updates one element: name it by index ({array}__0__{key})."
            )
        nested = nested_field(field, key)
        if nested is None:
            return None
        columns.append(key if key.isdigit() else nested.column)
        field = nested
    path_field = copy.copy(field)
    path_field.column = ".".join(columns)
    path_field.name = name
    path_field.attname = name
    path_field.model = root.model
    return path_field


_add_update_values = subqueries.UpdateQuery.add_update_values


def add_update_values(self, values):
    """Django's ``UpdateQuery.add_update_values`` that also accepts paths into
    embedded documents: ``update(blog__name="x")`` sets ``blog.name``."""
    plain, paths = {}, []
    for name, value in values.items():
        path_field = update_path_field(self.get_meta(), name) if LOOKUP_SEP in name else None
        if path_field is None:
            plain[name] = value
            continue
        model = path_field.model._meta.concrete_model
        if model is not self.get_meta().concrete_model:
            # A field of a multi-table parent: its collection is updated.
            self.add_related_update(model, path_field, value)
        else:
            paths.append((path_field, model, value))
    _add_update_values(self, plain)
    if paths:
        self.add_update_fields(paths)


def lookup_as_mongodb(self, compiler, connection):
    """A lookup on a nested path is TRUE or FALSE, never NULL: a document
    without the key (or without the sub-document) does not match, so
    ``exclude()`` keeps it, as it keeps a row whose value differs."""
    sql, params = self.as_sql(compiler, connection)
    if isinstance(self.lhs, PathTransform) and self.lookup_name != "isnull":
        return f"DJ_TWO_VALUED({sql})", params
    return sql, params


def install():
    """Teach ``QuerySet.update()`` embedded paths and give lookups on nested
    paths two-valued logic (once, from AppConfig.ready)."""
    subqueries.UpdateQuery.add_update_values = add_update_values
    if not hasattr(Lookup, "as_mongodb"):
        Lookup.as_mongodb = lookup_as_mongodb
