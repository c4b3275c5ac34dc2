"""System checks of the document ModelAdmin: Django's, plus paths into
embedded documents (``list_display``, ``list_filter``, ``readonly_fields``,
``ordering``, ``search_fields``) and ArrayReferenceField in
``raw_id_fields``, ``autocomplete_fields``, ``filter_horizontal`` and
``filter_vertical``.

A path is checked field by field through the containers, so a typo is
reported where Django would report a missing field, under Django's id.
"""

from django.contrib.admin.checks import InlineModelAdminChecks, ModelAdminChecks
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP

from ..fields import ArrayReferenceField
from .paths import document_path


def path_error(label, item, error, obj, id):
    return [
        checks.Error(
            f"The value of '{label}' refers to '{item}', which is not a path into a "
            f"document: {error}",
            obj=obj.__class__,
            id=id,
        )
    ]


def check_path(obj, item, label, id, allow_lookup=False):
    """Errors of a document path (None when ``item`` is not one)."""
    try:
        return [] if document_path(obj.model, item) is not None else None
    except FieldDoesNotExist as error:
        if allow_lookup and LOOKUP_SEP in item:
            head, last = item.rsplit(LOOKUP_SEP, 1)
            try:
                resolved = document_path(obj.model, head)
            except FieldDoesNotExist:
                resolved = None
            if resolved is not None and resolved.field.get_lookup(last) is not None:
                return []
        return path_error(label, item, error, obj, id)


def reference_field(obj, field_name):
    try:
        field = obj.model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, ArrayReferenceField) else None


class DocumentChecksMixin:
    """Checks shared by the ModelAdmin and the inlines."""

    def _check_readonly_fields_item(self, obj, field_name, label):
        errors = check_path(obj, field_name, label, "admin.E035")
        if errors is not None:
            return errors
        return super()._check_readonly_fields_item(obj, field_name, label)

    def _check_ordering_item(self, obj, field_name, label):
        if isinstance(field_name, str):
            errors = check_path(obj, field_name.removeprefix("-"), label, "admin.E033")
            if errors is not None:
                return errors
        return super()._check_ordering_item(obj, field_name, label)

    def _check_raw_id_fields_item(self, obj, field_name, label):
        if reference_field(obj, field_name) is not None:
            return []
        return super()._check_raw_id_fields_item(obj, field_name, label)

    def _check_filter_item(self, obj, field_name, label):
        if reference_field(obj, field_name) is not None:
            return []
        return super()._check_filter_item(obj, field_name, label)

    def _check_autocomplete_fields_item(self, obj, field_name, label):
        field = reference_field(obj, field_name)
        if field is None:
            return super()._check_autocomplete_fields_item(obj, field_name, label)
        related_admin = obj.admin_site._registry.get(field.related_model)
        if related_admin is None:
            return [
                checks.Error(
                    f'An admin for model "{field.related_model.__name__}" has to be '
                    f"registered to be referenced by {type(obj).__name__}.autocomplete_fields.",
                    obj=obj.__class__,
                    id="admin.E039",
                )
            ]
        if not related_admin.search_fields:
            return [
                checks.Error(
                    f'{type(related_admin).__name__} must define "search_fields", because '
                    f"it's referenced by {type(obj).__name__}.autocomplete_fields.",
                    obj=obj.__class__,
                    id="admin.E040",
                )
            ]
        return []


class DocumentModelAdminChecks(DocumentChecksMixin, ModelAdminChecks):
    def _check_list_display_item(self, obj, item, label):
        if isinstance(item, str):
            errors = check_path(obj, item, label, "admin.E108")
            if errors is not None:
                return errors
        return super()._check_list_display_item(obj, item, label)

    def _check_list_filter_item(self, obj, item, label):
        path = item[0] if isinstance(item, list | tuple) else item
        errors = check_path(obj, path, label, "admin.E116") if isinstance(path, str) else None
        if errors or (errors is not None and not isinstance(item, list | tuple)):
            return errors
        # Other items, and the filter class of ("blog__name", SomeFieldListFilter).
        return super()._check_list_filter_item(obj, item, label)

    def _check_search_fields(self, obj):
        errors = super()._check_search_fields(obj)
        if errors:
            return errors
        for index, item in enumerate(obj.search_fields):
            path = str(item).lstrip("^=@")
            found = check_path(
                obj, path, f"search_fields[{index}]", "djongo_app.E101", allow_lookup=True
            )
            errors.extend(found or ())
        return errors


class DocumentInlineChecks(DocumentChecksMixin, InlineModelAdminChecks):
    pass
