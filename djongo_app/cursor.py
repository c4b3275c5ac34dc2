"""The DB-API cursor: SQL in, plan from the cache, rows out."""

from __future__ import annotations

import itertools
import json
import logging
import time

from bson import json_util
from django.db import ProgrammingError

from .errors import DRIVER_ERRORS, translate, wrap_pymongo_errors
from .transpiler import plan_cache

# A child of Django's SQL logger: the MongoDB command each statement became.
logger = logging.getLogger("django.db.backends.djongo_app")

# Seconds to wait before each retry of a transaction's first statement.
TRANSIENT_RETRY_DELAYS = (0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.5, 0.5, 0.5)


def _is_transient(exc):
    has_label = getattr(exc, "has_error_label", None)
    return bool(has_label and has_label("TransientTransactionError"))


class ExecutionContext:
    """What a plan needs to run: parameters, collections, session, counters."""

    def __init__(self, connection, params):
        self.connection = connection
        self.params = params

    def collection(self, name):
        return self.connection.database[name]

    @property
    def database(self):
        return self.connection.database

    @property
    def session(self):
        return self.connection.session

    def run_subquery(self, plan):
        return list(plan.execute(self).rows)

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


class Cursor:
    """A PEP 249 cursor over a :class:`~djongo_app.base.MongoConnection`.

    ``execute`` looks the SQL up in the plan cache (parsing it on a miss),
    binds the parameters and runs the plan; rows are read lazily from the
    server cursor as Django fetches them.
    """

    arraysize = 100

    def __init__(self, connection):
        self.connection = connection
        self.closed = False
        self._rows = iter(())
        self.rowcount = -1
        self.lastrowid = None
        self.description = None
        self.last_command = None

    def execute(self, sql, params=None):
        self._check_open()
        has_params = params is not None
        params = tuple(params) if has_params else ()
        plan = plan_cache.get(sql, has_params=has_params)
        context = ExecutionContext(self.connection, params)
        self.last_command = _CommandText(plan, context)
        result = self._run(plan, context)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s -- MongoDB: %s", sql, self.last_command)
        self._rows = iter(result.rows)
        self.rowcount = result.rowcount
        self.lastrowid = result.lastrowid
        self.description = (
            [(name, None, None, None, None, None, None) for name in result.description]
            if result.description is not None
            else None
        )

    def _run(self, plan, context):
        """Run ``plan``; retry it in a new transaction when it was the first
        statement of one and hit a transient transaction error (a write
        conflict with a concurrent transaction), as MongoDB's drivers do.
        """
        connection = self.connection
        for delay in TRANSIENT_RETRY_DELAYS:
            retryable = connection.at_transaction_start
            try:
                result = plan.execute(context)
            except DRIVER_ERRORS as exc:
                if not (retryable and _is_transient(exc)):
                    raise translate(exc) from exc
                with wrap_pymongo_errors():
                    connection.rollback()
                time.sleep(delay)
                continue
            if not connection.autocommit:
                connection.statements += 1
            return result
        with wrap_pymongo_errors():
            return plan.execute(context)

    def executemany(self, sql, param_list):
        rowcount = 0
        for params in param_list:
            self.execute(sql, params)
            rowcount += max(self.rowcount, 0)
        self.rowcount = rowcount

    def fetchone(self):
        self._check_open()
        with wrap_pymongo_errors():
            return next(self._rows, None)

    def fetchmany(self, size=None):
        self._check_open()
        with wrap_pymongo_errors():
            return list(itertools.islice(self._rows, size or self.arraysize))

    def fetchall(self):
        self._check_open()
        with wrap_pymongo_errors():
            return list(self._rows)

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


class _CommandText:
    """The MongoDB command of the last statement, formatted when read."""

    def __init__(self, plan, context):
        self.plan = plan
        self.context = context

    def __str__(self):
        try:
            command = self.plan.command(self.context)
        except Exception as exc:
            return f"<command unavailable: {exc}>"
        return json.dumps(command, default=json_util.default, sort_keys=False)

    __repr__ = __str__


__all__ = ["Cursor", "ExecutionContext"]
