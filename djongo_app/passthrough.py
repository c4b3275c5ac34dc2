"""pymongo calls of application code on a Django connection.

``DjongoManager.mongo_*`` and ``GridFSStorage`` talk to pymongo directly,
not through SQL. They still belong to the Django connection of their
database alias: they use its database handle and, inside ``atomic()`` on a
server with transactions, the session of the running transaction, so what
they write commits or rolls back with the block.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from .errors import wrap_pymongo_errors


def mongo_connection(using: str) -> Any:
    """Return the Django connection of alias ``using``, checking that it is
    a djongo_app database."""
    from .base import DatabaseWrapper

    wrapper = connections[using]
    if not isinstance(wrapper, DatabaseWrapper):
        raise ImproperlyConfigured(
            f"settings.DATABASES[{using!r}] uses {wrapper.settings_dict['ENGINE']!r}; "
            "MongoDB calls need a djongo_app database (ENGINE 'djongo_app')."
        )
    return wrapper


@contextlib.contextmanager
def mongo_session(using: str) -> Iterator[tuple[Any, Any]]:
    """Yield ``(database, session)`` of the connection ``using``.

    ``session`` is the running transaction's session inside ``atomic()``
    (on a replica set or sharded cluster), else None: pass it to every
    pymongo call made in the block. The calls count as statements of the
    transaction, and pymongo errors raised in the block become django.db
    errors. A transaction already marked for rollback refuses the block
    with TransactionManagementError, as a query would.
    """
    wrapper = mongo_connection(using)
    wrapper.ensure_connection()
    wrapper.validate_no_broken_transaction()
    connection = wrapper.connection
    with wrapper.wrap_database_errors, wrap_pymongo_errors():
        session = connection.session
        yield connection.database, session
        if session is not None:
            # The transaction has done something: a transient error later
            # must not retry a later statement as if it were the first.
            connection.statements += 1


__all__ = ["mongo_connection", "mongo_session"]
