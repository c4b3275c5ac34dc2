"""Admin widgets for ArrayReferenceField: the filter selector, raw ids and
autocomplete, as a ManyToManyField gets them.

Django's admin widgets and autocomplete view read a relation's
``remote_field``; an ArrayReferenceField has none (it is not a relation to
the ORM, so queries never join through it). ``ReferenceRel`` answers what
they ask of one.
"""

from django.apps import apps
from django.contrib.admin import widgets
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import Http404
from django.urls import reverse

from ..fields import ArrayReferenceField
from ..fields.forms import ReferencesFormField


class ReferenceRel:
    """What the admin's relation widgets read from ``field.remote_field``."""

    limit_choices_to = {}

    def __init__(self, field):
        self.field = field
        self.model = field.related_model
        self.on_delete = field.on_delete
        self.field_name = self.model._meta.pk.name

    def get_related_field(self):
        return self.model._meta.pk

    def get_limit_choices_to(self):
        return {}


class ReferenceFieldProxy:
    """An ArrayReferenceField as the autocomplete widget and view read a
    relation field: ``model``, ``name`` and ``remote_field``."""

    def __init__(self, field):
        self.field = field
        self.model = field.model
        self.name = field.name
        self.remote_field = ReferenceRel(field)

    def get_limit_choices_to(self):
        return {}


class FilteredReferencesSelect(widgets.FilteredSelectMultiple):
    """The filter selector in the wrapper the admin's JavaScript expects
    (the one a ModelAdmin's RelatedFieldWidgetWrapper renders)."""

    template_name = "djongo_app/widgets/filtered_select.html"


class AdminReferencesFormField(ReferencesFormField):
    """The form field a plain ModelAdmin gives an ArrayReferenceField: the
    admin's filter selector (``filter_horizontal``)."""

    def __init__(self, queryset, **kwargs):
        label = kwargs.get("label") or ""
        kwargs.setdefault("widget", FilteredReferencesSelect(label, is_stacked=False))
        super().__init__(queryset, **kwargs)


class ReferencesRawIdWidget(widgets.ManyToManyRawIdWidget):
    """Comma-separated ids with the admin's lookup popup (``raw_id_fields``)."""

    def __init__(self, field, admin_site, attrs=None, using=None):
        super().__init__(ReferenceRel(field), admin_site, attrs, using)


class ReferencesAutocomplete(widgets.AutocompleteSelectMultiple):
    """The admin's autocomplete (``autocomplete_fields``), served by the
    source ModelAdmin's ``references_autocomplete`` view."""

    def __init__(self, field, admin_site, attrs=None, choices=(), using=None):
        super().__init__(ReferenceFieldProxy(field), admin_site, attrs, choices, using)

    def get_url(self):
        opts = self.field.model._meta
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_references_autocomplete"
        )


class ReferencesAutocompleteJsonView(AutocompleteJsonView):
    """The autocomplete view for an ArrayReferenceField: the referenced
    model's ModelAdmin searches, as for a ManyToManyField."""

    def process_request(self, request):
        term = request.GET.get("term", "")
        try:
            source_model = apps.get_model(request.GET["app_label"], request.GET["model_name"])
            field = source_model._meta.get_field(request.GET["field_name"])
        except (KeyError, LookupError, FieldDoesNotExist) as e:
            raise PermissionDenied from e
        if not isinstance(field, ArrayReferenceField):
            raise PermissionDenied
        remote_model = field.related_model
        model_admin = self.admin_site._registry.get(remote_model)
        if model_admin is None:
            raise PermissionDenied
        if not model_admin.get_search_fields(request):
            raise Http404(
                f"{type(model_admin).__qualname__} must have search_fields for the "
                "autocomplete_view."
            )
        to_field_name = remote_model._meta.pk.attname
        if not model_admin.to_field_allowed(request, to_field_name):
            raise PermissionDenied
        return term, model_admin, ReferenceFieldProxy(field), to_field_name
