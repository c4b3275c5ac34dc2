"""Settings → MongoClient arguments, and the pymongo → django.db error map."""

import inspect
import time

import pytest
from bson import errors as bson_errors
from django.core.exceptions import ImproperlyConfigured
from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    connections,
)
from django.db.utils import Error
from pymongo import MongoClient, ReadPreference
from pymongo import errors as pymongo_errors

from djongo_app.connection import TIMEOUT_DEFAULTS, client_arguments
from djongo_app.errors import DRIVER_ERRORS, translate, wrap_pymongo_errors


def arguments(**settings):
    """Return the MongoClient arguments of ``settings`` but for the fixed
    defaults and the timeout defaults (test_timeout_defaults)."""
    settings.setdefault("NAME", "db")
    settings.setdefault("ENGINE", "djongo_app")
    result = client_arguments(settings)
    for key in ("tz_aware", "uuidRepresentation", "appname", "type_registry"):
        result.pop(key)
    for key, value in TIMEOUT_DEFAULTS.items():
        if result.get(key) == value:
            del result[key]
    return result


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, {"serverSelectionTimeoutMS": 5000, "connectTimeoutMS": 5000}),
        (
            {"OPTIONS": {"serverSelectionTimeoutMS": 500}},
            {"serverSelectionTimeoutMS": 500, "connectTimeoutMS": 5000},
        ),
        (
            {"OPTIONS": {"serverselectiontimeoutms": 500}},
            {"serverselectiontimeoutms": 500, "connectTimeoutMS": 5000},
        ),
        (
            {"CLIENT": {"connectTimeoutMS": 100}},
            {"serverSelectionTimeoutMS": 5000, "connectTimeoutMS": 100},
        ),
        (
            {"HOST": "mongodb://h/?serverSelectionTimeoutMS=30000&connecttimeoutms=9000"},
            {},
        ),
    ],
    ids=["defaults", "options", "option-case", "client", "uri"],
)
def test_timeout_defaults(settings, expected):
    """An unreachable server fails within 5 s unless OPTIONS, CLIENT or the
    URI choose other timeouts (issue 10)."""
    settings.setdefault("NAME", "db")
    result = client_arguments(settings)
    timeouts = {
        key: value
        for key, value in result.items()
        if key.lower() in {"serverselectiontimeoutms", "connecttimeoutms"}
    }
    assert timeouts == expected


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, {}),
        ({"HOST": "db.example.com", "PORT": "27018"}, {"host": "db.example.com", "port": 27018}),
        (
            {"HOST": "mongodb+srv://cluster.example.com/?retryWrites=true"},
            {"host": "mongodb+srv://cluster.example.com/?retryWrites=true"},
        ),
        (
            {
                "USER": "u",
                "PASSWORD": "p",
                "AUTH_SOURCE": "admin",
                "AUTH_MECHANISM": "SCRAM-SHA-256",
            },
            {
                "username": "u",
                "password": "p",
                "authSource": "admin",
                "authMechanism": "SCRAM-SHA-256",
            },
        ),
        (
            {"OPTIONS": {"serverSelectionTimeoutMS": 500, "replicaSet": "rs0"}},
            {"serverSelectionTimeoutMS": 500, "replicaSet": "rs0"},
        ),
        (
            {"CLIENT": {"host": "h", "port": 1, "username": "u", "maxPoolSize": 5}},
            {"host": "h", "port": 1, "username": "u", "maxPoolSize": 5},
        ),
        ({"HOST": "h", "CLIENT": {"host": "h"}}, {"host": "h"}),
        ({"ENFORCE_SCHEMA": False}, {}),
    ],
    ids=[
        "defaults",
        "host-port",
        "srv-uri",
        "credentials",
        "options",
        "djongo-client",
        "same",
        "enforce",
    ],
)
def test_client_arguments(settings, expected):
    assert arguments(**settings) == expected


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"NAME": ""}, "Please supply NAME"),
        ({"SERVER": "x"}, "unknown keys for djongo_app: SERVER"),
        ({"HOST": "a", "CLIENT": {"host": "b"}}, "sets HOST='a' and CLIENT['host']='b'"),
        ({"HOST": "mongodb://h/", "PORT": 1}, "gives HOST as a URI and PORT too"),
        ({"HOST": "mongodb://u:p@h/", "USER": "v"}, "credentials both in the HOST URI"),
        ({"OPTIONS": {"retryWritez": True}}, "Unknown option: retryWritez"),
        ({"OPTIONS": {"tz_aware": True}}, "may not set tz_aware"),
        (
            {"HOST": "mongodb://h/?readPreference=sometimes"},
            "['HOST']: option 'readPreference' of the URI: Not a valid read preference",
        ),
        ({"HOST": "mongodb://h/?fooBar=1"}, "['HOST']: option 'fooBar' of the URI: Unknown"),
        (
            {"HOST": "mongodb+srv://cluster.example.com/?w=1&retryWritez=true"},
            "['HOST']: option 'retryWritez' of the URI: Unknown",
        ),
        ({"HOST": "mongodb://"}, "['HOST']: Must provide at least one hostname"),
        ({"NAME": "a/b c"}, "['NAME'] 'a/b c': a MongoDB database name may not contain"),
        ({"NAME": "x" * 64}, "a MongoDB database name may have at most 63 bytes"),
        ({"PORT": "abc"}, "['PORT'] 'abc' is not a port number"),
        ({"PORT": 70000}, "['PORT'] 70000 is not a port number"),
        ({"CLIENT": {"port": "x"}}, "['CLIENT']['port'] 'x' is not a port number"),
        (
            {"OPTIONS": {"maxPoolSize": 1}, "CLIENT": {"maxPoolSize": 2}},
            "differently in CLIENT and OPTIONS",
        ),
    ],
    ids=[
        "no-name",
        "unknown-key",
        "conflict",
        "uri-port",
        "uri-user",
        "bad-option",
        "fixed",
        "uri-bad-value",
        "uri-unknown-option",
        "srv-uri-unknown-option",
        "uri-no-host",
        "bad-name",
        "long-name",
        "bad-port",
        "port-range",
        "client-port",
        "options",
    ],
)
def test_improper_settings(settings, message):
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(").replace("[", r"\[")):
        arguments(**settings)


# The django.db class each driver exception class becomes, by name: a new
# class in pymongo or bson fails test_every_driver_error_is_listed until it
# is placed here (and in errors.PYMONGO_ERROR_MAP if its default is wrong).
EXPECTED_DJANGO_CLASS = {
    "AutoReconnect": OperationalError,
    "BSONError": DatabaseError,
    "BulkWriteError": DatabaseError,
    "ClientBulkWriteException": DatabaseError,
    "CollectionInvalid": ProgrammingError,
    "ConfigurationError": InterfaceError,
    "ConnectionFailure": OperationalError,
    "CursorNotFound": OperationalError,
    "DocumentTooLarge": DataError,
    "DuplicateKeyError": IntegrityError,
    "EncryptedCollectionError": OperationalError,
    "EncryptionError": OperationalError,
    "ExecutionTimeout": OperationalError,
    "InvalidBSON": DataError,
    "InvalidDocument": DataError,
    "InvalidId": DataError,
    "InvalidName": ProgrammingError,
    "InvalidOperation": ProgrammingError,
    "InvalidStringData": DataError,
    "InvalidURI": InterfaceError,
    "NetworkTimeout": OperationalError,
    "NotPrimaryError": OperationalError,
    "OperationFailure": DatabaseError,
    "ProtocolError": InterfaceError,
    "PyMongoError": DatabaseError,
    "ServerSelectionTimeoutError": OperationalError,
    "WTimeoutError": OperationalError,
    "WaitQueueTimeoutError": OperationalError,
    "WriteConcernError": OperationalError,
    "WriteError": DataError,
    "_OperationCancelled": OperationalError,
}


def _driver_error_classes():
    """Every exception class pymongo.errors and bson.errors define or
    re-export that derives from PyMongoError or BSONError."""
    found = {}
    for module in (pymongo_errors, bson_errors):
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, DRIVER_ERRORS):
                found[obj.__name__] = obj
    return [found[name] for name in sorted(found)]


def _instance(error_class):
    """An instance as the driver raises it, without a server code."""
    if issubclass(error_class, pymongo_errors.BulkWriteError):
        return error_class({"writeErrors": [], "writeConcernErrors": []})
    if issubclass(error_class, pymongo_errors.ClientBulkWriteException):
        return error_class({"writeErrors": [], "writeConcernErrors": []}, False)
    if issubclass(error_class, pymongo_errors.EncryptedCollectionError):
        return error_class(ValueError("driver message"), {"fields": []})
    return error_class("driver message")


def test_every_driver_error_is_listed():
    """The table below names every driver exception class (issue 10)."""
    assert sorted(c.__name__ for c in _driver_error_classes()) == sorted(EXPECTED_DJANGO_CLASS)


@pytest.mark.parametrize("error_class", _driver_error_classes(), ids=lambda c: c.__name__)
def test_every_pymongo_error_is_mapped(error_class):
    """Each driver exception class becomes the django.db class the table
    expects, through the one boundary (issue 10)."""
    expected = EXPECTED_DJANGO_CLASS[error_class.__name__]
    with pytest.raises(Error) as raised, wrap_pymongo_errors():
        raise _instance(error_class)
    assert type(raised.value) is expected
    assert str(raised.value).startswith("djongo_app: ")
    assert isinstance(raised.value.__cause__, error_class)


@pytest.mark.parametrize(
    ("error", "expected", "meaning"),
    [
        (
            pymongo_errors.DuplicateKeyError("E11000 dup", code=11000),
            IntegrityError,
            "duplicate key",
        ),
        (
            pymongo_errors.BulkWriteError(
                {"writeErrors": [{"code": 11000, "errmsg": "E11000 duplicate key"}]}
            ),
            IntegrityError,
            "duplicate key",
        ),
        (
            pymongo_errors.BulkWriteError(
                {"writeErrors": [{"code": 10334, "errmsg": "object to insert too large"}]}
            ),
            DataError,
            "larger than MongoDB's 16 MB limit",
        ),
        (
            pymongo_errors.ServerSelectionTimeoutError("no server"),
            OperationalError,
            "no MongoDB server answered within serverSelectionTimeoutMS",
        ),
        (pymongo_errors.AutoReconnect("lost"), OperationalError, "connection to the server"),
        (
            pymongo_errors.DocumentTooLarge("big"),
            DataError,
            "larger than MongoDB's 16 MB limit",
        ),
        (
            pymongo_errors.ExecutionTimeout("operation exceeded time limit", code=50),
            OperationalError,
            "exceeded its time limit (timeoutMS)",
        ),
        (
            pymongo_errors.OperationFailure(
                "Transaction with { txnNumber: 2 } has been aborted.",
                code=251,
                details={"errorLabels": ["TransientTransactionError"]},
            ),
            OperationalError,
            "transactionLifetimeLimitSeconds",
        ),
        (pymongo_errors.OperationFailure("bad", code=2), DatabaseError, "bad"),
        (
            pymongo_errors.WriteError("Cannot create field 'a' in element {b: null}", code=28),
            DataError,
            "a key cannot be set inside a sub-document that is null",
        ),
    ],
    ids=[
        "duplicate",
        "bulk-duplicate",
        "bulk-too-large",
        "selection",
        "reconnect",
        "too-large",
        "time-limit",
        "transaction-gone",
        "failure",
        "path-not-viable",
    ],
)
def test_translation(error, expected, meaning):
    """Server codes and classes give the django.db class and say what
    happened (issue 10)."""
    translated = translate(error)
    assert type(translated) is expected
    assert str(translated).startswith("djongo_app: ")
    assert meaning in str(translated)


@pytest.mark.django_db
def test_unreachable_server_fails_within_seconds_by_default():
    """With the default timeouts a request to an unreachable server fails
    with an OperationalError after about 5 s, not pymongo's 30 s
    (issue 10)."""
    default = connections["default"]
    settings = dict(default.settings_dict)
    settings.update(HOST="mongodb://127.0.0.1:1/", OPTIONS={})
    wrapper = type(default)(settings, alias="unreachable-defaults")
    started = time.monotonic()
    try:
        with (
            pytest.raises(OperationalError, match="no MongoDB server answered within"),
            wrapper.cursor() as cursor,
        ):
            cursor.execute('SELECT "id" FROM "testapp_author"')
    finally:
        wrapper.close()
    assert time.monotonic() - started < 10


@pytest.mark.django_db
def test_unreachable_server_is_operational_error():
    default = connections["default"]
    settings = dict(default.settings_dict)
    settings.update(
        HOST="mongodb://127.0.0.1:1/",
        OPTIONS={"serverSelectionTimeoutMS": 200, "connectTimeoutMS": 200},
    )
    wrapper = type(default)(settings, alias="unreachable")
    try:
        with pytest.raises(OperationalError, match="djongo_app"), wrapper.cursor() as cursor:
            cursor.execute('SELECT "id" FROM "testapp_author"')
    finally:
        wrapper.close()


@pytest.mark.django_db(transaction=True)
def test_timeout_ms_bounds_a_query():
    """OPTIONS["timeoutMS"] bounds each operation: a query that runs longer
    ends with an OperationalError naming it (issue 10)."""
    default = connections["default"]
    default.ensure_connection()
    slow = default.connection.database["slow_query"]
    slow.insert_many([{"n": i, "text": str(i) * 20} for i in range(20000)])
    settings = dict(default.settings_dict)
    settings["OPTIONS"] = {"timeoutMS": 20}
    wrapper = type(default)(settings, alias="bounded")
    try:
        with pytest.raises(OperationalError, match="timeoutMS"), wrapper.cursor() as cursor:
            cursor.execute('SELECT "n", COUNT(*) FROM "slow_query" GROUP BY "n" ORDER BY "n" DESC')
            cursor.fetchall()
    finally:
        wrapper.close()
        slow.drop()


@pytest.mark.django_db(transaction=True)
def test_transactions_read_from_the_primary_whatever_the_read_preference():
    """OPTIONS["readPreference"] applies outside transactions; atomic()
    blocks read from the primary, as MongoDB requires (issue 10)."""
    default = connections["default"]
    settings = dict(default.settings_dict)
    settings["OPTIONS"] = {"readPreference": "secondaryPreferred"}
    wrapper = type(default)(settings, alias="secondary-reads")
    try:
        wrapper.set_autocommit(False)
        with wrapper.cursor() as cursor:
            cursor.execute('INSERT INTO "read_preference" ("n") VALUES (%s)', [1])
            cursor.execute('SELECT "n" FROM "read_preference"')
            assert cursor.fetchall() == [(1,)]
        wrapper.commit()
        wrapper.set_autocommit(True)
        assert wrapper.connection.client.read_preference == ReadPreference.SECONDARY_PREFERRED
    finally:
        wrapper.close()
        default.ensure_connection()
        default.connection.database.drop_collection("read_preference")


def connect_with(**changes):
    """Connect a new wrapper on the test settings changed by ``changes``;
    return the wrapper (closed by the caller)."""
    default = connections["default"]
    settings = {**default.settings_dict, "OPTIONS": {}, **changes}
    wrapper = type(default)(settings, alias="trial")
    try:
        wrapper.ensure_connection()
    finally:
        wrapper.close()
    return wrapper


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"HOST": "mongodb://"}, "settings.DATABASES['trial']['HOST']: Must provide at least"),
        ({"NAME": "a/b c"}, "settings.DATABASES['trial']['NAME'] 'a/b c'"),
        ({"PORT": "abc", "HOST": "localhost"}, "settings.DATABASES['trial']['PORT'] 'abc'"),
        (
            {"HOST": "mongodb://127.0.0.1:1/?readPreference=sometimes"},
            "option 'readPreference' of the URI",
        ),
        ({"HOST": "mongodb://127.0.0.1:1/?fooBar=1"}, "option 'fooBar' of the URI"),
        (
            {"HOST": "mongodb+srv://cluster.example.com/?directConnection=true"},
            "Cannot specify directConnection=true with mongodb+srv:// URIs",
        ),
    ],
    ids=["no-host", "name", "port", "uri-read-preference", "uri-unknown", "srv-direct"],
)
def test_settings_mistakes_found_when_connecting(changes, message):
    """A settings mistake pymongo finds is an ImproperlyConfigured naming the
    key when Django connects, never a driver exception; an invalid option in
    the URI is one as in OPTIONS, not a warning (trial of main)."""
    with pytest.raises(ImproperlyConfigured) as raised:
        connect_with(**changes)
    assert message in str(raised.value)


@pytest.mark.django_db
def test_unresolvable_srv_name_is_operational_error():
    """A mongodb+srv:// name DNS cannot resolve is an OperationalError naming
    HOST (".invalid" never resolves, RFC 6761) (trial of main)."""
    with pytest.raises(OperationalError) as raised:
        connect_with(HOST="mongodb+srv://nonexistent.invalid/")
    assert str(raised.value).startswith(
        "djongo_app: the DNS lookup of the mongodb+srv:// name in "
        "settings.DATABASES['trial']['HOST'] failed: "
    )
    # Django's wrap_database_errors raises its copy from ours.
    assert isinstance(raised.value.__cause__.__cause__, pymongo_errors.ConfigurationError)


@pytest.fixture(scope="module")
def server_with_auth(tmp_path_factory):
    """A SecantusDB that requires SCRAM authentication, with user "ann"
    (password "secret") in the admin database."""
    secantus = pytest.importorskip("secantus")
    folder = str(tmp_path_factory.mktemp("auth"))
    with secantus.SecantusDBServer(storage_path=folder, port=0) as server:
        client = MongoClient(server.uri)
        client.admin.command("createUser", "ann", pwd="secret", roles=["root"])
        client.close()
    with secantus.SecantusDBServer(storage_path=folder, port=0, require_auth=True) as server:
        yield server.uri


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "names"),
    [
        (
            {"USER": "ann", "PASSWORD": "wrong"},
            "user 'ann' on database 'admin' (mechanism negotiated: SCRAM-SHA-256 or SCRAM-SHA-1)",
        ),
        (
            {"USER": "ann", "PASSWORD": "wrong", "AUTH_MECHANISM": "SCRAM-SHA-256"},
            "user 'ann' on database 'admin' (mechanism SCRAM-SHA-256)",
        ),
        (
            {"USER": "bob", "PASSWORD": "secret", "AUTH_SOURCE": "shop"},
            "user 'bob' on database 'shop' (mechanism negotiated",
        ),
    ],
    ids=["password", "mechanism", "source"],
)
def test_failed_authentication(server_with_auth, changes, names):
    """A wrong password is an OperationalError naming the user, the
    authentication database and the mechanism, without the server's reply
    and its signature bytes (trial of main)."""
    with pytest.raises(OperationalError) as raised:
        connect_with(HOST=server_with_auth, **changes)
    message = str(raised.value)
    assert message.startswith(f"djongo_app: authentication failed for {names}")
    assert message.endswith(
        "; check USER, PASSWORD, AUTH_SOURCE and AUTH_MECHANISM of settings.DATABASES['trial']."
    )
    assert "signature" not in message
    assert "clusterTime" not in message


@pytest.mark.django_db
def test_authentication_with_the_uri(server_with_auth):
    """Credentials in the URI are named as pymongo reads them: the URI's
    database is the authentication database (trial of main)."""
    host = server_with_auth.replace("mongodb://", "mongodb://ann:nope@").rstrip("/") + "/shop"
    with pytest.raises(OperationalError, match=r"for user 'ann' on database 'shop' \("):
        connect_with(HOST=host)
    # The right password connects.
    connect_with(HOST=server_with_auth, USER="ann", PASSWORD="secret", AUTH_SOURCE="admin")


def test_authentication_failure_later_hides_the_reply():
    """An authentication failure outside connecting (a new pooled
    connection) is an OperationalError with the server's reason only."""
    error = pymongo_errors.OperationFailure(
        "authentication failed, full error: {...}",
        code=18,
        details={
            "ok": 0.0,
            "errmsg": "authentication failed",
            "code": 18,
            "$clusterTime": {"signature": {"hash": b"\\x00" * 20}},
        },
    )
    translated = translate(error)
    assert type(translated) is OperationalError
    assert str(translated) == "djongo_app: authentication failed: authentication failed"
