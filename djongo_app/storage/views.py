"""Serve GridFS files: streamed, with Content-Type, validators and ranges.

* ``Content-Type`` is the type recorded at upload; types a browser could
  run as a page (HTML, SVG, XML...) are sent as attachments, and every
  response carries ``X-Content-Type-Options: nosniff`` and a sandboxing
  ``Content-Security-Policy``: uploaded files are untrusted.
* ``ETag`` (the file's ``_id``: a stored file never changes) and
  ``Last-Modified`` answer ``If-None-Match``/``If-Modified-Since`` with 304
  and ``If-Match``/``If-Unmodified-Since`` with 412.
* A single ``Range: bytes=...`` gets 206 with ``Content-Range`` (416 when
  it lies beyond the end); ``If-Range`` that does not match sends the whole
  file. Several ranges in one header are answered with the whole file, as
  RFC 9110 allows.
* The body streams a chunk at a time; memory does not grow with the file.
"""

from __future__ import annotations

import calendar
import posixpath
import re

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, http_date, parse_http_date_safe
from django.views.decorators.http import require_safe

from . import check_name, content_type_of, served_storage
from .files import GridFSReader

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
# Types shown in the browser; anything else is downloaded.
INLINE_TYPES = ("image/", "audio/", "video/", "text/plain", "application/pdf")
# Images that are documents with scripts.
ATTACHMENT_TYPES = ("image/svg+xml",)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


class RangeNotSatisfiable(Exception):
    """The requested range starts beyond the end of the file."""


def byte_range(header, length):
    """Return the inclusive ``(first, last)`` byte positions a ``Range``
    header asks for, or None to send the whole file (no header, one that
    is malformed, or several ranges); raise RangeNotSatisfiable."""
    match = RANGE.match(header or "")
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        # bytes=-N: the last N bytes.
        suffix = int(last)
        if suffix == 0 or length == 0:
            raise RangeNotSatisfiable
        return max(0, length - suffix), length - 1
    first = int(first)
    if last and int(last) < first:
        return None
    if first >= length:
        raise RangeNotSatisfiable
    end = min(int(last), length - 1) if last else length - 1
    return first, end


def range_applies(request, etag, last_modified):
    """Return whether a Range header is to be honoured: without If-Range,
    or when If-Range names the current ETag or Last-Modified date."""
    condition = request.headers.get("If-Range")
    if condition is None:
        return True
    if condition.startswith('"'):
        return condition == etag
    return parse_http_date_safe(condition) == last_modified


def stream(bucket, document, first, count):
    """Yield ``count`` bytes of the file from position ``first``, a chunk
    at a time."""
    reader = GridFSReader(bucket, document)
    try:
        reader.seek(first)
        remaining = count
        while remaining > 0:
            data = reader.read(min(reader.chunk_size, remaining))
            if not data:
                return
            remaining -= len(data)
            yield data
    finally:
        reader.close()


def file_response(request, bucket, document):
    """Return the response serving the files ``document`` of ``bucket``."""
    length = document["length"]
    etag = f'"{document["_id"]}"'
    last_modified = calendar.timegm(document["uploadDate"].utctimetuple())
    validators = {"ETag": etag, "Last-Modified": http_date(last_modified)}
    conditional = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if conditional is not None:
        for header, value in validators.items():
            conditional.headers.setdefault(header, value)
        return conditional
    status, first, count = 200, 0, length
    headers = {**validators, **SECURITY_HEADERS, "Accept-Ranges": "bytes"}
    if "Range" in request.headers and range_applies(request, etag, last_modified):
        try:
            requested = byte_range(request.headers["Range"], length)
        except RangeNotSatisfiable:
            return HttpResponse(
                status=416, headers={**headers, "Content-Range": f"bytes */{length}"}
            )
        if requested is not None:
            first, last = requested
            status, count = 206, last - first + 1
            headers["Content-Range"] = f"bytes {first}-{last}/{length}"
    content_type = content_type_of(document)
    inline = content_type.startswith(INLINE_TYPES) and content_type not in ATTACHMENT_TYPES
    headers["Content-Disposition"] = content_disposition_header(
        not inline, posixpath.basename(document["filename"])
    )
    headers["Content-Length"] = str(count)
    if request.method == "HEAD":
        return HttpResponse(status=status, content_type=content_type, headers=headers)
    return StreamingHttpResponse(
        stream(bucket, document, first, count),
        status=status,
        content_type=content_type,
        headers=headers,
    )


@require_safe
def serve(request, name, storage):
    """Serve ``name`` of ``storage`` (for a URL pattern of your own, such
    as ``path("media/<path:name>", serve, {"storage": my_storage})``)."""
    document = storage.file_document(name)
    if document is None:
        raise Http404(f"No file {name!r}.")
    return file_response(request, storage.gridfs, document)


@require_safe
def serve_bucket(request, using, bucket, name):
    """Serve the stored file ``name`` of ``bucket`` on the database
    ``using``: the view of ``djongo_app.storage.urls``. Only buckets of
    storages that send their ``url()`` here are served."""
    storage = served_storage(using, bucket)
    if storage is None:
        raise Http404(f"GridFS bucket {bucket!r} of database {using!r} is not served.")
    document = storage.gridfs.find(check_name(name))
    if document is None:
        raise Http404(f"No file {name!r}.")
    return file_response(request, storage.gridfs, document)


__all__ = ["byte_range", "file_response", "serve", "serve_bucket"]
