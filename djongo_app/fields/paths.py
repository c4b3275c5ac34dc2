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
from django.db.models import Transform
from django.db.models.constants import LOOKUP_SEP
from django.db.models.sql import subqueries

from ..lookups import COLUMN


def dotted_column_sql(sql, key):
    """Return the column ``sql`` (``"t"."col"``) extended by ``.key``."""
    match = COLUMN.match(sql)
    if match is None:
        raise NotSupportedError(
            f"A nested key lookup ({key!r}) on the expression {sql} is not supported by "
            "djongo_app: it needs a column."
        )
    return f'{match["table"] or ""}"{match["column"]}.{key}"'


class PathTransform(Transform):
    """One key (or array index) deeper into a stored document.

    Its output field is the field stored at that key, so the lookups and
    transforms that follow are that field's (``blog__name__icontains``).
    """

    def __init__(self, key, output_field, lhs):
        super().__init__(lhs, output_field=output_field)
        self.key = str(key)

    @property
    def lookup_name(self):
        return self.key

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.lhs)
        return dotted_column_sql(sql, self.key), params


class PathTransformFactory:
    """What ``get_transform()`` returns for a key: called with the lhs."""

    def __init__(self, key, output_field):
        self.key = key
        self.output_field = output_field

    def __call__(self, lhs, *args, **kwargs):
        return PathTransform(self.key, self.output_field, lhs)


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
        field = opts.get_field(first)
    except FieldDoesNotExist:
        return None
    columns = [field.column]
    for key in keys:
        field = nested_field(field, key)
        if field is None:
            return None
        columns.append(getattr(field, "column", None) or key)
    path_field = copy.copy(field)
    path_field.column = ".".join(columns)
    path_field.name = name
    path_field.attname = name
    path_field.model = opts.model
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
        else:
            paths.append((path_field, self.get_meta().concrete_model, value))
    _add_update_values(self, plain)
    if paths:
        self.add_update_fields(paths)


def install_update_paths():
    """Teach ``QuerySet.update()`` embedded paths (once, from AppConfig.ready)."""
    subqueries.UpdateQuery.add_update_values = add_update_values
