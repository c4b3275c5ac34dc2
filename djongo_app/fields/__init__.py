"""Model fields for MongoDB documents."""

from .objectid import ObjectIdAutoField, ObjectIdConverter, ObjectIdField

__all__ = ["ObjectIdAutoField", "ObjectIdConverter", "ObjectIdField"]
