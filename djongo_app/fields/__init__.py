"""Model fields for MongoDB documents: ObjectIds, embedded documents, arrays
and arrays of references."""

from . import dict_lookups as _dict_lookups  # noqa: F401 - registers Djongo's dict lookups
from .array import ArrayField
from .embedded import EmbeddedField, EmbeddedModel
from .objectid import ObjectIdAutoField, ObjectIdConverter, ObjectIdField
from .references import ArrayReferenceField

__all__ = [
    "ArrayField",
    "ArrayReferenceField",
    "EmbeddedField",
    "EmbeddedModel",
    "ObjectIdAutoField",
    "ObjectIdConverter",
    "ObjectIdField",
]
