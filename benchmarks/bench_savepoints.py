"""What an open savepoint costs: writes inside atomic() with and without one.

Run with ``python benchmarks/bench_savepoints.py [--rows N]`` from the
repository root (djongo_app's test extra installed). The server is
$MONGODB_URI or a SecantusDB started for the run. Each line times N
statements in one transaction, first with no savepoint open, then inside a
nested atomic() (a savepoint: writes are checked and journaled, see
djongo_app/writes.py), and prints the ratio; then a rollback to a
savepoint of N journaled writes.
"""

import argparse
import contextlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import configure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=300)
    rows = parser.parse_args().rows
    configure()
    from django.core.management import call_command
    from django.db import connection, transaction

    from tests.testapp.models import Author, Tag

    connection.ensure_connection()
    if not connection.features.supports_transactions:
        sys.exit("the server has no transactions: no savepoints to measure")
    connection.connection.client.drop_database("djongo_app_bench")
    call_command("migrate", run_syncdb=True, verbosity=0)
    authors = [Author.objects.create(name=f"a{i}", email=f"a{i}@example.com") for i in range(rows)]
    for i in range(rows):
        Tag.objects.create(label=f"t{i}")

    def update(i):
        Author.objects.filter(pk=authors[i].pk).update(age=i)

    def save(i):
        author = authors[i]
        author.age = i + 1
        author.save()

    def create(i):
        Tag.objects.create(label=f"new{i}-{time.perf_counter_ns()}")

    def get_or_create(i):
        Tag.objects.get_or_create(label=f"t{i}")

    def delete(i):
        Tag.objects.filter(label=f"t{i}").delete()

    def timed(work, savepoint):
        with contextlib.suppress(Rollback), transaction.atomic():
            inner = transaction.atomic() if savepoint else contextlib.nullcontext()
            with inner:
                start = time.perf_counter()
                for i in range(rows):
                    work(i)
                elapsed = time.perf_counter() - start
            # Leave the data as it was for the next measurement.
            raise Rollback
        return elapsed

    print(f"{rows} statements in one transaction; ms per statement")
    print(f"{'statement':<28}{'no savepoint':>14}{'savepoint':>12}{'ratio':>8}")
    for name, work in [
        ("UPDATE ... WHERE pk", update),
        ("save() (UPDATE all columns)", save),
        ("INSERT (create)", create),
        ("get_or_create (found)", get_or_create),
        ("DELETE ... WHERE label", delete),
    ]:
        plain = timed(work, savepoint=False)
        journaled = timed(work, savepoint=True)
        print(
            f"{name:<28}{plain / rows * 1000:>14.2f}{journaled / rows * 1000:>12.2f}"
            f"{journaled / plain:>8.2f}"
        )
    with contextlib.suppress(Rollback), transaction.atomic():
        sid = (getattr(transaction, "savepoint_create", None) or transaction.savepoint)()
        for i in range(rows):
            update(i)
            create(i)
        start = time.perf_counter()
        transaction.savepoint_rollback(sid)
        elapsed = time.perf_counter() - start
        raise Rollback
    print(f"rollback to a savepoint of {2 * rows} writes: {elapsed * 1000:.1f} ms")


class Rollback(Exception):
    pass


if __name__ == "__main__":
    main()
