"""The worker of the multi-process counter race (tests/backend/test_counters.py).

It imports no Django models: a spawned process runs it with pymongo alone.
"""

from pymongo import MongoClient

from djongo_app.counters import Counters


def reserve_in_rounds(uri, database, tables, barrier, results):
    """For each of ``tables``, wait for the other processes, then reserve one
    id and put ``(table, id)`` on ``results``."""
    client = MongoClient(uri)
    try:
        counters = Counters(client[database])
        for table in tables:
            barrier.wait(timeout=60)
            results.put((table, counters.reserve(table, "id", 1)))
    finally:
        client.close()
