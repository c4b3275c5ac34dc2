"""Filtering from query parameters with django-filter, by paths into
documents (needs the ``rest`` extra).

``filterset_fields = ["seo__title", "links__url", "tags", "editors", "blog__name"]``
on a view whose ``filter_backends`` (or ``DEFAULT_FILTER_BACKENDS``) holds
:class:`DjangoFilterBackend` gives:

* ``?seo__title=x``: a key of an embedded document (any depth);
* ``?links__url=x``: a key of any element of an array of documents
  (``links__0__url``: of the first);
* ``?tags=db``: the arrays of values that hold the value;
* ``?editors=3``: the arrays of references that hold the key;
* ``?id=<24 hex digits>``: ObjectIds (anything else is a 400);
* relations and plain fields as django-filter does them.

Lookups other than ``exact`` are named as in django-filter
(``{"seo__title": ["exact", "icontains"]}`` → ``?seo__title__icontains=x``).
Each value goes through its form field, so it arrives as a string, number,
date or ObjectId, never as a document; the paths are fixed by the filter
set. Query parameters that are not filters are ignored, as DRF ignores any
parameter it does not know (pagination, search and format share the query
string); a parameter in operator syntax (any name with ``$``, or a
filter's name followed by ``[``: ``?seo__title[$ne]=``) is refused with a
400 instead of being ignored, so such a request never returns an unfiltered
list.
"""

import copy
from collections import OrderedDict

from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_filters import filters
from django_filters import rest_framework as django_filters
from django_filters.constants import EMPTY_VALUES
from django_filters.rest_framework.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from django_filters.utils import verbose_lookup_expr
from rest_framework.exceptions import ValidationError

from .. import fields as model_fields
from ..fields.objectid import ObjectIdFormField
from ..fields.paths import nested_field

__all__ = ["DjangoFilterBackend", "ElementFilterMixin", "FilterSet", "ObjectIdFilter"]


class ObjectIdFilter(filters.Filter):
    """An ObjectId given as 24 hexadecimal digits."""

    field_class = ObjectIdFormField


class ElementFilterMixin:
    """The arrays that hold the value (``tags__contains=[value]``); mixed
    into the filter class of the array's base field."""

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        return super().filter(qs, [value])


def document_path(model, name):
    """Return the field at ``name`` and the verbose names along it when the
    path goes into an embedded document or an array (``seo__title``,
    ``blog__seo__title`` across a relation, ``links__0__url``); None for
    fields and relations, which django-filter resolves itself."""
    opts, field, verbose, nested = model._meta, None, [], False
    for part in name.split(LOOKUP_SEP):
        if field is not None and hasattr(field, "nested_field"):
            field = nested_field(field, part)
            nested = True
        else:
            if field is not None:
                if not field.is_relation or field.related_model is None:
                    return None
                opts = field.related_model._meta
            try:
                field = opts.get_field(part)
            except FieldDoesNotExist:
                return None
        if field is None:
            return None
        verbose.append(part if part.isdigit() else str(field.verbose_name))
    return (field, verbose) if nested else None


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet (DRF flavour) that understands paths into
    documents and djongo_app's fields."""

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        model_fields.ObjectIdAutoField: {"filter_class": ObjectIdFilter},
        model_fields.ObjectIdField: {"filter_class": ObjectIdFilter},
        # ?editors=3: the arrays that hold the key (filter(editors=author)).
        model_fields.ArrayReferenceField: {
            "filter_class": filters.ModelChoiceFilter,
            "extra": lambda f: {"queryset": f.related_model._default_manager.all()},
        },
    }

    @classmethod
    def get_fields(cls):
        # Paths into documents are left to get_filters(): django-filter
        # would take them for unknown fields.
        fields = super().get_fields()
        model = cls._meta.model
        return OrderedDict(
            (name, lookups)
            for name, lookups in fields.items()
            if document_path(model, name) is None
        )

    @classmethod
    def get_filters(cls):
        filters_ = super().get_filters()
        model = cls._meta.model
        if model is None:
            return filters_
        for name, lookups in super().get_fields().items():
            found = document_path(model, name)
            if found is None:
                continue
            field, verbose = found
            # django-filter resolves lookups through field.model's manager;
            # a container has none, the model does.
            field = copy.copy(field)
            field.model = model
            for lookup_expr in lookups:
                filter_name = cls.get_filter_name(name, lookup_expr)
                if filter_name in cls.declared_filters:
                    continue
                filter_ = cls.filter_for_field(field, name, lookup_expr)
                if filter_ is not None:
                    lookup = verbose_lookup_expr(lookup_expr)
                    filter_.label = capfirst(" ".join([*verbose, lookup] if lookup else verbose))
                    filters_[filter_name] = filter_
        return filters_

    @classmethod
    def filter_for_lookup(cls, field, lookup_type):
        if (
            isinstance(field, model_fields.ArrayField)
            and field.model_container is None
            and lookup_type == "exact"
        ):
            # ?tags=db: an element, validated by the base field's filter.
            filter_class, params = super().filter_for_lookup(field.base_field, lookup_type)
            if filter_class is None:
                return None, {}
            element_class = type(
                f"{filter_class.__name__.removesuffix('Filter')}ElementFilter",
                (ElementFilterMixin, filter_class),
                {},
            )
            return element_class, {**params, "lookup_expr": "contains"}
        return super().filter_for_lookup(field, lookup_type)


# OpenAPI schemas of filter values, by filter class (the first match in
# the filter's class hierarchy; any other filter takes a string).
FILTER_SCHEMAS = {
    ObjectIdFilter: {"type": "string", "pattern": "^[0-9a-fA-F]{24}$"},
    filters.NumberFilter: {"type": "number"},
    filters.BooleanFilter: {"type": "boolean"},
    filters.DateFilter: {"type": "string", "format": "date"},
    filters.DateTimeFilter: {"type": "string", "format": "date-time"},
    filters.IsoDateTimeFilter: {"type": "string", "format": "date-time"},
    filters.UUIDFilter: {"type": "string", "format": "uuid"},
}


class DjangoFilterBackend(django_filters.DjangoFilterBackend):
    """django-filter's DRF backend with :class:`FilterSet` as the base of
    the filter sets it makes from ``filterset_fields``, refusing query
    parameters written as operators, and describing its filters in DRF's
    OpenAPI schemas."""

    filterset_base = FilterSet
    operator_message = _(
        "“{name}” is not a filter of this view: a query parameter names a filter and "
        "gives its value; operators are not accepted."
    )

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            self.refuse_operators(request.query_params, filterset_class.base_filters)
        return super().filter_queryset(request, queryset, view)

    def refuse_operators(self, params, filter_names):
        refused = [
            name
            for name in params
            if "$" in name or ("[" in name and name.partition("[")[0] in filter_names)
        ]
        if refused:
            raise ValidationError(
                {name: [self.operator_message.format(name=name)] for name in refused},
                code="operator",
            )

    def get_schema_operation_parameters(self, view):
        """The query parameters of the view's filters, for DRF's AutoSchema."""
        filterset_class = self.get_filterset_class(view, view.get_queryset())
        if filterset_class is None:
            return []
        return [
            {
                "name": name,
                "required": filter_.extra.get("required", False),
                "in": "query",
                "description": str(filter_.label or name),
                "schema": self.filter_schema(filter_),
            }
            for name, filter_ in filterset_class.base_filters.items()
        ]

    def filter_schema(self, filter_):
        for cls in type(filter_).__mro__:
            if cls in FILTER_SCHEMAS:
                return dict(FILTER_SCHEMAS[cls])
        return {"type": "string"}
