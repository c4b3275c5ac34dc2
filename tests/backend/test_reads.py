"""SELECTs that become a ``find`` are sent as commands (djongo_app/reads.py):
what pymongo's ``find()`` would add, they get."""

import pytest
from django.db import OperationalError, connections
from pymongo import errors as pymongo_errors
from pymongo import monitoring
from pymongo.synchronous.database import Database

from djongo_app.reads import _retryable


class FindCommands(monitoring.CommandListener):
    """The find commands a client started on the test's collection."""

    def __init__(self):
        self.commands = []

    def started(self, event):
        if event.command_name == "find" and event.command["find"] == "read_numbers":
            self.commands.append(event.command)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def wrapper_with(alias, **options):
    """A new connection on the test database with ``options`` added to
    OPTIONS (closed by the caller)."""
    default = connections["default"]
    settings = dict(default.settings_dict)
    settings["OPTIONS"] = {**(settings.get("OPTIONS") or {}), **options}
    return type(default)(settings, alias=alias)


@pytest.fixture
def numbers():
    """A collection of 250 documents, more than a first batch (101)."""
    default = connections["default"]
    default.ensure_connection()
    collection = default.connection.database["read_numbers"]
    collection.drop()
    collection.insert_many([{"_id": n, "n": n} for n in range(1, 251)])
    yield collection
    collection.drop()


@pytest.mark.django_db(transaction=True)
def test_rows_past_the_first_batch_are_read_from_the_server(numbers):
    with connections["default"].cursor() as cursor:
        cursor.execute('SELECT "n" FROM "read_numbers" ORDER BY "n"')
        assert cursor.cursor.last_command == {
            "find": "read_numbers",
            "filter": {},
            "projection": {"n": 1, "_id": 0},
            "sort": {"n": 1},
        }
        assert cursor.fetchall() == [(n,) for n in range(1, 251)]


@pytest.mark.django_db(transaction=True)
def test_the_read_concern_of_the_settings_is_sent(numbers):
    listener = FindCommands()
    wrapper = wrapper_with("read-concern", readConcernLevel="majority", event_listeners=[listener])
    try:
        with wrapper.cursor() as cursor:
            cursor.execute('SELECT "n" FROM "read_numbers" WHERE "n" <= %s', [3])
            assert sorted(cursor.fetchall()) == [(1,), (2,), (3,)]
        (sent,) = listener.commands
        assert sent["readConcern"] == {"level": "majority"}
        assert sent["filter"] == {"n": {"$lte": 3}}
        # The logged command is the plan's, without what the client adds.
        assert "readConcern" not in cursor.cursor.last_command
    finally:
        wrapper.close()


@pytest.mark.django_db(transaction=True)
def test_without_settings_no_read_concern_is_sent(numbers):
    listener = FindCommands()
    wrapper = wrapper_with("no-read-concern", event_listeners=[listener])
    try:
        with wrapper.cursor() as cursor:
            cursor.execute('SELECT "n" FROM "read_numbers" WHERE "n" = %s', [7])
            assert cursor.fetchall() == [(7,)]
        (sent,) = listener.commands
        assert "readConcern" not in sent
    finally:
        wrapper.close()


class FailOnce:
    """Make the next ``Database.cursor_command`` raise ``error`` before it
    sends anything; count the calls."""

    def __init__(self, monkeypatch, error):
        self.calls = 0
        send = Database.cursor_command

        def cursor_command(database, *args, **kwargs):
            self.calls += 1
            if self.calls == 1:
                raise error
            return send(database, *args, **kwargs)

        monkeypatch.setattr(Database, "cursor_command", cursor_command)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "error",
    [
        pymongo_errors.AutoReconnect("connection reset"),
        pymongo_errors.NotPrimaryError("not primary"),
        pymongo_errors.OperationFailure("stepping down", code=11602),
    ],
    ids=["network", "not-primary", "interrupted"],
)
def test_a_read_that_failed_with_a_retryable_error_is_sent_once_more(numbers, monkeypatch, error):
    failing = FailOnce(monkeypatch, error)
    with connections["default"].cursor() as cursor:
        cursor.execute('SELECT "n" FROM "read_numbers" WHERE "n" = %s', [42])
        assert cursor.fetchall() == [(42,)]
    assert failing.calls == 2


@pytest.mark.django_db(transaction=True)
def test_a_read_is_retried_once_only(numbers, monkeypatch):
    calls = []

    def cursor_command(database, *args, **kwargs):
        calls.append(1)
        raise pymongo_errors.AutoReconnect("down")

    monkeypatch.setattr(Database, "cursor_command", cursor_command)
    with (
        pytest.raises(OperationalError, match="down"),
        connections["default"].cursor() as cursor,
    ):
        cursor.execute('SELECT "n" FROM "read_numbers" WHERE "n" = %s', [42])
    assert len(calls) == 2


@pytest.mark.django_db(transaction=True)
def test_other_errors_are_not_retried(numbers, monkeypatch):
    failing = FailOnce(monkeypatch, pymongo_errors.OperationFailure("bad value", code=2))
    with (
        pytest.raises(Exception, match="bad value"),
        connections["default"].cursor() as cursor,
    ):
        cursor.execute('SELECT "n" FROM "read_numbers" WHERE "n" = %s', [42])
    assert failing.calls == 1


@pytest.mark.django_db(transaction=True)
def test_no_retry_when_the_settings_turn_retryable_reads_off(numbers, monkeypatch):
    wrapper = wrapper_with("no-retry", retryReads=False)
    failing = FailOnce(monkeypatch, pymongo_errors.AutoReconnect("connection reset"))
    try:
        with (
            pytest.raises(OperationalError, match="connection reset"),
            wrapper.cursor() as cursor,
        ):
            cursor.execute('SELECT "n" FROM "read_numbers" WHERE "n" = %s', [42])
        assert failing.calls == 1
    finally:
        wrapper.close()


@pytest.mark.django_db(transaction=True)
def test_no_retry_inside_a_transaction(numbers, monkeypatch):
    default = connections["default"]
    if not default.features.supports_transactions:
        pytest.skip("the server has no transactions")
    failing = FailOnce(monkeypatch, pymongo_errors.AutoReconnect("connection reset"))
    default.set_autocommit(False)
    try:
        with (
            pytest.raises(OperationalError, match="connection reset"),
            default.cursor() as cursor,
        ):
            cursor.execute('SELECT "n" FROM "read_numbers" WHERE "n" = %s', [42])
        assert failing.calls == 1
    finally:
        default.rollback()
        default.set_autocommit(True)


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (pymongo_errors.AutoReconnect("x"), True),
        (pymongo_errors.NetworkTimeout("x"), True),
        (pymongo_errors.ServerSelectionTimeoutError("x"), False),
        (pymongo_errors.OperationFailure("x", code=189), True),
        (pymongo_errors.OperationFailure("x", code=43), False),
        (pymongo_errors.OperationFailure("x", code=None), False),
        (pymongo_errors.DuplicateKeyError("x", code=11000), False),
        (pymongo_errors.ConfigurationError("x"), False),
    ],
)
def test_which_errors_are_retryable(error, retryable):
    assert _retryable(error) is retryable
