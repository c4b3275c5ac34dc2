"""The system check that djongo_app's fields live on MongoDB tables only."""

from django.core import checks
from django.db import connections, router

VENDOR = "mongodb"


def check_migrated_on_mongodb(field, databases):
    """Return djongo_app.E009 for each database in ``databases`` that would
    migrate ``field``'s model (per ``Meta`` and the routers'
    ``allow_migrate``) but is not a djongo_app database: its table would
    be created without a column for the field."""
    model = getattr(field, "model", None)
    if not databases or model is None or model._meta.abstract:
        return []
    errors = []
    for alias in databases:
        connection = connections[alias]
        if connection.vendor == VENDOR:
            continue
        if not (model._meta.can_migrate(connection) and router.allow_migrate_model(alias, model)):
            continue
        errors.append(
            checks.Error(
                f"{type(field).__name__} {model._meta.label}.{field.name} needs a djongo_app "
                f"(MongoDB) database, but database {alias!r} "
                f"({connection.settings_dict['ENGINE']}) would migrate {model._meta.label}: "
                "its table would have no column for this field.",
                hint=(
                    f"Route {model._meta.label} to a djongo_app database (a database "
                    "router's allow_migrate()), or set Meta.required_db_vendor = 'mongodb'."
                ),
                obj=field,
                id="djongo_app.E009",
            )
        )
    return errors
