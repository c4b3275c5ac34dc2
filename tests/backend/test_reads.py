"""SELECTs that become a ``find`` or an ``aggregate`` are sent as commands
(djongo_app/reads.py): what pymongo's ``find()`` and ``aggregate()`` would
add, they get."""

import contextlib
import re

import pytest
from bson import ObjectId
from django.db import DatabaseError, OperationalError, connections
from pymongo import errors as pymongo_errors
from pymongo import monitoring
from pymongo.collection import Collection
from pymongo.database import Database

from djongo_app import reads
from djongo_app.reads import _retryable, few_by_key, fits_first_batch


class FindCommands(monitoring.CommandListener):
    """The find and aggregate commands a client started on the test's
    collections, and the names of the cursor commands that followed."""

    def __init__(self):
        self.commands = []
        self.names = []
        self.killed = []

    def started(self, event):
        name = event.command_name
        if name in ("find", "aggregate") and str(event.command[name]).startswith("read_"):
            self.commands.append(event.command)
            self.names.append(name)
        elif event.command_name in ("getMore", "killCursors") and self.names:
            self.names.append(event.command_name)

    def succeeded(self, event):
        if event.command_name == "killCursors" and self.names:
            self.killed.extend(event.reply.get("cursorsKilled", []))

    def failed(self, event):
        pass


def wrapper_with(alias, **options):
    """A new connection on the test database with ``options`` added to
    OPTIONS (closed by the caller)."""
    default = connections["default"]
    settings = dict(default.settings_dict)
    settings["OPTIONS"] = {**(settings.get("OPTIONS") or {}), **options}
    return type(default)(settings, alias=alias)


@contextlib.contextmanager
def no_cursors(monkeypatch):
    """Within the block, fail a read of the test's collections through a
    cursor object (pymongo's find(), aggregate() or cursor_command())."""
    originals = {
        (Collection, "find"): Collection.find,
        (Collection, "aggregate"): Collection.aggregate,
        (Database, "cursor_command"): Database.cursor_command,
    }

    def refusing(original):
        def read(owner, first, *args, **kwargs):
            name = owner.name if isinstance(owner, Collection) else next(iter(first.values()))
            if str(name).startswith("read_"):
                raise AssertionError(f"a cursor was made for {name}")
            return original(owner, first, *args, **kwargs)

        return read

    with monkeypatch.context() as patch:
        for (owner, method), original in originals.items():
            patch.setattr(owner, method, refusing(original))
        yield


@pytest.fixture
def transaction():
    """The default connection with autocommit off, rolled back after."""
    default = connections["default"]
    if not default.features.supports_transactions:
        pytest.skip("the server has no transactions")
    default.set_autocommit(False)
    try:
        yield default
    finally:
        default.rollback()
        default.set_autocommit(True)


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
def test_a_page_is_read_from_the_reply_without_a_cursor(numbers, monkeypatch):
    listener = FindCommands()
    wrapper = wrapper_with("page", event_listeners=[listener])
    try:
        with wrapper.cursor() as cursor, no_cursors(monkeypatch):
            cursor.execute('SELECT "n" FROM "read_numbers" ORDER BY "n" DESC LIMIT 101')
            assert cursor.fetchall() == [(n,) for n in range(250, 149, -1)]
        with wrapper.cursor() as cursor:
            cursor.execute('SELECT "n" FROM "read_numbers" ORDER BY "n" DESC LIMIT 102')
            assert cursor.fetchall() == [(n,) for n in range(250, 148, -1)]
        assert listener.names == ["find", "find", "getMore"]
    finally:
        wrapper.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("sql", "command"),
    [
        ('SELECT "n", "text" FROM "read_large" WHERE "n" > %s ORDER BY "n" LIMIT 21', "find"),
        (
            'SELECT "n", "text", ("n" + 1) AS "m" FROM "read_large" WHERE "n" > %s '
            'ORDER BY "n" LIMIT 21',
            "aggregate",
        ),
    ],
    ids=["find", "aggregate"],
)
def test_a_page_over_16_mib_is_read_again_through_a_cursor(sql, command):
    """21 documents of 1 MiB each pass a first batch's 16 MiB: the
    server keeps a cursor open, which is closed; the read is sent again
    and its rows read through a cursor."""
    listener = FindCommands()
    wrapper = wrapper_with("large-rows", event_listeners=[listener])
    wrapper.ensure_connection()
    collection = wrapper.connection.database["read_large"]
    collection.drop()
    collection.insert_many(
        [{"_id": n, "n": n, "text": f"{n:02}" * (1 << 19)} for n in range(1, 31)]
    )
    try:
        with wrapper.cursor() as cursor:
            cursor.execute(sql, [5])
            rows = cursor.fetchall()
        assert [row[0] for row in rows] == list(range(6, 27))
        assert all(row[1] == f"{row[0]:02}" * (1 << 19) for row in rows)
        assert listener.names == [command, "killCursors", command, "getMore"]
        assert len(listener.killed) == 1
    finally:
        collection.drop()
        wrapper.close()


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


# A find with a limit that fits in a first batch is sent by
# Database.command, any other by Database.cursor_command.
READS = {
    "find-command": ("command", 'SELECT "n" FROM "read_numbers" WHERE "n" = %s LIMIT 21'),
    "find-cursor": ("cursor_command", 'SELECT "n" FROM "read_numbers" WHERE "n" = %s'),
    "aggregate-command": (
        "command",
        'SELECT "n", COUNT(*) FROM "read_numbers" WHERE "n" = %s GROUP BY "n" LIMIT 21',
    ),
}


class FailOnce:
    """Make the next call of ``Database.<method>`` raise ``error`` before
    it sends anything; count the calls."""

    def __init__(self, monkeypatch, method, error):
        self.calls = 0
        self.failed = None
        send = getattr(Database, method)

        def failing(database, command, *args, **kwargs):
            self.calls += 1
            if self.calls == 1:
                self.failed = next(iter(command))
                raise error
            return send(database, command, *args, **kwargs)

        monkeypatch.setattr(Database, method, failing)


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
@pytest.mark.parametrize("read", READS)
def test_a_read_that_failed_with_a_retryable_error_is_sent_once_more(
    numbers, monkeypatch, error, read
):
    method, sql = READS[read]
    failing = FailOnce(monkeypatch, method, error)
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, [42])
        assert [row[0] for row in cursor.fetchall()] == [42]
    assert failing.calls == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("read", READS)
def test_a_read_is_retried_once_only(numbers, monkeypatch, read):
    method, sql = READS[read]
    calls = []

    def failing(database, *args, **kwargs):
        calls.append(1)
        raise pymongo_errors.AutoReconnect("down")

    monkeypatch.setattr(Database, method, failing)
    with (
        pytest.raises(OperationalError, match="down"),
        connections["default"].cursor() as cursor,
    ):
        cursor.execute(sql, [42])
    assert len(calls) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("read", READS)
def test_other_errors_are_not_retried(numbers, monkeypatch, read):
    method, sql = READS[read]
    bad_value = pymongo_errors.OperationFailure("bad value", code=2)
    failing = FailOnce(monkeypatch, method, bad_value)
    with (
        pytest.raises(DatabaseError, match="bad value"),
        connections["default"].cursor() as cursor,
    ):
        cursor.execute(sql, [42])
    assert failing.calls == 1


@pytest.mark.django_db(transaction=True)
def test_no_retry_when_the_settings_turn_retryable_reads_off(numbers, monkeypatch):
    wrapper = wrapper_with("no-retry", retryReads=False)
    wrapper.ensure_connection()
    failing = FailOnce(monkeypatch, "command", pymongo_errors.AutoReconnect("connection reset"))
    try:
        with (
            pytest.raises(OperationalError, match="connection reset"),
            wrapper.cursor() as cursor,
        ):
            cursor.execute(READS["find-command"][1], [42])
        assert (failing.calls, failing.failed) == (1, "find")
    finally:
        wrapper.close()


@pytest.mark.django_db(transaction=True)
def test_no_retry_inside_a_transaction(numbers, monkeypatch, transaction):
    reset = pymongo_errors.AutoReconnect("connection reset")
    failing = FailOnce(monkeypatch, "cursor_command", reset)
    with (
        pytest.raises(OperationalError, match="connection reset"),
        transaction.cursor() as cursor,
    ):
        cursor.execute('SELECT "n" FROM "read_numbers" WHERE "n" = %s', [42])
    assert failing.calls == 1


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


@pytest.mark.parametrize(
    ("pipeline", "fits"),
    [
        ([{"$match": {"a": 1}}, {"$limit": 20}], True),
        ([{"$limit": 101}], True),
        ([{"$limit": 102}], False),
        ([{"$match": {"a": 1}}, {"$sort": {"a": 1}}], False),
        ([{"$sort": {"a": 1}}, {"$limit": 20}, {"$lookup": {}}, {"$project": {"a": 1}}], True),
        ([{"$limit": 20}, {"$group": {"_id": "$a"}}, {"$sort": {"_id": 1}}], True),
        ([{"$limit": 20}, {"$lookup": {}}, {"$unwind": "$b"}], False),
        ([{"$limit": 20}, {"$lookup": {}}, {"$facet": {}}], False),
        ([{"$limit": 20}, {"$unionWith": "other"}], False),
        ([{"$limit": 5000}, {"$limit": 20}], True),
        ([{"$limit": 20}, {"$limit": 5000}], False),
    ],
)
def test_which_pipelines_fit_in_a_first_batch(pipeline, fits):
    assert fits_first_batch(pipeline) is fits


def test_a_paged_joins_unwind_keeps_the_count():
    # A page cut before joins to a unique key: each $unwind keeps one
    # document; elsewhere (a derived table's LIMIT) it may make many.
    page = [{"$sort": {"a": 1}}, {"$limit": 20}, {"$lookup": {}}, {"$unwind": "$b"}]
    assert fits_first_batch(page, paged_joins=True)
    assert not fits_first_batch(page)


@pytest.mark.parametrize(
    ("filter", "fits"),
    [
        ({"_id": 7}, True),
        ({"_id": "a", "n": {"$gt": 1}}, True),
        ({"_id": {"$eq": ObjectId()}}, True),
        ({"_id": {"$in": list(range(100))}}, True),
        ({"_id": {"$in": list(range(101))}}, False),
        # A regular expression, a range, a list: any number of keys.
        ({"_id": re.compile("^a")}, False),
        ({"_id": {"$in": [1, re.compile("^a")]}}, False),
        ({"_id": {"$gte": 1}}, False),
        ({"_id": {"$in": [1], "$ne": 2}}, False),
        ({"_id": {"$eq": [1]}}, False),
        ({"n": 1}, False),
        ({"$or": [{"_id": 1}, {"n": 1}]}, False),
        ({}, False),
    ],
)
def test_which_finds_name_few_keys(filter, fits):
    assert few_by_key(filter) is fits


@pytest.mark.django_db(transaction=True)
def test_a_find_of_few_keys_is_read_from_the_reply_without_a_cursor(numbers, monkeypatch):
    """``pk__in`` of at most 100 keys (a prefetch, in_bulk()) needs no
    cursor, however many documents the collection holds."""
    listener = FindCommands()
    wrapper = wrapper_with("few-keys", event_listeners=[listener])
    try:
        for count in (100, 101):
            sql = (
                f'SELECT "n" FROM "read_numbers" WHERE "_id" IN ({", ".join(["%s"] * count)}) '
                'ORDER BY "n"'
            )
            with wrapper.cursor() as cursor:
                with no_cursors(monkeypatch) if count == 100 else contextlib.nullcontext():
                    cursor.execute(sql, list(range(250, 250 - count, -1)))
                assert cursor.fetchall() == [(n,) for n in range(251 - count, 251)]
        assert listener.names == ["find", "find", "getMore"]
        assert "limit" not in listener.commands[0]
    finally:
        wrapper.close()


@pytest.mark.django_db(transaction=True)
def test_a_find_of_keys_on_a_view_that_repeats_them_reads_every_row():
    """On a view, _id need not be unique: a find of 10 keys outputs 300
    documents. All are read; the view's next finds of keys go through a
    cursor at once."""
    listener = FindCommands()
    wrapper = wrapper_with("view-keys", event_listeners=[listener])
    wrapper.ensure_connection()
    database = wrapper.connection.database
    database.drop_collection("read_view")
    database.drop_collection("read_base")
    database["read_base"].insert_many([{"_id": k, "ns": list(range(30))} for k in range(1, 11)])
    database.create_collection(
        "read_view",
        viewOn="read_base",
        pipeline=[{"$unwind": "$ns"}, {"$project": {"_id": 1, "n": "$ns"}}],
    )
    sql = f'SELECT "n" FROM "read_view" WHERE "_id" IN ({", ".join(["%s"] * 10)})'
    every_row = sorted((n,) for _ in range(10) for n in range(30))
    try:
        for _ in range(2):
            with wrapper.cursor() as cursor:
                cursor.execute(sql, list(range(1, 11)))
                assert sorted(cursor.fetchall()) == every_row
        assert listener.names == ["find", "killCursors", "find", "getMore", "find", "getMore"]
    finally:
        reads._KEYS_NOT_UNIQUE.discard(f"{database.name}.read_view")
        database.drop_collection("read_view")
        database.drop_collection("read_base")
        wrapper.close()


@pytest.mark.django_db(transaction=True)
def test_an_aggregate_page_is_read_from_the_reply_without_a_cursor(numbers, monkeypatch):
    listener = FindCommands()
    wrapper = wrapper_with("aggregate-page", event_listeners=[listener])
    grouped = 'SELECT "n", COUNT(*) FROM "read_numbers" GROUP BY "n" ORDER BY "n" DESC'
    try:
        with wrapper.cursor() as cursor, no_cursors(monkeypatch):
            cursor.execute(grouped + " LIMIT 3")
            assert cursor.fetchall() == [(250, 1), (249, 1), (248, 1)]
        with wrapper.cursor() as cursor:
            cursor.execute(grouped)
            assert cursor.fetchall() == [(n, 1) for n in range(250, 0, -1)]
        assert listener.names == ["aggregate", "aggregate", "getMore"]
        assert listener.commands[0]["cursor"] == {}
    finally:
        wrapper.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("timeout_ms", "calls"), [(None, 2), (5000, 1)])
def test_a_read_that_timed_out_under_timeoutms_is_not_retried(
    numbers, monkeypatch, timeout_ms, calls
):
    """Under timeoutMS the read and its retry share one budget, and a
    timeout has spent it; without timeoutMS a network timeout is retried
    like any network error."""
    options = {} if timeout_ms is None else {"timeoutMS": timeout_ms}
    wrapper = wrapper_with(f"timeout-{timeout_ms}", **options)
    wrapper.ensure_connection()
    failing = FailOnce(monkeypatch, "command", pymongo_errors.NetworkTimeout("timed out"))
    try:
        with wrapper.cursor() as cursor:
            if calls == 1:
                with pytest.raises(OperationalError, match="timed out"):
                    cursor.execute(READS["find-command"][1], [42])
            else:
                cursor.execute(READS["find-command"][1], [42])
                assert cursor.fetchall() == [(42,)]
        assert (failing.calls, failing.failed) == (calls, "find")
    finally:
        wrapper.close()


@pytest.mark.django_db(transaction=True)
def test_a_page_in_a_transaction_reads_the_transactions_writes(numbers, monkeypatch, transaction):
    with transaction.cursor() as cursor:
        cursor.execute('INSERT INTO "read_numbers" ("_id", "n") VALUES (%s, %s)', [1000, 1000])
        with no_cursors(monkeypatch):
            cursor.execute(READS["find-command"][1], [1000])
            assert cursor.fetchall() == [(1000,)]
            cursor.execute(READS["aggregate-command"][1], [1000])
            assert cursor.fetchall() == [(1000, 1)]
    transaction.rollback()
    with transaction.cursor() as cursor:
        cursor.execute(READS["find-command"][1], [1000])
        assert cursor.fetchall() == []
