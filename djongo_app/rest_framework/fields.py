"""Serializer fields for values MongoDB stores that JSON cannot carry as
they are (ObjectIds), and for JSON documents whose keys the server would
read as operators or paths."""

from collections.abc import Mapping

from bson import ObjectId
from bson.errors import InvalidId
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

OBJECT_ID_PATTERN = r"^[0-9a-fA-F]{24}\Z"


def operator_key(key):
    """Whether ``key`` cannot be a key of a stored document: MongoDB reads
    a leading ``$`` as an operator and a ``.`` as a path."""
    return isinstance(key, str) and (key.startswith("$") or "." in key)


class ObjectIdField(serializers.CharField):
    """An ObjectId, written as its 24 hexadecimal digits.

    ``to_internal_value()`` returns a ``bson.ObjectId``; anything but 24 hex
    digits is a validation error (code ``invalid``).
    """

    # The words of djongo_app.fields.objectid.INVALID_OBJECT_ID (the model and
    # form fields'), in DRF's format syntax.
    default_error_messages = {"invalid": _("“{value}” is not a valid ObjectId.")}

    def __init__(self, **kwargs):
        for name in ("max_length", "min_length", "allow_blank", "trim_whitespace"):
            kwargs.pop(name, None)
        super().__init__(**kwargs)
        # Describes the format in OpenAPI schemas ("pattern"); the value is
        # checked by to_internal_value() already.
        self.validators.append(RegexValidator(OBJECT_ID_PATTERN))

    def to_internal_value(self, data):
        if isinstance(data, ObjectId):
            return data
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        try:
            return ObjectId(data)
        except (InvalidId, TypeError):
            self.fail("invalid", value=data)

    def to_representation(self, value):
        return str(value)


class JSONField(serializers.JSONField):
    """DRF's JSONField that refuses object keys MongoDB would not store as
    plain data: keys starting with ``$`` (operators) or containing ``.``
    (paths), at any depth."""

    default_error_messages = {
        "operator_key": _("The key “{name}” (at {path}) may not start with “$” or contain “.”."),
    }

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        self.check_keys(value, self.field_name or "the top level")
        return value

    def check_keys(self, value, path):
        if isinstance(value, Mapping):
            for key, item in value.items():
                if operator_key(key):
                    self.fail("operator_key", name=key, path=path)
                self.check_keys(item, f"{path}.{key}")
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                self.check_keys(item, f"{path}.{index}")
