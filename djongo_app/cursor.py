"""The DB-API cursor: SQL in, plan from the cache, rows out."""

from __future__ import annotations

import itertools
import json
import logging
import time

from bson import json_util
from django.db import DatabaseError, ProgrammingError

from .codecs import decode_row, decode_rows
from .errors import DRIVER_ERRORS, DUPLICATE_KEY_CODES, error_code, translate, wrap_pymongo_errors
from .reads import aggregate_cursor, find_cursor
from .transpiler import plan_cache
from .writes import Writer

# A child of Django's SQL logger: the MongoDB command each statement became.
logger = logging.getLogger("django.db.backends.djongo_app")

# Seconds to wait before each retry of a transaction's first statement.
TRANSIENT_RETRY_DELAYS = (0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.5, 0.5, 0.5)


def _locks_rows(sql):
    # SELECT ... FOR UPDATE ends the statement (Django's compiler puts it
    # last); the rows it read must not be read again in a new snapshot.
    return sql.rstrip().upper().endswith("FOR UPDATE")


def _is_transient(exc):
    has_label = getattr(exc, "has_error_label", None)
    return bool(has_label and has_label("TransientTransactionError"))


class ExecutionContext:
    """What a plan needs to run: parameters, collections, session, counters."""

    def __init__(self, connection, params):
        self.connection = connection
        self.params = params
        self._subquery_rows = {}

    def collection(self, name):
        return self.connection.collection(name)

    def find(self, table, command):
        return find_cursor(self.connection.collection(table), command, self.connection.session)

    def aggregate(self, table, command, paged_joins=False):
        target = self.connection.collection(table) if table else self.connection.database
        return aggregate_cursor(target, command, self.connection.session, paged_joins)

    @property
    def database(self):
        return self.connection.database

    @property
    def session(self):
        return self.connection.session

    def run_subquery(self, plan):
        """Run an uncorrelated subquery while its statement is bound: inside
        the statement's execution, never again to log it, and once however
        many times the statement reads it."""
        rows = self._subquery_rows.get(id(plan))
        if rows is None:
            rows = self._subquery_rows[id(plan)] = list(plan.execute(self).rows)
        return rows

    # Counters run outside any transaction, like SQL sequences: ids taken
    # by a rolled-back insert are not reused, and concurrent transactions
    # never conflict on the __schema__ document.

    def auto_fields(self, table):
        return self.connection.counters.auto_fields(table)

    def reserve_ids(self, table, column, count):
        return self.connection.counters.reserve(table, column, count)

    def advance_ids(self, table, column, value):
        self.connection.counters.advance(table, column, value)

    def drop_ids(self, table):
        self.connection.counters.drop(table)
        self.connection.key_layouts.dropped(table)
        self.connection.entries_changed(table)

    def fill_defaults(self, table, documents):
        """Give the documents the db_default of each column they lack."""
        defaults = self.connection.defaults.of(table)
        if defaults is not None:
            defaults.fill(self.connection.database, self.connection.session, documents)

    def column_default(self, table, column):
        """Return the aggregation expression of a column's db_default."""
        defaults = self.connection.defaults.of(table)
        return None if defaults is None else defaults.expression_of(column)

    # Writes: checked and journaled inside a savepoint (writes.py).

    def insert(self, table, documents, conflict=None, fresh=()):
        self.connection.key_layouts.inserted(table)
        return Writer(self.connection).insert(table, documents, conflict, fresh)

    def update(self, table, filter, update):
        return Writer(self.connection).update(table, filter, update)

    def delete(self, table, filter):
        return Writer(self.connection).delete(table, filter)


class Cursor:
    """A PEP 249 cursor over a :class:`~djongo_app.base.MongoConnection`.

    ``execute`` looks the SQL up in the plan cache (parsing it on a miss),
    checks the parameters against its placeholders and runs the plan in
    :meth:`_run`; the first batch of rows is fetched there, the rest as
    Django fetches them.
    """

    arraysize = 100

    def __init__(self, connection):
        self.connection = connection
        self.closed = False
        self._rows = iter(())
        # Whether the rows may hold values to decode (codecs.decode_row).
        self._decode = False
        self.rowcount = -1
        self.lastrowid = None
        self.description = None
        # The MongoDB command of the last statement, as a structure.
        self.last_command = None

    def execute(self, sql, params=None):
        self._check_open()
        has_params = params is not None
        params = tuple(params) if has_params else ()
        plan = plan_cache.get(sql, has_params=has_params, layout=self.connection.key_layouts.layout)
        if len(params) != plan.param_count:
            raise ProgrammingError(
                f"djongo_app: the statement has {plan.param_count} placeholder(s) "
                f"but {len(params)} parameter(s) were given: {sql}"
            )
        result = self._run(plan, ExecutionContext(self.connection, params), sql)
        self.last_command = result.command
        self._rows = iter(result.rows)
        self._decode = result.read_from_server
        self.rowcount = result.rowcount
        self.lastrowid = result.lastrowid
        self.description = None if result.description is None else _description(result.description)

    def _run(self, plan, context, sql):
        """Run ``plan``: the one execution boundary of a statement.

        Driver errors become django.db errors here (errors.py). A statement
        that hit a transient transaction error (a write conflict with a
        concurrent transaction) in a transaction that has not written yet
        is retried in a new transaction, as MongoDB's drivers retry a
        transaction from its start (see ``MongoConnection.restartable``).
        Any other server error ends the transaction on the server, which
        the connection notes for its savepoints. The statement is counted
        and its bound command logged once it succeeded.
        """
        connection = self.connection
        duplicate_retried = False
        for delay in (*TRANSIENT_RETRY_DELAYS, None):
            retryable = delay is not None and connection.restartable
            try:
                try:
                    result = plan.execute(context)
                except DRIVER_ERRORS as exc:
                    # What wrap_pymongo_errors() does, without a context
                    # manager made per statement.
                    raise translate(exc, lambda: plan.command(context)) from exc
            except DatabaseError as exc:
                cause = exc.__cause__
                # Under a savepoint the write was checked for duplicates in
                # the transaction's snapshot: one the server still finds was
                # committed since, and a new snapshot shows it (once).
                unseen = (
                    not duplicate_retried
                    and connection.journal.recording
                    and error_code(cause) in DUPLICATE_KEY_CODES
                )
                if not (retryable and (_is_transient(cause) or unseen)):
                    connection.failed(cause)
                    raise
                duplicate_retried = duplicate_retried or unseen
                with wrap_pymongo_errors():
                    connection.restart()
                time.sleep(delay)
                continue
            if connection.in_transaction:
                connection.statements += 1
                if plan.writes or _locks_rows(sql):
                    connection.wrote = True
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "%s -- MongoDB: %s",
                    sql,
                    _CommandText(result.command),
                    extra={"mongodb_command": result.command},
                )
            return result
        raise AssertionError("unreachable: the last attempt is never retried")

    def executemany(self, sql, param_list):
        rowcount = 0
        for params in param_list:
            self.execute(sql, params)
            rowcount += max(self.rowcount, 0)
        self.rowcount = rowcount

    # The fetches read the server's next batch when the rows run out: its
    # errors are translated as wrap_pymongo_errors() does. Rows are decoded
    # a batch at a time (one check of the batch in C, not a call per row).

    def fetchone(self):
        self._check_open()
        try:
            row = next(self._rows, None)
        except DRIVER_ERRORS as exc:
            raise translate(exc) from exc
        return decode_row(row) if self._decode and row is not None else row

    def fetchmany(self, size=None):
        self._check_open()
        try:
            rows = list(itertools.islice(self._rows, size or self.arraysize))
        except DRIVER_ERRORS as exc:
            raise translate(exc) from exc
        return decode_rows(rows) if self._decode else rows

    def fetchall(self):
        self._check_open()
        try:
            rows = list(self._rows)
        except DRIVER_ERRORS as exc:
            raise translate(exc) from exc
        return decode_rows(rows) if self._decode else rows

    def __iter__(self):
        return self

    def __next__(self):
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    def close(self):
        self.closed = True
        self._rows = iter(())

    def setinputsizes(self, sizes):
        pass

    def setoutputsize(self, size, column=None):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _check_open(self):
        if self.closed:
            raise ProgrammingError("djongo_app: the cursor is closed.")


# PEP 249 descriptions, by column names: the same few for every statement.
_descriptions = {}
DESCRIPTIONS_KEPT = 10_000


def _description(names):
    """Return the PEP 249 description of columns ``names`` (a tuple, as
    sqlite3 gives: it is shared by the statements of those columns)."""
    names = tuple(names)
    description = _descriptions.get(names)
    if description is None:
        if len(_descriptions) >= DESCRIPTIONS_KEPT:
            _descriptions.clear()
        description = _descriptions[names] = tuple(
            (name, None, None, None, None, None, None) for name in names
        )
    return description


class _CommandText:
    """A command formatted as JSON text when a log record is rendered."""

    def __init__(self, command):
        self.command = command

    def __str__(self):
        return json.dumps(self.command, default=json_util.default, sort_keys=False)

    __repr__ = __str__


__all__ = ["Cursor", "ExecutionContext"]
