"""Form fields for embedded documents and arrays, so ModelForm and the admin
edit them: a nested form for EmbeddedField, a formset for an ArrayField of
documents, a delimited text input for an ArrayField of primitives.

The nested form's inputs are prefixed by the field's name (``blog-name``,
``authors-0-name``), so containers nest to any depth.
"""

from django import forms
from django.core import exceptions
from django.forms.formsets import DELETION_FIELD_NAME, formset_factory
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .embedded import container_fields, container_to_primitive, new_container

_form_classes = {}


def container_form_class(container):
    """A Form with the form field of each editable field of ``container``."""
    form_class = _form_classes.get(container)
    if form_class is None:
        attrs = {}
        for field in container_fields(container):
            if field.editable:
                formfield = field.formfield()
                if formfield is not None:
                    attrs[field.name] = formfield
        form_class = type(f"{container.__name__}Form", (forms.Form,), attrs)
        _form_classes[container] = form_class
    return form_class


def container_initial(value):
    """The initial data of a nested form for a container instance or dict."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    return {field.name: getattr(value, field.attname) for field in container_fields(type(value))}


def form_errors(form, prefix=""):
    """The errors of a bound form as ValidationErrors naming each input."""
    errors = []
    for name, messages in form.errors.items():
        label = name if name != forms.forms.NON_FIELD_ERRORS else ""
        for message in messages:
            text = f"{prefix}{label}: {message}" if label else f"{prefix}{message}".rstrip()
            errors.append(exceptions.ValidationError(text, code="invalid"))
    return errors


def as_primitive(container, value):
    """A container instance or dict as comparable plain data (or None)."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = new_container(container, **value)
    return container_to_primitive(value)


def has_input(data, prefix):
    return any(str(key).startswith(prefix) for key in data)


class EmbeddedWidget(forms.Widget):
    """Renders a container's form; its value is the bound nested form."""

    def __init__(self, form_class, form_kwargs=None, attrs=None):
        super().__init__(attrs)
        self.form_class = form_class
        self.form_kwargs = form_kwargs or {}

    def __deepcopy__(self, memo):
        obj = super().__deepcopy__(memo)
        obj.form_class = self.form_class
        return obj

    def form(self, prefix, value=None, data=None, files=None):
        if data is not None:
            return self.form_class(data=data, files=files, prefix=prefix, **self.form_kwargs)
        return self.form_class(initial=container_initial(value), prefix=prefix, **self.form_kwargs)

    def value_from_datadict(self, data, files, name):
        if not has_input(data, f"{name}-"):
            return None
        return self.form(name, data=data, files=files)

    def value_omitted_from_data(self, data, files, name):
        return not has_input(data, f"{name}-")

    def use_required_attribute(self, initial):
        return False

    def id_for_label(self, id_):
        return None

    def render(self, name, value, attrs=None, renderer=None):
        form = value if isinstance(value, forms.BaseForm) else self.form(name, value)
        return format_html(
            '<fieldset class="djongo-embedded" data-name="{}">{}</fieldset>',
            name,
            mark_safe(form.as_div()),
        )


class EmbeddedFormField(forms.Field):
    """A container instance, edited through a nested form."""

    def __init__(
        self,
        model_container,
        model_form_class=None,
        model_form_kwargs=None,
        *,
        max_length=None,
        **kwargs,
    ):
        self.model_container = model_container
        self.form_class = model_form_class or container_form_class(model_container)
        kwargs.setdefault("widget", EmbeddedWidget(self.form_class, model_form_kwargs))
        super().__init__(**kwargs)

    def to_python(self, value):
        if not isinstance(value, forms.BaseForm):
            if isinstance(value, dict):
                return new_container(self.model_container, **value)
            return value
        form = value
        if not form.has_changed() and not self.required:
            return None
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        values = {name: form.cleaned_data[name] for name in form.fields}
        return new_container(self.model_container, **values)

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

    def prepare_value(self, value):
        return value


class EmbeddedArrayWidget(forms.Widget):
    """Renders a formset of a container's form (one form per element)."""

    def __init__(self, formset_class, attrs=None):
        super().__init__(attrs)
        self.formset_class = formset_class

    def value_from_datadict(self, data, files, name):
        if f"{name}-TOTAL_FORMS" not in data:
            return None
        return self.formset_class(data=data, files=files, prefix=name)

    def value_omitted_from_data(self, data, files, name):
        return f"{name}-TOTAL_FORMS" not in data

    def use_required_attribute(self, initial):
        return False

    def id_for_label(self, id_):
        return None

    def render(self, name, value, attrs=None, renderer=None):
        if isinstance(value, forms.BaseFormSet):
            formset = value
        else:
            initial = [container_initial(item) for item in value or ()]
            formset = self.formset_class(initial=initial, prefix=name)
        parts = [str(formset.management_form)]
        parts += [f'<div class="djongo-array-item">{form.as_div()}</div>' for form in formset]
        return format_html(
            '<fieldset class="djongo-array" data-name="{}">{}</fieldset>',
            name,
            mark_safe("".join(parts)),
        )


class EmbeddedArrayFormField(forms.Field):
    """A list of container instances, edited through a formset (one blank
    form to add an element, a delete box on each)."""

    default_error_messages = {
        "max_size": _("Ensure there are no more than %(limit)s items."),
        "min_size": _("Ensure there are at least %(limit)s items."),
    }

    def __init__(
        self,
        model_container,
        model_form_class=None,
        model_form_kwargs=None,
        *,
        max_size=None,
        min_size=None,
        max_length=None,
        **kwargs,
    ):
        self.model_container = model_container
        form_class = model_form_class or container_form_class(model_container)
        self.formset_class = formset_factory(
            form_class, extra=1, can_delete=True, max_num=max_size or 1000
        )
        self.max_size = max_size
        self.min_size = min_size
        kwargs.setdefault("widget", EmbeddedArrayWidget(self.formset_class))
        super().__init__(**kwargs)

    def to_python(self, value):
        if not isinstance(value, forms.BaseFormSet):
            return list(value) if value else []
        formset = value
        if not formset.is_valid():
            errors = []
            for index, form in enumerate(formset.forms):
                errors.extend(form_errors(form, prefix=f"{index}."))
            errors.extend(
                exceptions.ValidationError(message, code="invalid")
                for message in formset.non_form_errors()
            )
            raise exceptions.ValidationError(errors)
        items = []
        for form in formset.forms:
            if not form.has_changed() or form.cleaned_data.get(DELETION_FIELD_NAME):
                continue
            values = {name: form.cleaned_data.get(name) for name in form.fields}
            values.pop(DELETION_FIELD_NAME, None)
            items.append(new_container(self.model_container, **values))
        return items

    def validate(self, value):
        super().validate(value)
        if self.max_size is not None and len(value) > self.max_size:
            raise exceptions.ValidationError(
                self.error_messages["max_size"], code="max_size", params={"limit": self.max_size}
            )
        if self.min_size is not None and len(value) < self.min_size:
            raise exceptions.ValidationError(
                self.error_messages["min_size"], code="min_size", params={"limit": self.min_size}
            )

    def has_changed(self, initial, data):
        if data is None:
            return False
        try:
            items = self.to_python(data)
        except exceptions.ValidationError:
            return True
        container = self.model_container
        before = [as_primitive(container, item) for item in initial or ()]
        return before != [as_primitive(container, item) for item in items]


class SimpleArrayFormField(forms.CharField):
    """A list of primitives typed as delimited text (``a, b, c``); each item
    is cleaned by the base field's form field."""

    default_error_messages = {
        "item_invalid": _("Item %(nth)s in the list did not validate: "),
        "max_size": _("List contains %(count)s items, it should contain no more than %(limit)s."),
        "min_size": _("List contains %(count)s items, it should contain no fewer than %(limit)s."),
    }

    def __init__(self, base_field, *, delimiter=",", max_size=None, min_size=None, **kwargs):
        self.base_formfield = base_field.formfield()
        self.delimiter = delimiter
        self.max_size = max_size
        self.min_size = min_size
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            prepare = self.base_formfield.prepare_value
            return f"{self.delimiter} ".join(str(prepare(item)) for item in value)
        return value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            items = list(value)
        else:
            text = super().to_python(value)
            items = [item.strip() for item in text.split(self.delimiter)] if text else []
        result, errors = [], []
        for index, item in enumerate(items, start=1):
            try:
                result.append(self.base_formfield.clean(item))
            except exceptions.ValidationError as error:
                prefix = self.error_messages["item_invalid"] % {"nth": index}
                errors.extend(
                    exceptions.ValidationError(f"{prefix}{message}", code="item_invalid")
                    for message in error.messages
                )
        if errors:
            raise exceptions.ValidationError(errors)
        return result

    def validate(self, value):
        if self.required and not value:
            raise exceptions.ValidationError(self.error_messages["required"], code="required")
        for limit, failed, code in (
            (self.max_size, lambda n, limit: n > limit, "max_size"),
            (self.min_size, lambda n, limit: n < limit, "min_size"),
        ):
            if limit is not None and failed(len(value), limit):
                raise exceptions.ValidationError(
                    self.error_messages[code],
                    code=code,
                    params={"count": len(value), "limit": limit},
                )

    def run_validators(self, value):
        return None

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != list(initial or [])
        except exceptions.ValidationError:
            return True
