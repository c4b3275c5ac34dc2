"""GridFS behind Django's Storage API.

::

    STORAGES = {"default": {"BACKEND": "djongo_app.storage.GridFSStorage"}}
    # or per field:
    avatar = models.ImageField(storage=GridFSStorage(bucket="avatars"))
    # and in the URLconf, to serve the files at storage.url(name):
    path("files/", include("djongo_app.storage.urls"))

Files live in a GridFS bucket (``<bucket>.files`` and ``<bucket>.chunks``)
of the database of a ``DATABASES`` alias. Names are unique (as Django's
storages make them); a name's ``/`` separates folders for ``listdir()``.
Inside ``transaction.atomic()`` uploads and deletes run in the block's
MongoDB transaction, so a rolled-back block leaves no file behind.
"""

from __future__ import annotations

import io
import mimetypes
import posixpath
import threading
from datetime import UTC
from urllib.parse import urljoin

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.base import File
from django.core.files.storage import Storage, storages
from django.db.models import FileField
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.encoding import filepath_to_uri
from django.utils.module_loading import import_string

from .files import DEFAULT_CHUNK_SIZE, Bucket, GridFSReader

URL_NAMESPACE = "djongo_app_storage"
DEFAULT_CONTENT_TYPE = "application/octet-stream"

# (alias, bucket) → a storage created in this process (for migrate), and
# the storage whose url() points at djongo_app.storage.urls.
_known: dict[tuple[str, str], GridFSStorage] = {}
_served: dict[tuple[str, str], GridFSStorage] = {}
_registry_lock = threading.Lock()


@deconstructible(path="djongo_app.storage.GridFSStorage")
class GridFSStorage(Storage):
    """A Django storage on a GridFS bucket.

    ``bucket`` (default ``"fs"``) names the bucket in the database of the
    ``using`` alias (default ``"default"``, a djongo_app database).
    ``location`` is prepended to every name. ``base_url`` is where the
    files are served; without it, ``url()`` points at
    ``djongo_app.storage.urls``, which serves this bucket unless
    ``served=False`` (then ``url()`` raises ValueError).
    ``chunk_size`` is the GridFS chunk size of new files.

    Djongo's arguments are accepted: ``collection`` for ``bucket`` and
    ``database`` for ``using``.
    """

    def __init__(
        self,
        bucket=None,
        using=None,
        base_url=None,
        location="",
        *,
        served=True,
        chunk_size=DEFAULT_CHUNK_SIZE,
        collection=None,
        database=None,
    ):
        if bucket is not None and collection is not None and bucket != collection:
            raise ImproperlyConfigured("GridFSStorage: give bucket or collection, not both.")
        if using is not None and database is not None and using != database:
            raise ImproperlyConfigured("GridFSStorage: give using or database, not both.")
        self.bucket = bucket or collection or "fs"
        self.using = using or database or "default"
        if base_url is not None and not base_url.endswith("/"):
            raise ImproperlyConfigured(
                f"GridFSStorage: base_url {base_url!r} must end with a slash."
            )
        if not isinstance(chunk_size, int) or chunk_size <= 0:
            raise ImproperlyConfigured(
                f"GridFSStorage: chunk_size must be a positive integer, not {chunk_size!r}."
            )
        self.base_url = base_url
        self.location = location.strip("/")
        self.served = served
        self.chunk_size = chunk_size
        self.gridfs = Bucket(self.using, self.bucket, chunk_size)
        with _registry_lock:
            _known.setdefault((self.using, self.bucket), self)
            if base_url is None and served:
                _served.setdefault((self.using, self.bucket), self)

    # Names -------------------------------------------------------------------

    def stored_name(self, name):
        """Return the GridFS filename of ``name`` (``location`` prepended)."""
        name = check_name(str(name).replace("\\", "/"))
        return posixpath.join(self.location, name) if self.location else name

    def _relative(self, stored):
        return stored[len(self.location) + 1 :] if self.location else stored

    # Storage API ---------------------------------------------------------------

    def _open(self, name, mode="rb"):
        if any(flag in mode for flag in "wax+"):
            raise ValueError(
                f"GridFSStorage opens files for reading only (mode {mode!r}); write with save()."
            )
        document = self.gridfs.find(self.stored_name(name))
        if document is None:
            raise FileNotFoundError(f"No file {name!r} in GridFS bucket {self.bucket!r}.")
        return GridFSFile(self.gridfs, document, name, mode)

    def _save(self, name, content):
        stored = self.stored_name(name)
        document = self.gridfs.upload(
            stored,
            content.chunks(self.chunk_size),
            {"contentType": self.content_type(name, content)},
            rename=self._rename,
        )
        return self._relative(document["filename"])

    def _rename(self, stored):
        # A concurrent upload took the name between exists() and the insert.
        return self.stored_name(self.get_available_name(self._relative(stored)))

    def content_type(self, name, content=None):
        """Return the type recorded for a new file: guessed from the name,
        else the upload's declared type, else application/octet-stream."""
        guessed, _encoding = mimetypes.guess_type(name)
        declared = getattr(content, "content_type", None)
        return guessed or declared or DEFAULT_CONTENT_TYPE

    def delete(self, name):
        if not name:
            raise ValueError("The name must be given to delete().")
        self.gridfs.delete(self.stored_name(name))

    def exists(self, name):
        return self.gridfs.exists(self.stored_name(name))

    def listdir(self, path):
        prefix = self.stored_name(path).strip("/") if path else self.location
        prefix = f"{prefix}/" if prefix else ""
        directories, files = set(), []
        for stored in self.gridfs.names(prefix):
            head, slash, _rest = stored[len(prefix) :].partition("/")
            if slash:
                directories.add(head)
            else:
                files.append(head)
        return sorted(directories), sorted(files)

    def size(self, name):
        return self._document(name)["length"]

    def url(self, name):
        stored = self.stored_name(name)
        if self.base_url is not None:
            return urljoin(self.base_url, filepath_to_uri(self._relative(stored)))
        if not self.served:
            raise ValueError(f"Files of GridFS bucket {self.bucket!r} are not served by URL.")
        try:
            return reverse(
                f"{URL_NAMESPACE}:file",
                kwargs={"using": self.using, "bucket": self.bucket, "name": stored},
            )
        except NoReverseMatch as exc:
            raise ImproperlyConfigured(
                "GridFSStorage.url() needs djongo_app.storage.urls in the URLconf "
                '(path("files/", include("djongo_app.storage.urls"))) or a base_url.'
            ) from exc

    def get_created_time(self, name):
        return self._datetime(self._document(name)["uploadDate"])

    def get_modified_time(self, name):
        # GridFS files are written once: created is also last modified.
        return self._datetime(self._document(name)["uploadDate"])

    def get_accessed_time(self, name):
        raise NotImplementedError("GridFS does not record when a file was last read.")

    # Helpers -----------------------------------------------------------------

    def file_document(self, name):
        """Return the GridFS files document of ``name``, or None."""
        return self.gridfs.find(self.stored_name(name))

    def _document(self, name):
        document = self.file_document(name)
        if document is None:
            raise FileNotFoundError(f"No file {name!r} in GridFS bucket {self.bucket!r}.")
        return document

    def _datetime(self, value):
        # Stored naive in UTC; Django's storages return aware datetimes
        # with USE_TZ and naive local ones without.
        value = value.replace(tzinfo=UTC)
        if settings.USE_TZ:
            return value
        return timezone.make_naive(value, timezone.get_default_timezone())


class GridFSFile(File):
    """An open stored file: a buffered stream that fetches chunks as it
    is read, plus the file's GridFS facts (``file_id``, ``content_type``,
    ``upload_date``)."""

    def __init__(self, bucket, document, name, mode="rb"):
        raw = GridFSReader(bucket, document)
        stream = io.BufferedReader(raw, buffer_size=document["chunkSize"])
        if "b" not in mode:
            stream = io.TextIOWrapper(stream, encoding="utf-8")
        super().__init__(stream, name)
        self.mode = mode
        self.document = document
        self.size = document["length"]
        self.file_id = document["_id"]
        self.upload_date = document["uploadDate"]
        self.content_type = content_type_of(document)


def check_name(name):
    """Return ``name``, refusing absolute names and ``..`` segments as
    Django's storages do (SuspiciousFileOperation: a 400 in a view)."""
    if name.startswith("/") or ".." in name.split("/"):
        raise SuspiciousFileOperation(f"Detected path traversal attempt in {name!r}")
    return name


def content_type_of(document):
    """Return the content type of a files document: ``metadata.contentType``
    (GridFS's place), else the deprecated top-level ``contentType`` (as
    Djongo wrote it), else a guess from the name."""
    metadata = document.get("metadata") or {}
    declared = metadata.get("contentType") or document.get("contentType")
    if declared:
        return declared
    guessed, _encoding = mimetypes.guess_type(document.get("filename") or "")
    return guessed or DEFAULT_CONTENT_TYPE


def served_storage(using, bucket):
    """Return the storage whose files ``djongo_app.storage.urls`` serves
    for (``using``, ``bucket``), or None: one created in this process
    without ``base_url`` and with ``served=True`` (a FileField's storage,
    an entry of ``STORAGES``...)."""
    storage = _served.get((using, bucket))
    if storage is None:
        # Entries of settings.STORAGES are created on first use.
        known_storages(using)
        storage = _served.get((using, bucket))
    return storage


def known_storages(using=None):
    """Return the GridFSStorage instances of this process: those of
    model fields, of ``STORAGES`` and any other created so far; only
    those on the database ``using`` if it is given."""
    found = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            storage = getattr(field, "storage", None)
            if isinstance(field, FileField) and isinstance(storage, GridFSStorage):
                found[(storage.using, storage.bucket)] = storage
    for alias, options in storages.backends.items():
        try:
            backend = import_string(options.get("BACKEND", ""))
        except ImportError:
            continue
        if isinstance(backend, type) and issubclass(backend, GridFSStorage):
            storage = storages[alias]
            found[(storage.using, storage.bucket)] = storage
    for key, storage in list(_known.items()):
        found.setdefault(key, storage)
    return [storage for (alias, _), storage in found.items() if using in (None, alias)]


def create_buckets(using="default", **kwargs):
    """Create the collections and indexes of the buckets of
    :func:`known_storages` on the database ``using`` (a ``post_migrate``
    receiver: buckets then exist before any transaction uses them)."""
    for storage in known_storages(using):
        storage.gridfs.ensure_indexes()


__all__ = [
    "GridFSFile",
    "GridFSStorage",
    "check_name",
    "content_type_of",
    "create_buckets",
    "known_storages",
    "served_storage",
]
