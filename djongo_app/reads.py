"""Reads: a SELECT plan's ``find`` command, sent as the plan built it.

A :class:`~djongo_app.transpiler.plans.FindPlan` already holds the
command the server gets. ``Collection.find()`` would take it apart into
options and build it again in a cursor object; :func:`find_cursor` sends
it through ``Database.cursor_command()`` instead, which costs less client
CPU per read (134 against 146 µs for a ``get()``'s find on a cold cache,
docs/performance.md) and returns a cursor that reads any next batch from
the server that answered.

What ``find()`` adds to a command is added here: the collection's read
preference, read concern and codec options, and one retry of a read that
failed with a retryable error, as MongoDB's retryable reads specify
(``cursor_command()`` does not retry). Inside a transaction the session
supplies the read preference and read concern, and nothing is retried
(``Cursor._run`` retries a transaction from its start). ``aggregate()``
and ``count_documents()`` are used as they are: sent as commands they
measured no cheaper.
"""

from __future__ import annotations

from typing import Any

from pymongo import errors

# The server errors after which a read may be sent again (MongoDB's
# retryable reads specification): a node stepping down, shutting down or
# unreachable, and a majority snapshot not yet available.
RETRYABLE_READ_CODES = frozenset(
    {6, 7, 89, 91, 134, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436}
)


def find_cursor(collection: Any, command: dict[str, Any], session: Any) -> Any:
    """Send the ``find`` ``command`` (as ``plans.find_command`` builds it)
    to ``collection``; return the cursor of its result, its first batch
    read.

    ``command`` itself is left as it is (the plan logs it): a read concern
    goes into a copy.
    """
    in_transaction = session is not None and session.in_transaction
    if not in_transaction and collection.read_concern.level:
        command = {**command, "readConcern": collection.read_concern.document}
    database = collection.database
    arguments = {
        # None: the transaction's (primary).
        "read_preference": None if in_transaction else collection.read_preference,
        "codec_options": collection.codec_options,
        "session": session,
    }
    try:
        return database.cursor_command(command, **arguments)
    except errors.PyMongoError as exc:
        if in_transaction or not database.client.options.retry_reads or not _retryable(exc):
            raise
    return database.cursor_command(command, **arguments)


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, errors.ServerSelectionTimeoutError):
        # Selection already waited serverSelectionTimeoutMS.
        return False
    if isinstance(exc, errors.ConnectionFailure):
        return True
    return isinstance(exc, errors.OperationFailure) and exc.code in RETRYABLE_READ_CODES
