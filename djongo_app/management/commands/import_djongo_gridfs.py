"""``manage.py import_djongo_gridfs BUCKET [--check] [--delete-source]``.

Djongo's GridFSStorage kept each folder of a file name in a GridFS bucket of
its own: ``authors/lisa.png`` of ``GridFSStorage(collection="myfiles")``
was the file ``lisa.png`` of the bucket ``myfiles.authors``. djongo_app's
storage keeps one bucket, ``myfiles``, whose file names carry their folders
(``authors/lisa.png``), which is what a FileField stores in either case.

This command moves the files of every bucket ``BUCKET.<folders>`` into
``BUCKET`` under ``<folders with / for .>/<name>``: each files document
keeps its ``_id``, its chunks are copied as they are, and files already
imported are skipped, so an interrupted run can be repeated. Files at the
top of the bucket are in place already. ``--check`` only reports and exits
non-zero when there is something to import; ``--delete-source`` drops each
folder bucket once all of its files are imported. A folder name that held
a dot is not recoverable (Djongo wrote ``a.b/x`` and ``a/b/x`` alike): it
comes back as ``a/b``.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from pymongo.errors import DuplicateKeyError

from djongo_app.errors import wrap_pymongo_errors
from djongo_app.storage.files import WRITE_BATCH_BYTES, Bucket


class Command(BaseCommand):
    help = "Move files of Djongo's per-folder GridFS buckets into one djongo_app bucket."

    def add_arguments(self, parser):
        parser.add_argument("bucket", help="Djongo's collection= (GridFSStorage's bucket)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--check", action="store_true", help="report what would move; change nothing"
        )
        parser.add_argument(
            "--delete-source",
            action="store_true",
            help="drop each folder bucket once its files are imported",
        )

    def handle(self, bucket, database, check=False, delete_source=False, **options):
        connection = connections[database]
        if connection.vendor != "mongodb":
            raise CommandError(f"Database {database!r} does not use djongo_app.")
        Bucket(database, bucket).ensure_indexes()
        db = connection.connection.database
        with wrap_pymongo_errors():
            names = set(db.list_collection_names())
        folders = sorted(
            name[len(bucket) + 1 : -len(".files")]
            for name in names
            if name.startswith(f"{bucket}.")
            and name.endswith(".files")
            and name != f"{bucket}.files"
        )
        pending = 0
        for folder in folders:
            with wrap_pymongo_errors():
                moved, waiting, clashes = self.import_folder(db, bucket, folder, check)
            pending += waiting
            prefix = folder.replace(".", "/")
            self.stdout.write(
                f"{bucket}.{folder} → {bucket} ({prefix}/...): "
                + (f"{waiting} to import" if check else f"{moved} imported")
                + (f", {len(clashes)} name clash(es): {', '.join(clashes)}" if clashes else "")
            )
            if delete_source and not check and not clashes:
                with wrap_pymongo_errors():
                    db.drop_collection(f"{bucket}.{folder}.files")
                    db.drop_collection(f"{bucket}.{folder}.chunks")
                self.stdout.write(f"{bucket}.{folder}: dropped")
        if not folders:
            self.stdout.write(f"No Djongo folder buckets under {bucket!r}.")
        if check and pending:
            raise CommandError(f"{pending} file(s) of Djongo's layout to import into {bucket!r}.")

    def import_folder(self, db, bucket, folder, check):
        """Import the files of ``BUCKET.folder``; return (imported, still
        to import, names that clash with other files)."""
        source_files = db[f"{bucket}.{folder}.files"]
        source_chunks = db[f"{bucket}.{folder}.chunks"]
        target_files = db[f"{bucket}.files"]
        target_chunks = db[f"{bucket}.chunks"]
        prefix = folder.replace(".", "/")
        moved, waiting, clashes = 0, 0, []
        for document in source_files.find({}, sort=[("uploadDate", 1), ("_id", 1)]):
            name = f"{prefix}/{document.get('filename')}"
            if target_files.find_one({"_id": document["_id"]}, {"_id": 1}) is not None:
                continue
            waiting += 1
            if check:
                continue
            # Chunks an interrupted run left behind (its files document
            # was never written).
            target_chunks.delete_many({"files_id": document["_id"]})
            per_batch = max(1, WRITE_BATCH_BYTES // max(1, document.get("chunkSize", 1)))
            batch = []
            for chunk in source_chunks.find({"files_id": document["_id"]}, sort=[("n", 1)]):
                batch.append(chunk)
                if len(batch) >= per_batch:
                    target_chunks.insert_many(batch)
                    batch = []
            if batch:
                target_chunks.insert_many(batch)
            try:
                # The files document last: readers never see a partial file.
                target_files.insert_one({**document, "filename": name})
            except DuplicateKeyError:
                target_chunks.delete_many({"files_id": document["_id"]})
                clashes.append(name)
                continue
            moved += 1
        return moved, waiting, clashes
