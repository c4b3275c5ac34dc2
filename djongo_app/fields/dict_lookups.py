"""Djongo's dict form of lookups on document fields.

Djongo wrote conditions on nested documents as dicts::

    Entry.objects.filter(blog__startswith={"name": "Beat"})
    Entry.objects.filter(blog__startswith={"tagline": {"subtitle": "Art"}})
    Entry.objects.filter(blog={"tagline.subtitle": "Artist"})
    Entry.objects.filter(authors={"name": "Paul"})      # any element
    Entry.objects.filter(authors={"2.name": "Paul"})    # the third element

Each leaf of the dict (its keys joined, dotted keys split) is the lookup
of the same name on that path — ``blog__name__startswith="Beat"`` — and
the leaves are ANDed. ``blog={...}`` with plain keys keeps its own meaning
(the sub-document holds those values, see ``EmbeddedExact``). A pattern
lookup on a document field with anything but a dict raises FieldError
instead of comparing the whole document as text.
"""

from django.core.exceptions import FieldError
from django.db.models import Lookup
from django.db.models.lookups import Exact
from django.db.models.sql.where import AND, WhereNode

from ..internal_types import TEXT_LOOKUPS
from .array import ArrayField
from .embedded import EmbeddedField

# The lookups Djongo accepted with a dict on an EmbeddedField.
DICT_LOOKUPS = (*TEXT_LOOKUPS, "gt", "gte", "lt", "lte")


def dict_leaves(value, prefix=()):
    """Yield ``(path, value)`` for each leaf of a lookup dict; dotted keys
    are split (``"tagline.subtitle"`` → ``("tagline", "subtitle")``)."""
    for key, item in value.items():
        path = (*prefix, *str(key).split("."))
        if isinstance(item, dict) and item:
            yield from dict_leaves(item, path)
        else:
            yield path, item


def dict_conditions(lookup):
    """Return the WhereNode ANDing ``lookup``'s name on each leaf path of
    its dict right-hand side."""
    field = lookup.lhs.output_field
    if not isinstance(lookup.rhs, dict) or not lookup.rhs:
        raise FieldError(
            f"{field.name}__{lookup.lookup_name} needs a non-empty dict of the document's "
            f"keys (Djongo's form), or name the key: {field.name}__<key>__{lookup.lookup_name}."
        )
    conditions = []
    for path, value in dict_leaves(lookup.rhs):
        expression = lookup.lhs
        for key in path:
            transform = expression.output_field.get_transform(key)
            if transform is None:
                raise FieldError(
                    f"{field.name} has no key {'.'.join(path)!r} "
                    f"(in {field.name}__{lookup.lookup_name}={lookup.rhs!r})."
                )
            expression = transform(expression)
        lookup_class = expression.get_lookup(lookup.lookup_name)
        if lookup_class is None:
            raise FieldError(
                f"{lookup.lookup_name!r} is not a lookup of {field.name}.{'.'.join(path)}."
            )
        conditions.append(lookup_class(expression, value))
    return WhereNode(conditions, AND)


class DictLookup(Lookup):
    """A lookup whose right-hand side is Djongo's dict of key paths."""

    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [value])

    def as_sql(self, compiler, connection):
        return compiler.compile(dict_conditions(self))


def dict_lookup(name):
    return type(f"Dict{name.title()}", (DictLookup,), {"lookup_name": name})


for _name in DICT_LOOKUPS:
    EmbeddedField.register_lookup(dict_lookup(_name))


@ArrayField.register_lookup
class ArrayExact(Exact):
    """``authors={"name": "Paul"}``: Djongo's dict form on an array; any
    other value keeps Django's exact comparison of the whole list."""

    def get_prep_lookup(self):
        if isinstance(self.rhs, dict):
            return self.rhs
        return super().get_prep_lookup()

    def as_sql(self, compiler, connection):
        if isinstance(self.rhs, dict):
            return compiler.compile(dict_conditions(self))
        return super().as_sql(compiler, connection)


__all__ = ["DICT_LOOKUPS", "ArrayExact", "DictLookup", "dict_leaves"]
