"""A transaction that outlives the server's transaction lifetime ends with an
OperationalError that says so."""

import os
import time

import pytest
from django.db import OperationalError, connections
from pymongo import MongoClient

LIFETIME_SECONDS = 1


@pytest.fixture
def short_lifetime_uri():
    """Yield the URI of a server whose transactions live ``LIFETIME_SECONDS``:
    a SecantusDB of its own, or the ``MONGODB_URI`` server with its
    ``transactionLifetimeLimitSeconds`` lowered for the test."""
    configured = os.environ.get("MONGODB_URI")
    if configured:
        client = MongoClient(configured)
        previous = client.admin.command("getParameter", 1, transactionLifetimeLimitSeconds=1)
        client.admin.command("setParameter", 1, transactionLifetimeLimitSeconds=LIFETIME_SECONDS)
        try:
            yield configured
        finally:
            client.admin.command(
                "setParameter",
                1,
                transactionLifetimeLimitSeconds=previous["transactionLifetimeLimitSeconds"],
            )
            client.close()
        return
    from secantus import SecantusDBServer

    with SecantusDBServer(
        storage_path=":memory:", transaction_lifetime_seconds=LIFETIME_SECONDS
    ) as server:
        yield server.uri


def wrapper_for(uri, alias):
    default = connections["default"]
    settings = dict(default.settings_dict)
    settings.update(HOST=uri, NAME="djongo_app_lifetime", OPTIONS={})
    return type(default)(settings, alias=alias)


@pytest.mark.django_db
@pytest.mark.parametrize("ends_with", ["statement", "commit"])
def test_transaction_outliving_the_server_lifetime(short_lifetime_uri, ends_with):
    """A statement or the commit after the server aborted a transaction for
    its age is an OperationalError naming transactionLifetimeLimitSeconds
    (issue 10)."""
    wrapper = wrapper_for(short_lifetime_uri, f"lifetime-{ends_with}")
    try:
        assert wrapper.features.supports_transactions
        wrapper.set_autocommit(False)
        with wrapper.cursor() as cursor:
            cursor.execute('INSERT INTO "lifetime" ("n") VALUES (%s)', [1])
            # mongod's reaper runs about every second.
            time.sleep(LIFETIME_SECONDS * 2.5)
            with pytest.raises(OperationalError, match="transactionLifetimeLimitSeconds"):
                if ends_with == "statement":
                    cursor.execute('INSERT INTO "lifetime" ("n") VALUES (%s)', [2])
                else:
                    wrapper.commit()
        wrapper.rollback()
        wrapper.set_autocommit(True)
        with wrapper.cursor() as cursor:
            cursor.execute('SELECT COUNT(*) FROM "lifetime"')
            assert cursor.fetchone() == (0,)
    finally:
        wrapper.close()
