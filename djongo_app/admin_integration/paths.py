"""Paths into embedded documents and arrays (``blog__name``,
``authors__name``, ``authors__0__name``), as the admin's options name them.

Django's admin follows ``__`` only through relations; these paths go through
the fields of containers instead, and the ORM runs their lookups as dotted
MongoDB paths.
"""

from django.contrib.admin.utils import display_for_field
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP

from ..fields import ArrayField, EmbeddedField


class DocumentPath:
    """A resolved path: its parts and the field at each part.

    ``many`` is True when the path goes through an array without naming an
    index, so an object has a list of values at the path.
    """

    def __init__(self, model, name, fields, parts):
        self.model = model
        self.name = name
        self.fields = fields
        self.parts = parts
        self.many = any(
            isinstance(field, ArrayField) and not next_part.isdigit()
            for field, next_part in zip(fields, parts[1:], strict=False)
        )

    @property
    def field(self):
        """The field at the end of the path."""
        return self.fields[-1]

    @property
    def verbose_name(self):
        names = []
        for field, part in zip(self.fields, self.parts, strict=True):
            names.append(part if part.isdigit() else str(field.verbose_name))
        return " ".join(names)

    def values(self, obj):
        """The values at the path in ``obj`` (one per array element passed
        through; missing keys and indexes give none)."""
        values = [obj]
        for field, part in zip(self.fields, self.parts, strict=True):
            found = []
            for value in values:
                if value is None:
                    continue
                if isinstance(value, list | tuple):
                    if part.isdigit():
                        index = int(part)
                        found.extend(value[index : index + 1])
                    else:
                        found.extend(attribute(item, field) for item in value)
                else:
                    found.append(attribute(value, field))
            values = found
        return values

    def value(self, obj):
        """The value at the path (a list of values when ``many``)."""
        values = self.values(obj)
        if self.many:
            return [value for value in values if value is not None]
        return values[0] if values else None

    def display(self, obj, empty_value_display):
        """The value at the path as the changelist shows it."""
        value = self.value(obj)
        field = self.field
        if self.many:
            shown = [display_for_field(item, field, empty_value_display) for item in value]
            return ", ".join(str(item) for item in shown) or empty_value_display
        if isinstance(field, models.BooleanField):
            return value
        return display_for_field(value, field, empty_value_display)

    @property
    def sortable(self):
        return not isinstance(self.field, (ArrayField, EmbeddedField))


def attribute(value, field):
    if isinstance(value, dict):
        return value.get(field.name, value.get(field.attname))
    return getattr(value, field.attname, None)


def document_path(model, name):
    """Return the DocumentPath of ``name`` on ``model`` when it goes into an
    EmbeddedField or an ArrayField, else None. Raise FieldDoesNotExist when
    it starts at such a field but a later part names no field of the
    container."""
    if not isinstance(name, str) or LOOKUP_SEP not in name:
        return None
    parts = name.split(LOOKUP_SEP)
    try:
        field = model._meta.get_field(parts[0])
    except FieldDoesNotExist:
        return None
    if not isinstance(field, EmbeddedField | ArrayField):
        return None
    fields = [field]
    for part in parts[1:]:
        current = fields[-1]
        nested = current.nested_field(part) if hasattr(current, "nested_field") else None
        if nested is None:
            raise FieldDoesNotExist(
                f"{model._meta.object_name}.{LOOKUP_SEP.join(parts[: len(fields)])} has no "
                f"field named '{part}' (in '{name}')."
            )
        fields.append(nested)
    return DocumentPath(model, name, fields, parts)
