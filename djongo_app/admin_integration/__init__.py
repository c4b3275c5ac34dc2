"""The Django admin for djongo_app's fields.

* Widgets (``widgets``), templates and static files behind the form fields
  of EmbeddedField and ArrayField: nested documents as aligned form rows,
  arrays as rows added, removed and moved in the browser.
* ``ModelAdmin``, ``StackedInline`` and ``TabularInline`` (or the mixins,
  for other base classes): paths into documents in the changelist options,
  ArrayReferenceField in ``raw_id_fields``, ``autocomplete_fields`` and
  ``filter_vertical``, search by ObjectId.
* A plain ``admin.ModelAdmin`` gets the admin's widgets for these fields
  through the admin's table of defaults (``defaults.install()``, run when
  djongo_app is ready).

The admin classes are imported on first use, so the form fields (whose
widgets live here) work in projects without ``django.contrib.admin``.
"""

import importlib

__all__ = [
    "DocumentAdminMixin",
    "DocumentFieldsMixin",
    "ModelAdmin",
    "StackedInline",
    "TabularInline",
]


def __getattr__(name):
    if name in __all__:
        return getattr(importlib.import_module(".options", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
