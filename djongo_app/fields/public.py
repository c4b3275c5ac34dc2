"""The import path migrations record for djongo_app's fields."""

import importlib

PUBLIC_MODULE = "djongo_app.fields"
PACKAGE = "djongo_app."


def public_path(field, path):
    """Return the path ``Field.deconstruct()`` gave (``path``) as migrations
    should record it.

    djongo_app's own classes are recorded by the class of
    ``djongo_app.fields`` they are or derive from (``djongo_app.models``'s
    Djongo names included), as ``djongo_app.fields.<Name>``; a user's
    subclass keeps its own path, so that migrations rebuild the user's
    class.
    """
    cls = type(field)
    if not cls.__module__.startswith(PACKAGE):
        return path
    public = importlib.import_module(PUBLIC_MODULE)
    for base in cls.__mro__:
        if getattr(public, base.__name__, None) is base:
            return f"{PUBLIC_MODULE}.{base.__name__}"
    return path
