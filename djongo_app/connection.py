"""Settings → MongoClient, and the connection object Django holds.

``DATABASES`` entries follow Django's conventions::

    NAME            the database name (required)
    HOST            a host name, or a full mongodb:// or mongodb+srv:// URI
    PORT            the port (not with a URI)
    USER, PASSWORD  credentials (not with credentials in the URI)
    AUTH_SOURCE     the authentication database (authSource)
    AUTH_MECHANISM  e.g. SCRAM-SHA-256 (authMechanism)
    OPTIONS         extra MongoClient keyword arguments; without them (or
                    the URI) serverSelectionTimeoutMS and connectTimeoutMS
                    are 5000
    CLIENT          Djongo's dict of MongoClient arguments, accepted as an
                    alias; it may not contradict the keys above
    ENFORCE_SCHEMA  Djongo's flag, accepted (documents are not validated
                    by the server either way)
    INTROSPECTION_SAMPLE_SIZE
                    documents read to describe a collection (inspectdb,
                    migrate --fake-initial); default 100, 0 reads all
    KEY_IN_ID       True (default): collections created from now on keep
                    an AutoField primary key in _id (keylayout.py);
                    False: in a field of the column's name, beside an
                    ObjectId _id, as Djongo did
    LOGGING         Djongo's logging.config.dictConfig dict, applied once
                    per process when Django first connects; its loggers
                    named djongo or djongo.* configure
                    django.db.backends.djongo_app

A setting that contradicts another, an unknown key, an invalid NAME,
PORT or URI, or an unknown or invalid MongoClient option (in OPTIONS,
CLIENT or the URI's query) raises ImproperlyConfigured naming the key when
Django connects. A mongodb+srv:// name that DNS cannot resolve and a
failed authentication raise OperationalError (see :func:`connecting`).
"""

from __future__ import annotations

import atexit
import contextlib
import logging.config
import os
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, OperationalError
from django.db.transaction import TransactionManagementError
from pymongo import MongoClient, ReadPreference, uri_parser
from pymongo.common import validate
from pymongo.errors import ConfigurationError, ConnectionFailure, InvalidURI, OperationFailure

from .codecs import type_registry
from .conflicts import Rules, read_rules
from .counters import Counters
from .defaults import DEFAULTS, Defaults
from .entries import SchemaEntries
from .errors import AUTHENTICATION_FAILED, DRIVER_ERRORS, translate
from .keylayout import layouts_of
from .notnull import NOT_NULL, NotNullColumns
from .ondelete import References
from .savepoints import Journal

DJANGO_KEYS = frozenset(
    {
        "ENGINE",
        "NAME",
        "USER",
        "PASSWORD",
        "HOST",
        "PORT",
        "OPTIONS",
        "ATOMIC_REQUESTS",
        "AUTOCOMMIT",
        "CONN_MAX_AGE",
        "CONN_HEALTH_CHECKS",
        "TIME_ZONE",
        "TEST",
    }
)
OWN_KEYS = frozenset(
    {
        "AUTH_SOURCE",
        "AUTH_MECHANISM",
        "CLIENT",
        "ENFORCE_SCHEMA",
        "INTROSPECTION_SAMPLE_SIZE",
        "KEY_IN_ID",
        "LOGGING",
    }
)
# Top-level setting → the MongoClient argument it stands for.
CLIENT_ARGUMENTS = {
    "HOST": "host",
    "PORT": "port",
    "USER": "username",
    "PASSWORD": "password",
    "AUTH_SOURCE": "authSource",
    "AUTH_MECHANISM": "authMechanism",
}
URI_SCHEMES = ("mongodb://", "mongodb+srv://")
DEFAULT_CLIENT_OPTIONS = {
    "tz_aware": False,
    "uuidRepresentation": "standard",
    "appname": "djongo_app",
    "type_registry": type_registry(),
}
# Arguments djongo_app depends on; OPTIONS may not change them.
FIXED_OPTIONS = frozenset({"tz_aware", "document_class", "type_registry"})
# Defaults a web application can live with, unless OPTIONS, CLIENT or the
# URI set them: an unreachable server fails a request after 5 s, where
# pymongo waits 30 s for server selection and 20 s per connection attempt.
# 5 s still covers a replica set election with its default 10 s election
# timeout only partly: raise serverSelectionTimeoutMS to ride out failovers.
TIMEOUT_DEFAULTS = {"serverSelectionTimeoutMS": 5000, "connectTimeoutMS": 5000}
# Characters MongoDB refuses in a database name (on Linux and macOS, as
# pymongo checks them), and its limit on the name's length in bytes.
NAME_FORBIDDEN = ("/", "\\", ".", " ", '"', "$", "\x00")
NAME_MAX_BYTES = 63


def key_in_id(settings_dict: dict[str, Any], alias: str) -> bool:
    """Return the ``KEY_IN_ID`` setting (True unless set False)."""
    value = settings_dict.get("KEY_IN_ID", True)
    if not isinstance(value, bool):
        raise ImproperlyConfigured(
            f"settings.DATABASES[{alias!r}]['KEY_IN_ID'] must be True or False, not {value!r}."
        )
    return value


def client_arguments(settings_dict: dict[str, Any], alias: str = "default") -> dict[str, Any]:
    """Return the MongoClient keyword arguments of a DATABASES entry."""
    where = f"settings.DATABASES[{alias!r}]"
    unknown = set(settings_dict) - DJANGO_KEYS - OWN_KEYS
    if unknown:
        raise ImproperlyConfigured(
            f"{where} has unknown keys for djongo_app: {', '.join(sorted(unknown))}. "
            f"Accepted: {', '.join(sorted(DJANGO_KEYS | OWN_KEYS))}."
        )
    if not settings_dict.get("NAME"):
        raise ImproperlyConfigured(f"{where} is improperly configured. Please supply NAME.")
    _check_name(settings_dict["NAME"], where)
    client = dict(settings_dict.get("CLIENT") or {})
    options = dict(settings_dict.get("OPTIONS") or {})
    arguments: dict[str, Any] = {}
    for key, argument in CLIENT_ARGUMENTS.items():
        value = settings_dict.get(key) or None
        aliased = client.pop(argument, None)
        if value is not None and aliased is not None and value != aliased:
            raise ImproperlyConfigured(
                f"{where} sets {key}={value!r} and CLIENT[{argument!r}]={aliased!r}; "
                "give one of them."
            )
        if value is None:
            value = aliased
        if value is not None:
            if argument == "port":
                given = f"['{key}']" if settings_dict.get(key) else "['CLIENT']['port']"
                value = _port(value, where + given)
            arguments[argument] = value
    for key, value in client.items():
        if key in options and options[key] != value:
            raise ImproperlyConfigured(
                f"{where} sets {key!r} differently in CLIENT and OPTIONS; give one of them."
            )
        options.setdefault(key, value)
    fixed = FIXED_OPTIONS & set(options)
    if fixed:
        raise ImproperlyConfigured(
            f"{where}['OPTIONS'] may not set {', '.join(sorted(fixed))}: "
            "djongo_app relies on its own value."
        )
    host = arguments.get("host", "localhost")
    if isinstance(host, str) and host.startswith(URI_SCHEMES):
        parts = urlsplit(host)
        if "port" in arguments:
            raise ImproperlyConfigured(
                f"{where} gives HOST as a URI and PORT too; put the port in the URI."
            )
        if parts.username and ("username" in arguments or "password" in arguments):
            raise ImproperlyConfigured(
                f"{where} gives credentials both in the HOST URI and in USER/PASSWORD."
            )
        _check_uri(host, where + "['HOST']")
    for key, value in options.items():
        try:
            validate(key, value)
        except (ConfigurationError, ValueError, TypeError) as exc:
            raise ImproperlyConfigured(f"{where}['OPTIONS'] {key!r}: {exc}") from exc
    arguments.update(options)
    # pymongo reads option names without regard to case, and a keyword
    # argument would override the URI's value.
    given = {key.lower() for key in options} | _uri_option_names(host)
    defaults = {k: v for k, v in TIMEOUT_DEFAULTS.items() if k.lower() not in given}
    return {**DEFAULT_CLIENT_OPTIONS, **defaults, **arguments}


def _check_name(name: Any, where: str) -> None:
    """Raise ImproperlyConfigured unless ``name`` can name a database."""
    problem = None
    if not isinstance(name, str):
        problem = f"must be a string, not {type(name).__name__}"
    elif any(char in name for char in NAME_FORBIDDEN):
        shown = " ".join(repr(char) for char in NAME_FORBIDDEN)
        problem = f"may not contain any of {shown}"
    elif len(name.encode()) > NAME_MAX_BYTES:
        problem = f"may have at most {NAME_MAX_BYTES} bytes"
    if problem:
        raise ImproperlyConfigured(f"{where}['NAME'] {name!r}: a MongoDB database name {problem}.")


def _port(value: Any, where: str) -> int:
    """Return ``value`` as a TCP port, or raise ImproperlyConfigured."""
    try:
        port = int(value)
    except (TypeError, ValueError):
        port = 0
    if isinstance(value, bool) or not 0 < port < 65536:
        raise ImproperlyConfigured(f"{where} {value!r} is not a port number (1-65535).")
    return port


def _check_uri(uri: str, where: str) -> None:
    """Raise ImproperlyConfigured for what pymongo finds wrong in ``uri``.

    Unknown and invalid options in the query are errors here, as they are
    in OPTIONS, where pymongo itself would only warn and ignore them. A
    mongodb:// URI is parsed whole; of a mongodb+srv:// URI, whose parsing
    asks DNS, only the query: the DNS lookup happens when the client is
    made (see :func:`connecting`).
    """
    query = urlsplit(uri).query
    # pymongo does not name an unknown option of a URI (it could be
    # credentials typed in the wrong place): name the first wrong one,
    # without its value.
    for name, value in parse_qsl(query, keep_blank_values=True):
        try:
            uri_parser.split_options(urlencode({name: value}), warn=False)
        except (ConfigurationError, ValueError, TypeError) as exc:
            raise ImproperlyConfigured(f"{where}: option {name!r} of the URI: {exc}") from None
    try:
        if uri.startswith("mongodb+srv://"):
            if query:
                uri_parser.split_options(query, warn=False)
        else:
            uri_parser.parse_uri(uri, warn=False)
    except (ConfigurationError, ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"{where}: {exc}") from None


def _uri_option_names(host: Any) -> set[str]:
    """Return the lower-cased names of the options a URI's query sets."""
    if not (isinstance(host, str) and host.startswith(URI_SCHEMES)):
        return set()
    return {name.lower() for name, _ in parse_qsl(urlsplit(host).query)}


# Djongo logged the MongoDB command of each statement under its "djongo"
# loggers; the logger that logs them here.
DJONGO_LOGGER = "djongo"
COMMAND_LOGGER = "django.db.backends.djongo_app"
_applied_logging: set[str] = set()


def configure_logging(settings_dict: dict[str, Any], alias: str = "default") -> None:
    """Apply the ``LOGGING`` dictConfig of a DATABASES entry (Djongo's key).

    It is applied once per process and configuration, not per connection
    (dictConfig replaces handlers). A logger named ``djongo`` or
    ``djongo.*`` configures ``django.db.backends.djongo_app``, deeper names
    last; other loggers are configured as named. Unless the dict says
    otherwise, loggers that already exist stay enabled
    (``disable_existing_loggers`` defaults to False here, not True as in
    plain dictConfig, which would silence Django's own loggers).
    """
    config = settings_dict.get("LOGGING")
    if config is None:
        return
    where = f"settings.DATABASES[{alias!r}]['LOGGING']"
    if not isinstance(config, dict):
        raise ImproperlyConfigured(f"{where} must be a logging.config.dictConfig dict.")
    key = repr(config)
    if key in _applied_logging:
        return
    config = {**config, "loggers": dict(config.get("loggers") or {})}
    config.setdefault("disable_existing_loggers", False)
    loggers = config["loggers"]
    djongo_names = sorted(
        (name for name in loggers if name == DJONGO_LOGGER or name.startswith(DJONGO_LOGGER + ".")),
        key=len,
    )
    if djongo_names:
        merged: dict[str, Any] = dict(loggers.get(COMMAND_LOGGER) or {})
        for name in djongo_names:
            merged.update(loggers.pop(name) or {})
        loggers[COMMAND_LOGGER] = merged
    try:
        logging.config.dictConfig(config)
    except (ValueError, TypeError, AttributeError, ImportError) as exc:
        raise ImproperlyConfigured(f"{where}: {exc}") from exc
    _applied_logging.add(key)


_clients: dict[tuple[int, str], MongoClient] = {}
_clients_lock = threading.Lock()


def shared_client(arguments: dict[str, Any]) -> MongoClient:
    """Return the process's MongoClient for ``arguments``.

    A MongoClient is a pool with monitor threads: Django opens and closes
    connections per request, so clients are shared per process and kept.
    """
    key = (os.getpid(), repr(sorted((k, repr(v)) for k, v in arguments.items())))
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = MongoClient(**arguments)
            _clients[key] = client
        return client


def credentials(arguments: dict[str, Any]) -> str:
    """Describe the user, authentication database and mechanism that
    ``arguments`` log in with, as pymongo resolves them."""
    host = arguments.get("host")
    uri = urlsplit(host) if isinstance(host, str) and host.startswith(URI_SCHEMES) else None
    options = {key.lower(): value for key, value in arguments.items()}
    if uri is not None:
        for key, value in parse_qsl(uri.query):
            options.setdefault(key.lower(), value)
    user = options.get("username") or (unquote(uri.username or "") if uri else "")
    # pymongo's default authSource: the URI's database, else "admin".
    path = uri.path.strip("/") if uri else ""
    source = options.get("authsource") or unquote(path) or "admin"
    mechanism = options.get("authmechanism") or "negotiated: SCRAM-SHA-256 or SCRAM-SHA-1"
    return f"user {user!r} on database {source!r} (mechanism {mechanism})"


@contextlib.contextmanager
def connecting(arguments: dict[str, Any], alias: str = "default") -> Iterator[None]:
    """Translate what making the client and its first command raise.

    The URI mistakes pymongo finds only when the client is made are
    ImproperlyConfigured naming HOST; a mongodb+srv:// name DNS cannot
    resolve is an OperationalError; a failed authentication is an
    OperationalError naming the user, the authentication database and the
    mechanism, without the server's reply (it carries the reply's
    signature). Anything else goes through :func:`errors.translate`.
    """
    where = f"settings.DATABASES[{alias!r}]"
    host = arguments.get("host")
    try:
        yield
    except OperationFailure as exc:
        if exc.code != AUTHENTICATION_FAILED:
            raise translate(exc) from exc
        raise OperationalError(
            f"djongo_app: authentication failed for {credentials(arguments)}; "
            f"check USER, PASSWORD, AUTH_SOURCE and AUTH_MECHANISM of {where}."
        ) from None
    except ConfigurationError as exc:
        srv = isinstance(host, str) and host.startswith("mongodb+srv://")
        if srv and not isinstance(exc, InvalidURI) and _from_dns(exc):
            raise OperationalError(
                f"djongo_app: the DNS lookup of the mongodb+srv:// name in {where}['HOST'] "
                f"failed: {exc}"
            ) from exc
        raise ImproperlyConfigured(f"{where}['HOST'] or ['OPTIONS']: {exc}") from exc
    except DRIVER_ERRORS as exc:
        raise translate(exc) from exc


def _from_dns(exc: BaseException) -> bool:
    """Return whether ``exc`` reports a failed DNS query (dnspython's
    exceptions are its cause) or a DNS answer pymongo refused."""
    cause = exc.__cause__
    if cause is not None and type(cause).__module__.split(".")[0] == "dns":
        return True
    return str(exc).startswith(("Invalid SRV host", "Only one TXT record", "Only authSource"))


def close_clients() -> None:
    """Close every shared client (tests, and process shutdown)."""
    with _clients_lock:
        for client in _clients.values():
            client.close()
        _clients.clear()


atexit.register(close_clients)


class MongoConnection:
    """The object behind ``DatabaseWrapper.connection``.

    It holds the database handle, the auto-increment counters and, while
    Django has autocommit off, the session of the running transaction with
    its savepoints (:class:`~djongo_app.savepoints.Journal`). Transactions
    start lazily with the first statement after autocommit is turned off,
    and only on servers that support them (replica sets and sharded
    clusters); on a standalone server every statement commits.
    """

    def __init__(self, client: MongoClient, name: str, transactions: bool, key_in_id: bool = True):
        self.client = client
        self.name = name
        self.database = client[name]
        # Collection handles by name: pymongo builds a new one per lookup.
        self._collections: dict[str, Any] = {}
        self.counters = Counters(self.database)
        # Which collections keep their primary key in _id (keylayout.py).
        self.key_layouts = layouts_of(self.database, key_in_id)
        # The database-level on_delete rules (DB_CASCADE, ...) by table.
        self.references = References(self.database)
        # What __schema__ records of each table, read once (entries.py):
        # the columns' db_default values, the columns that refuse a null.
        self.entries = SchemaEntries(self.database, (DEFAULTS, NOT_NULL))
        self.defaults = Defaults(self.entries)
        self.not_null = NotNullColumns(self.entries)
        self.transactions = transactions
        self.autocommit = True
        self._session: Any = None
        # Statements run in the current transaction so far.
        self.statements = 0
        # The savepoints of the transaction and the writes made under them.
        self.journal = Journal()
        # Unique indexes and validators of the collections checked in the
        # transaction (read once per transaction and collection).
        self.rules: dict[str, Rules] = {}
        # Whether the transaction wrote, locked (FOR UPDATE) or ran a
        # pymongo call: then it can no longer start over unobserved.
        self.wrote = False
        # Why the server ended the transaction, once a statement failed in it.
        self.aborted: str | None = None

    @property
    def in_transaction(self) -> bool:
        """Return True while statements run in a transaction (autocommit
        off, on a server with transactions)."""
        return not self.autocommit and self.transactions

    def collection(self, name: str) -> Any:
        """Return the handle of collection ``name`` (made once)."""
        collection = self._collections.get(name)
        if collection is None:
            collection = self._collections[name] = self.database[name]
        return collection

    @property
    def session(self) -> Any:
        """Return the session statements must run in, or None.

        Outside a transaction (autocommit on, or a standalone server) each
        statement runs on its own.
        """
        if not self.in_transaction:
            return None
        if self._session is None:
            self._session = self.client.start_session()
        if not self._session.in_transaction:
            # MongoDB reads inside a transaction from the primary only; an
            # OPTIONS readPreference applies to the reads outside one.
            self._session.start_transaction(read_preference=ReadPreference.PRIMARY)
            self.statements = 0
            self.wrote = False
            self.aborted = None
            self.rules.clear()
        return self._session

    @property
    def at_transaction_start(self) -> bool:
        """Return True when a statement now would be the transaction's first.

        The transaction has then read no snapshot yet.
        """
        if not self.in_transaction:
            return False
        return self._session is None or not self._session.in_transaction or self.statements == 0

    @property
    def restartable(self) -> bool:
        """Return True when the transaction may start over in a new one.

        Until it writes (or reads FOR UPDATE, or runs a pymongo call) a
        transaction has only read: starting it over at the failed
        statement with a newer snapshot gives what READ COMMITTED, Django's
        default isolation on PostgreSQL, gives; no write is lost or
        repeated. Its savepoints, which hold no writes yet, stay.
        """
        if not self.in_transaction:
            return False
        if self._session is None or not self._session.in_transaction:
            return True  # the statement starts a new transaction
        return not self.wrote and self.aborted is None

    def restart(self) -> None:
        """Abort the transaction; the next statement starts a new one."""
        if self._session is not None and self._session.in_transaction:
            self._session.abort_transaction()

    def set_autocommit(self, autocommit: bool) -> None:
        if autocommit:
            # Django commits or rolls back before turning autocommit on;
            # anything still open here was never meant to be kept.
            self.rollback()
        self.autocommit = autocommit

    def commit(self) -> None:
        self._ended()
        if self._session is not None and self._session.in_transaction:
            self._session.commit_transaction()

    def rollback(self) -> None:
        self._ended()
        if self._session is not None and self._session.in_transaction:
            self._session.abort_transaction()

    def close(self) -> None:
        if self._session is not None:
            self.rollback()
            self._session.end_session()
            self._session = None

    def _ended(self) -> None:
        self.journal.reset()
        self.wrote = False
        self.aborted = None

    # Savepoints ----------------------------------------------------------

    def savepoint(self, sid: str) -> None:
        self.journal.savepoint(sid)

    def rollback_to_savepoint(self, sid: str) -> None:
        """Undo the writes made in the transaction since savepoint ``sid``.

        When the server has ended the transaction, start a new one and
        redo the writes made before ``sid`` where that is safe (see
        :mod:`djongo_app.savepoints`), else raise DatabaseError.
        """
        if self.aborted is not None:
            self._rebuild(sid)
            return
        session = (
            self._session if self._session is not None and self._session.in_transaction else None
        )
        self.journal.rollback(sid, self.database, session)

    def _rebuild(self, sid: str) -> None:
        reason = self.aborted
        self.journal.position(sid)
        self.restart()
        try:
            self.journal.rebuild(sid, self.database, self.session)
        except DatabaseError as exc:
            self.aborted = reason
            raise DatabaseError(f"{exc} The server ended it after: {reason}.") from exc
        self.wrote = bool(self.journal.entries)

    def release_savepoint(self, sid: str) -> None:
        if self.aborted is not None:
            raise DatabaseError(
                f"djongo_app: savepoint {sid} cannot be released: the server ended the "
                f"transaction after an error in it ({self.aborted}); roll back to the "
                "savepoint or roll back the transaction."
            )
        self.journal.release(sid)

    def failed(self, exc: BaseException) -> None:
        """Note that a statement of the transaction failed with the driver
        error ``exc``: a server error ends a MongoDB transaction."""
        if self.in_transaction and isinstance(exc, SERVER_ERRORS):
            self.aborted = f"{type(exc).__name__}: {str(exc)[:200]}"

    def rules_of(self, collection: str) -> Rules:
        """Return the unique indexes and validator of ``collection``, read
        once per transaction (and after each schema change)."""
        if not self.in_transaction:
            # Nothing ends a cache outside a transaction: read them again.
            return read_rules(self.database, collection)
        rules = self.rules.get(collection)
        if rules is None:
            rules = self.rules[collection] = read_rules(self.database, collection)
        return rules

    def entries_changed(self, collection: str) -> None:
        """Read ``collection``'s ``__schema__`` entry again when next
        needed: this connection's DDL changed it."""
        self.entries.forget(collection)

    def schema_changed(self, collection: str) -> None:
        """Take note of DDL on ``collection``, which runs outside any
        transaction; refuse it when the running transaction wrote to the
        collection: MongoDB would make the DDL wait for the transaction
        to end, and the transaction waits for the DDL (until the server's
        transactionLifetimeLimitSeconds aborts it)."""
        self.rules.pop(collection, None)
        self.references.forget()
        self.entries_changed(collection)
        if self.in_transaction and self.journal.wrote_to(collection):
            raise TransactionManagementError(
                f"djongo_app: the schema of {collection!r} cannot change inside a "
                "transaction that wrote to it: DDL runs outside transactions, and MongoDB "
                "would make it wait for this one. Change the schema outside atomic()."
            )


# Driver errors sent by the server (or lost with the connection): MongoDB
# aborts a transaction in which one happens.
SERVER_ERRORS = (OperationFailure, ConnectionFailure)


_transaction_support: dict[int, bool] = {}


def supports_transactions(client: MongoClient) -> bool:
    """Return whether the server behind ``client`` runs transactions.

    Replica sets (``setName`` in the hello reply) and sharded clusters
    (``msg: isdbgrid``) do; a standalone mongod does not.
    """
    key = id(client)
    if key not in _transaction_support:
        hello = client.admin.command("hello")
        _transaction_support[key] = "setName" in hello or hello.get("msg") == "isdbgrid"
    return _transaction_support[key]
