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


# The options a plain ModelAdmin cannot follow into documents (Django's own
# ids for them), and the hint of the check below. search_fields and
# ordering work there too: Django hands them to the ORM as they are.
PLAIN_ADMIN_OPTIONS = {
    "list_display": "admin.E108",
    "list_display_links": "admin.E111",
    "list_filter": "admin.E116",
    "readonly_fields": "admin.E035",
    "date_hierarchy": "admin.E127",
}
PLAIN_ADMIN_HINT = (
    "Use djongo_app.admin_integration.ModelAdmin (StackedInline, TabularInline for "
    "inlines, or DocumentAdminMixin with another base class), which follows paths into "
    "documents."
)


def check_plain_model_admins(app_configs=None, **kwargs):
    """djongo_app.E102: a ModelAdmin or inline with Django's own checks
    (a plain ``admin.ModelAdmin``) whose options name a path into an
    EmbeddedField or ArrayField, which Django's admin cannot follow (it
    reports such a name as a missing field, and its changelist fails)."""
    from django.contrib.admin.sites import all_sites

    errors = []
    for site in all_sites:
        for model, model_admin in site._registry.items():
            if app_configs is not None and model._meta.app_config not in app_configs:
                continue
            errors.extend(_plain_admin_paths(model_admin, model))
            for inline in model_admin.inlines:
                errors.extend(_plain_admin_paths(inline, inline.model))
    return errors


def _plain_admin_paths(admin_class, model):
    if issubclass(admin_class.checks_class, DocumentChecksMixin):
        return []
    cls = admin_class if isinstance(admin_class, type) else type(admin_class)
    errors = []
    for option in PLAIN_ADMIN_OPTIONS:
        value = getattr(admin_class, option, None)
        items = [value] if isinstance(value, str) else list(value or ())
        for index, item in enumerate(items):
            name = item[0] if isinstance(item, list | tuple) and item else item
            try:
                path = document_path(model, name)
            except FieldDoesNotExist:
                path = True
            if path is None:
                continue
            label = option if isinstance(value, str) else f"{option}[{index}]"
            errors.append(
                checks.Error(
                    f"The value of '{label}' refers to '{name}', a path into the document "
                    f"field '{name.split(LOOKUP_SEP)[0]}' of '{model._meta.label}', which "
                    f"{cls.__name__}, a ModelAdmin with Django's own checks, cannot follow "
                    f"(Django reports it as {PLAIN_ADMIN_OPTIONS[option]}).",
                    hint=PLAIN_ADMIN_HINT,
                    obj=cls,
                    id="djongo_app.E102",
                )
            )
    return errors
