"""Django REST framework for models with djongo_app's fields (needs the
``rest`` extra). Filtering by paths into documents, with django-filter, is
in :mod:`djongo_app.rest_framework.filters`."""

from .fields import JSONField, ObjectIdField
from .serializers import (
    EmbeddedListSerializer,
    EmbeddedSerializer,
    HyperlinkedModelSerializer,
    ModelSerializer,
    NestedUniqueValidator,
)

__all__ = [
    "EmbeddedListSerializer",
    "EmbeddedSerializer",
    "HyperlinkedModelSerializer",
    "JSONField",
    "ModelSerializer",
    "NestedUniqueValidator",
    "ObjectIdField",
]
