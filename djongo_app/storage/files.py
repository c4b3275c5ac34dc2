"""GridFS buckets read and written in the connection's transaction.

The layout is MongoDB's GridFS specification, so ``mongofiles`` and
pymongo's ``GridFSBucket`` read what is written here: a bucket ``fs`` is
the collections ``fs.files`` (one document per file: ``_id``, ``length``,
``chunkSize``, ``uploadDate``, ``filename``, ``metadata``) and
``fs.chunks`` (``files_id``, ``n``, ``data``).

pymongo's own GridFS classes refuse sessions in a transaction; these run
every read and write through :func:`djongo_app.passthrough.mongo_session`,
so inside ``atomic()`` an upload or a delete commits or rolls back with the
block. Files are written chunk batch by chunk batch and read window by
window: memory stays bounded by :data:`WRITE_BATCH_BYTES` and
:data:`READ_WINDOW_BYTES`, whatever the file's size.
"""

from __future__ import annotations

import datetime
import io
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from bson import Binary, ObjectId
from django.db import DataError, IntegrityError
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError, OperationFailure

from ..errors import DUPLICATE_KEY_CODES, wrap_pymongo_errors
from ..passthrough import mongo_call, mongo_connection, mongo_session

# GridFS's default chunk size: 255 KiB, so a chunk and its document fit
# well under MongoDB's 16 MiB limit and a 1 MiB read is four chunks.
DEFAULT_CHUNK_SIZE = 255 * 1024
# Bytes of chunks sent per insert_many while uploading.
WRITE_BATCH_BYTES = 4 * 1024 * 1024
# Bytes of chunks fetched per query while reading.
READ_WINDOW_BYTES = 1024 * 1024
# The unique index that keeps two files from taking the same name (GridFS
# itself allows revisions; Django's storages name every file once).
UNIQUE_NAME_INDEX = "djongo_app_unique_filename"

_indexed: set[tuple[int, str, str]] = set()
_indexed_lock = threading.Lock()


def upload_date() -> datetime.datetime:
    """Return the current UTC time at BSON's millisecond precision."""
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def exact_pieces(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    """Yield ``chunks`` re-cut into pieces of exactly ``size`` bytes (the
    last may be shorter), as GridFS stores them."""
    buffer = bytearray()
    for chunk in chunks:
        if isinstance(chunk, str):
            chunk = chunk.encode()
        buffer += chunk
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)


class Bucket:
    """A GridFS bucket in the database of a Django connection alias."""

    def __init__(self, using: str, name: str, chunk_size: int = DEFAULT_CHUNK_SIZE):
        self.using = using
        self.name = name
        self.chunk_size = chunk_size
        self.files = f"{name}.files"
        self.chunks = f"{name}.chunks"

    # Indexes -----------------------------------------------------------------

    def ensure_indexes(self) -> None:
        """Create the bucket's collections and indexes once per process,
        before its first use and outside any transaction.

        The GridFS specification's two indexes, plus a unique index on
        ``filename``; if stored files already share a name (revisions
        written by other tools) it cannot be built, and names are kept
        apart only by ``exists()``.

        A transaction cannot write to a collection created after it took
        its snapshot (MongoDB answers with a transient WriteConflict), and
        an index built meanwhile is a catalog change too. So ``migrate``
        creates the buckets of the storages it knows
        (:func:`djongo_app.storage.create_buckets`), and here nothing is
        created while a transaction is under way: its writes create the
        collections inside it, and the indexes follow at the next use
        outside a transaction.
        """
        wrapper = mongo_connection(self.using)
        wrapper.ensure_connection()
        connection = wrapper.connection
        database = connection.database
        key = (id(database.client), database.name, self.name)
        if key in _indexed:
            return
        with _indexed_lock, wrapper.wrap_database_errors, wrap_pymongo_errors():
            if key in _indexed:
                return
            if not (connection.autocommit or connection.at_transaction_start):
                if UNIQUE_NAME_INDEX in database[self.files].index_information():
                    _indexed.add(key)
                return
            database[self.chunks].create_index(
                [("files_id", ASCENDING), ("n", ASCENDING)], unique=True
            )
            database[self.files].create_index([("filename", ASCENDING), ("uploadDate", ASCENDING)])
            try:
                database[self.files].create_index(
                    [("filename", ASCENDING)], unique=True, name=UNIQUE_NAME_INDEX
                )
            except OperationFailure as exc:
                if exc.code not in DUPLICATE_KEY_CODES:
                    raise
            _indexed.add(key)

    # Files -------------------------------------------------------------------

    def find(self, filename: str) -> dict[str, Any] | None:
        """Return the files document of ``filename`` (its newest revision
        if there are several), or None."""
        self.ensure_indexes()
        with mongo_session(self.using, writes=False) as (database, session):
            return database[self.files].find_one(
                {"filename": filename},
                sort=[("uploadDate", DESCENDING), ("_id", DESCENDING)],
                session=session,
            )

    def exists(self, filename: str) -> bool:
        self.ensure_indexes()
        with mongo_session(self.using, writes=False) as (database, session):
            found = database[self.files].find_one(
                {"filename": filename}, projection={"_id": 1}, session=session
            )
        return found is not None

    def names(self, prefix: str) -> Iterator[str]:
        """Yield the stored names that start with ``prefix``, in order (a
        range on the filename index, not a regular expression)."""
        query: dict[str, Any] = {}
        if prefix:
            # Every string that starts with prefix sorts in [prefix, upper).
            upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            query = {"filename": {"$gte": prefix, "$lt": upper}}
        self.ensure_indexes()
        with mongo_session(self.using, writes=False) as (database, session):
            documents = list(
                database[self.files].find(
                    query, projection={"filename": 1, "_id": 0}, session=session
                )
            )
        for document in documents:
            name = document.get("filename")
            if isinstance(name, str):
                yield name

    def upload(
        self, filename: str, chunks: Iterable[bytes], metadata: dict[str, Any], rename=None
    ) -> dict[str, Any]:
        """Store ``chunks`` as the file ``filename`` and return its files
        document: chunks first, in batches, then the files document, so a
        reader never sees a partial file.

        When another file took ``filename`` meanwhile (the unique index
        refuses it), ``rename(filename)`` gives the name to try next; inside
        a transaction the clash ends the transaction instead (MongoDB
        aborts it on any write error) and surfaces as IntegrityError.
        """
        self.ensure_indexes()
        with mongo_session(self.using, writes=False) as (_database, session):
            in_transaction = session is not None
        file_id = ObjectId()
        length = 0
        batch: list[dict[str, Any]] = []
        per_batch = max(1, WRITE_BATCH_BYTES // self.chunk_size)
        try:
            for n, piece in enumerate(exact_pieces(chunks, self.chunk_size)):
                batch.append({"files_id": file_id, "n": n, "data": Binary(piece)})
                length += len(piece)
                if len(batch) >= per_batch:
                    self._insert_chunks(batch)
                    batch = []
            if batch:
                self._insert_chunks(batch)
            document = {
                "_id": file_id,
                "length": length,
                "chunkSize": self.chunk_size,
                "uploadDate": upload_date(),
                "filename": filename,
                "metadata": metadata,
            }
            while not self._insert_file(document, retry=rename is not None):
                document["filename"] = rename(document["filename"])
            return document
        except BaseException:
            if not in_transaction:
                # Outside a transaction nothing rolls the chunks back.
                self._delete_chunks(file_id)
            raise

    def _insert_file(self, document: dict[str, Any], retry: bool) -> bool:
        """Insert the files document; return False if its name is taken
        and the caller may retry under another name (not in a
        transaction, which the server has aborted by then)."""
        try:
            mongo_call(self.using, self.files, "insert_one", document)
        except IntegrityError as exc:
            # _id is new, so the unique name index refused it (inside a
            # transaction, which cannot go on with another name, the
            # error stands).
            if not _caused_by(exc, DuplicateKeyError):
                raise
            if not retry or mongo_connection(self.using).connection.in_transaction:
                raise
            return False
        return True

    def _insert_chunks(self, batch: list[dict[str, Any]]) -> None:
        mongo_call(self.using, self.chunks, "insert_many", batch, ordered=True)

    def _delete_chunks(self, file_id: ObjectId) -> None:
        try:
            with mongo_session(self.using) as (database, session):
                database[self.chunks].delete_many({"files_id": file_id}, session=session)
        except Exception:
            # Best effort: the upload's own error is the one to raise.
            pass

    def delete(self, filename: str) -> int:
        """Delete every revision of ``filename`` and their chunks; return
        how many files there were (files documents first, as GridFS does:
        a reader then finds no file rather than a file without chunks)."""
        self.ensure_indexes()
        with mongo_session(self.using, writes=False) as (database, session):
            ids = [
                document["_id"]
                for document in database[self.files].find(
                    {"filename": filename}, projection={"_id": 1}, session=session
                )
            ]
        if not ids:
            return 0
        mongo_call(self.using, self.files, "delete_many", {"_id": {"$in": ids}})
        mongo_call(self.using, self.chunks, "delete_many", {"files_id": {"$in": ids}})
        return len(ids)

    def read_chunks(self, document: dict[str, Any], first: int, count: int) -> list[bytes]:
        """Return the data of chunks ``first`` .. ``first + count - 1`` of
        the file ``document``; a missing or mis-sized chunk is a DataError."""
        total = chunk_count(document)
        last = min(first + count, total) - 1
        with mongo_session(self.using, writes=False) as (database, session):
            found = list(
                database[self.chunks].find(
                    {"files_id": document["_id"], "n": {"$gte": first, "$lte": last}},
                    sort=[("n", ASCENDING)],
                    session=session,
                )
            )
        pieces = []
        for expected, chunk in enumerate(found, start=first):
            if chunk["n"] != expected:
                break
            # Binary is a bytes subclass: kept as it is, not copied.
            pieces.append(chunk["data"])
        if len(pieces) != last - first + 1:
            raise DataError(
                f"djongo_app: GridFS file {document.get('filename')!r} ({document['_id']}) "
                f"in bucket {self.name!r} lacks chunk {first + len(pieces)}."
            )
        for n, piece in enumerate(pieces, start=first):
            expected_size = (
                document["length"] - n * document["chunkSize"]
                if n == total - 1
                else document["chunkSize"]
            )
            if len(piece) != expected_size:
                raise DataError(
                    f"djongo_app: GridFS file {document.get('filename')!r} "
                    f"({document['_id']}) has chunk {n} of {len(piece)} bytes, "
                    f"expected {expected_size}."
                )
        return pieces


def chunk_count(document: dict[str, Any]) -> int:
    """Return how many chunks the file ``document`` has."""
    size = document["chunkSize"]
    return (document["length"] + size - 1) // size


class GridFSReader(io.RawIOBase):
    """A seekable binary stream over one stored file, fetching a window of
    chunks (:data:`READ_WINDOW_BYTES`) per query; each query runs in the
    connection's session of the moment (so a stream opened in ``atomic()``
    can still be read after the block)."""

    def __init__(self, bucket: Bucket, document: dict[str, Any]):
        super().__init__()
        self.bucket = bucket
        self.document = document
        self.length = document["length"]
        self.chunk_size = document["chunkSize"]
        self.window = max(1, READ_WINDOW_BYTES // self.chunk_size)
        self.position = 0
        self._first = 0
        self._pieces: list[bytes] = []

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.length}[whence]
        position = base + offset
        if position < 0:
            raise ValueError(f"negative seek position {position}")
        self.position = position
        return position

    def _piece(self, n: int) -> bytes:
        if not self._first <= n < self._first + len(self._pieces):
            self._pieces = []  # drop the old window before fetching the next
            self._pieces = self.bucket.read_chunks(self.document, n, self.window)
            self._first = n
        return self._pieces[n - self._first]

    def readinto(self, buffer: Any) -> int:
        if self.position >= self.length:
            return 0
        n, offset = divmod(self.position, self.chunk_size)
        piece = self._piece(n)
        size = min(len(buffer), len(piece) - offset)
        memoryview(buffer)[:size] = memoryview(piece)[offset : offset + size]
        self.position += size
        return size

    def readall(self) -> bytes:
        parts = []
        while self.position < self.length:
            n, offset = divmod(self.position, self.chunk_size)
            piece = self._piece(n)[offset:]
            parts.append(piece)
            self.position += len(piece)
        return b"".join(parts)

    def close(self) -> None:
        self._pieces = []
        super().close()


__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "READ_WINDOW_BYTES",
    "WRITE_BATCH_BYTES",
    "Bucket",
    "GridFSReader",
    "chunk_count",
    "exact_pieces",
]


def _caused_by(exc: BaseException | None, kind: type[BaseException]) -> bool:
    """Return whether ``kind`` is in the chain of causes of ``exc``."""
    while exc is not None:
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__
    return False
