"""Widgets of the form fields behind EmbeddedField and ArrayField.

They render the admin's markup (aligned form rows, tabular or stacked rows
like inlines), so they fit the change form, and work in any form that
includes their media. An array's rows are edited in the browser by
``djongo_app/js/documents.js``: "Add another" clones the array's
``<template>`` (its empty form), each row can be removed or moved up and
down, and the indexes in names and ids are renumbered so the formset reads
the rows in their on-screen order. Nothing here imports the admin.
"""

import functools
from pathlib import Path

from django import forms
from django.forms.renderers import DjangoTemplates
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property

# A hidden input of every nested form: "1" when it shows a stored document
# (which is then kept), empty when there is none yet. It also makes a form
# whose inputs are all unchecked boxes count as submitted.
PRESENCE_KEY = "DOCUMENT"
# The checkbox that removes the stored document of an optional field.
REMOVE_KEY = "REMOVE"
# The hidden input of an array row that was rendered from a stored element:
# its index there. Rows without it were added in the browser.
ORIGIN_KEY = "ORIGIN"

MEDIA = forms.Media(
    js=["djongo_app/js/documents.js"],
    css={"all": ["djongo_app/css/documents.css"]},
)


class DocumentTemplates(DjangoTemplates):
    """Django's form templates and djongo_app's, for projects whose
    INSTALLED_APPS lack "djongo_app" (settings written for Djongo); the
    widgets' JavaScript is then not served, so add it there for the admin."""

    @cached_property
    def engine(self):
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [
                    Path(__file__).resolve().parent.parent / "templates",
                    Path(forms.__file__).resolve().parent / "templates",
                ],
                "NAME": "djongo_app_forms",
                "OPTIONS": {},
            }
        )


@functools.cache
def document_templates():
    return DocumentTemplates()


def has_input(data, prefix):
    """Whether ``data`` (a QueryDict or dict) has a key starting with ``prefix``."""
    return any(str(key).startswith(prefix) for key in data)


class DocumentWidget(forms.Widget):
    """What the document widgets share: their media (plus the media of the
    widgets inside), no ``required`` attribute and no label target (the
    label names the whole group)."""

    use_fieldset = True

    @property
    def media(self):
        return MEDIA + self.nested_media()

    def nested_media(self):
        raise NotImplementedError

    def use_required_attribute(self, initial):
        return False

    def id_for_label(self, id_):
        return None

    def format_value(self, value):
        # The value is a nested form or formset: the template renders it.
        return None

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)
        try:
            return self._render(self.template_name, context, renderer)
        except TemplateDoesNotExist:
            return self._render(self.template_name, context, document_templates())


class EmbeddedWidget(DocumentWidget):
    """A nested document: one admin form row per field of its container.

    The value is the bound nested form (after a POST) or the container
    instance (or dict) to show.
    """

    template_name = "djongo_app/widgets/embedded.html"

    def __init__(self, form_class, form_kwargs=None, attrs=None):
        super().__init__(attrs)
        self.form_class = form_class
        self.form_kwargs = form_kwargs or {}

    def __deepcopy__(self, memo):
        obj = super().__deepcopy__(memo)
        obj.form_class = self.form_class
        obj.form_kwargs = self.form_kwargs
        return obj

    def nested_media(self):
        return self.form_class(**self.form_kwargs).media

    def form(self, prefix, initial=None, data=None, files=None):
        """The nested form under ``prefix``, bound when ``data`` is given.
        The form of an optional document that is not stored yet and left
        blank (or one being removed) has no errors."""
        kwargs = {"prefix": prefix, "use_required_attribute": False, **self.form_kwargs}
        if data is not None:
            blank_allowed = not self.is_required and (
                not is_stored(data, prefix) or is_removed(data, prefix)
            )
            kwargs.setdefault("empty_permitted", blank_allowed)
            return self.form_class(data=data, files=files, **kwargs)
        return self.form_class(initial=initial or {}, **kwargs)

    def value_from_datadict(self, data, files, name):
        if not has_input(data, f"{name}-"):
            return None
        return self.form(name, data=data, files=files)

    def value_omitted_from_data(self, data, files, name):
        return not has_input(data, f"{name}-")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if isinstance(value, forms.BaseForm):
            form = value
            stored, removed = is_stored(form.data, name), is_removed(form.data, name)
        else:
            form = self.form(name, initial=value)
            stored, removed = value is not None, False
        context["widget"].update(
            form=form,
            presence_name=f"{name}-{PRESENCE_KEY}",
            stored=stored,
            removable=stored and not self.is_required,
            remove_name=f"{name}-{REMOVE_KEY}",
            removed=removed,
        )
        return context


def is_stored(data, prefix):
    """Whether the nested form under ``prefix`` showed a stored document."""
    return data.get(f"{prefix}-{PRESENCE_KEY}") == "1"


def is_removed(data, prefix):
    """Whether the remove box of the nested form under ``prefix`` is checked."""
    return bool(data.get(f"{prefix}-{REMOVE_KEY}"))


class ArrayWidget(DocumentWidget):
    """An array edited as rows of a formset: ``tabular`` (a table, like a
    TabularInline), ``stacked`` (a box per element, like a StackedInline)
    or ``items`` (one input per value).

    The value is the bound formset (after a POST) or the list of initial
    data of the rows.
    """

    templates = {
        "tabular": "djongo_app/widgets/array_tabular.html",
        "stacked": "djongo_app/widgets/array_stacked.html",
        "items": "djongo_app/widgets/array_items.html",
    }

    def __init__(
        self,
        formset_class,
        layout,
        item_label,
        *,
        min_size=None,
        max_size=None,
        formset_kwargs=None,
        attrs=None,
    ):
        super().__init__(attrs)
        self.formset_class = formset_class
        self.formset_kwargs = formset_kwargs or {}
        self.layout = layout
        self.template_name = self.templates[layout]
        self.item_label = item_label
        self.min_size = min_size
        self.max_size = max_size

    def __deepcopy__(self, memo):
        obj = super().__deepcopy__(memo)
        obj.formset_class = self.formset_class
        obj.formset_kwargs = self.formset_kwargs
        return obj

    def formset(self, prefix, initial=None, data=None, files=None):
        """The formset of the rows under ``prefix``, bound when ``data`` is given."""
        kwargs = {"prefix": prefix, **self.formset_kwargs}
        if data is not None:
            return self.formset_class(data=data, files=files, **kwargs)
        return self.formset_class(initial=initial or [], **kwargs)

    def nested_media(self):
        return self.formset("media").empty_form.media

    def value_from_datadict(self, data, files, name):
        if f"{name}-TOTAL_FORMS" not in data:
            return None
        return self.formset(name, data=data, files=files)

    def value_omitted_from_data(self, data, files, name):
        return f"{name}-TOTAL_FORMS" not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if isinstance(value, forms.BaseFormSet):
            formset = value
        else:
            formset = self.formset(name, initial=value)
        rows = [row_context(form, number) for number, form in enumerate(formset, start=1)]
        empty_row = row_context(formset.empty_form, "")
        context["widget"].update(
            formset=formset,
            rows=rows,
            empty_row=empty_row,
            columns=empty_row["fields"],
            item_label=self.item_label,
            min_size=self.min_size or 0,
            max_size="" if self.max_size is None else self.max_size,
        )
        return context


def row_context(form, number):
    """What a row template needs: the form, its visible and hidden fields."""
    return {
        "form": form,
        "number": number,
        "fields": form.visible_fields(),
        "hidden": form.hidden_fields(),
    }
