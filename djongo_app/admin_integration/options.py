"""ModelAdmin and inlines for models with djongo_app's fields.

A plain ``admin.ModelAdmin`` already edits them (see ``defaults``); these
classes add what needs the ModelAdmin itself:

* the ModelAdmin's own ``formfield_for_dbfield`` (its ``formfield_overrides``
  and admin widgets) for the fields inside containers;
* ``raw_id_fields``, ``autocomplete_fields`` and ``filter_vertical`` for an
  ArrayReferenceField, and the add-related (+) popup;
* paths into documents (``blog__name``, ``authors__name``) in
  ``list_display``, ``readonly_fields``, ``list_filter``, ``ordering`` and
  ``search_fields``, checked by the system checks;
* ``search_fields`` on ObjectId fields: a search term of 24 hex digits finds
  the object with that ObjectId.
"""

import re
from functools import partial

from bson import ObjectId
from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.forms import CheckboxSelectMultiple, SelectMultiple
from django.urls import path
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..fields import (
    ArrayField,
    ArrayReferenceField,
    EmbeddedField,
    ObjectIdAutoField,
    ObjectIdField,
)
from .checks import DocumentInlineChecks, DocumentModelAdminChecks
from .filters import document_list_filter
from .paths import document_path
from .references import (
    ReferenceRel,
    ReferencesAutocomplete,
    ReferencesAutocompleteJsonView,
    ReferencesRawIdWidget,
)

OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")


class DocumentFieldsMixin:
    """The form fields and read-only displays of the ModelAdmin and the
    inlines."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, ArrayReferenceField):
            return self.formfield_for_array_reference(db_field, request, **kwargs)
        if isinstance(db_field, EmbeddedField | ArrayField):
            # The fields inside get this ModelAdmin's widgets too.
            kwargs.setdefault(
                "formfield_callback", partial(self.formfield_for_dbfield, request=request)
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_array_reference(self, db_field, request, **kwargs):
        """The form field of an ArrayReferenceField, with the widget a
        ManyToManyField would get: the filter selector (horizontal unless
        named in ``filter_vertical``), raw ids (``raw_id_fields``) or
        autocomplete (``autocomplete_fields``)."""
        db = kwargs.get("using")
        name = db_field.name
        if "widget" not in kwargs:
            if name in self.get_autocomplete_fields(request):
                kwargs["widget"] = ReferencesAutocomplete(db_field, self.admin_site, using=db)
            elif name in self.raw_id_fields:
                kwargs["widget"] = ReferencesRawIdWidget(db_field, self.admin_site, using=db)
            else:
                kwargs["widget"] = widgets.FilteredSelectMultiple(
                    db_field.verbose_name, name in self.filter_vertical
                )
        if "queryset" not in kwargs:
            kwargs["queryset"] = self.get_references_queryset(db, db_field, request)
        formfield = db_field.formfield(**kwargs)
        widget = formfield.widget
        if (
            isinstance(widget, SelectMultiple)
            and widget.allow_multiple_selected
            and not isinstance(widget, CheckboxSelectMultiple | widgets.AutocompleteSelectMultiple)
        ):
            message = _("Hold down “Control”, or “Command” on a Mac, to select more than one.")
            help_text = formfield.help_text
            formfield.help_text = format_lazy("{} {}", help_text, message) if help_text else message
        if name not in self.raw_id_fields:
            related_admin = self.admin_site._registry.get(db_field.related_model)
            wrapper_kwargs = {}
            if related_admin is not None:
                wrapper_kwargs = {
                    "can_add_related": related_admin.has_add_permission(request),
                    "can_change_related": related_admin.has_change_permission(request),
                    "can_delete_related": related_admin.has_delete_permission(request),
                    "can_view_related": related_admin.has_view_permission(request),
                }
            formfield.widget = widgets.RelatedFieldWidgetWrapper(
                formfield.widget, ReferenceRel(db_field), self.admin_site, **wrapper_kwargs
            )
        return formfield

    def get_references_queryset(self, db, db_field, request):
        """The objects an ArrayReferenceField can choose from, in the order
        of the referenced model's ModelAdmin."""
        queryset = db_field.related_model._default_manager.using(db)
        related_admin = self.admin_site._registry.get(db_field.related_model)
        if related_admin is not None:
            ordering = related_admin.get_ordering(request)
            if ordering:
                queryset = queryset.order_by(*ordering)
        return queryset

    def __getattr__(self, name):
        # Django's admin calls a ModelAdmin attribute named like an item of
        # list_display or readonly_fields: a path into a document gets one.
        model = self.__dict__.get("model")
        if model is not None and not name.startswith("_") and LOOKUP_SEP in name:
            try:
                resolved = document_path(model, name)
            except FieldDoesNotExist:
                resolved = None
            if resolved is not None:
                return self.document_display(resolved)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def document_display(self, resolved):
        """The display function of a path into a document (as for a
        function in ``list_display``): its value, shown as its field
        shows values, sortable unless it ends at a document or array."""

        def display(obj):
            return resolved.display(obj, self.get_empty_value_display())

        display.__name__ = resolved.name
        display.short_description = resolved.verbose_name
        if resolved.sortable:
            display.admin_order_field = resolved.name
        if isinstance(resolved.field, models.BooleanField) and not resolved.many:
            display.boolean = True
        return display


class DocumentAdminMixin(DocumentFieldsMixin):
    """Everything ``ModelAdmin`` adds to ``admin.ModelAdmin``, for use with
    another ModelAdmin base class."""

    checks_class = DocumentModelAdminChecks

    def get_list_display(self, request):
        # Django 6.1 walks a list_display name holding "__" as a chain of
        # relations (get_fields_from_path), which a path into a document is
        # not; its display function is shown as it is, on every series.
        return [self.document_display_item(item) for item in super().get_list_display(request)]

    def get_list_display_links(self, request, list_display):
        links = super().get_list_display_links(request, list_display)
        if not links:
            return links
        return [self.document_display_item(item) for item in links]

    def document_display_item(self, item):
        """A list_display item, made the display function of a path into a
        document when it is one (the same function each time)."""
        if not isinstance(item, str) or LOOKUP_SEP not in item:
            return item
        cache = self.__dict__.setdefault("_document_displays", {})
        if item not in cache:
            try:
                resolved = document_path(self.model, item)
            except FieldDoesNotExist:
                resolved = None
            cache[item] = item if resolved is None else self.document_display(resolved)
        return cache[item]

    def get_list_filter(self, request):
        return [self.document_list_filter(item) for item in super().get_list_filter(request)]

    def document_list_filter(self, item):
        """A list_filter item, made a filter on a document path when it is one."""
        if isinstance(item, list | tuple) and len(item) == 2 and isinstance(item[0], str):
            name, filter_class = item
        elif isinstance(item, str):
            name, filter_class = item, None
        else:
            return item
        try:
            resolved = document_path(self.model, name)
        except FieldDoesNotExist:
            return item
        return item if resolved is None else document_list_filter(name, filter_class)

    def get_search_results(self, request, queryset, search_term):
        # Django searches ObjectId fields as text; a whole 24-hex term also
        # finds the object whose ObjectId it is.
        base = queryset
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if OBJECT_ID.fullmatch(term):
            paths = objectid_search_paths(self.model, self.get_search_fields(request))
            if paths:
                matches = models.Q.create(
                    [(path, ObjectId(term)) for path in paths], connector=models.Q.OR
                )
                queryset |= base.filter(matches)
        return queryset, may_have_duplicates

    def get_urls(self):
        opts = self.opts
        view = ReferencesAutocompleteJsonView.as_view(admin_site=self.admin_site)
        return [
            path(
                "references-autocomplete/",
                self.admin_site.admin_view(view),
                name=f"{opts.app_label}_{opts.model_name}_references_autocomplete",
            ),
            *super().get_urls(),
        ]


def objectid_search_paths(model, search_fields):
    """The items of ``search_fields`` that name an ObjectId field (through
    relations or into documents), without a search prefix or lookup."""
    found = []
    for item in search_fields:
        name = str(item)
        if name[:1] in "^=@" or not name:
            continue
        field = field_at(model, name)
        if isinstance(field, ObjectIdField | ObjectIdAutoField):
            found.append(name)
    return found


def field_at(model, name):
    """The field ``name`` ends at, or None."""
    if name == "pk":
        return model._meta.pk
    try:
        resolved = document_path(model, name)
        if resolved is not None:
            return None if resolved.many else resolved.field
        fields = get_fields_from_path(model, name)
    except (FieldDoesNotExist, NotRelationField):
        return None
    return fields[-1]


class ModelAdmin(DocumentAdminMixin, admin.ModelAdmin):
    """``admin.ModelAdmin`` for models with embedded documents, arrays,
    array references and ObjectId keys."""


class StackedInline(DocumentFieldsMixin, admin.StackedInline):
    checks_class = DocumentInlineChecks


class TabularInline(DocumentFieldsMixin, admin.TabularInline):
    checks_class = DocumentInlineChecks
