"""ObjectId model fields: a plain field and an auto primary key stored as
MongoDB's own ``_id``."""

from bson import ObjectId
from bson.errors import InvalidId
from django import forms
from django.core import exceptions
from django.db import models
from django.utils.translation import gettext_lazy as _

from .public import public_path
from .vendor import check_migrated_on_mongodb

# What an invalid ObjectId is told, by the model fields, the form field and
# djongo_app.rest_framework's ObjectIdField alike.
INVALID_OBJECT_ID = _("“%(value)s” is not a valid ObjectId.")


def to_object_id(field, value):
    """Return ``value`` as an ObjectId, or raise the field's ValidationError."""
    if value is None or isinstance(value, ObjectId):
        return value
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        raise exceptions.ValidationError(
            field.error_messages["invalid"], code="invalid", params={"value": value}
        ) from None


class ObjectIdField(models.Field):
    """A BSON ObjectId; strings of 24 hex digits are accepted and converted."""

    empty_strings_allowed = False
    default_error_messages = {"invalid": INVALID_OBJECT_ID}
    description = _("MongoDB ObjectId")

    def check(self, **kwargs):
        return [
            *super().check(**kwargs),
            *check_migrated_on_mongodb(self, kwargs.get("databases")),
        ]

    def get_internal_type(self):
        return "ObjectIdField"

    def to_python(self, value):
        return to_object_id(self, value)

    def get_prep_value(self, value):
        return to_object_id(self, super().get_prep_value(value))

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return "" if value is None else str(value)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": ObjectIdFormField, **kwargs})

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, public_path(self, path), args, kwargs


class ObjectIdAutoField(models.AutoField):
    """An auto primary key holding the ObjectId MongoDB gives ``_id``.

    It subclasses AutoField, so it serves as ``DEFAULT_AUTO_FIELD`` or an
    app's ``default_auto_field``; the column is ``_id`` unless ``db_column``
    says otherwise, and no ``__schema__`` counter is used.
    """

    default_error_messages = {"invalid": INVALID_OBJECT_ID}
    description = _("MongoDB ObjectId primary key")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("db_column", "_id")
        super().__init__(*args, **kwargs)

    def check(self, **kwargs):
        return [
            *super().check(**kwargs),
            *check_migrated_on_mongodb(self, kwargs.get("databases")),
        ]

    def get_internal_type(self):
        return "ObjectIdAutoField"

    def rel_db_type(self, connection):
        return ObjectIdField().db_type(connection=connection)

    @property
    def validators(self):
        # AutoField's are integer-range validators.
        return []

    def to_python(self, value):
        return to_object_id(self, value)

    def get_prep_value(self, value):
        value = models.Field.get_prep_value(self, value)
        return to_object_id(self, value)

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        return value

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return "" if value is None else str(value)

    def formfield(self, **kwargs):
        return None

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("db_column") == "_id":
            del kwargs["db_column"]
        return name, public_path(self, path), args, kwargs


class ObjectIdFormField(forms.CharField):
    """A text input that accepts only 24 hex digits."""

    default_error_messages = {"invalid": INVALID_OBJECT_ID}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return ObjectId(value)
        except (InvalidId, TypeError):
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from None

    def prepare_value(self, value):
        return "" if value is None else str(value)


class ObjectIdConverter:
    """The ``objectid`` URL path converter: 24 hex digits → ObjectId."""

    regex = "[0-9a-fA-F]{24}"

    def to_python(self, value):
        return ObjectId(value)

    def to_url(self, value):
        return str(value)
