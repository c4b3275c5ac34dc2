"""Reads: a SELECT plan's ``find`` or ``aggregate`` command, sent as the
plan built it.

A plan already holds the command the server gets. ``Collection.find()``
and ``aggregate()`` would take it apart into options and build it again
in a cursor object. :func:`find_cursor` and :func:`aggregate_cursor` send
it as it is:

* a read that fits in a first batch (a find with a limit of at most 101:
  a ``get()``, a page; a find of at most 100 ``_id`` values,
  :func:`few_by_key`; a pipeline cut by such a ``$limit``,
  :func:`fits_first_batch`) through ``Database.command()``, its documents
  read from the reply: no cursor object at all;
* any other through ``Database.cursor_command()`` (pymongo 4.7 and
  later), whose cursor reads the next batches from the server that
  answered.

On a cold cache a ``get()``'s find costs 117-122 µs of client CPU the
first way, 133-153 µs the second and 141-161 µs through ``find()``
(docs/performance.md, "Reads sent as commands").

What ``find()`` and ``aggregate()`` add to a command is added here: the
collection's read preference, read concern and codec options, and one
retry of a read that failed with a retryable error, as MongoDB's
retryable reads specify (neither method retries). Inside a transaction
the session supplies the read preference and read concern, and nothing
is retried (``Cursor._run`` retries a transaction from its start).
``count_documents()`` is used as it is: sent as a command it measured no
cheaper.
"""

from __future__ import annotations

import contextlib
import datetime
import time
import uuid
from typing import Any

import bson
import pymongo
from pymongo import errors
from pymongo.collection import Collection

# MongoDB's first batch holds up to 101 documents (and up to 16 MiB): a
# find with a limit up to this needs no getMore, unless its rows are large.
FIRST_BATCH_SIZE = 101

# The server errors after which a read may be sent again (MongoDB's
# retryable reads specification): a node stepping down, shutting down or
# unreachable, and a majority snapshot not yet available.
RETRYABLE_READ_CODES = frozenset(
    {6, 7, 89, 91, 134, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436}
)


def find_cursor(collection: Any, command: dict[str, Any], session: Any) -> Any:
    """Send the ``find`` ``command`` (as ``plans.find_command`` builds it)
    to ``collection``; return an iterable of the documents found (a list,
    or a cursor whose first batch has been read).

    ``command`` itself is left as it is (the plan logs it): a read concern
    goes into a copy.
    """
    limit = command.get("limit")
    if limit is not None and limit <= FIRST_BATCH_SIZE:
        return _read(collection, command, session, _first_batch)
    if few_by_key(command.get("filter")) and collection.full_name not in _KEYS_NOT_UNIQUE:
        return _read(collection, command, session, _first_batch_by_key)
    return _read(collection, command, session, _cursor)


# Values of _id that match one document each: a key equal to a list, a
# document or a regular expression would match otherwise (or several).
KEY_TYPES = (int, str, bson.ObjectId, uuid.UUID, datetime.datetime)


def few_by_key(filter: Any) -> bool:
    """Return True when ``filter`` (a find's) names the ``_id`` of fewer
    than FIRST_BATCH_SIZE documents: ``{"_id": k}`` or ``{"_id": {"$in":
    [...]}}`` beside any other conditions (which only leave documents
    out). A ``pk__in`` read (a prefetch, ``in_bulk()``, a page's selected
    rows: Django's chunks are 100) fits in a first batch that way, with no
    limit to say so. Fewer, not as many: a first batch that ends full
    leaves the cursor open, however many documents are left (none).
    Where ``_id`` is not unique (a view), the reply says so and the rows
    are read through a cursor (:func:`_first_batch_by_key`)."""
    if type(filter) is not dict:
        return False
    key = filter.get("_id")
    if type(key) is dict and len(key) == 1:
        if "$in" in key:
            values = key["$in"]
            return (
                type(values) is list
                and len(values) < FIRST_BATCH_SIZE
                and all(isinstance(value, KEY_TYPES) for value in values)
            )
        key = key.get("$eq")
    return isinstance(key, KEY_TYPES)


def aggregate_cursor(
    target: Any, command: dict[str, Any], session: Any, paged_joins: bool = False
) -> Any:
    """Send the ``aggregate`` ``command`` (as ``AggregatePlan.command``
    builds it, without the ``cursor`` option) to ``target``, a collection
    or, for a collection-less pipeline, a database; return an iterable of
    the documents it outputs, as :func:`find_cursor` does.

    ``paged_joins``: the pipeline's ``$unwind`` stages follow lookups of a
    unique key (a page cut before its joins), one document each.
    """
    command = {**command, "cursor": {}}
    fits = fits_first_batch(command["pipeline"], paged_joins)
    return _read(target, command, session, _first_batch if fits else _cursor)


# Stages that output no more documents than they are given: after a
# $limit, with only these, a pipeline outputs at most that many.
NOT_MULTIPLYING_STAGES = frozenset(
    {
        "$match",
        "$project",
        "$addFields",
        "$set",
        "$unset",
        "$replaceRoot",
        "$replaceWith",
        "$sort",
        "$skip",
        "$lookup",
        "$group",
        "$count",
    }
)


def fits_first_batch(pipeline: list[dict[str, Any]], paged_joins: bool = False) -> bool:
    """Return True when ``pipeline`` outputs at most a first batch of
    documents: a ``$limit`` up to FIRST_BATCH_SIZE followed only by
    stages that do not multiply documents (and, with ``paged_joins``,
    ``$unwind`` stages of lookups that find at most one document).

    A pipeline that outputs more all the same leaves a cursor open in
    its reply, and is sent again through a cursor (``_first_batch``):
    slower, never wrong.
    """
    for stage in reversed(pipeline):
        name = next(iter(stage))
        if name == "$limit":
            return bool(stage[name] <= FIRST_BATCH_SIZE)
        if name not in NOT_MULTIPLYING_STAGES and not (paged_joins and name == "$unwind"):
            return False
    return False


def _read(target: Any, command: dict[str, Any], session: Any, send: Any) -> Any:
    in_transaction = session is not None and session.in_transaction
    if not in_transaction and target.read_concern.level:
        command = {**command, "readConcern": target.read_concern.document}
    database = target.database if isinstance(target, Collection) else target
    if target.codec_options is not database.codec_options:
        # A cursor decodes its next batches with its database's options.
        database = database.with_options(codec_options=target.codec_options)
    arguments = {
        # None: the transaction's (primary).
        "read_preference": None if in_transaction else target.read_preference,
        "codec_options": target.codec_options,
        "session": session,
    }
    client = database.client
    started = time.monotonic()
    try:
        return send(database, command, arguments)
    except errors.PyMongoError as exc:
        if in_transaction or not client.options.retry_reads or not _retryable(exc):
            raise
        budget = client.options.timeout
        if budget is not None:
            # timeoutMS bounds the read and its retry together, as it
            # bounds pymongo's own retries (each call would start afresh).
            budget -= time.monotonic() - started
            if exc.timeout or budget <= 0:
                raise
    if budget is None:
        return send(database, command, arguments)
    with pymongo.timeout(budget):
        return send(database, command, arguments)


def _cursor(database: Any, command: dict[str, Any], arguments: dict[str, Any]) -> Any:
    return database.cursor_command(command, **arguments)


def _first_batch(database: Any, command: dict[str, Any], arguments: dict[str, Any]) -> Any:
    """Return the documents of a read that fits in a first batch, read
    through ``Database.command()``: no cursor object is made. Rows past
    16 MiB do not fit; then the server's cursor is closed and the read
    sent again through a cursor (in a transaction it reads the same
    snapshot; outside one, a newer state, as a new statement would)."""
    reply = database.command(command, **arguments)["cursor"]
    if not reply["id"]:
        return reply["firstBatch"]
    # Another server may answer (a secondary): the cursor then times out
    # there after 10 minutes, as an abandoned one does.
    namespace = reply["ns"].split(".", 1)[1]
    with contextlib.suppress(errors.PyMongoError):
        database.command("killCursors", namespace, cursors=[reply["id"]], **arguments)
    return _cursor(database, command, arguments)


# The collections (database.collection) where a find of fewer than 101
# _id values left a cursor open: a view (which may give several documents
# one _id), a time-series collection, a collection sharded on another key.
_KEYS_NOT_UNIQUE: set[str] = set()


def _first_batch_by_key(database: Any, command: dict[str, Any], arguments: dict[str, Any]) -> Any:
    """:func:`_first_batch` for a find that :func:`few_by_key` accepted.
    Where more documents came back than a first batch holds, ``_id`` is not
    a unique key (or the rows are large): the collection's next finds of
    keys go through a cursor at once."""
    documents = _first_batch(database, command, arguments)
    if type(documents) is not list:
        if len(_KEYS_NOT_UNIQUE) >= 1000:
            _KEYS_NOT_UNIQUE.clear()
        _KEYS_NOT_UNIQUE.add(f"{database.name}.{command['find']}")
    return documents


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, errors.ServerSelectionTimeoutError):
        # Selection already waited serverSelectionTimeoutMS.
        return False
    if isinstance(exc, errors.ConnectionFailure):
        return True
    return isinstance(exc, errors.OperationFailure) and exc.code in RETRYABLE_READ_CODES
