"""What a secondary index on the primary key costs the server: raw pymongo
inserts and updates with the key in ``_id`` and in an indexed ``id``.

Run with ``python benchmarks/bench_key_layout.py [--batches N] [--rounds R]``
from the repository root (djongo_app's test extra installed). The server is
$MONGODB_URI or a SecantusDB started for the run. Each layout gets the same
comment documents in N batches of 1,000 (``insert_many``), then ten
``update_many`` calls that each change a fifth of them (a field no index
covers); the medians of R rounds are printed. djongo_app stores an
``AutoField`` key in ``_id``, as django-mongodb-backend does; collections
of Djongo's layout (and djongo_app's before) keep it in ``id`` under a
unique index (docs/performance.md, "The key in ``_id``").
"""

import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.rawwrites import options_and_server, print_medians, timed_rounds

BATCH = 1000
UPDATES = 10
CREATED = datetime.datetime(2024, 1, 1)

# Layout → (the keys holding the row number, the index on "id": None for
# none, else whether it is unique).
LAYOUTS = {
    "key in _id, no other index (djongo_app)": (("_id",), None),
    "key in id, plain index": (("id",), False),
    "key in id, unique index (Djongo's layout)": (("id",), True),
}


def comment(number, keys):
    document = {
        "entry_id": number % 1000,
        "name": f"reader{number}",
        "body": "A comment of a reader. " * 4,
        "created": CREATED,
        "score": number % 5,
        "approved": number % 2 == 0,
    }
    for key in keys:
        document[key] = number
    return document


def measure(collection, keys, batches):
    """Return the wall time of one insert_many batch and of one update_many."""
    started = time.perf_counter()
    for batch in range(batches):
        collection.insert_many(
            [comment(batch * BATCH + k, keys) for k in range(BATCH)], ordered=True
        )
    inserting = (time.perf_counter() - started) / batches
    started = time.perf_counter()
    for i in range(UPDATES):
        collection.update_many({"score": i % 5}, {"$inc": {"entry_id": 1}})
    return inserting, (time.perf_counter() - started) / UPDATES


def main() -> None:
    args, uri = options_and_server(__doc__.split("\n\n")[0])
    from pymongo import MongoClient

    database = MongoClient(uri)["djongo_app_bench_key_layout"]

    def run(layout):
        keys, unique = layout
        collection = database["comments"]
        collection.drop()
        if unique is not None:
            collection.create_index("id", unique=unique)
        return measure(collection, keys, args.batches)

    figures = timed_rounds(args.rounds, LAYOUTS, run)
    database.client.drop_database(database.name)
    rows = args.batches * BATCH
    columns = ("layout", f"insert_many of {BATCH:,}", f"update_many of a fifth of {rows:,}")
    print_medians(columns, figures)


if __name__ == "__main__":
    main()
