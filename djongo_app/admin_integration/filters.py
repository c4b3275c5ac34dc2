"""List filters on paths into embedded documents and arrays.

``list_filter = ["blog__name"]`` gets the filter Django would give the
field at the end of the path (choices, booleans, dates), or one that lists
the values stored at the path. Django's own would look the path up as a
chain of relations.
"""

from django.contrib.admin import filters
from django.contrib.admin.utils import get_last_value_from_parameters
from django.db import models

from .paths import document_path


class DocumentValuesFieldListFilter(filters.AllValuesFieldListFilter):
    """The values stored at a document path, each a choice (arrays give
    the values of all their elements)."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.lookup_kwarg = field_path
        self.lookup_kwarg_isnull = f"{field_path}__isnull"
        self.lookup_val = params.get(self.lookup_kwarg)
        self.lookup_val_isnull = get_last_value_from_parameters(params, self.lookup_kwarg_isnull)
        self.empty_value_display = model_admin.get_empty_value_display()
        self.lookup_choices = document_values(model_admin.get_queryset(request), field_path)
        filters.FieldListFilter.__init__(
            self, field, request, params, model, model_admin, field_path
        )
        self.title = document_path(model, field_path).verbose_name


def document_values(queryset, path):
    """The distinct values at ``path`` in ``queryset``, sorted, None last."""
    resolved = document_path(queryset.model, path)
    if not resolved.many:
        return list(queryset.distinct().order_by(path).values_list(path, flat=True))
    # MongoDB reads an array path as the array: collect its values here.
    top = resolved.parts[0]
    seen = {}
    for obj in queryset.only(top):
        for value in resolved.values(obj):
            seen.setdefault(value, None)
    present = sorted((value for value in seen if value is not None), key=sort_key)
    return present + ([None] if None in seen else [])


def sort_key(value):
    return (type(value).__name__, value)


def field_list_filter(field):
    """The FieldListFilter class for a field inside a document."""
    if field.flatchoices:
        return filters.ChoicesFieldListFilter
    if isinstance(field, models.BooleanField):
        return filters.BooleanFieldListFilter
    if isinstance(field, models.DateField):
        return filters.DateFieldListFilter
    return DocumentValuesFieldListFilter


def document_list_filter(path, filter_class=None):
    """A list_filter entry (a callable taking what Django passes a
    ListFilter) for the document path ``path``."""

    def create(request, params, model, model_admin):
        resolved = document_path(model, path)
        cls = filter_class or field_list_filter(resolved.field)
        if resolved.many and cls is not DocumentValuesFieldListFilter and filter_class is None:
            cls = DocumentValuesFieldListFilter
        spec = cls(resolved.field, request, params, model, model_admin, field_path=path)
        spec.title = resolved.verbose_name
        return spec

    create.document_path = path
    return create
