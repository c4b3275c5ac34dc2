"""ModelSerializer for models with djongo_app's fields.

Embedded documents and arrays are columns of the model's own document, not
relations: they nest as writable serializers, and ``create()``/``update()``
store them with the model (DRF's refusal of writable nested relations does
not apply to them).

* ``EmbeddedField`` → an :class:`EmbeddedSerializer` generated from the
  container (containers nest), whose validated value is a container
  instance.
* ``ArrayField(model_container=...)`` → an :class:`EmbeddedListSerializer`
  of those (``max_size``/``min_size`` become ``max_length``/``min_length``).
* ``ArrayField(base_field=...)`` → ``ListField`` of the base field's
  serializer field.
* ``ArrayReferenceField`` → the serializer's related field with
  ``many=True`` (primary keys, or URLs in :class:`HyperlinkedModelSerializer`).
* ``ObjectIdAutoField``/``ObjectIdField`` (also as the key of a related
  model) → :class:`~djongo_app.rest_framework.fields.ObjectIdField`.
* ``JSONField`` → DRF's, refusing keys MongoDB would read as operators.

A partial update (PATCH) of a stored sub-document changes the keys given
and keeps the others; an array is replaced as a whole, and its elements,
like a sub-document that was null, are validated whole.
"""

import copy
from collections.abc import Mapping

from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.fields import empty
from rest_framework.relations import PrimaryKeyRelatedField
from rest_framework.utils import html
from rest_framework.utils.field_mapping import ClassLookupDict, get_field_kwargs
from rest_framework.utils.model_meta import RelationInfo

from .. import fields as model_fields
from ..fields.array import ArrayMaxLengthValidator, ArrayMinLengthValidator
from ..fields.embedded import carry_extras, container_fields, new_container
from .fields import JSONField, ObjectIdField, operator_key

# Model fields stored as ObjectIds: their serializer field, also as the
# primary key of a related model.
OBJECT_ID_FIELDS = (model_fields.ObjectIdAutoField, model_fields.ObjectIdField)


def stores_object_ids(model_field):
    """Whether ``model_field`` holds ObjectIds. Not isinstance(): Django's
    AutoFieldMeta makes every BigAutoField an instance of any AutoField
    subclass, ObjectIdAutoField included."""
    return any(cls in OBJECT_ID_FIELDS for cls in type(model_field).__mro__)


class EmbeddedSerializer(serializers.Serializer):
    """The nested document of a container (``Meta.model``, an
    EmbeddedModel or a Djongo-style abstract model).

    Its fields come from the container's fields through the field mapping
    of ``field_builder`` (a :class:`ModelSerializer` class), so nested
    documents nest. The validated value is a container instance.
    """

    field_builder = None
    default_error_messages = {
        "operator_key": _("A document key may not start with “$” or contain “.”."),
    }

    class Meta:
        model = None

    def get_fields(self):
        fields = copy.deepcopy(self._declared_fields)
        builder = (self.field_builder or ModelSerializer)()
        for model_field in container_fields(self.Meta.model):
            if model_field.name not in fields:
                field_class, kwargs = builder.build_container_field(model_field.name, model_field)
                fields[model_field.name] = field_class(**kwargs)
        return fields

    def stored_document(self):
        """Return the container instance stored where this serializer's data
        goes (on the instance being updated), or None."""
        parent = self.parent
        if isinstance(parent, EmbeddedSerializer):
            holder = parent.stored_document()
        elif isinstance(parent, serializers.Serializer):
            holder = parent.instance
        else:
            # An array element: arrays are replaced, not merged.
            return None
        if holder is None or self.source == "*":
            return None
        return getattr(holder, self.source, None)

    def run_validation(self, data=empty):
        partial = data is not empty and getattr(self.root, "partial", False)
        if partial and self.stored_document() is None:
            # Nothing to merge into: the document is written whole, so its
            # required fields are required.
            return self.validate_whole(data)
        value = super().run_validation(data)
        if isinstance(value, Mapping):
            value = self.to_document(value)
        return value

    def validate_whole(self, data):
        """Validate ``data`` as under a create, also within a PATCH."""
        saved = self.parent, self.partial, self._context
        self._context = self.context
        # Detached so that nothing above asks for a partial update; the
        # serializer it belongs to stays known (NestedUniqueValidator).
        self.detached_from = self.parent
        self.parent, self.partial = None, False
        try:
            return self.run_validation(data)
        finally:
            self.parent, self.partial, self._context = saved
            del self.detached_from

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            refused = [key for key in data if operator_key(key)]
            if refused:
                message = self.error_messages["operator_key"]
                raise ValidationError({key: [message] for key in refused}, code="operator_key")
        return super().to_internal_value(data)

    def to_document(self, attrs):
        """Return the container instance of validated ``attrs``: the stored
        one with ``attrs`` set (a partial update), or a new one whose
        missing fields get their defaults. Keys of the stored document that
        the container has no field for are kept either way."""
        stored = self.stored_document()
        if stored is not None and getattr(self.root, "partial", False):
            document = copy.copy(stored)
            for name, value in attrs.items():
                setattr(document, name, value)
            return document
        document = new_container(self.Meta.model, **attrs)
        carry_extras(stored, document)
        return document


class NestedUniqueValidator:
    """Refuse a value of a ``unique=True`` field of a container (in an
    ``EmbeddedField`` or an array of documents) that another document of
    the serializer's model holds at the same path, as the unique index on
    that path would (on update, the instance itself is left out).

    The path and the model come from the serializer the field is bound in:
    its ancestors' sources up to the root ``ModelSerializer``
    (``blog__name``, ``contributors__email``: any element). A NULL never
    clashes, and without a model serializer above it (an EmbeddedSerializer
    used alone) there is no collection to ask.
    """

    requires_context = True
    message = _("%(model_name)s with this %(field_label)s already exists.")

    def __init__(self, model_field, message=None):
        self.model_field = model_field
        if message is not None:
            self.message = message

    def __call__(self, value, serializer_field):
        if value is None:
            return
        root = serializer_field
        while parent_of(root) is not None:
            root = parent_of(root)
        top = root.child if isinstance(root, serializers.ListSerializer) else root
        model = getattr(getattr(top, "Meta", None), "model", None)
        if not isinstance(top, serializers.ModelSerializer) or model is None:
            return
        queryset = model._default_manager.filter(**{document_path(serializer_field): value})
        instance = getattr(root, "instance", None)
        if isinstance(instance, models.Model):
            queryset = queryset.exclude(pk=instance.pk)
        if queryset.exists():
            label = self.model_field.verbose_name
            message = self.message % {
                "model_name": capfirst(model._meta.verbose_name),
                "field_label": label,
            }
            raise ValidationError(message, code="unique")

    def __eq__(self, other):
        if not isinstance(other, NestedUniqueValidator):
            return NotImplemented
        return (self.model_field.model, self.model_field.name, self.message) == (
            other.model_field.model,
            other.model_field.name,
            other.message,
        )

    def __repr__(self):
        return f"<{type(self).__name__}({self.model_field.name})>"


def document_path(serializer_field):
    """Return the lookup path (``blog__address__city``) of a field bound in
    nested serializers, from the root serializer's model; an element of a
    list adds no step (a lookup through an array matches any element)."""
    steps = []
    node = serializer_field
    while (parent := parent_of(node)) is not None:
        if not isinstance(parent, serializers.ListSerializer):
            steps.extend(reversed(node.source_attrs))
        node = parent
    return LOOKUP_SEP.join(reversed(steps))


def parent_of(serializer_field):
    """Return the serializer ``serializer_field`` is bound in, also while
    an EmbeddedSerializer validates itself whole (detached from it)."""
    if serializer_field.parent is not None:
        return serializer_field.parent
    return getattr(serializer_field, "detached_from", None)


class EmbeddedListSerializer(serializers.ListSerializer):
    """An array of embedded documents. Errors about the array itself are a
    list of messages, as for any field; errors of its elements are shaped
    as DRF shapes them for ``many=True`` (see ``LIST_SERIALIZER_ERRORS_AS_DICT``).
    """

    def to_internal_value(self, data):
        if isinstance(data, list):
            if not self.allow_empty and not data:
                self.fail("empty")
            if self.max_length is not None and len(data) > self.max_length:
                self.fail("max_length", max_length=self.max_length)
            if self.min_length is not None and len(data) < self.min_length:
                self.fail("min_length", min_length=self.min_length)
        elif not html.is_html_input(data):
            # Form input (a QueryDict of indexed keys) is parsed by DRF.
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer, with fields for djongo_app's model fields and
    writable embedded documents and arrays."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.JSONField: JSONField,
        model_fields.ObjectIdAutoField: ObjectIdField,
        model_fields.ObjectIdField: ObjectIdField,
    }
    # Model fields whose serializer field depends on their arguments (the
    # container, the base field, the referenced model): the method building it.
    serializer_field_builders = {
        model_fields.EmbeddedField: "build_embedded_field",
        model_fields.ArrayField: "build_array_field",
        model_fields.ArrayReferenceField: "build_array_reference_field",
    }
    serializer_embedded_class = EmbeddedSerializer
    serializer_embedded_list_class = EmbeddedListSerializer
    serializer_list_field = serializers.ListField

    def build_standard_field(self, field_name, model_field):
        try:
            builder = ClassLookupDict(self.serializer_field_builders)[model_field]
        except KeyError:
            return super().build_standard_field(field_name, model_field)
        return getattr(self, builder)(field_name, model_field)

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        if issubclass(field_class, PrimaryKeyRelatedField) and "pk_field" not in kwargs:
            pk_field = self.build_pk_field(relation_info.related_model)
            if pk_field is not None:
                kwargs["pk_field"] = pk_field
        return field_class, kwargs

    def build_pk_field(self, related_model):
        """Return the serializer field for primary keys of ``related_model``
        that JSON cannot carry as they are (ObjectIds), or None."""
        if stores_object_ids(related_model._meta.pk):
            return ObjectIdField()
        return None

    # djongo_app's fields ---------------------------------------------------------

    def document_field_kwargs(self, field_name, model_field):
        """The keyword arguments DRF gives any field (label, required,
        allow_null, read_only, validators), minus what only ``ModelField``
        takes."""
        kwargs = get_field_kwargs(field_name, model_field)
        kwargs.pop("model_field", None)
        kwargs.pop("allow_blank", None)
        return kwargs

    def build_embedded_field(self, field_name, model_field):
        """An EmbeddedField: the container's serializer."""
        kwargs = self.document_field_kwargs(field_name, model_field)
        return self.embedded_serializer_class(model_field.model_container), kwargs

    def build_array_field(self, field_name, model_field):
        """An ArrayField: a list of documents or of the base field's values."""
        kwargs = self.document_field_kwargs(field_name, model_field)
        # The sizes are checked by max_length/min_length (which OpenAPI
        # schemas describe), not by the model field's validators.
        validators = [
            validator
            for validator in kwargs.pop("validators", [])
            if not isinstance(validator, ArrayMaxLengthValidator | ArrayMinLengthValidator)
        ]
        if validators:
            kwargs["validators"] = validators
        kwargs["max_length"] = model_field.max_size
        kwargs["min_length"] = model_field.min_size
        if not kwargs.get("read_only"):
            kwargs["allow_empty"] = model_field.blank
        if model_field.model_container is not None:
            child = self.embedded_serializer_class(model_field.model_container)()
            return self.serializer_embedded_list_class, {**kwargs, "child": child}
        child_class, child_kwargs = self.build_standard_field("item", model_field.base_field)
        return self.serializer_list_field, {**kwargs, "child": child_class(**child_kwargs)}

    def build_array_reference_field(self, field_name, model_field):
        """An ArrayReferenceField: the related field of this serializer
        (primary keys, or URLs) with ``many=True``."""
        relation = RelationInfo(
            model_field=None,
            related_model=model_field.related_model,
            to_many=True,
            to_field=None,
            has_through_model=False,
            reverse=False,
        )
        field_class, kwargs = self.build_relational_field(field_name, relation)
        defaults = self.document_field_kwargs(field_name, model_field)
        for name in ("label", "help_text", "read_only", "required", "allow_null"):
            if name in defaults:
                kwargs[name] = defaults[name]
        if kwargs.get("read_only"):
            kwargs.pop("queryset", None)
        else:
            kwargs["allow_empty"] = model_field.blank
        return field_class, kwargs

    def build_container_field(self, field_name, model_field):
        """A field of a container (inside an embedded document). A unique
        one gets a :class:`NestedUniqueValidator`, which asks the collection
        of the serializer's model at the field's path (DRF's UniqueValidator
        would query the container, which has no collection)."""
        if not getattr(model_field, "_unique", False):
            return self.build_standard_field(field_name, model_field)
        model_field = copy.copy(model_field)
        model_field._unique = False
        # Field.unique is a cached_property: once read (by migrate), the
        # copy carries the cached True.
        model_field.__dict__.pop("unique", None)
        field_class, kwargs = self.build_standard_field(field_name, model_field)
        validators = [*kwargs.get("validators", []), NestedUniqueValidator(model_field)]
        return field_class, {**kwargs, "validators": validators}

    _embedded_classes = {}

    def embedded_serializer_class(self, container):
        """Return the EmbeddedSerializer class of ``container``, built with
        this serializer's field mapping (one class per container and
        serializer class)."""
        key = (type(self), container)
        cls = self._embedded_classes.get(key)
        if cls is None:
            meta = type("Meta", (), {"model": container})
            cls = type(
                f"{container.__name__}Serializer",
                (self.serializer_embedded_class,),
                {"Meta": meta, "field_builder": type(self), "__module__": __name__},
            )
            self._embedded_classes[key] = cls
        return cls


class HyperlinkedModelSerializer(ModelSerializer, serializers.HyperlinkedModelSerializer):
    """DRF's HyperlinkedModelSerializer with djongo_app's fields: relations,
    ``ArrayReferenceField`` included, are URLs."""
