"""import_djongo_gridfs: Djongo's per-folder buckets into one bucket."""

import io
import uuid

from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TransactionTestCase
from gridfs import GridFSBucket

from djongo_app.storage import GridFSStorage


class ImportTests(TransactionTestCase):
    # djongo_app for its management commands.
    available_apps = ["djongo_app", "tests.compatapp"]

    def setUp(self):
        connection.ensure_connection()
        self.db = connection.connection.database
        self.bucket = f"dj{uuid.uuid4().hex[:8]}"
        # Djongo's layout for GridFSStorage(collection=bucket).
        for sub, name, data in [
            ("", "top.txt", b"top"),
            (".authors", "lisa.png", b"\x89PNG lisa"),
            (".a.b", "deep.txt", b"deep" * 100_000),
        ]:
            GridFSBucket(self.db, f"{self.bucket}{sub}").upload_from_stream(name, io.BytesIO(data))

    def tearDown(self):
        for name in self.db.list_collection_names():
            if name.startswith(self.bucket):
                self.db.drop_collection(name)

    def run_command(self, *args):
        out = io.StringIO()
        call_command("import_djongo_gridfs", self.bucket, *args, stdout=out)
        return out.getvalue()

    def test_check_then_import_then_nothing_left(self):
        with self.assertRaisesMessage(CommandError, "2 file(s) of Djongo's layout to import"):
            self.run_command("--check")
        output = self.run_command()
        self.assertIn(f"{self.bucket}.authors → {self.bucket} (authors/...): 1 imported", output)
        storage = GridFSStorage(bucket=self.bucket)
        self.assertEqual(storage.open("authors/lisa.png").read(), b"\x89PNG lisa")
        self.assertEqual(storage.open("a/b/deep.txt").read(), b"deep" * 100_000)
        self.assertEqual(storage.open("top.txt").read(), b"top")
        self.assertEqual(storage.listdir(""), (["a", "authors"], ["top.txt"]))
        # Nothing left to do; a second run changes nothing.
        self.assertIn("0 to import", self.run_command("--check"))
        self.assertIn("0 imported", self.run_command())
        self.assertEqual(self.db[f"{self.bucket}.files"].count_documents({}), 3)

    def test_delete_source_and_clashes(self):
        storage = GridFSStorage(bucket=self.bucket)
        storage.save("authors/lisa.png", ContentFile(b"already here"))
        output = self.run_command("--delete-source")
        self.assertIn("1 name clash(es): authors/lisa.png", output)
        self.assertIn(f"{self.bucket}.a.b: dropped", output)
        names = set(self.db.list_collection_names())
        self.assertNotIn(f"{self.bucket}.a.b.files", names)
        # A clashing folder bucket is kept, and so is the existing file.
        self.assertIn(f"{self.bucket}.authors.files", names)
        self.assertEqual(storage.open("authors/lisa.png").read(), b"already here")
        self.assertEqual(
            self.db[f"{self.bucket}.chunks"].count_documents({}),
            sum(-(-d["length"] // d["chunkSize"]) for d in self.db[f"{self.bucket}.files"].find()),
        )

    def test_not_a_djongo_app_database(self):
        with self.assertRaisesMessage(CommandError, "does not use djongo_app"):
            call_command("import_djongo_gridfs", "x", "--database", "sqlite")
