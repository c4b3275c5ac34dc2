"""GridFSStorage throughput against pymongo's GridFSBucket, and memory.

Run with ``python benchmarks/bench_gridfs.py [--mib N] [--repeat R]`` from the
repository root (djongo_app's test extra installed). The server is
$MONGODB_URI or a SecantusDB started for the run. Prints MiB/s for
uploads and downloads of an N MiB file through the storage (autocommit,
and inside ``atomic()``), through ``djongo_app.storage.urls`` (the
streamed response, read whole), and through pymongo's own GridFSBucket;
then the peak Python memory (tracemalloc) of each path.

SecantusDB with in-memory storage (the default here) runs out of
WiredTiger cache (WT_CACHE_FULL, its oplog) after a few 64 MiB uploads;
for larger files start it with ``--storage-path DIR`` and set MONGODB_URI.
"""

import argparse
import io
import os
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django
from django.conf import settings

from djongo_app.testing import server_uri

MIB = 1024 * 1024
urlpatterns = []  # filled by configure()


def configure() -> None:
    settings.configure(
        DATABASES={
            "default": {
                "ENGINE": "djongo_app",
                "NAME": "djongo_app_bench_gridfs",
                "HOST": server_uri(),
            }
        },
        INSTALLED_APPS=["djongo_app"],
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=["testserver"],
        USE_TZ=True,
    )
    django.setup()
    from django.urls import include, path

    urlpatterns.append(path("files/", include("djongo_app.storage.urls")))


def measure(function):
    """Return (seconds, peak traced bytes) of one call."""
    tracemalloc.start()
    start = time.perf_counter()
    function()
    seconds = time.perf_counter() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    configure()
    from django.core.files.base import ContentFile
    from django.db import connection, transaction
    from django.test import Client
    from gridfs import GridFSBucket

    from djongo_app.storage import GridFSStorage

    connection.ensure_connection()
    database = connection.connection.database
    database.client.drop_database(database.name)
    size = options.mib * MIB
    data = os.urandom(size)
    storage = GridFSStorage(bucket="bench")
    bucket = GridFSBucket(database, "raw")
    client = Client()

    def storage_upload():
        storage.save("bench.bin", ContentFile(data))

    def atomic_upload():
        with transaction.atomic():
            storage.save("bench.bin", ContentFile(data))

    def storage_download():
        with storage.open("bench.bin") as stored:
            for _piece in stored.chunks(64 * 1024):
                pass

    def served_download():
        response = client.get(storage.url("bench.bin"))
        for _piece in response.streaming_content:
            pass

    def pymongo_upload():
        bucket.upload_from_stream("bench.bin", io.BytesIO(data))

    def pymongo_download():
        with bucket.open_download_stream_by_name("bench.bin") as stream:
            while stream.read(64 * 1024):
                pass

    def clean_storage():
        storage.delete("bench.bin")

    def clean_pymongo():
        for document in bucket.find({"filename": "bench.bin"}):
            bucket.delete(document._id)

    plans = [
        ("upload   storage (autocommit)", storage_upload, clean_storage),
        ("upload   storage in atomic()", atomic_upload, clean_storage),
        ("upload   pymongo GridFSBucket", pymongo_upload, clean_pymongo),
    ]
    storage_upload()
    pymongo_upload()
    reads = [
        ("download storage.open().chunks()", storage_download),
        ("download storage.urls response", served_download),
        ("download pymongo GridFSBucket", pymongo_download),
    ]
    print(f"{options.mib} MiB file, best of {options.repeat}:")
    clean_storage()
    clean_pymongo()
    for label, function, cleanup in plans:
        runs = []
        for _ in range(options.repeat):
            runs.append(measure(function))
            cleanup()
        seconds = min(run[0] for run in runs)
        peak = max(run[1] for run in runs)
        print(f"  {label:34} {options.mib / seconds:8.1f} MiB/s  peak {peak / MIB:6.1f} MiB")
    storage_upload()
    pymongo_upload()
    for label, function in reads:
        runs = [measure(function) for _ in range(options.repeat)]
        seconds = min(run[0] for run in runs)
        peak = max(run[1] for run in runs)
        print(f"  {label:34} {options.mib / seconds:8.1f} MiB/s  peak {peak / MIB:6.1f} MiB")
    database.client.drop_database(database.name)


if __name__ == "__main__":
    main()
