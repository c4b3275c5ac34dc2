"""Settings → MongoClient arguments, and the pymongo → django.db error map."""

import inspect

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    OperationalError,
    connections,
)
from pymongo import errors as pymongo_errors

from djongo_app.connection import client_arguments
from djongo_app.errors import PYMONGO_ERROR_MAP, translate


def arguments(**settings):
    settings.setdefault("NAME", "db")
    settings.setdefault("ENGINE", "djongo_app")
    result = client_arguments(settings)
    for key in ("tz_aware", "uuidRepresentation", "appname", "type_registry"):
        result.pop(key)
    return result


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
        "options",
    ],
)
def test_improper_settings(settings, message):
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(").replace("[", r"\[")):
        arguments(**settings)


def _all_pymongo_errors():
    return sorted(
        (
            obj
            for _, obj in inspect.getmembers(pymongo_errors, inspect.isclass)
            if issubclass(obj, pymongo_errors.PyMongoError)
        ),
        key=lambda cls: cls.__name__,
    )


@pytest.mark.parametrize("error_class", _all_pymongo_errors(), ids=lambda c: c.__name__)
def test_every_pymongo_error_is_mapped(error_class):
    mapped = [
        django
        for pymongo_class, django in PYMONGO_ERROR_MAP
        if issubclass(error_class, pymongo_class)
    ]
    assert mapped, f"{error_class.__name__} has no django.db class"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (pymongo_errors.DuplicateKeyError("E11000 dup", code=11000), IntegrityError),
        (
            pymongo_errors.BulkWriteError(
                {"writeErrors": [{"code": 11000, "errmsg": "E11000 duplicate key"}]}
            ),
            IntegrityError,
        ),
        (pymongo_errors.ServerSelectionTimeoutError("no server"), OperationalError),
        (pymongo_errors.AutoReconnect("lost"), OperationalError),
        (pymongo_errors.DocumentTooLarge("big"), DataError),
        (pymongo_errors.OperationFailure("bad", code=2), DatabaseError),
    ],
    ids=["duplicate", "bulk-duplicate", "selection", "reconnect", "too-large", "failure"],
)
def test_translation(error, expected):
    translated = translate(error)
    assert type(translated) is expected
    assert str(translated).startswith("djongo_app: ")


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
