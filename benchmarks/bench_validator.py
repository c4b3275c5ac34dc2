"""What the NOT NULL validator costs the server: raw pymongo inserts and
updates of the benchmark's entries, with and without the validator
djongo_app's schema editor gives their collection, and with the null check
per column it had before (djongo_app/notnull.py says why it went).

Run with ``python benchmarks/bench_validator.py [--batches N] [--rounds R]``
from the repository root (djongo_app's test extra installed). The server is
$MONGODB_URI or a SecantusDB started for the run. The validator is the one
``DatabaseSchemaEditor`` builds for ``benchapp.Entry`` (a ``$jsonSchema``
requiring its NOT NULL columns' keys, ``validationLevel: moderate``);
django-mongodb-backend creates none, and ``ENFORCE_SCHEMA: False`` leaves
it out. Each collection gets N batches of 1,000 entries (``insert_many``),
then ten ``update_many`` calls that each add 1 to ``n_comments`` of a tenth
of them, as the benchmark's ``update(F() + 1)`` does; the medians of R
rounds are printed (docs/performance.md, "The validator, `$inc`, prefetch copies").
"""

import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.rawwrites import options_and_server, print_medians, timed_rounds

BATCH = 1000
UPDATES = 10
PUBLISHED = datetime.datetime(2024, 1, 1)


def entry(number):
    return {
        "_id": number,
        "blog_id": number % 10 + 1,
        "headline": f"Entry {number} about topic {number % 100}",
        "body": "Lorem ipsum dolor sit amet. " * 8,
        "pub_date": PUBLISHED,
        "rating": number % 10,
        "n_comments": number % 7,
        "seo": {"title": f"seo{number % 100}", "keywords": "mongodb,django"},
        "editors": [number % 5 + 1, number % 7 + 1],
    }


def measure(collection, batches):
    """Return the wall time of one insert_many batch and of one update_many."""
    started = time.perf_counter()
    for batch in range(batches):
        collection.insert_many([entry(batch * BATCH + k) for k in range(BATCH)])
    inserting = (time.perf_counter() - started) / batches
    started = time.perf_counter()
    for i in range(UPDATES):
        collection.update_many({"rating": i % 10}, {"$inc": {"n_comments": 1}})
    return inserting, (time.perf_counter() - started) / UPDATES


def entry_validator(uri):
    """Return the create_collection options of benchapp.Entry's collection."""
    from benchmarks import worker

    worker.configure("djongo_app", uri)
    from django.db import connection

    from benchmarks.benchapp.models import Entry

    with connection.schema_editor(collect_sql=True) as editor:
        return editor._validator_options(Entry)


def main() -> None:
    args, uri = options_and_server(__doc__.split("\n\n")[0])
    from pymongo import MongoClient

    options = entry_validator(uri)
    required = options["validator"]["$jsonSchema"]["required"]
    print(f"djongo_app's validator requires: {', '.join(required)}")
    # What djongo_app built before djongo_app/notnull.py: a property per
    # column refusing null values as well.
    per_column = {"not": {"bsonType": "null"}}
    refusing = {
        **options,
        "validator": {
            "$jsonSchema": {
                **options["validator"]["$jsonSchema"],
                "properties": dict.fromkeys(required, per_column),
            }
        },
    }
    variants = {
        "no validator (django-mongodb-backend)": {},
        "djongo_app's (required keys)": options,
        "a null check per column as well": refusing,
    }
    database = MongoClient(uri)["djongo_app_bench_validator"]

    def run(collection_options):
        database.drop_collection("entries")
        database.create_collection("entries", **collection_options)
        return measure(database["entries"], args.batches)

    figures = timed_rounds(args.rounds, variants, run)
    database.client.drop_database(database.name)
    rows = args.batches * BATCH
    columns = ("validator", f"insert_many of {BATCH:,}", f"update_many of a tenth of {rows:,}")
    print_medians(columns, figures, digits=1)


if __name__ == "__main__":
    main()
