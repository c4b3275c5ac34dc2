"""The import path migrations record for djongo_app's fields."""

import importlib

PUBLIC_MODULE = "djongo_app.fields"


def public_path(field, path):
    """Return ``path`` (from ``Field.deconstruct()``), shortened to
    ``djongo_app.fields.<Name>`` when ``field`` is an instance of one of the
    classes that module exports; a subclass keeps its own path, so that
    migrations rebuild the user's class."""
    cls = type(field)
    public = importlib.import_module(PUBLIC_MODULE)
    if getattr(public, cls.__name__, None) is cls:
        return f"{PUBLIC_MODULE}.{cls.__name__}"
    return path
