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

from .errors import DRIVER_ERRORS, wrap_pymongo_errors
from .writes import SESSION_WRITES, Writer


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
def mongo_session(using: str, writes: bool = True) -> Iterator[tuple[Any, Any]]:
    """Yield ``(database, session)`` of the connection ``using``.

    ``session`` is the running transaction's session inside ``atomic()``
    (on a replica set or sharded cluster), else None: pass it to every
    pymongo call made in the block. The calls count as statements of the
    transaction, and pymongo errors raised in the block become django.db
    errors. A transaction already marked for rollback refuses the block
    with TransactionManagementError, as a query would.

    Unless ``writes`` is False the block may write: the savepoints open
    now can no longer be rolled back to on their own (the journal does not
    see calls made here; see djongo_app/savepoints.py). Write through
    :func:`mongo_call` to keep them.
    """
    wrapper = mongo_connection(using)
    wrapper.ensure_connection()
    wrapper.validate_no_broken_transaction()
    connection = wrapper.connection
    with wrapper.wrap_database_errors, wrap_pymongo_errors():
        session = connection.session
        if session is not None and writes:
            connection.wrote = True
            connection.journal.record_opaque("a pymongo call in a mongo_session() block")
        try:
            yield connection.database, session
        except DRIVER_ERRORS as exc:
            connection.failed(exc)
            raise
        if session is not None:
            # The transaction has done something: a later statement is not
            # its first.
            connection.statements += 1


def mongo_call(using: str, collection: str, method: str, *args: Any, **kwargs: Any) -> Any:
    """Call pymongo's ``Collection.<method>`` on ``collection`` of the
    connection ``using``, inside ``atomic()`` in the transaction's session.

    Unlike a call made in a :func:`mongo_session` block, its writes
    (inserts, updates, replacements, deletes) are journaled for the
    savepoints open now, so rolling back to one undoes them.
    """
    with mongo_session(using, writes=False) as (_database, session):
        if session is not None:
            kwargs.setdefault("session", session)
            wrapper = mongo_connection(using)
            if method in SESSION_WRITES:
                wrapper.connection.wrote = True
            return Writer(wrapper.connection).call(collection, method, args, kwargs)
        return getattr(_database[collection], method)(*args, **kwargs)


__all__ = ["mongo_call", "mongo_connection", "mongo_session"]
