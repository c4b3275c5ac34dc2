"""GridFSStorage against the server: round trips, names, folders, times,
transactions, and pymongo's GridFS reading what it writes."""

import datetime
import hashlib
import io
import tracemalloc
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test import SimpleTestCase, TestCase, TransactionTestCase, override_settings
from django.utils.timezone import make_naive
from gridfs import GridFSBucket

from djongo_app.passthrough import mongo_session
from djongo_app.storage import GridFSStorage, served_storage
from djongo_app.storage.files import DEFAULT_CHUNK_SIZE, READ_WINDOW_BYTES, exact_pieces
from tests.compatapp.models import Document

SMALL_CHUNK = 1024
# A URLconf without djongo_app.storage.urls.
urlpatterns = []


def payload(size, seed=0):
    """Return ``size`` bytes that differ at every position of a chunk."""
    block = hashlib.sha256(str(seed).encode()).digest()
    return (block * (size // len(block) + 1))[:size]


def database():
    connection.ensure_connection()
    return connection.connection.database


class BucketMixin:
    """A bucket per test class, dropped at its end (flush and rollbacks
    only know model collections). TestCase rolls each test's writes back."""

    chunk_size = SMALL_CHUNK

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = f"t{uuid.uuid4().hex[:10]}"

    @classmethod
    def tearDownClass(cls):
        db = database()
        db.drop_collection(f"{cls.bucket}.files")
        db.drop_collection(f"{cls.bucket}.chunks")
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.storage = GridFSStorage(bucket=self.bucket, chunk_size=self.chunk_size)

    def chunk_count(self, name):
        """Count the chunks of ``name`` in the test's transaction."""
        document = self.storage.file_document(name)
        with mongo_session("default", writes=False) as (db, session):
            chunks = db[f"{self.bucket}.chunks"]
            return chunks.count_documents({"files_id": document["_id"]}, session=session)


class RoundTripTests(BucketMixin, TestCase):
    def test_sizes_around_chunk_boundaries(self):
        sizes = [0, 1, SMALL_CHUNK - 1, SMALL_CHUNK, SMALL_CHUNK + 1, 3 * SMALL_CHUNK + 17]
        for size in sizes:
            with self.subTest(size=size):
                data = payload(size, seed=size)
                name = self.storage.save(f"sizes/{size}.bin", ContentFile(data))
                self.assertEqual(name, f"sizes/{size}.bin")
                with self.storage.open(name) as stored:
                    self.assertEqual(stored.read(), data)
                self.assertEqual(self.storage.size(name), size)
                self.assertEqual(self.chunk_count(name), -(-size // SMALL_CHUNK))

    def test_partial_reads_and_seeks_cross_chunks(self):
        data = payload(5 * SMALL_CHUNK + 3)
        name = self.storage.save("seek.bin", ContentFile(data))
        stored = self.storage.open(name)
        self.assertEqual(stored.read(10), data[:10])
        stored.seek(SMALL_CHUNK - 5)
        self.assertEqual(stored.read(10), data[SMALL_CHUNK - 5 : SMALL_CHUNK + 5])
        stored.seek(-4, io.SEEK_END)
        self.assertEqual(stored.read(), data[-4:])
        # File.chunks() starts from the beginning, as in Django.
        self.assertEqual(b"".join(stored.chunks(chunk_size=700)), data)
        self.assertEqual(stored.size, len(data))
        stored.close()

    def test_text_mode(self):
        name = self.storage.save("notes.txt", ContentFile("første linje\nzweite Zeile\n"))
        with self.storage.open(name, "r") as stored:
            self.assertEqual(stored.readlines(), ["første linje\n", "zweite Zeile\n"])

    def test_large_file_with_the_default_chunk_size(self):
        storage = GridFSStorage(bucket=self.bucket)
        data = payload(5 * 1024 * 1024 + 123)
        name = storage.save("big.bin", ContentFile(data))
        self.assertEqual(storage.file_document(name)["chunkSize"], DEFAULT_CHUNK_SIZE)
        with storage.open(name) as stored:
            self.assertEqual(hashlib.sha256(stored.read()).digest(), hashlib.sha256(data).digest())

    def test_content_type_from_the_name_else_the_upload(self):
        png = self.storage.save("a.png", ContentFile(b"\x89PNG"))
        upload = SimpleUploadedFile("blob", b"x", content_type="application/x-thing")
        blob = self.storage.save("blob", upload)
        self.assertEqual(self.storage.open(png).content_type, "image/png")
        self.assertEqual(self.storage.open(blob).content_type, "application/x-thing")

    def test_missing_file_and_write_modes(self):
        with self.assertRaisesMessage(FileNotFoundError, "No file 'nope.txt'"):
            self.storage.open("nope.txt")
        with self.assertRaises(FileNotFoundError):
            self.storage.size("nope.txt")
        name = self.storage.save("a.txt", ContentFile(b"a"))
        with self.assertRaisesMessage(ValueError, "reading only"):
            self.storage.open(name, "wb")

    def test_path_traversal_is_refused(self):
        for name in ("../etc/passwd", "a/../../b", "/abs"):
            with self.subTest(name=name), self.assertRaises(SuspiciousFileOperation):
                self.storage.exists(name)


class NameTests(BucketMixin, TestCase):
    def test_collisions_get_new_names(self):
        first = self.storage.save("docs/report.pdf", ContentFile(b"one"))
        second = self.storage.save("docs/report.pdf", ContentFile(b"two"))
        self.assertEqual(first, "docs/report.pdf")
        self.assertNotEqual(second, first)
        self.assertRegex(second, r"^docs/report_[A-Za-z0-9]{7}\.pdf$")
        self.assertEqual(self.storage.open(first).read(), b"one")
        self.assertEqual(self.storage.open(second).read(), b"two")

    def test_delete_removes_the_file_and_its_chunks(self):
        name = self.storage.save("gone.bin", ContentFile(payload(3 * SMALL_CHUNK)))
        file_id = self.storage.file_document(name)["_id"]
        self.storage.delete(name)
        self.assertIs(self.storage.exists(name), False)
        with mongo_session("default", writes=False) as (db, session):
            chunks = db[f"{self.bucket}.chunks"]
            self.assertEqual(chunks.count_documents({"files_id": file_id}, session=session), 0)
        # Deleting what is not there is not an error, as in Django's storages.
        self.storage.delete(name)

    def test_listdir(self):
        for name in ("a.txt", "docs/b.txt", "docs/c/d.txt", "docs/c/e.txt", "docsx/f.txt"):
            self.storage.save(name, ContentFile(b"x"))
        self.assertEqual(self.storage.listdir(""), (["docs", "docsx"], ["a.txt"]))
        self.assertEqual(self.storage.listdir("docs"), (["c"], ["b.txt"]))
        self.assertEqual(self.storage.listdir("docs/"), (["c"], ["b.txt"]))
        self.assertEqual(self.storage.listdir("docs/c"), ([], ["d.txt", "e.txt"]))
        self.assertEqual(self.storage.listdir("empty"), ([], []))

    def test_location_prefixes_stored_names(self):
        storage = GridFSStorage(bucket=self.bucket, location="tenant1")
        name = storage.save("docs/a.txt", ContentFile(b"a"))
        self.assertEqual(name, "docs/a.txt")
        self.assertIsNotNone(self.storage.file_document("tenant1/docs/a.txt"))
        self.assertEqual(storage.listdir(""), (["docs"], []))
        self.assertEqual(storage.listdir("docs"), ([], ["a.txt"]))
        self.assertEqual(self.storage.listdir(""), (["tenant1"], []))

    def test_times(self):
        before = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
        name = self.storage.save("t.txt", ContentFile(b"t"))
        created = self.storage.get_created_time(name)
        self.assertEqual(created.tzinfo, datetime.UTC)
        self.assertGreaterEqual(created, before)
        self.assertLessEqual(created, datetime.datetime.now(datetime.UTC))
        self.assertEqual(self.storage.get_modified_time(name), created)
        with self.assertRaisesMessage(NotImplementedError, "last read"):
            self.storage.get_accessed_time(name)
        with override_settings(USE_TZ=False, TIME_ZONE="Europe/Oslo"):
            naive = self.storage.get_created_time(name)
        self.assertIsNone(naive.tzinfo)
        self.assertEqual(naive, make_naive(created, ZoneInfo("Europe/Oslo")))


class StreamingTests(BucketMixin, TestCase):
    chunk_size = DEFAULT_CHUNK_SIZE

    def test_memory_stays_bounded_while_reading_a_large_file(self):
        size = 16 * 1024 * 1024
        self.storage.save("stream.bin", ContentFile(payload(size)))
        digest = hashlib.sha256()
        tracemalloc.start()
        try:
            with self.storage.open("stream.bin") as stored:
                for piece in stored.chunks(64 * 1024):
                    digest.update(piece)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertEqual(digest.digest(), hashlib.sha256(payload(size)).digest())
        # A read window of chunks is held about four times over (the
        # server's reply, its decoded documents...), never the whole file.
        self.assertLess(peak, 5 * READ_WINDOW_BYTES)
        self.assertLess(peak, size // 3)

    def test_memory_stays_bounded_while_writing_a_large_file(self):
        size = 16 * 1024 * 1024

        def pieces():
            for index in range(size // (64 * 1024)):
                yield payload(64 * 1024, seed=index)

        class Stream:
            def chunks(self, chunk_size=None):
                return pieces()

        tracemalloc.start()
        try:
            self.storage.gridfs.upload("written.bin", Stream().chunks(), {})
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertEqual(self.storage.size("written.bin"), size)
        # A write batch is 4 MiB of chunks.
        self.assertLess(peak, 12 * 1024 * 1024)


class TransactionTests(BucketMixin, TransactionTestCase):
    available_apps = ["tests.compatapp"]

    def setUp(self):
        super().setUp()
        if not connection.features.supports_transactions:
            self.skipTest("the server is standalone: no transactions")

    def tearDown(self):
        db = database()
        db[f"{self.bucket}.files"].delete_many({})
        db[f"{self.bucket}.chunks"].delete_many({})
        super().tearDown()

    def committed(self):
        """The bucket's documents as another client sees them."""
        db = database()
        return (
            db[f"{self.bucket}.files"].count_documents({}),
            db[f"{self.bucket}.chunks"].count_documents({}),
        )

    def test_rollback_leaves_no_file(self):
        with self.assertRaisesMessage(RuntimeError, "boom"), transaction.atomic():
            name = self.storage.save("rolled.bin", ContentFile(payload(3 * SMALL_CHUNK)))
            # The block sees its own upload (the name is taken)...
            self.assertIs(self.storage.exists(name), True)
            self.assertEqual(self.storage.open(name).read(), payload(3 * SMALL_CHUNK))
            self.assertNotEqual(self.storage.save("rolled.bin", ContentFile(b"2")), "rolled.bin")
            # ...others do not.
            self.assertEqual(self.committed(), (0, 0))
            raise RuntimeError("boom")
        self.assertEqual(self.committed(), (0, 0))
        self.assertIs(self.storage.exists("rolled.bin"), False)

    def test_commit_keeps_the_file(self):
        with transaction.atomic():
            self.storage.save("kept.bin", ContentFile(payload(2 * SMALL_CHUNK)))
        self.assertEqual(self.committed(), (1, 2))

    def test_rolled_back_delete_keeps_the_file(self):
        self.storage.save("stays.bin", ContentFile(payload(2 * SMALL_CHUNK)))
        with self.assertRaises(RuntimeError), transaction.atomic():
            self.storage.delete("stays.bin")
            self.assertIs(self.storage.exists("stays.bin"), False)
            raise RuntimeError
        self.assertEqual(self.committed(), (1, 2))
        self.assertEqual(self.storage.open("stays.bin").read(), payload(2 * SMALL_CHUNK))

    def test_rollback_of_a_model_with_its_file(self):
        with self.assertRaises(RuntimeError), transaction.atomic():
            Document.objects.create(title="t", attachment=ContentFile(b"x", name="x.txt"))
            raise RuntimeError
        self.assertEqual(Document.objects.count(), 0)
        self.assertIs(Document._meta.get_field("attachment").storage.exists("docs/x.txt"), False)

    def test_a_name_taken_after_the_check_is_renamed_on_insert(self):
        # Another process wins the race between exists() and the insert:
        # the unique index on filename refuses the second files document
        # (outside a transaction, which the clash would abort).
        self.storage.save("race.txt", ContentFile(b"first"))
        document = self.storage.gridfs.upload(
            "race.txt", [b"second"], {}, rename=lambda taken: f"{taken}.2"
        )
        self.assertEqual(document["filename"], "race.txt.2")
        self.assertEqual(self.storage.open("race.txt.2").read(), b"second")

    def test_a_name_clash_inside_a_transaction_is_an_integrity_error(self):
        self.storage.save("clash.txt", ContentFile(b"1"))
        with self.assertRaisesMessage(IntegrityError, "duplicate key"), transaction.atomic():
            self.storage.gridfs.upload("clash.txt", [b"2"], {}, rename=lambda name: "other")
        self.assertEqual(self.committed(), (1, 1))

    def test_pymongo_gridfs_reads_what_the_storage_writes(self):
        data = payload(4 * SMALL_CHUNK + 9)
        name = self.storage.save("interop/a.bin", ContentFile(data))
        bucket = GridFSBucket(database(), bucket_name=self.bucket)
        with bucket.open_download_stream_by_name(name) as stream:
            self.assertEqual(stream.read(), data)
            self.assertEqual(stream.chunk_size, SMALL_CHUNK)
            self.assertEqual(stream.metadata, {"contentType": "application/octet-stream"})

    def test_the_storage_reads_what_pymongo_gridfs_writes(self):
        data = payload(3 * SMALL_CHUNK + 1)
        bucket = GridFSBucket(database(), bucket_name=self.bucket, chunk_size_bytes=SMALL_CHUNK)
        bucket.upload_from_stream("from/pymongo.bin", io.BytesIO(data))
        self.assertEqual(self.storage.open("from/pymongo.bin").read(), data)
        self.assertEqual(self.storage.listdir("from"), ([], ["pymongo.bin"]))

    def test_a_file_opened_in_a_block_reads_after_it(self):
        data = payload(4 * SMALL_CHUNK)
        self.storage.save("later.bin", ContentFile(data))
        with transaction.atomic():
            stored = self.storage.open("later.bin")
            self.assertEqual(stored.read(SMALL_CHUNK), data[:SMALL_CHUNK])
        self.assertEqual(stored.read(), data[SMALL_CHUNK:])


class ConfigurationTests(SimpleTestCase):
    def test_djongo_arguments(self):
        storage = GridFSStorage(collection="myfiles", database="default", base_url="/myfiles/")
        self.assertEqual((storage.bucket, storage.using), ("myfiles", "default"))
        self.assertEqual(storage.url("authors/a b.png"), "/myfiles/authors/a%20b.png")
        self.assertEqual(
            storage.deconstruct(),
            (
                "djongo_app.storage.GridFSStorage",
                (),
                {"collection": "myfiles", "database": "default", "base_url": "/myfiles/"},
            ),
        )

    def test_errors(self):
        cases = [
            ({"bucket": "a", "collection": "b"}, "give bucket or collection"),
            ({"using": "a", "database": "b"}, "give using or database"),
            ({"base_url": "/files"}, "must end with a slash"),
            ({"chunk_size": 0}, "chunk_size must be a positive integer"),
        ]
        for kwargs, message in cases:
            with (
                self.subTest(kwargs=kwargs),
                self.assertRaisesMessage(ImproperlyConfigured, message),
            ):
                GridFSStorage(**kwargs)

    def test_a_database_that_is_not_djongo_app(self):
        storage = GridFSStorage(using="sqlite")
        with self.assertRaisesMessage(ImproperlyConfigured, "need a djongo_app database"):
            storage.exists("a")

    def test_url_needs_the_urlconf_or_a_base_url(self):
        storage = GridFSStorage(bucket="nowhere")
        with override_settings(ROOT_URLCONF="tests.compatapp.urls"):
            self.assertEqual(storage.url("a/b c.txt"), "/files/default/nowhere/a/b%20c.txt")
        with (
            override_settings(ROOT_URLCONF=__name__),
            self.assertRaisesMessage(ImproperlyConfigured, "needs djongo_app.storage.urls"),
        ):
            storage.url("a.txt")
        private = GridFSStorage(bucket="private", served=False)
        with self.assertRaisesMessage(ValueError, "not served by URL"):
            private.url("a.txt")

    @override_settings(
        STORAGES={
            "default": {
                "BACKEND": "djongo_app.storage.GridFSStorage",
                "OPTIONS": {"bucket": "from_settings"},
            },
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    )
    def test_storages_setting(self):
        storage = served_storage("default", "from_settings")
        self.assertIsInstance(storage, GridFSStorage)
        self.assertIs(storages["default"], storage)


@pytest.mark.parametrize(
    ("chunks", "size", "expected"),
    [
        ([b"abc", b"defg", b"h"], 3, [b"abc", b"def", b"gh"]),
        ([b"abcdef"], 2, [b"ab", b"cd", b"ef"]),
        ([b"", b"a"], 4, [b"a"]),
        ([], 4, []),
    ],
)
def test_exact_pieces(chunks, size, expected):
    assert list(exact_pieces(chunks, size)) == expected
