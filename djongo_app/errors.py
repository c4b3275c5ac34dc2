"""Errors raised by djongo_app and the one place driver errors are mapped.

Every error that leaves the backend is one of Django's PEP 249 classes
from :mod:`django.db`::

    django.db.Error
    └── DatabaseError
        ├── DataError            a value the server rejected (BSON too large,
        │                        invalid document)
        ├── OperationalError     the server cannot be reached or timed out;
        │                        a transaction aborted by the server
        ├── IntegrityError       a duplicate key (codes 11000, 11001, 12582);
        │                        a NOT NULL column left NULL (code 121)
        ├── ProgrammingError     a malformed command the server refused
        ├── NotSupportedError    SQL or a field use djongo_app cannot run
        └── InternalError        a server-side failure while running a plan

pymongo exceptions are translated by :func:`wrap_pymongo_errors` and by
nothing else; the transpiler raises :func:`not_supported` errors itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
)
from django.db.utils import Error
from pymongo import errors as pymongo_errors

DUPLICATE_KEY_CODES = frozenset({11000, 11001, 12582})
# A write the collection's $jsonSchema validator refused (NOT NULL).
DOCUMENT_VALIDATION_FAILURE = 121

# Ordered from most to least specific: the first class that matches wins.
PYMONGO_ERROR_MAP: tuple[tuple[type[BaseException], type[Error]], ...] = (
    (pymongo_errors.DuplicateKeyError, IntegrityError),
    (pymongo_errors.BulkWriteError, DatabaseError),
    (pymongo_errors.ConfigurationError, InterfaceError),
    (pymongo_errors.InvalidURI, InterfaceError),
    (pymongo_errors.InvalidName, ProgrammingError),
    (pymongo_errors.InvalidOperation, ProgrammingError),
    (pymongo_errors.DocumentTooLarge, DataError),
    (pymongo_errors.EncryptionError, OperationalError),
    (pymongo_errors.ConnectionFailure, OperationalError),
    (pymongo_errors.ServerSelectionTimeoutError, OperationalError),
    (pymongo_errors.ExecutionTimeout, OperationalError),
    (pymongo_errors.WTimeoutError, OperationalError),
    (pymongo_errors.CursorNotFound, OperationalError),
    (pymongo_errors.WriteConcernError, OperationalError),
    (pymongo_errors.WriteError, DataError),
    (pymongo_errors.OperationFailure, DatabaseError),
    (pymongo_errors.ProtocolError, InterfaceError),
    (pymongo_errors.PyMongoError, DatabaseError),
)


def _error_code(exc: BaseException) -> object:
    """Return the server's error code; for a bulk write, its first error's."""
    if isinstance(exc, pymongo_errors.BulkWriteError):
        errors = exc.details.get("writeErrors", []) if exc.details else []
        return errors[0].get("code") if errors else None
    return getattr(exc, "code", None)


def translate(exc: BaseException) -> Error:
    """Return the django.db exception that stands for a pymongo ``exc``."""
    code = _error_code(exc)
    if code in DUPLICATE_KEY_CODES:
        return IntegrityError(f"djongo_app: duplicate key: {_message(exc)}")
    if code == DOCUMENT_VALIDATION_FAILURE:
        return IntegrityError(
            f"djongo_app: a NOT NULL column is NULL or missing, or a CHECK constraint "
            f"failed: {_message(exc)}"
        )
    if isinstance(exc, pymongo_errors.OperationFailure) and exc.has_error_label(
        "TransientTransactionError"
    ):
        return OperationalError(f"djongo_app: transaction aborted: {_message(exc)}")
    for pymongo_class, django_class in PYMONGO_ERROR_MAP:
        if isinstance(exc, pymongo_class):
            return django_class(f"djongo_app: {_message(exc)}")
    return DatabaseError(f"djongo_app: {_message(exc)}")


def _message(exc: BaseException) -> str:
    if isinstance(exc, pymongo_errors.BulkWriteError) and exc.details:
        errors = exc.details.get("writeErrors") or []
        if errors:
            return str(errors[0].get("errmsg", exc))
    return str(exc) or type(exc).__name__


@contextlib.contextmanager
def wrap_pymongo_errors() -> Iterator[None]:
    """Re-raise any pymongo error inside the block as a django.db error."""
    try:
        yield
    except pymongo_errors.PyMongoError as exc:
        raise translate(exc) from exc


def not_supported(construct: str, sql: str) -> NotSupportedError:
    """Return the error for ``construct`` found in ``sql``, for raising."""
    return NotSupportedError(f"{construct} is not supported by djongo_app: {_shorten(sql)}")


def _shorten(sql: str, limit: int = 500) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= limit else sql[: limit - 3] + "..."


class Database:
    """The PEP 249 module namespace Django's ``DatabaseErrorWrapper`` reads.

    Errors raised by the backend are already django.db errors, so each name
    points at Django's own class.
    """

    Error = Error
    InterfaceError = InterfaceError
    DatabaseError = DatabaseError
    DataError = DataError
    OperationalError = OperationalError
    IntegrityError = IntegrityError
    InternalError = InternalError
    ProgrammingError = ProgrammingError
    NotSupportedError = NotSupportedError
    # BinaryField wraps its value with Database.Binary.
    Binary = bytes


__all__ = [
    "PYMONGO_ERROR_MAP",
    "Database",
    "not_supported",
    "translate",
    "wrap_pymongo_errors",
]
