"""Errors raised by djongo_app and the one place driver errors are mapped.

Every error that leaves the backend is one of Django's PEP 249 classes
from :mod:`django.db`::

    django.db.Error
    └── DatabaseError
        ├── DataError            a value MongoDB cannot hold: a document over
        │                        16 MB, an integer outside 64 bits, a decimal
        │                        with more than 34 digits, a NUL byte in a
        │                        key (bson's InvalidDocument); a write the
        │                        server refused
        ├── OperationalError     the server cannot be reached or timed out
        │                        (serverSelectionTimeoutMS, timeoutMS); a
        │                        transaction the server aborted, also for
        │                        outliving transactionLifetimeLimitSeconds;
        │                        a failed authentication (code 18)
        ├── IntegrityError       a duplicate key (codes 11000, 11001, 12582);
        │                        a NOT NULL column left NULL or a CHECK
        │                        constraint failed (code 121)
        ├── ProgrammingError     a malformed command the server refused
        ├── InterfaceError       a bad URI or client configuration
        ├── NotSupportedError    SQL or a field use djongo_app cannot run
        └── InternalError        a server-side failure while running a plan

pymongo's and bson's exceptions (:data:`DRIVER_ERRORS`) are translated by
:func:`translate` and :func:`wrap_pymongo_errors` and by nothing else: a
server error code with a meaning of its own (:data:`SERVER_CODES`) first,
then the exception's class (:data:`PYMONGO_ERROR_MAP`). The transpiler
raises :func:`not_supported` errors itself, and value conversions raise
:func:`out_of_range`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bson import errors as bson_errors
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

# What pymongo can raise while it encodes a command, sends it and decodes
# the reply: bson's errors (a document too large, a NUL byte in a key, a
# value with no BSON type) do not derive from PyMongoError.
DRIVER_ERRORS = (pymongo_errors.PyMongoError, bson_errors.BSONError)

DUPLICATE_KEY_CODES = frozenset({11000, 11001, 12582})
# A write the collection's $jsonSchema validator refused (NOT NULL, CHECK).
DOCUMENT_VALIDATION_FAILURE = 121
NO_SUCH_TRANSACTION = 251
AUTHENTICATION_FAILED = 18
# An update that sets a key inside a value that is not a document (null).
PATH_NOT_VIABLE = 28

_TRANSACTION_GONE = (
    "the server aborted the transaction: it ran longer than the server's "
    "transactionLifetimeLimitSeconds (60 s unless the server sets otherwise), or "
    "a failover ended it. Keep atomic() blocks short"
)

# Server error codes → the django.db class and what the code means. They
# win over the exception's class: the same code arrives as a WriteError, a
# BulkWriteError (insert_many) or an OperationFailure.
SERVER_CODES: dict[int, tuple[type[Error], str]] = {
    **dict.fromkeys(DUPLICATE_KEY_CODES, (IntegrityError, "duplicate key")),
    DOCUMENT_VALIDATION_FAILURE: (
        IntegrityError,
        "a NOT NULL column is NULL or missing, or a CHECK constraint failed",
    ),
    # BSONObjectTooLarge: an insert of a document over 16 MB.
    10334: (DataError, "a document is larger than MongoDB's 16 MB limit"),
    # An update whose result would be over 16 MB.
    17419: (DataError, "a document is larger than MongoDB's 16 MB limit"),
    15: (DataError, "a value is out of range for MongoDB (Overflow)"),
    159: (DataError, "a duration is out of range for MongoDB (DurationOverflow)"),
    50: (OperationalError, "the operation exceeded its time limit (timeoutMS)"),
    262: (OperationalError, "the operation exceeded its time limit"),
    NO_SUCH_TRANSACTION: (OperationalError, _TRANSACTION_GONE),
    # TransactionExceededLifetimeLimitSeconds
    290: (OperationalError, _TRANSACTION_GONE),
    257: (OperationalError, "the transaction is too large for the server"),
    AUTHENTICATION_FAILED: (OperationalError, "authentication failed"),
    PATH_NOT_VIABLE: (
        DataError,
        "a key cannot be set inside a sub-document that is null (or not a document) "
        "on a matched document",
    ),
}
# Codes whose full reply is not shown, only the server's errmsg: the reply
# to a failed authentication carries the $clusterTime signature.
REPLY_NOT_SHOWN = frozenset({AUTHENTICATION_FAILED})

# Ordered from most to least specific: the first class that matches wins.
PYMONGO_ERROR_MAP: tuple[tuple[type[BaseException], type[Error]], ...] = (
    (pymongo_errors.DuplicateKeyError, IntegrityError),
    (pymongo_errors.BulkWriteError, DatabaseError),
    (pymongo_errors.ConfigurationError, InterfaceError),
    (pymongo_errors.InvalidURI, InterfaceError),
    (pymongo_errors.InvalidName, ProgrammingError),
    (pymongo_errors.InvalidOperation, ProgrammingError),
    (pymongo_errors.CollectionInvalid, ProgrammingError),
    # DocumentTooLarge is an InvalidDocument: both are values BSON cannot
    # hold, found by the driver before anything is sent.
    (bson_errors.InvalidDocument, DataError),
    (bson_errors.InvalidStringData, DataError),
    (bson_errors.InvalidId, DataError),
    # A stored document the driver cannot decode (invalid UTF-8 written by
    # another tool).
    (bson_errors.InvalidBSON, DataError),
    (bson_errors.BSONError, DatabaseError),
    (pymongo_errors.EncryptionError, OperationalError),
    (pymongo_errors.ConnectionFailure, OperationalError),
    (pymongo_errors.ExecutionTimeout, OperationalError),
    (pymongo_errors.WTimeoutError, OperationalError),
    (pymongo_errors.CursorNotFound, OperationalError),
    (pymongo_errors.WriteConcernError, OperationalError),
    (pymongo_errors.WriteError, DataError),
    (pymongo_errors.OperationFailure, DatabaseError),
    (pymongo_errors.ProtocolError, InterfaceError),
    (pymongo_errors.PyMongoError, DatabaseError),
)

# What a class of errors means, said before the driver's own message.
DESCRIPTIONS: tuple[tuple[type[BaseException], str], ...] = (
    (
        pymongo_errors.ServerSelectionTimeoutError,
        "no MongoDB server answered within serverSelectionTimeoutMS",
    ),
    (pymongo_errors.DocumentTooLarge, "a document is larger than MongoDB's 16 MB limit"),
    (bson_errors.InvalidDocument, "a value cannot be stored in MongoDB"),
    (pymongo_errors.WaitQueueTimeoutError, "no pooled connection was free in time"),
    (pymongo_errors.NetworkTimeout, "the server did not answer in time"),
    (pymongo_errors.ExecutionTimeout, "the operation exceeded its time limit (timeoutMS)"),
    (pymongo_errors.ConnectionFailure, "the connection to the server failed"),
)


def error_code(exc: BaseException | None) -> object:
    """Return the server's error code; for a bulk write, its first error's."""
    if isinstance(exc, pymongo_errors.BulkWriteError):
        errors = exc.details.get("writeErrors", []) if exc.details else []
        return errors[0].get("code") if errors else None
    return getattr(exc, "code", None)


def translate(exc: BaseException, command: Callable[[], Any] | None = None) -> Error:
    """Return the django.db exception that stands for a driver ``exc``.

    ``command`` returns the command that failed, for the errors whose
    message names what the command asked for (the path an update could
    not set).
    """
    code = error_code(exc)
    if code == PATH_NOT_VIABLE and command is not None:
        return _path_not_viable(exc, command)
    message = _message(exc, full=code not in REPLY_NOT_SHOWN)
    if REFUSAL_MARK in message:
        refused = message.split(REFUSAL_MARK, 1)[1].split(REFUSAL_MARK, 1)[0]
        return NotSupportedError(refused)
    if isinstance(code, int) and code in SERVER_CODES:
        django_class, meaning = SERVER_CODES[code]
        return django_class(f"djongo_app: {meaning}: {message}")
    if isinstance(exc, pymongo_errors.OperationFailure) and exc.has_error_label(
        "TransientTransactionError"
    ):
        return OperationalError(f"djongo_app: transaction aborted: {message}")
    django_class = next(
        (django for driver, django in PYMONGO_ERROR_MAP if isinstance(exc, driver)),
        DatabaseError,
    )
    meaning = next((text for driver, text in DESCRIPTIONS if isinstance(exc, driver)), None)
    if meaning is None and getattr(exc, "timeout", False):
        meaning = "the operation timed out"
    prefix = f"djongo_app: {meaning}: " if meaning else "djongo_app: "
    return django_class(prefix + message)


def _path_not_viable(exc: BaseException, command: Callable[[], Any]) -> DataError:
    """Return the DataError of an update that set a path (``blog.address.city``)
    through a sub-document that is null on some matched document, naming
    the path and the sub-document."""
    server = str((getattr(exc, "details", None) or {}).get("errmsg") or exc)
    try:
        paths = _set_paths(command())
    except Exception:  # the message then says less, nothing else changes
        paths = []
    key = server.split("Cannot create field '", 1)[-1].split("'", 1)[0]
    named = [path for path in paths if path.rsplit(".", 1)[-1] == key] or paths
    if len(named) != 1:
        return DataError(f"djongo_app: {SERVER_CODES[PATH_NOT_VIABLE][1]}: {_shorten(server)}")
    path = named[0]
    parent = path.rsplit(".", 1)[0]
    return DataError(
        f"djongo_app: cannot set {path}: the sub-document {parent} is null (or not a "
        "document) on a matched document, and MongoDB creates no key inside null. Assign "
        f"the whole sub-document, or leave those documents out "
        f"(filter({parent.replace('.', '__')}__isnull=False)). The server said: "
        f"{_shorten(server)}"
    )


def _set_paths(command: Any) -> list[str]:
    """Return the dotted paths an update command's ``$set`` sets (an update
    document, or a pipeline's ``$set`` stages)."""
    paths = []
    for update in command.get("updates", ()):
        u = update.get("u")
        stages = u if isinstance(u, list) else [u]
        for stage in stages:
            for key in (stage or {}).get("$set", {}):
                if "." in key:
                    paths.append(key)
    return paths


def _message(exc: BaseException, full: bool = True) -> str:
    if not full and isinstance(exc, pymongo_errors.OperationFailure):
        return str((exc.details or {}).get("errmsg") or type(exc).__name__)
    if isinstance(exc, pymongo_errors.BulkWriteError) and exc.details:
        errors = exc.details.get("writeErrors") or []
        if errors:
            return _shorten(str(errors[0].get("errmsg", exc)))
    return _shorten(str(exc)) or type(exc).__name__


class _WrapPymongoErrors:
    """Re-raise any driver error inside the block as a django.db error.

    A class rather than a generator context manager: it wraps every
    statement and every fetch, and costs two plain method calls.
    """

    __slots__ = ("command",)

    def __init__(self, command: Callable[[], Any] | None = None) -> None:
        self.command = command

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, traceback: Any) -> bool:
        if exc is not None and isinstance(exc, DRIVER_ERRORS):
            raise translate(exc, self.command) from exc
        return False


_wrapper = _WrapPymongoErrors()


def wrap_pymongo_errors(command: Callable[[], Any] | None = None) -> _WrapPymongoErrors:
    """Return a context manager that re-raises any driver error inside its
    block as a django.db error; ``command`` returns the command run (see
    :func:`translate`)."""
    return _wrapper if command is None else _WrapPymongoErrors(command)


def out_of_range(value: object, limit: str) -> DataError:
    """Return the error for a ``value`` MongoDB's types cannot hold, for
    raising; ``limit`` says what they hold."""
    shown = _shorten(repr(value), 80)
    return DataError(f"djongo_app: the value {shown} is out of range for MongoDB: {limit}.")


def not_supported(construct: str, sql: str) -> NotSupportedError:
    """Return the error for ``construct`` found in ``sql``, for raising."""
    return NotSupportedError(f"{construct} is not supported by djongo_app: {_shorten(sql)}")


# Brackets the text of a NotSupportedError that the server raises for a
# plan (see server_refusal()).
REFUSAL_MARK = "<<djongo_app>>"


def server_refusal(construct: str, sql: str) -> dict[str, object]:
    """Return an aggregation expression that fails with the NotSupportedError
    of ``construct`` when the server evaluates it: for what only the stored
    values can make unsupported (a RANGE frame offset from a string).

    The server's conversion error quotes the text, which :func:`translate`
    turns back into the NotSupportedError.
    """
    text = str(not_supported(construct, sql))
    return {
        "$convert": {"input": {"$literal": f"{REFUSAL_MARK}{text}{REFUSAL_MARK}"}, "to": "double"}
    }


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
    "DRIVER_ERRORS",
    "PYMONGO_ERROR_MAP",
    "SERVER_CODES",
    "Database",
    "error_code",
    "not_supported",
    "out_of_range",
    "translate",
    "wrap_pymongo_errors",
]
