"""Djongo's import surface: ``from djongo_app import models``.

Everything :mod:`django.db.models` exports, plus the MongoDB fields under
the names Djongo's ``djongo.models`` gave them, with Djongo's meaning:

* ``ObjectIdField``: an auto primary key holding MongoDB's ObjectId
  (``primary_key=True`` unless given), Djongo's
  ``_id = models.ObjectIdField()``; a
  :class:`djongo_app.fields.ObjectIdAutoField`.
* ``GenericObjectIdField``: a plain ObjectId value, not a key
  (:class:`djongo_app.fields.ObjectIdField`).
* ``EmbeddedField``: a nested document (``model_container=``, also an
  abstract ``models.Model`` as in Djongo).
* ``ArrayField``: a list of nested documents (``model_container=``) or of
  values (``base_field=``).
* ``ArrayReferenceField``: a list of ids of another model's documents.
* ``JSONField``: Django's JSONField, stored as a native document.
* ``DjongoManager``: Django's manager plus ``mongo_<method>`` (the model's
  pymongo collection) and ``raw_aggregate()``.
* ``EmbeddedModel``: the base class of containers (not in Djongo, where
  containers are abstract models).

``djongo_app.fields`` keeps its own names (``ObjectIdField`` there is the
plain value); this module exists so that a Djongo project changes only
its import line.
"""

from django.db import models as _django_models
from django.db.models import *  # noqa: F403 - the whole of django.db.models, as Djongo did
from django.db.models import JSONField as JSONField

from . import fields as _fields
from .fields import ArrayField as ArrayField
from .fields import ArrayReferenceField as ArrayReferenceField
from .fields import EmbeddedField as EmbeddedField
from .fields import EmbeddedModel as EmbeddedModel
from .managers import DjongoManager as DjongoManager

GenericObjectIdField = _fields.ObjectIdField


class ObjectIdField(_fields.ObjectIdAutoField):
    """Djongo's ``ObjectIdField``: an ObjectId primary key that MongoDB
    assigns (``_id``); ``primary_key=True`` unless given."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("primary_key", True)
        super().__init__(*args, **kwargs)


DJONGO_NAMES = (
    "ArrayField",
    "ArrayReferenceField",
    "DjongoManager",
    "EmbeddedField",
    "EmbeddedModel",
    "GenericObjectIdField",
    "JSONField",
    "ObjectIdField",
)

__all__ = sorted({*_django_models.__all__, *DJONGO_NAMES})
