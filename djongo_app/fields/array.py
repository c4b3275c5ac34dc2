"""ArrayField: a list of primitives (``base_field``) or of embedded documents
(``model_container``), stored as a BSON array."""

import json
import types

from django.core import checks, exceptions, validators
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Func, IntegerField, Lookup, Transform
from django.db.models import lookups as django_lookups
from django.db.models.lookups import BuiltinLookup, FieldGetDbPrepValueMixin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .embedded import (
    ContainerOptions,
    ConvertingAttribute,
    EmbeddedField,
    carry_extras,
    check_container,
    clean_container,
    from_db_value,
    located,
    nested_to_python,
    parse_json,
)
from .paths import PathTransformFactory
from .public import public_path
from .vendor import check_migrated_on_mongodb


class ArrayMaxLengthValidator(validators.MaxLengthValidator):
    message = ngettext_lazy(
        "List contains %(show_value)d item, it should contain no more than %(limit_value)d.",
        "List contains %(show_value)d items, it should contain no more than %(limit_value)d.",
        "show_value",
    )


class ArrayMinLengthValidator(validators.MinLengthValidator):
    message = ngettext_lazy(
        "List contains %(show_value)d item, it should contain no fewer than %(limit_value)d.",
        "List contains %(show_value)d items, it should contain no fewer than %(limit_value)d.",
        "show_value",
    )


class ArrayField(ContainerOptions, models.Field):
    """A list stored as a BSON array.

    ``ArrayField(base_field=models.CharField(max_length=20))`` holds
    primitives; ``ArrayField(model_container=Author)`` holds embedded
    documents (instances of the container). ``max_size``/``min_size`` bound
    the length when the model is validated.

    Lookups: ``tags__contains=[...]`` (holds every value),
    ``tags__overlap=[...]`` (holds any), ``tags__len``, ``tags__0`` (one
    element) and, for documents, ``authors__name`` (any element's key).
    """

    empty_strings_allowed = False
    descriptor_class = ConvertingAttribute
    description = _("Array")
    default_error_messages = {"invalid": _("“%(value)s” is not a list.")}

    def __init__(
        self,
        base_field=None,
        *args,
        model_container=None,
        max_size=None,
        min_size=None,
        model_form_class=None,
        model_form_kwargs=None,
        model_container_fields=None,
        **kwargs,
    ):
        if (base_field is None) == (model_container is None):
            raise TypeError("ArrayField takes exactly one of base_field and model_container.")
        self.set_container_options(
            model_container, model_form_class, model_form_kwargs, model_container_fields
        )
        if model_container is not None:
            base_field = EmbeddedField(
                model_container=model_container,
                model_form_class=model_form_class,
                model_form_kwargs=model_form_kwargs,
            )
        self.base_field = base_field
        self.base_field.set_attributes_from_name("item")
        self.max_size = max_size
        self.min_size = min_size
        super().__init__(*args, **kwargs)
        if max_size is not None:
            self.validators.append(ArrayMaxLengthValidator(max_size))
        if min_size is not None:
            self.validators.append(ArrayMinLengthValidator(min_size))

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if self.model_container is not None:
            errors.extend(check_container(self, self.model_container))
        else:
            base_errors = self.base_field.check()
            if base_errors:
                errors.append(
                    checks.Error(
                        "Base field for array has errors: "
                        + "; ".join(f"{e.msg} ({e.id})" for e in base_errors),
                        obj=self,
                        id="djongo_app.E004",
                    )
                )
            if self.base_field.is_relation:
                errors.append(
                    checks.Error(
                        "ArrayField cannot hold relations; use ArrayReferenceField.",
                        obj=self,
                        id="djongo_app.E005",
                    )
                )
        errors.extend(check_migrated_on_mongodb(self, kwargs.get("databases")))
        return errors

    def set_attributes_from_name(self, name):
        super().set_attributes_from_name(name)
        self.base_field.model = getattr(self, "model", None)

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        self.base_field.model = cls

    def get_internal_type(self):
        return "ArrayField"

    @property
    def element_field(self):
        """The field of one element (text lookups read elements as it)."""
        return self.base_field

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.model_container is not None:
            kwargs.update(self.container_kwargs())
        else:
            kwargs["base_field"] = self.base_field.clone()
        if self.max_size is not None:
            kwargs["max_size"] = self.max_size
        if self.min_size is not None:
            kwargs["min_size"] = self.min_size
        return name, public_path(self, path), args, kwargs

    # Values --------------------------------------------------------------------

    def convert_assigned(self, value):
        if self.model_container is not None and isinstance(value, list | tuple):
            return self.to_python(value)
        return value

    def nested_to_python(self, value, path):
        """The list at ``path`` (JSON text is read); ValidationErrors name
        each element's path (``tags.0``, ``authors.1.name``)."""
        if value is None:
            return None
        if isinstance(value, str):
            value = parse_json(value)
        # A container instance iterates over its keys: it is not a list.
        if isinstance(value, str | bytes | dict | models.Model) or not hasattr(value, "__iter__"):
            error = exceptions.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            )
            raise exceptions.ValidationError(located(error, path))
        items, errors = [], []
        for index, item in enumerate(value):
            item_path = f"{path}.{index}"
            try:
                items.append(nested_to_python(self.base_field, item, item_path))
            except exceptions.ValidationError as error:
                errors.extend(located(error, item_path))
        if errors:
            raise exceptions.ValidationError(errors)
        return items

    def to_python(self, value):
        return self.nested_to_python(value, self.name)

    def nested_clean(self, value, path, top=False):
        """Convert and validate the list at ``path``: the field's own checks
        (null, blank, size), then each element."""
        value = self.nested_to_python(value, path)
        errors = []
        try:
            models.Field.validate(self, value, None)
            self.run_validators(value)
        except exceptions.ValidationError as error:
            errors.extend(error.error_list if top else located(error, path))
        try:
            self.clean_items(value, path)
        except exceptions.ValidationError as error:
            errors.extend(error.error_list)
        if errors:
            raise exceptions.ValidationError(errors)
        return value

    def clean(self, value, model_instance):
        return self.nested_clean(value, self.name, top=True)

    def clean_items(self, value, path):
        errors = []
        for index, item in enumerate(value or ()):
            item_path = f"{path}.{index}"
            try:
                if self.model_container is None:
                    value[index] = self.base_field.clean(item, None)
                elif item is None:
                    raise exceptions.ValidationError(
                        self.base_field.error_messages["null"], code="null"
                    )
                else:
                    clean_container(item, item_path)
            except exceptions.ValidationError as error:
                errors.extend(located(error, item_path))
        if errors:
            raise exceptions.ValidationError(errors)

    def from_db_value(self, value, expression, connection):
        if not isinstance(value, list):
            return value
        return [from_db_value(self.base_field, item, connection) for item in value]

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        value = self.to_python(value)
        return [self.base_field.get_db_prep_save(item, connection=connection) for item in value]

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if self.model_container is not None and value:
            holder = types.SimpleNamespace()
            for item in value:
                holder.item = item
                self.base_field.pre_save(holder, add)
        return value

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        self.clean_items(value, self.name)

    def to_primitive(self, value):
        if value is None:
            return None
        if self.model_container is not None:
            return [self.base_field.to_primitive(item) for item in value]
        holder = types.SimpleNamespace()
        result = []
        for item in value:
            holder.item = item
            if item is None or isinstance(item, int | float | str | bool):
                result.append(item)
            else:
                result.append(self.base_field.value_to_string(holder))
        return result

    def value_to_string(self, obj):
        # JSON text (see EmbeddedField.value_to_string).
        return json.dumps(self.to_primitive(self.value_from_object(obj)), cls=DjangoJSONEncoder)

    def save_form_data(self, instance, data):
        carry_extras(instance.__dict__.get(self.attname), data)
        super().save_form_data(instance, data)

    def formfield(self, **kwargs):
        from . import forms

        if self.model_container is not None:
            defaults = {
                "form_class": forms.EmbeddedArrayFormField,
                "model_container": self.model_container,
                "model_form_class": self.model_form_class,
                "model_form_kwargs": self.model_form_kwargs,
            }
        else:
            defaults = {"form_class": forms.SimpleArrayFormField, "base_field": self.base_field}
        # Changes are compared by value, not by a hidden initial input.
        defaults["show_hidden_initial"] = False
        defaults["max_size"] = self.max_size
        defaults["min_size"] = self.min_size
        return super().formfield(**{**defaults, **kwargs})

    # Lookups -------------------------------------------------------------------

    def nested_field(self, key):
        if str(key).isdigit():
            return self.base_field
        if self.model_container is not None:
            return self.base_field.nested_field(key)
        return None

    def get_transform(self, name):
        transform = super().get_transform(name)
        if transform is not None:
            return transform
        field = self.nested_field(name)
        if field is None:
            return None
        key = name if name.isdigit() else field.column
        return PathTransformFactory(key, field, name)


class ArrayLength(Transform):
    """``tags__len``: the number of elements (NULL when not an array)."""

    lookup_name = "len"
    function = "ARRAY_LENGTH"
    output_field = IntegerField()


class ArrayLookup(FieldGetDbPrepValueMixin, Lookup):
    """A predicate of the dialect ``NAME("t"."col", %s)`` on a whole array."""

    function = None

    def get_prep_lookup(self):
        if hasattr(self.rhs, "resolve_expression"):
            return self.rhs
        return list(self.rhs) if isinstance(self.rhs, list | tuple | set) else [self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{self.function}({lhs}, {rhs})", (*lhs_params, *rhs_params)


class ArrayContains(ArrayLookup):
    """``tags__contains=["a", "b"]``: the array holds every value."""

    lookup_name = "contains"
    function = "JSON_CONTAINS"


class ArrayOverlap(ArrayLookup):
    """``tags__overlap=["a", "b"]``: the array holds at least one value."""

    lookup_name = "overlap"
    function = "ARRAY_OVERLAP"


class ElementTextLookup:
    """A text lookup on an array of values (``ratings__startswith="4"``):
    true when an element matches, each element read as text the way a
    column of its field is (DatabaseOperations.lookup_cast); elements that
    are strings are matched as they are."""

    def process_lhs(self, compiler, connection, lhs=None):
        sql, params = super(BuiltinLookup, self).process_lhs(compiler, connection, lhs)
        element = self.lhs.output_field.element_field
        cast = connection.ops.lookup_cast(self.lookup_name, element.get_internal_type())
        return cast % sql, list(params)


# Django's text lookups (contains is ArrayContains: every value given).
ELEMENT_TEXT_LOOKUPS = [
    type(f"Element{lookup.__name__}", (ElementTextLookup, lookup), {})
    for lookup in (
        django_lookups.IExact,
        django_lookups.IContains,
        django_lookups.StartsWith,
        django_lookups.IStartsWith,
        django_lookups.EndsWith,
        django_lookups.IEndsWith,
        django_lookups.Regex,
        django_lookups.IRegex,
    )
]

ArrayField.register_lookup(ArrayLength)
ArrayField.register_lookup(ArrayContains)
ArrayField.register_lookup(ArrayOverlap)
for _lookup in ELEMENT_TEXT_LOOKUPS:
    ArrayField.register_lookup(_lookup)


class ArrayAppend(Func):
    """``ARRAY_APPEND(array, value)``: ``array`` with ``value`` added at the
    end unless already present (a NULL array becomes ``[value]``)."""

    function = "ARRAY_APPEND"
    arity = 2


class ArrayRemove(Func):
    """``ARRAY_REMOVE(array, value)``: ``array`` without ``value``."""

    function = "ARRAY_REMOVE"
    arity = 2
