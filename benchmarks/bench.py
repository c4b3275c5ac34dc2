"""A small workload: djongo_app through the ORM against raw pymongo.

Run with ``python benchmarks/bench.py [--rows N]`` (from the repository
root, with djongo_app's test extra installed). The server is $MONGODB_URI
or a SecantusDB started for the run. Prints one line per operation:
operations per second through the ORM, with raw pymongo doing the same
work, and the ratio; then the transpiler's cost with and without the plan
cache.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django
from django.conf import settings

from djongo_app.testing import server_uri


def configure() -> None:
    settings.configure(
        DATABASES={
            "default": {"ENGINE": "djongo_app", "NAME": "djongo_app_bench", "HOST": server_uri()}
        },
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "tests.testapp"],
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    )
    django.setup()


def timed(function, repeat):
    start = time.perf_counter()
    for index in range(repeat):
        function(index)
    return repeat / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=500)
    rows = parser.parse_args().rows
    configure()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from djongo_app.transpiler import compile_sql, plan_cache
    from tests.testapp.models import Address, Author, Blog, Book, Contributor, Entry

    connection.ensure_connection()
    client = connection.connection.client
    client.drop_database("djongo_app_bench")
    call_command("migrate", run_syncdb=True, verbosity=0)
    raw = client["djongo_app_bench_raw"]
    client.drop_database("djongo_app_bench_raw")
    raw.authors.create_index("id", unique=True)

    results = []

    def compare(label, orm, pymongo_call, repeat=rows):
        orm_rate = timed(orm, repeat)
        raw_rate = timed(pymongo_call, repeat)
        results.append((label, orm_rate, raw_rate))

    compare(
        "insert one row",
        lambda i: Author.objects.create(name=f"a{i}", age=i % 90),
        lambda i: raw.authors.insert_one({"id": i, "name": f"a{i}", "age": i % 90}),
    )
    compare(
        "get by primary key",
        lambda i: Author.objects.get(pk=i + 1),
        lambda i: raw.authors.find_one({"id": i + 1}),
    )
    compare(
        "filter, order, slice 20",
        lambda i: list(Author.objects.filter(age__gte=i % 50).order_by("name")[:20]),
        lambda i: list(raw.authors.find({"age": {"$gte": i % 50}}).sort("name").limit(20)),
        repeat=max(rows // 5, 1),
    )
    compare(
        "count with filter",
        lambda i: Author.objects.filter(name__startswith="a1").count(),
        lambda i: raw.authors.count_documents({"name": {"$regex": "^a1"}}),
        repeat=max(rows // 5, 1),
    )
    compare(
        "update F() + 1 by pk",
        lambda i: Author.objects.filter(pk=i + 1).update(age=models_f("age") + 1),
        lambda i: raw.authors.update_one({"id": i + 1}, [{"$set": {"age": {"$add": ["$age", 1]}}}]),
    )
    authors = list(Author.objects.order_by("pk")[:50])
    Book.objects.bulk_create(
        [Book(title=f"b{i}", author=authors[i % len(authors)], pages=i) for i in range(rows)]
    )
    # The same books for raw pymongo, in its own database, indexed alike.
    raw.books.insert_many(
        [
            {"id": i + 1, "title": f"b{i}", "author_id": authors[i % len(authors)].pk, "pages": i}
            for i in range(rows)
        ]
    )
    raw.books.create_index("author_id")
    compare(
        "annotate Count over a join",
        lambda i: list(Author.objects.annotate(n=Count("books")).values_list("name", "n")[:50]),
        lambda i: list(
            raw.authors.aggregate(
                [
                    {"$limit": 50},
                    {
                        "$lookup": {
                            "from": "books",
                            "localField": "id",
                            "foreignField": "author_id",
                            "as": "b",
                        }
                    },
                    {"$project": {"name": 1, "n": {"$size": "$b"}}},
                ]
            )
        ),
        repeat=max(rows // 25, 1),
    )

    # Embedded documents and arrays: conversion of nested values on read.
    Entry.objects.bulk_create(
        [
            Entry(
                headline=f"e{i}",
                blog=Blog(name=f"b{i % 10}", rank=i, address=Address(city="Oslo")),
                contributors=[Contributor(name=f"c{j}") for j in range(3)],
                tags=[f"t{i % 7}", "x"],
            )
            for i in range(rows)
        ]
    )
    raw.entries.insert_many(
        [
            {
                "id": i + 1,
                "headline": f"e{i}",
                "blog": {"name": f"b{i % 10}", "rank": i, "address": {"city": "Oslo"}},
                "contributors": [{"name": f"c{j}", "email": ""} for j in range(3)],
                "tags": [f"t{i % 7}", "x"],
            }
            for i in range(rows)
        ]
    )
    compare(
        "20 nested documents by path",
        lambda i: list(Entry.objects.filter(blog__name=f"b{i % 10}")[:20]),
        lambda i: list(raw.entries.find({"blog.name": f"b{i % 10}"}).limit(20)),
        repeat=max(rows // 5, 1),
    )
    compare(
        "count by array element",
        lambda i: Entry.objects.filter(tags__contains=[f"t{i % 7}"]).count(),
        lambda i: raw.entries.count_documents({"tags": {"$all": [f"t{i % 7}"]}}),
        repeat=max(rows // 5, 1),
    )

    print(f"{'operation':30} {'ORM ops/s':>10} {'pymongo ops/s':>14} {'ratio':>6}")
    for label, orm_rate, raw_rate in results:
        print(f"{label:30} {orm_rate:10.0f} {raw_rate:14.0f} {orm_rate / raw_rate:6.2f}")

    sql, _params = Author.objects.filter(age__gte=3, name__icontains="x").query.sql_with_params()
    repeat = 2000
    start = time.perf_counter()
    for _ in range(repeat):
        compile_sql(sql)
    compile_us = (time.perf_counter() - start) / repeat * 1e6
    plan_cache.get(sql)
    start = time.perf_counter()
    for _ in range(repeat):
        plan_cache.get(sql)
    cached_us = (time.perf_counter() - start) / repeat * 1e6
    print(f"parse + plan one SELECT: {compile_us:.0f} us; plan cache hit: {cached_us:.1f} us")
    client.drop_database("djongo_app_bench")
    client.drop_database("djongo_app_bench_raw")


def models_f(name):
    from django.db.models import F

    return F(name)


if __name__ == "__main__":
    main()
