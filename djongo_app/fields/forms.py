"""Form fields for embedded documents and arrays, so ModelForm and the admin
edit them: a nested form for EmbeddedField, a formset for an ArrayField
(one row per element, of documents or of values) and a multiple choice for
ArrayReferenceField. Their widgets live in ``djongo_app.admin_integration``.

Inputs are prefixed by the field's name (``blog-name``, ``authors-0-name``,
``tags-1-value``), so containers nest to any depth.

Errors name the position of the input the way model validation does: the
dotted path from the field, with zero-based array indexes
(``blog.address.city: ...``, ``authors.1.email: ...``, ``tags.0: ...``).
Those of nested inputs are :class:`NestedInputError`\\ s: the widget shows
each next to its input, so the field's own error list (what a template or
the admin shows above the field) leaves them out, while ``form.errors``
keeps them all.
"""

from django import forms
from django.core import exceptions
from django.forms.forms import NON_FIELD_ERRORS
from django.forms.formsets import BaseFormSet, formset_factory
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ..admin_integration.widgets import (
    ORIGIN_KEY,
    ArrayWidget,
    EmbeddedWidget,
    is_removed,
    is_stored,
)
from .array import ArrayMaxLengthValidator, ArrayMinLengthValidator
from .embedded import FORM_ORIGIN, container_fields, container_to_primitive, new_container

__all__ = [
    "ArrayFormField",
    "ContainerForm",
    "DocumentBoundField",
    "DocumentFormSet",
    "EmbeddedArrayFormField",
    "EmbeddedFormField",
    "NestedInputError",
    "ReferencesFormField",
    "SimpleArrayFormField",
    "container_form_class",
]


class NestedInputError(exceptions.ValidationError):
    """An error of one input inside a nested form or array, named by its
    path (``blog.address.city: This field is required.``)."""

    def __init__(self, path, detail, code=None):
        super().__init__(
            "%(nested_path)s: %(detail)s",
            code=code,
            params={"nested_path": path, "detail": detail},
        )


class DocumentBoundField(forms.BoundField):
    """A bound field whose ``errors`` leave out the errors its widget shows
    next to the nested inputs (so each is shown once)."""

    @property
    def errors(self):
        errors = super().errors
        shown = [e for e in errors.as_data() if not isinstance(e, NestedInputError)]
        if len(shown) == len(errors):
            return errors
        return self.form.error_class(shown, renderer=self.form.renderer, field_id=self.auto_id)


def field_path(prefix):
    """The name of the field a nested form or formset belongs to: the last
    part of its prefix (``blog`` of ``entry_set-0-blog``)."""
    return prefix.rsplit("-", 1)[-1]


def input_errors(form, path, value_field=None):
    """The errors of a bound nested form as NestedInputErrors under ``path``
    (those of ``value_field``, the input of an array's value, at ``path``
    itself)."""
    errors = []
    for name, error_list in form.errors.as_data().items():
        for error in error_list:
            if isinstance(error, NestedInputError):
                where = f"{path}.{error.params['nested_path']}"
                detail = error.params["detail"]
            else:
                nested = name not in (NON_FIELD_ERRORS, value_field)
                where = f"{path}.{name}" if nested else path
                detail = next(iter(error))
            errors.append(NestedInputError(where, detail, error.code))
    return errors


# Nested forms ----------------------------------------------------------------


class ContainerForm(forms.Form):
    """The base of the nested form of a container (one field per editable
    field of the container) and of an array's row form."""

    required_css_class = "required"


_form_classes = {}


def container_form_class(container, formfield_callback=None):
    """A ContainerForm with a form field for each editable field of
    ``container``: ``formfield_callback(model_field)`` (the admin passes its
    ``formfield_for_dbfield``) or the field's own ``formfield()``."""
    if formfield_callback is None and container in _form_classes:
        return _form_classes[container]
    attrs = {}
    for field in container_fields(container):
        if field.editable:
            formfield = formfield_callback(field) if formfield_callback else field.formfield()
            if formfield is not None:
                attrs[field.name] = formfield
    form_class = type(f"{container.__name__}Form", (ContainerForm,), attrs)
    if formfield_callback is None:
        _form_classes[container] = form_class
    return form_class


def container_initial(value):
    """The initial data of a nested form for a container instance or dict."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    return {field.name: getattr(value, field.attname) for field in container_fields(type(value))}


def as_primitive(container, value):
    """A container instance or dict as comparable plain data (or None)."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = new_container(container, **value)
    return container_to_primitive(value)


def container_from_form(container, form):
    """The container instance a valid nested form describes."""
    names = {field.name for field in container_fields(container)}
    values = {name: value for name, value in form.cleaned_data.items() if name in names}
    return new_container(container, **values)


class EmbeddedFormField(forms.Field):
    """A container instance, edited through a nested form."""

    bound_field_class = DocumentBoundField

    def __init__(
        self,
        model_container,
        model_form_class=None,
        model_form_kwargs=None,
        *,
        formfield_callback=None,
        max_length=None,
        **kwargs,
    ):
        self.model_container = model_container
        self.form_class = model_form_class or container_form_class(
            model_container, formfield_callback
        )
        kwargs.setdefault("widget", EmbeddedWidget(self.form_class, model_form_kwargs))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if value is None or isinstance(value, forms.BaseForm):
            return value
        return container_initial(value)

    def to_python(self, value):
        if not isinstance(value, forms.BaseForm):
            if isinstance(value, dict):
                return new_container(self.model_container, **value)
            return value
        form = value
        if not self.required:
            # An optional document: removed with its box; not created when
            # left blank; kept (validated) when stored, so saving an
            # unchanged form keeps it, also when it holds only defaults.
            if is_removed(form.data, form.prefix):
                return None
            if not is_stored(form.data, form.prefix) and not form.has_changed():
                return None
        if not form.is_valid():
            raise exceptions.ValidationError(input_errors(form, field_path(form.prefix)))
        return container_from_form(self.model_container, form)

    def has_changed(self, initial, data):
        if data is None:
            return False
        try:
            value = self.to_python(data)
        except exceptions.ValidationError:
            return True
        return as_primitive(self.model_container, initial) != as_primitive(
            self.model_container, value
        )


# Arrays ----------------------------------------------------------------------


class DocumentFormSet(BaseFormSet):
    """The rows of an array. Each row has a hidden ``ORIGIN`` input: the
    index of the stored element it shows (so the element's unknown keys
    follow it when rows are moved), empty in rows added in the browser.
    Added rows left blank are skipped; other rows are validated."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields[ORIGIN_KEY] = forms.CharField(required=False, widget=forms.HiddenInput)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and self.is_bound:
            origin = self.data.get(f"{self.add_prefix(index)}-{ORIGIN_KEY}")
            kwargs["empty_permitted"] = origin in (None, "")
        return kwargs


def array_layout(form_class):
    """``tabular`` when every input of a row fits a table cell, else ``stacked``."""
    fields = form_class.base_fields.values()
    wide = (forms.Textarea, EmbeddedWidget, ArrayWidget, forms.CheckboxSelectMultiple)
    if len(fields) > 5 or any(isinstance(field.widget, wide) for field in fields):
        return "stacked"
    return "tabular"


class ArrayFormField(forms.Field):
    """A list edited as the rows of a formset; subclasses say what a row is."""

    bound_field_class = DocumentBoundField
    # The field of a row form that holds the whole element, if any.
    value_field = None

    def __init__(self, *, max_size=None, min_size=None, max_length=None, **kwargs):
        self.max_size = max_size
        self.min_size = min_size
        super().__init__(**kwargs)
        if max_size is not None:
            self.validators.append(ArrayMaxLengthValidator(max_size))
        if min_size is not None:
            self.validators.append(ArrayMinLengthValidator(min_size))

    def formset_class_for(self, form_class):
        return formset_factory(
            form_class,
            formset=DocumentFormSet,
            extra=0,
            min_num=self.min_size or 0,
            max_num=self.max_size,
        )

    def array_widget(self, layout, item_label, formset_kwargs=None):
        return ArrayWidget(
            self.formset_class,
            layout,
            item_label,
            min_size=self.min_size,
            max_size=self.max_size,
            formset_kwargs=formset_kwargs,
        )

    def item_initial(self, item):
        """The initial data of the row of ``item``."""
        raise NotImplementedError

    def item_from_form(self, form):
        """The element a valid row describes."""
        raise NotImplementedError

    def prepare_value(self, value):
        if value is None or isinstance(value, forms.BaseFormSet):
            return value
        return [{**self.item_initial(item), ORIGIN_KEY: index} for index, item in enumerate(value)]

    def to_python(self, value):
        if value is None:
            return []
        if not isinstance(value, forms.BaseFormSet):
            return self.items_from_value(value)
        formset = value
        if not formset.is_valid():
            path = field_path(formset.prefix)
            # Tampered management data or too many rows: the rows' own
            # errors would only repeat it.
            errors = [
                NestedInputError(path, message, error.code)
                for error in formset.non_form_errors().as_data()
                for message in error
            ]
            if not errors:
                for index, form in enumerate(formset.forms):
                    errors.extend(input_errors(form, f"{path}.{index}", self.value_field))
            raise exceptions.ValidationError(errors)
        items = []
        for form in formset.forms:
            if form.empty_permitted and not form.has_changed():
                continue
            items.append(self.item_from_form(form))
        return items

    def items_from_value(self, value):
        if isinstance(value, str | bytes | dict):
            raise exceptions.ValidationError(_("Enter a list of values."), code="invalid_list")
        return list(value)

    def comparable(self, items):
        return list(items or ())

    def has_changed(self, initial, data):
        if data is None:
            return False
        try:
            items = self.to_python(data)
        except exceptions.ValidationError:
            return True
        return self.comparable(initial) != self.comparable(items)


class EmbeddedArrayFormField(ArrayFormField):
    """A list of container instances: a row per element, laid out as a
    table (``tabular``) or a box per element (``stacked``, the default for
    containers with nested documents, arrays or long text)."""

    def __init__(
        self,
        model_container,
        model_form_class=None,
        model_form_kwargs=None,
        *,
        formfield_callback=None,
        layout=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.model_container = model_container
        form_class = model_form_class or container_form_class(model_container, formfield_callback)
        self.formset_class = self.formset_class_for(form_class)
        label = capfirst(model_container._meta.verbose_name)
        self.widget = self.array_widget(
            layout or array_layout(form_class), label, {"form_kwargs": model_form_kwargs or {}}
        )

    def item_initial(self, item):
        return container_initial(item)

    def item_from_form(self, form):
        item = container_from_form(self.model_container, form)
        origin = form.cleaned_data.get(ORIGIN_KEY) or ""
        if origin.isascii() and origin.isdigit():
            item.__dict__[FORM_ORIGIN] = int(origin)
        return item

    def comparable(self, items):
        return [as_primitive(self.model_container, item) for item in items or ()]


class SimpleArrayFormField(ArrayFormField):
    """A list of values: one input per item, with the base field's own
    widget (a date picker for dates, a number input for integers), each
    cleaned by the base field's form field."""

    value_field = "value"

    def __init__(self, base_field, *, formfield_callback=None, **kwargs):
        super().__init__(**kwargs)
        self.base_field = base_field
        item_field = formfield_callback(base_field) if formfield_callback else None
        item_field = item_field or base_field.formfield()
        item_field.widget.attrs.setdefault("aria-label", str(self.label or base_field.verbose_name))
        form_class = type("ItemForm", (ContainerForm,), {self.value_field: item_field})
        self.formset_class = self.formset_class_for(form_class)
        self.widget = self.array_widget("items", str(base_field.verbose_name))

    def item_initial(self, item):
        return {self.value_field: item}

    def item_from_form(self, form):
        return form.cleaned_data[self.value_field]


# References ------------------------------------------------------------------


class ReferencesFormField(forms.ModelMultipleChoiceField):
    """The objects an ArrayReferenceField holds, in the order they were
    submitted (the order of the stored array), not the queryset's."""

    def clean(self, value):
        objects = super().clean(value)
        if not value or not hasattr(objects, "model"):
            return objects
        key = self.to_field_name or "pk"
        by_key = {str(getattr(obj, key)): obj for obj in objects}
        ordered = {}
        for item in value:
            obj = by_key.get(str(item))
            if obj is not None:
                ordered.setdefault(obj.pk, obj)
        return list(ordered.values())
