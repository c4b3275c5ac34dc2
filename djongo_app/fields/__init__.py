"""Model fields for MongoDB documents: ObjectIds, embedded documents, arrays
and arrays of references."""

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
