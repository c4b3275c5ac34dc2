"""Django's atomic() as MongoDB transactions, and concurrent writers."""

import json
import os
import subprocess
import sys
import textwrap
import time

from django.db import (
    IntegrityError,
    OperationalError,
    connection,
    connections,
    transaction,
)
from django.db.transaction import TransactionManagementError
from django.test import TransactionTestCase

from djongo_app.testing import free_port, server_command, server_uri, terminate, wait_for_port
from tests.testapp.models import Author, Book, Counter, Tag


def committed_count(table):
    """Count documents as another client sees them (outside any session)."""
    connection.ensure_connection()
    return connection.connection.database[table].count_documents({})


class AtomicTests(TransactionTestCase):
    available_apps = ["tests.testapp"]

    def setUp(self):
        if not connection.features.supports_transactions:
            self.skipTest("the server is standalone: no transactions")

    def test_commit_keeps_everything(self):
        with transaction.atomic():
            ann = Author.objects.create(name="Ann")
            book = Book.objects.create(title="One", author=ann)
            book.tags.add(Tag.objects.create(label="red"))
            self.assertEqual(committed_count("testapp_author"), 0)
        self.assertEqual(committed_count("testapp_author"), 1)
        self.assertEqual(committed_count("testapp_book_tags"), 1)

    def test_rollback_leaves_no_trace(self):
        with self.assertRaisesMessage(ValueError, "boom"), transaction.atomic():
            ann = Author.objects.create(name="Ann")
            book = Book.objects.create(title="One", author=ann)
            book.tags.add(Tag.objects.create(label="red"))
            Author.objects.filter(pk=ann.pk).update(age=3)
            self.assertEqual(Author.objects.get().age, 3)
            raise ValueError("boom")
        for table in ("testapp_author", "testapp_book", "testapp_tag", "testapp_book_tags"):
            with self.subTest(table=table):
                self.assertEqual(committed_count(table), 0)
        # Ids are not reused, as with SQL sequences: the next id is new.
        self.assertGreater(Author.objects.create(name="Bob").pk, ann.pk)

    def test_rollback_of_updates_and_deletes(self):
        ann = Author.objects.create(name="Ann", age=1)
        with self.assertRaises(RuntimeError), transaction.atomic():
            Author.objects.update(age=2)
            Author.objects.create(name="Bob")
            ann.delete()
            raise RuntimeError
        self.assertEqual(list(Author.objects.values_list("name", "age")), [("Ann", 1)])

    def test_other_connections_see_only_committed_data(self):
        other = connections.create_connection("default")
        try:
            with transaction.atomic():
                Author.objects.create(name="Ann")
                with other.cursor() as cursor:
                    cursor.execute('SELECT COUNT(*) FROM "testapp_author"')
                    self.assertEqual(cursor.fetchone(), (0,))
            with other.cursor() as cursor:
                cursor.execute('SELECT COUNT(*) FROM "testapp_author"')
                self.assertEqual(cursor.fetchone(), (1,))
        finally:
            other.close()

    def test_on_commit_runs_after_commit_only(self):
        calls = []
        with transaction.atomic():
            transaction.on_commit(lambda: calls.append("committed"))
            Author.objects.create(name="Ann")
            self.assertEqual(calls, [])
        self.assertEqual(calls, ["committed"])
        with self.assertRaises(ValueError), transaction.atomic():
            transaction.on_commit(lambda: calls.append("rolled back"))
            raise ValueError
        self.assertEqual(calls, ["committed"])

    def test_nested_success_commits_with_outer(self):
        with transaction.atomic():
            Author.objects.create(name="outer")
            with transaction.atomic():
                Author.objects.create(name="inner")
        self.assertEqual(committed_count("testapp_author"), 2)

    def test_integrity_error_inside_atomic_rolls_back_everything(self):
        Tag.objects.create(label="red")
        with self.assertRaises(IntegrityError), transaction.atomic():
            Tag.objects.create(label="blue")
            Tag.objects.create(label="red")
        self.assertEqual(list(Tag.objects.values_list("label", flat=True)), ["red"])

    def test_durable_block_cannot_nest(self):
        with transaction.atomic(durable=True):
            Author.objects.create(name="Ann")
        with (
            self.assertRaisesMessage(RuntimeError, "durable"),
            transaction.atomic(),
            transaction.atomic(durable=True),
        ):
            pass

    def test_manual_autocommit_commit_and_rollback(self):
        self.assertIs(transaction.get_autocommit(), True)
        transaction.set_autocommit(False)
        try:
            self.assertIs(transaction.get_autocommit(), False)
            Author.objects.create(name="kept")
            transaction.commit()
            Author.objects.create(name="dropped")
            transaction.rollback()
        finally:
            transaction.set_autocommit(True)
        self.assertEqual(list(Author.objects.values_list("name", flat=True)), ["kept"])

    def test_mark_for_rollback_on_error(self):
        with transaction.atomic():
            Author.objects.create(name="Ann")
            with self.assertRaises(ValueError), transaction.mark_for_rollback_on_error():
                raise ValueError
            self.assertIs(transaction.get_rollback(), True)
        self.assertEqual(committed_count("testapp_author"), 0)

    def test_select_for_update_needs_a_transaction(self):
        with self.assertRaisesMessage(TransactionManagementError, "outside of a transaction"):
            list(Author.objects.select_for_update())

    def test_select_for_update_reads_and_a_conflicting_write_fails(self):
        """FOR UPDATE takes no lock; a concurrent change to the same document
        makes the later write fail instead of being lost."""
        Counter.objects.create(key="k", value=1)
        other = connections.create_connection("default")
        try:
            with transaction.atomic():
                row = Counter.objects.select_for_update().get(key="k")
                with other.cursor() as cursor:
                    cursor.execute(
                        'UPDATE "testapp_counter" SET "value" = %s WHERE "key" = %s', [5, "k"]
                    )
                with self.assertRaisesMessage(OperationalError, "WriteConflict"):
                    Counter.objects.filter(key="k").update(value=row.value + 1)
        finally:
            other.close()
        self.assertEqual(Counter.objects.get(key="k").value, 5)

    def test_update_or_create(self):
        author, created = Author.objects.update_or_create(name="Ann", defaults={"age": 1})
        self.assertIs(created, True)
        again, created = Author.objects.update_or_create(name="Ann", defaults={"age": 2})
        self.assertEqual((again.pk, created, Author.objects.get().age), (author.pk, False, 2))


WORKER = textwrap.dedent(
    """
    import json, os, sys, time
    import django
    from django.conf import settings
    settings.configure(
        DATABASES={"default": {"ENGINE": "djongo_app", "NAME": os.environ["DB_NAME"],
                               "HOST": os.environ["MONGODB_URI"]}},
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "tests.testapp"],
        USE_TZ=True,
    )
    django.setup()
    from django.db.models import F
    from tests.testapp.models import Author, Counter, Tag
    task, count = sys.argv[1], int(sys.argv[2])
    result = []
    if task == "insert":
        result = [Author.objects.create(name="w").pk for _ in range(count)]
    elif task == "increment":
        for _ in range(count):
            Counter.objects.filter(key="hits").update(value=F("value") + 1)
    elif task == "get_or_create":
        for i in range(count):
            tag, created = Tag.objects.get_or_create(label=f"race-{i}")
            result.append([tag.pk, created])
    elif task == "atomic_get_or_create":
        from django.db import transaction
        # Start together, for the races to happen.
        time.sleep(max(0.0, float(os.environ["START_AT"]) - time.time()))
        for i in range(count):
            with transaction.atomic():
                tag, created = Tag.objects.get_or_create(label=f"race-{i}")
            result.append([tag.pk, created])
    print(json.dumps(result))
    """
)


class ConcurrencyTests(TransactionTestCase):
    available_apps = ["tests.testapp"]
    processes = 4

    def run_workers(self, task, count, processes=None):
        env = {
            **os.environ,
            "MONGODB_URI": server_uri(),
            "DB_NAME": connection.settings_dict["NAME"],
            "PYTHONPATH": os.getcwd(),
            # Time for every worker to import Django before the race.
            "START_AT": str(time.time() + 8),
        }
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", WORKER, task, str(count)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(processes or self.processes)
        ]
        # Wait for every worker before judging any, so none is left running.
        outputs = [worker.communicate(timeout=300) for worker in workers]
        results = []
        for worker, (out, err) in zip(workers, outputs, strict=True):
            self.assertEqual(worker.returncode, 0, err)
            results.append(json.loads(out))
        return results

    def test_ids_stay_unique_across_processes(self):
        per_process = 40
        results = self.run_workers("insert", per_process)
        ids = [pk for result in results for pk in result]
        self.assertEqual(len(ids), self.processes * per_process)
        self.assertEqual(len(set(ids)), len(ids))
        self.assertEqual(Author.objects.count(), len(ids))
        for result in results:
            self.assertEqual(result, sorted(result))

    def test_no_lost_increments(self):
        Counter.objects.create(key="hits", value=0)
        per_process = 30
        self.run_workers("increment", per_process)
        self.assertEqual(Counter.objects.get(key="hits").value, self.processes * per_process)

    def test_get_or_create_race_returns_one_object(self):
        keys = 15
        results = self.run_workers("get_or_create", keys)
        for index in range(keys):
            with self.subTest(key=index):
                outcomes = [result[index] for result in results]
                self.assertEqual(len({pk for pk, _ in outcomes}), 1)
                self.assertEqual(sum(created for _, created in outcomes), 1)
        self.assertEqual(Tag.objects.count(), keys)

    def test_get_or_create_race_inside_atomic(self):
        """8 processes race get_or_create on the same keys, each call inside
        atomic(): every call returns the one object and none fails. The
        insert of a key another transaction took conflicts; the transaction
        has not written yet, so it starts over with a new snapshot, where
        the insert is refused before it is sent (an IntegrityError in the
        savepoint) and the get finds the committed object (issue 16)."""
        if not connection.features.supports_transactions:
            self.skipTest("the server is standalone: no transactions")
        keys = 12
        results = self.run_workers("atomic_get_or_create", keys, processes=8)
        self.assertEqual(len(results), 8)
        for index in range(keys):
            with self.subTest(key=index):
                outcomes = [result[index] for result in results]
                self.assertEqual(len({pk for pk, _ in outcomes}), 1)
                self.assertEqual(sum(created for _, created in outcomes), 1)
        self.assertEqual(Tag.objects.count(), keys)


class StandaloneServerTests(TransactionTestCase):
    """On a standalone server atomic() does not pretend to roll back."""

    available_apps = ["tests.testapp"]

    def test_standalone_server_has_no_transactions(self):
        if os.environ.get("MONGODB_URI"):
            self.skipTest("needs the bundled SecantusDB to start a standalone server")
        port = free_port()
        server = subprocess.Popen(
            [
                *server_command(),
                "--standalone",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--storage-path",
                ":memory:",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(port)
            settings = dict(connection.settings_dict)
            settings["HOST"] = f"mongodb://127.0.0.1:{port}/?directConnection=true"
            standalone = type(connections["default"])(settings, alias="standalone")
            try:
                self.assertIs(standalone.features.supports_transactions, False)
                standalone.set_autocommit(False)
                with standalone.cursor() as cursor:
                    cursor.execute('INSERT INTO "kept" ("x") VALUES (%s)', [1])
                standalone.rollback()
                standalone.set_autocommit(True)
                with standalone.cursor() as cursor:
                    cursor.execute('SELECT COUNT(*) FROM "kept"')
                    self.assertEqual(cursor.fetchone(), (1,))
            finally:
                standalone.close()
        finally:
            terminate(server)
