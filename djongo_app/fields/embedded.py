"""Embedded documents: container models and EmbeddedField.

A container is an abstract Django model whose fields describe the keys of
a nested document. It has no collection and no migrations of its own; its
instances live inside the field of another model and are stored as a
sub-document (``{"blog": {"name": ..., "url": ...}}``).
"""

import functools
import json

from django.core import checks, exceptions
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.base import ModelBase, ModelState
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, IsNull
from django.db.models.query_utils import DeferredAttribute
from django.utils.encoding import is_protected_type
from django.utils.translation import gettext_lazy as _

from .paths import PathTransformFactory
from .public import public_path
from .vendor import check_migrated_on_mongodb

# Keys of a stored sub-document that its container has no field for: kept
# on the instance and written back, so reading and saving loses nothing.
EXTRAS = "_document_extras"
# Columns of the container that its stored sub-document lacked: while such
# a field holds its default, saving leaves the key out, so that saving an
# adopted document does not add keys (nulls, defaults) it never had.
ABSENT = "_document_absent"
# Set by an array's form field on each element it builds from a row that
# showed a stored element: that element's index, so its unknown keys follow
# it when rows are moved or removed.
FORM_ORIGIN = "_form_origin"

_container_fields_cache = {}


def container_fields(container):
    """Return the stored fields of ``container``, in declaration order."""
    fields = _container_fields_cache.get(container)
    if fields is None:
        fields = [f for f in container._meta.local_fields if f.concrete and f.column]
        _container_fields_cache[container] = fields
    return fields


def container_field(container, key):
    """Return the field of ``container`` named ``key``, or raise KeyError."""
    for field in container_fields(container):
        if field.name == key:
            return field
    raise KeyError(key)


def init_container(instance, args, kwargs):
    """Fill a container instance from positional and keyword values; fields
    not given get their default (``Model.__init__``'s contract, without its
    refusal of abstract models)."""
    fields = container_fields(type(instance))
    if len(args) > len(fields):
        raise IndexError("Number of args exceeds number of fields")
    instance._state = ModelState()
    kwargs = dict(kwargs)
    for position, field in enumerate(fields):
        if position < len(args):
            value = args[position]
        elif field.attname in kwargs:
            value = kwargs.pop(field.attname)
        elif field.name in kwargs:
            value = kwargs.pop(field.name)
        else:
            value = field.get_default()
        setattr(instance, field.attname, value)
    if kwargs:
        unexpected = ", ".join(sorted(kwargs))
        raise TypeError(
            f"{type(instance).__name__}() got unexpected keyword arguments: {unexpected}"
        )


def new_container(container, **values):
    """Return an instance of ``container`` (also of a Djongo-style abstract
    ``models.Model``, which Django refuses to instantiate)."""
    container = embeddable(container)
    instance = container.__new__(container)
    init_container(instance, (), values)
    return instance


_embeddable_classes = {}


def embeddable(container):
    """Return the class whose instances hold ``container``'s documents: the
    container itself if it is an EmbeddedModel, else (a Djongo-style abstract
    model) a subclass of it with EmbeddedModel's behaviour."""
    if issubclass(container, EmbeddedModel):
        return container
    cls = _embeddable_classes.get(container)
    if cls is None:
        attrs = {
            "__module__": container.__module__,
            "__qualname__": container.__qualname__,
            "source_container": container,
        }
        cls = type(container.__name__, (EmbeddedModel, container), attrs)
        _embeddable_classes[container] = cls
    return cls


class EmbeddedModelBase(ModelBase):
    """Makes every container abstract, so it gets no collection or migration."""

    def __new__(mcs, name, bases, attrs, **kwargs):
        meta = attrs.get("Meta")
        attrs["Meta"] = type("Meta", (meta,) if meta else (), {"abstract": True})
        return super().__new__(mcs, name, bases, attrs, **kwargs)


class EmbeddedModel(models.Model, metaclass=EmbeddedModelBase):
    """Base class of the containers of ``EmbeddedField`` and ``ArrayField``.

    Subclasses are abstract models (no collection, no migrations) that can be
    instantiated; equality compares field values.
    """

    def __init__(self, *args, **kwargs):
        init_container(self, args, kwargs)

    def __eq__(self, other):
        if isinstance(other, dict):
            return dict(self.items()) == other
        if type(self) is not type(other):
            return NotImplemented
        return container_to_primitive(self) == container_to_primitive(other)

    # The mapping protocol, for code written against Djongo, whose embedded
    # values were dicts: the keys are the container's field names (unknown
    # keys of a stored document are kept for saving but are not items).
    # Attribute access stays the main API; ``blog["name"] = v`` is
    # ``blog.name = v`` and an unknown key is a KeyError, as for dict input.

    def __getitem__(self, key):
        return getattr(self, container_field(type(self), key).attname)

    def __setitem__(self, key, value):
        setattr(self, container_field(type(self), key).attname, value)

    def __delitem__(self, key):
        raise TypeError(
            f"Fields of {type(self).__name__} cannot be deleted; assign None or a value."
        )

    def __contains__(self, key):
        return any(field.name == key for field in container_fields(type(self)))

    def __iter__(self):
        return (field.name for field in container_fields(type(self)))

    def __len__(self):
        return len(container_fields(type(self)))

    def __bool__(self):
        # An instance is a value even when its container has no fields.
        return True

    def keys(self):
        return [field.name for field in container_fields(type(self))]

    def values(self):
        return [getattr(self, field.attname) for field in container_fields(type(self))]

    def items(self):
        return list(zip(self.keys(), self.values(), strict=True))

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    __hash__ = None

    def __repr__(self):
        values = ", ".join(f"{k}={v!r}" for k, v in container_to_primitive(self).items())
        return f"{type(self).__name__}({values})"

    __str__ = __repr__

    def __reduce__(self):
        # A generated subclass pickles as the Djongo-style container it serves.
        cls = type(self).__dict__.get("source_container", type(self))
        return new_container, (cls,), self.__dict__.copy()

    def __setstate__(self, state):
        self.__dict__.update(state)

    @property
    def prepare_database_save(self):
        # Django's UPDATE compiler treats values that have this method as
        # related objects; an embedded document is a plain value.
        raise AttributeError("prepare_database_save")

    def save(self, *args, **kwargs):
        raise TypeError(
            f"{type(self).__name__} is embedded in another model's document; save that model."
        )

    def delete(self, *args, **kwargs):
        raise TypeError(
            f"{type(self).__name__} is embedded in another model's document; it has no "
            "collection to delete from."
        )


# Conversions -----------------------------------------------------------------


def container_to_python(container, value, path):
    """Return ``value`` (a container instance, a dict of field values or its
    JSON text) as an instance of ``container``. ``path`` is where the value
    is (``blog.address``); ValidationErrors name the nested paths."""
    if value is None or isinstance(value, container):
        return value
    if isinstance(value, str):
        value = parse_json(value)
    if not isinstance(value, dict):
        error = exceptions.ValidationError(
            _("“%(value)s” is not a document of %(container)s."),
            code="invalid",
            params={"value": value, "container": container.__name__},
        )
        raise exceptions.ValidationError(located(error, path))
    data = dict(value)
    container = embeddable(container)
    instance = container.__new__(container)
    instance._state = ModelState()
    errors = []
    for field in container_fields(container):
        for key in (field.attname, field.name, field.column):
            if key in data:
                raw = data.pop(key)
                break
        else:
            instance.__dict__[field.attname] = field.get_default()
            continue
        field_path = f"{path}.{field.name}"
        try:
            instance.__dict__[field.attname] = nested_to_python(field, raw, field_path)
        except exceptions.ValidationError as error:
            errors.extend(located(error, field_path))
    for key in data:
        # Only documents read from the database keep unknown keys; input
        # naming no field (or an operator such as "$gt") is refused.
        errors.append(
            located_error(
                f"{path}.{key}",
                _("%(container)s has no field “%(key)s”.")
                % {"container": container.__name__, "key": key},
                "unknown_key",
            )
        )
    if errors:
        raise exceptions.ValidationError(errors)
    return instance


def parse_json(text):
    """The value of JSON text (how serializers write these fields), or the
    text itself when it is not JSON (then reported as invalid)."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def nested_to_python(field, value, path):
    """``field.to_python(value)``, giving nested fields the path for errors."""
    to_python = getattr(field, "nested_to_python", None)
    if to_python is not None:
        return to_python(value, path)
    return field.to_python(value)


def nested_clean(field, value, path, instance):
    """``field.clean(value)`` for a field inside a container at ``path``."""
    clean = getattr(field, "nested_clean", None)
    if clean is not None:
        return clean(value, path)
    return field.clean(value, instance)


def container_to_document(instance, connection):
    """Return the sub-document stored for a container instance."""
    document = dict(getattr(instance, EXTRAS, None) or {})
    absent = instance.__dict__.get(ABSENT) or ()
    for field in container_fields(type(instance)):
        value = getattr(instance, field.attname)
        if field.column in absent and value == field.get_default():
            continue
        document[field.column] = field.get_db_prep_save(value, connection=connection)
    return document


def container_from_document(container, document, connection):
    """Return the container instance of a stored sub-document; keys the
    document lacks read as the fields' defaults."""
    return read_container(container, document, None, connection)


def read_container(container, value, expression, connection):
    """Return :func:`container_from_document` of ``value`` when it is a
    dict, else ``value``: EmbeddedField's converter, with its container
    bound (one call per value read)."""
    if not isinstance(value, dict):
        return value
    document = value
    loader = _loaders_cache.get((container, connection.alias))
    container, loaders = loader if loader is not None else _loaders(container, connection)
    instance = container.__new__(container)
    instance._state = ModelState()
    values = instance.__dict__
    found = 0
    absent = None
    for field, column, attname, converters in loaders:
        if column in document:
            found += 1
            value = document[column]
            for converter, expression in converters:
                value = converter(value, expression, connection)
        else:
            value = field.get_default()
            if absent is None:
                absent = []
            absent.append(column)
        values[attname] = value
    if found == len(document):
        values[EXTRAS] = {}
    else:
        columns = {column for _, column, _, _ in loaders}
        values[EXTRAS] = {k: v for k, v in document.items() if k not in columns}
    if absent:
        values[ABSENT] = frozenset(absent)
    return instance


_loaders_cache = {}


def _loaders(container, connection):
    """Return the class of ``container``'s instances (:func:`embeddable`)
    and (field, column, attname, converters) of each of its stored fields,
    the converters being those :func:`from_db_value` applies (cached per
    container and database alias)."""
    key = (container, connection.alias)
    found = _loaders_cache.get(key)
    if found is None:
        cls = embeddable(container)
        found = _loaders_cache[key] = (
            cls,
            [
                (field, field.column, field.attname, _converters(field, connection))
                for field in container_fields(cls)
            ],
        )
    return found


def from_db_value(field, value, connection):
    """Apply to a nested stored value the converters Django applies to a
    column of ``field`` (the backend's, then the field's own)."""
    for converter, expression in _converters(field, connection):
        value = converter(value, expression, connection)
    return value


def _converters(field, connection):
    """Return the (converter, expression) pairs of a nested ``field``."""
    cache = field.__dict__.setdefault("_djongo_converters", {})
    converters = cache.get(connection.alias)
    if converters is None:
        expression = Col(None, field)
        converters = [
            (converter, expression)
            for converter in (
                *connection.ops.get_db_converters(expression),
                *field.get_db_converters(connection),
            )
        ]
        cache[connection.alias] = converters
    return converters


def container_to_primitive(instance):
    """Return a container instance as a dict of serializable values (for
    dumpdata, forms and equality)."""
    data = {}
    for field in container_fields(type(instance)):
        value = getattr(instance, field.attname)
        to_primitive = getattr(field, "to_primitive", None)
        if to_primitive is not None:
            data[field.name] = to_primitive(value)
        elif value is None or is_protected_type(value):
            data[field.name] = value
        else:
            data[field.name] = field.value_to_string(instance)
    return data


# Validation ------------------------------------------------------------------


def located_error(path, detail, code):
    """A ValidationError whose message names where it is
    (``blog.name: This field cannot be blank.``)."""
    return exceptions.ValidationError(
        "%(nested_path)s: %(detail)s",
        code=code,
        params={"nested_path": path, "detail": detail},
    )


def located(error, path):
    """``error``'s messages, each naming its path: those that already name
    a nested path keep it, the others get ``path``."""
    result = []
    for item in error.error_list:
        params = item.params if isinstance(item.params, dict) else {}
        if "nested_path" in params:
            result.append(item)
        else:
            result.append(located_error(path, next(iter(item)), item.code))
    return result


def clean_container(instance, path):
    """Run ``clean_fields()`` and ``clean()`` of the container instance at
    ``path``; raise one ValidationError whose messages name each path."""
    errors = []
    for field in container_fields(type(instance)):
        raw = getattr(instance, field.attname)
        if field.blank and raw in field.empty_values:
            continue
        field_path = f"{path}.{field.name}"
        try:
            instance.__dict__[field.attname] = nested_clean(field, raw, field_path, instance)
        except exceptions.ValidationError as error:
            errors.extend(located(error, field_path))
    try:
        instance.clean()
    except exceptions.ValidationError as error:
        errors.extend(located(error, path))
    if errors:
        raise exceptions.ValidationError(errors)


def carry_extras(old, new):
    """Give ``new`` (a container instance, or a list of them, built from a
    form) the unknown keys of the stored value ``old`` it replaces, and the
    record of the keys it lacked, at every depth. An array's elements are
    matched by their ``FORM_ORIGIN``."""
    if isinstance(new, list):
        stored = old if isinstance(old, list) else []
        for item in new:
            if not isinstance(item, models.Model):
                continue
            origin = item.__dict__.pop(FORM_ORIGIN, None)
            if origin is not None and 0 <= origin < len(stored):
                carry_extras(stored[origin], item)
        return
    if not isinstance(old, models.Model) or not isinstance(new, models.Model):
        return
    extras = old.__dict__.get(EXTRAS)
    if extras and not new.__dict__.get(EXTRAS):
        new.__dict__[EXTRAS] = dict(extras)
    if ABSENT in old.__dict__ and ABSENT not in new.__dict__:
        new.__dict__[ABSENT] = old.__dict__[ABSENT]
    for field in container_fields(type(new)):
        if getattr(field, "model_container", None) is not None:
            carry_extras(old.__dict__.get(field.attname), new.__dict__.get(field.attname))


# The field -------------------------------------------------------------------


class ConvertingAttribute(DeferredAttribute):
    """Converts assigned dicts (and lists of dicts) to container instances."""

    def __set__(self, instance, value):
        # Containers (what the fields' from_db_value() reads) and None are
        # kept as they are.
        if value is not None and not isinstance(value, models.Model):
            value = self.field.convert_assigned(value)
        instance.__dict__[self.field.attname] = value


def check_container(field, container):
    """System-check errors of a ``model_container`` argument."""
    if not (isinstance(container, type) and issubclass(container, models.Model)):
        return [
            checks.Error(
                "model_container must be an EmbeddedModel subclass (or an abstract model).",
                obj=field,
                id="djongo_app.E001",
            )
        ]
    if not container._meta.abstract:
        return [
            checks.Error(
                f"model_container {container.__name__} has a collection of its own; "
                "containers must be EmbeddedModel subclasses or abstract models.",
                obj=field,
                id="djongo_app.E002",
            )
        ]
    relations = [f.name for f in container._meta.local_fields if f.is_relation]
    if relations:
        return [
            checks.Error(
                f"The container {container.__name__} has relation fields "
                f"({', '.join(relations)}); embedded documents cannot hold foreign keys "
                "in djongo_app. Use ArrayReferenceField on the outer model.",
                obj=field,
                id="djongo_app.E003",
            )
        ]
    return []


def container_schema(container):
    """The container's field definitions, recorded in migrations so that
    ``makemigrations`` notices a change inside the container."""
    return [(field.name, field.clone()) for field in container_fields(container)]


class ContainerOptions:
    """The arguments a field holding container documents takes and gives
    back in ``deconstruct()``."""

    def set_container_options(self, model_container, form_class, form_kwargs, recorded):
        self.model_container = model_container
        self.model_form_class = form_class
        self.model_form_kwargs = form_kwargs or {}
        # Set when the field comes from a migration: the container as it was.
        self.recorded_container_fields = recorded

    def container_kwargs(self):
        kwargs = {
            "model_container": self.model_container,
            "model_container_fields": (
                self.recorded_container_fields
                if self.recorded_container_fields is not None
                else container_schema(self.model_container)
            ),
        }
        if self.model_form_class is not None:
            kwargs["model_form_class"] = self.model_form_class
        if self.model_form_kwargs:
            kwargs["model_form_kwargs"] = self.model_form_kwargs
        return kwargs


class EmbeddedField(ContainerOptions, models.Field):
    """A nested document whose value is an instance of ``model_container``.

    Lookups follow the container's fields (``filter(blog__name="x")``);
    Djongo's ``filter(blog={"name": "x"})`` matches documents whose
    sub-document has those values.
    """

    empty_strings_allowed = False
    descriptor_class = ConvertingAttribute
    description = _("Embedded document")
    default_error_messages = {"invalid": _("“%(value)s” is not a valid embedded document.")}

    def __init__(
        self,
        model_container=None,
        *args,
        model_form_class=None,
        model_form_kwargs=None,
        model_container_fields=None,
        **kwargs,
    ):
        self.set_container_options(
            model_container, model_form_class, model_form_kwargs, model_container_fields
        )
        super().__init__(*args, **kwargs)

    def check(self, **kwargs):
        return [
            *super().check(**kwargs),
            *check_container(self, self.model_container),
            *check_migrated_on_mongodb(self, kwargs.get("databases")),
        ]

    def get_internal_type(self):
        return "EmbeddedField"

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(self.container_kwargs())
        return name, public_path(self, path), args, kwargs

    # Values --------------------------------------------------------------------

    def convert_assigned(self, value):
        if isinstance(value, dict):
            return self.to_python(value)
        return value

    def nested_to_python(self, value, path):
        return container_to_python(self.model_container, value, path)

    def to_python(self, value):
        return self.nested_to_python(value, self.name)

    def nested_clean(self, value, path, top=False):
        """Convert and validate the value at ``path``: the field's own checks
        (null, blank, choices, validators), then the container's fields."""
        value = self.nested_to_python(value, path)
        errors = []
        try:
            models.Field.validate(self, value, None)
            self.run_validators(value)
        except exceptions.ValidationError as error:
            errors.extend(error.error_list if top else located(error, path))
        if value is not None:
            try:
                clean_container(value, path)
            except exceptions.ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise exceptions.ValidationError(errors)
        return value

    def clean(self, value, model_instance):
        return self.nested_clean(value, self.name, top=True)

    def save_form_data(self, instance, data):
        carry_extras(instance.__dict__.get(self.attname), data)
        super().save_form_data(instance, data)

    def from_db_value(self, value, expression, connection):
        return read_container(self.model_container, value, expression, connection)

    def get_db_converters(self, connection):
        if type(self).from_db_value is not EmbeddedField.from_db_value:
            return super().get_db_converters(connection)
        # from_db_value() with the container bound: a value read costs one
        # Python call.
        return [functools.partial(read_container, self.model_container)]

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return container_to_document(self.to_python(value), connection)

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if isinstance(value, models.Model):
            for field in container_fields(type(value)):
                value.__dict__[field.attname] = field.pre_save(value, add)
        return value

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if value is not None:
            clean_container(value, self.name)

    def to_primitive(self, value):
        return None if value is None else container_to_primitive(value)

    def value_to_string(self, obj):
        # JSON text, as Django's own structured fields write it, so every
        # serializer (JSON, YAML, XML) can carry it; to_python() reads it.
        return json.dumps(self.to_primitive(self.value_from_object(obj)), cls=DjangoJSONEncoder)

    def formfield(self, **kwargs):
        from .forms import EmbeddedFormField

        return super().formfield(
            **{
                "form_class": EmbeddedFormField,
                # Changes are compared by value, not by a hidden initial input.
                "show_hidden_initial": False,
                "model_container": self.model_container,
                "model_form_class": self.model_form_class,
                "model_form_kwargs": self.model_form_kwargs,
                **kwargs,
            }
        )

    # Lookups -------------------------------------------------------------------

    def nested_field(self, key):
        for field in container_fields(self.model_container):
            if key in (field.name, field.attname):
                return field
        return None

    def get_transform(self, name):
        transform = super().get_transform(name)
        if transform is not None:
            return transform
        field = self.nested_field(name)
        if field is None:
            return None
        return PathTransformFactory(field.column, field, name)


@EmbeddedField.register_lookup
class EmbeddedExact(Exact):
    """``blog={"name": "x"}`` (the keys given must match) or ``blog=instance``
    (every field must match), as a containment test of the sub-document."""

    prepare_rhs = False
    can_use_none_as_rhs = True

    def as_sql(self, compiler, connection):
        if self.rhs is None:
            return IsNull(self.lhs, True).as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        document = self.rhs_document(connection)
        return f"JSON_CONTAINS({lhs}, %s)", (*lhs_params, document)

    def rhs_document(self, connection):
        field = self.lhs.output_field
        if isinstance(self.rhs, dict):
            return partial_document(field, self.rhs, connection)
        return field.get_db_prep_value(self.rhs, connection)


def merged(first, second):
    """Return ``first`` updated with ``second``, merging nested dicts."""
    result = dict(first)
    for key, value in second.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            value = merged(result[key], value)
        result[key] = value
    return result


def partial_document(field, values, connection):
    """Return the stored form of only the keys in ``values``."""
    document = {}
    for key, value in values.items():
        if isinstance(key, str) and "." in key:
            # Djongo's dotted form: {"tagline.subtitle": v} is {"tagline": {"subtitle": v}}.
            key, _dot, rest = key.partition(".")
            value = {rest: value}
        nested = field.nested_field(key)
        if nested is None:
            raise exceptions.FieldError(
                f"{field.model_container.__name__} has no field {key!r} "
                f"(in a lookup on {field.name})."
            )
        if isinstance(value, dict) and isinstance(nested, EmbeddedField):
            part = partial_document(nested, value, connection)
            earlier = document.get(nested.column)
            # Dotted keys may name the same sub-document more than once.
            document[nested.column] = merged(earlier, part) if isinstance(earlier, dict) else part
        else:
            document[nested.column] = nested.get_db_prep_save(value, connection=connection)
    return document
