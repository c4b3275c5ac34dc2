"""What a plain ``admin.ModelAdmin`` gives djongo_app's fields.

The admin picks the widget of a model field from
``django.contrib.admin.options.FORMFIELD_FOR_DBFIELD_DEFAULTS`` (by field
class, as it gives a DateField the calendar); :func:`install` adds the
fields of djongo_app to it, so ``admin.site.register(Model)`` edits nested
documents with the admin's widgets inside (``admin_formfield``), arrays as
rows, and array references with the filter selector.
"""

import copy

from django.contrib.admin import options, sites, widgets

from ..fields import ArrayField, ArrayReferenceField, EmbeddedField, ObjectIdField
from .references import AdminReferencesFormField


def admin_formfield(db_field, **kwargs):
    """The form field a plain ModelAdmin gives ``db_field`` (used for the
    fields inside containers): the admin's default widget for its class."""
    if not db_field.choices:
        for cls in type(db_field).__mro__:
            defaults = options.FORMFIELD_FOR_DBFIELD_DEFAULTS.get(cls)
            if defaults is not None:
                kwargs = {**copy.deepcopy(defaults), **kwargs}
                break
    return db_field.formfield(**kwargs)


ADMIN_DEFAULTS = {
    EmbeddedField: {"formfield_callback": admin_formfield},
    ArrayField: {"formfield_callback": admin_formfield},
    ArrayReferenceField: {"form_class": AdminReferencesFormField},
    ObjectIdField: {"widget": widgets.AdminTextInputWidget},
}


def install():
    """Add djongo_app's fields to the admin's table of default form fields,
    and to the ModelAdmins already registered (apps listed before djongo_app
    in INSTALLED_APPS registered theirs before this runs). Entries already
    there (a project's own) are kept."""
    for cls, defaults in ADMIN_DEFAULTS.items():
        options.FORMFIELD_FOR_DBFIELD_DEFAULTS.setdefault(cls, defaults)
    for site in sites.all_sites:
        for model_admin in site._registry.values():
            for cls, defaults in ADMIN_DEFAULTS.items():
                model_admin.formfield_overrides.setdefault(cls, copy.deepcopy(defaults))
