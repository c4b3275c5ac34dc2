"""Files served by djongo_app.storage.urls; a model FileField and the admin."""

import hashlib
import io
import re

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import path
from django.utils.http import http_date
from PIL import Image

from djongo_app.storage import GridFSStorage
from djongo_app.storage.views import byte_range, serve
from tests.compatapp.models import Document, attachments

CHUNK = 1024
mounted = GridFSStorage(bucket="attachments", base_url="/mounted/", served=False)
urlpatterns = [
    path("mounted/<path:name>", serve, {"storage": mounted}),
]


def payload(size):
    block = hashlib.sha256(b"serving").digest()
    return (block * (size // len(block) + 1))[:size]


def body(response):
    return b"".join(response.streaming_content)


@override_settings(ROOT_URLCONF="tests.compatapp.urls")
class ServingTests(TestCase):
    def setUp(self):
        self.storage = GridFSStorage(bucket="attachments", chunk_size=CHUNK)
        self.data = payload(3 * CHUNK + 100)
        self.name = self.storage.save("served/data.bin", ContentFile(self.data))
        self.url = self.storage.url(self.name)
        self.document = self.storage.file_document(self.name)

    def test_url(self):
        self.assertEqual(self.url, "/files/default/attachments/served/data.bin")

    def test_whole_file(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/octet-stream")
        self.assertEqual(response["Content-Length"], str(len(self.data)))
        self.assertEqual(response["Accept-Ranges"], "bytes")
        self.assertEqual(response["ETag"], f'"{self.document["_id"]}"')
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertIn("sandbox", response["Content-Security-Policy"])
        self.assertEqual(response["Content-Disposition"], 'attachment; filename="data.bin"')
        self.assertIs(response.streaming, True)
        self.assertEqual(body(response), self.data)

    def test_content_type_and_disposition(self):
        cases = [
            ("pic.png", "image/png", "inline"),
            ("notes.txt", "text/plain", "inline"),
            ("page.html", "text/html", "attachment"),
            ("logo.svg", "image/svg+xml", "attachment"),
        ]
        for name, content_type, disposition in cases:
            with self.subTest(name=name):
                stored = self.storage.save(name, ContentFile(b"<x>"))
                response = self.client.get(self.storage.url(stored))
                self.assertEqual(response["Content-Type"], content_type)
                self.assertTrue(response["Content-Disposition"].startswith(disposition))

    def test_conditional_requests(self):
        etag = f'"{self.document["_id"]}"'
        response = self.client.get(self.url, headers={"If-None-Match": etag})
        self.assertEqual(response.status_code, 304)
        self.assertEqual(response["ETag"], etag)
        last_modified = self.client.get(self.url)["Last-Modified"]
        response = self.client.get(self.url, headers={"If-Modified-Since": last_modified})
        self.assertEqual(response.status_code, 304)
        response = self.client.get(self.url, headers={"If-None-Match": '"other"'})
        self.assertEqual(response.status_code, 200)
        response = self.client.get(self.url, headers={"If-Match": '"other"'})
        self.assertEqual(response.status_code, 412)
        older = http_date(86400)
        response = self.client.get(self.url, headers={"If-Unmodified-Since": older})
        self.assertEqual(response.status_code, 412)

    def test_ranges(self):
        length = len(self.data)
        cases = [
            ("bytes=0-9", 0, 9),
            ("bytes=1000-2100", 1000, 2100),  # across chunk boundaries
            (f"bytes={length - 5}-", length - 5, length - 1),
            ("bytes=-7", length - 7, length - 1),
            (f"bytes=10-{length + 50}", 10, length - 1),
        ]
        for header, first, last in cases:
            with self.subTest(header=header):
                response = self.client.get(self.url, headers={"Range": header})
                self.assertEqual(response.status_code, 206)
                self.assertEqual(response["Content-Range"], f"bytes {first}-{last}/{length}")
                self.assertEqual(response["Content-Length"], str(last - first + 1))
                self.assertEqual(body(response), self.data[first : last + 1])

    def test_unsatisfiable_and_ignored_ranges(self):
        length = len(self.data)
        response = self.client.get(self.url, headers={"Range": f"bytes={length}-"})
        self.assertEqual(response.status_code, 416)
        self.assertEqual(response["Content-Range"], f"bytes */{length}")
        for header in ("bytes=0-1,5-6", "items=0-3", "bytes=9-3", "bytes=x-"):
            with self.subTest(header=header):
                response = self.client.get(self.url, headers={"Range": header})
                self.assertEqual(response.status_code, 200)
                self.assertEqual(body(response), self.data)

    def test_if_range(self):
        etag = f'"{self.document["_id"]}"'
        response = self.client.get(self.url, headers={"Range": "bytes=0-3", "If-Range": etag})
        self.assertEqual(response.status_code, 206)
        response = self.client.get(self.url, headers={"Range": "bytes=0-3", "If-Range": '"stale"'})
        self.assertEqual(response.status_code, 200)
        last_modified = self.client.get(self.url)["Last-Modified"]
        response = self.client.get(
            self.url, headers={"Range": "bytes=0-3", "If-Range": last_modified}
        )
        self.assertEqual(response.status_code, 206)

    def test_head(self):
        response = self.client.head(self.url, headers={"Range": "bytes=0-3"})
        self.assertEqual(response.status_code, 206)
        self.assertEqual(response["Content-Length"], "4")
        self.assertEqual(response.content, b"")

    def test_not_found_and_not_served(self):
        self.assertEqual(self.client.get("/files/default/attachments/nope.bin").status_code, 404)
        self.assertEqual(self.client.get("/files/default/unknown/a.bin").status_code, 404)
        self.assertEqual(self.client.get("/files/other/attachments/a.bin").status_code, 404)
        private = GridFSStorage(bucket="private_files", served=False)
        private.save("secret.txt", ContentFile(b"s"))
        self.assertEqual(
            self.client.get("/files/default/private_files/secret.txt").status_code, 404
        )
        response = self.client.get("/files/default/attachments/a/../served/data.bin")
        self.assertIn(response.status_code, (400, 404))
        self.assertEqual(self.client.post(self.url).status_code, 405)

    @override_settings(ROOT_URLCONF=__name__)
    def test_a_view_mounted_on_a_storage(self):
        self.assertEqual(mounted.url(self.name), "/mounted/served/data.bin")
        response = self.client.get(mounted.url(self.name), headers={"Range": "bytes=5-9"})
        self.assertEqual(response.status_code, 206)
        self.assertEqual(body(response), self.data[5:10])

    def test_djongo_top_level_content_type(self):
        # Djongo wrote contentType at the top of the files document.
        from djongo_app.passthrough import mongo_call

        mongo_call(
            "default",
            "attachments.files",
            "update_one",
            {"_id": self.document["_id"]},
            {"$unset": {"metadata": ""}, "$set": {"contentType": "image/gif"}},
        )
        self.assertEqual(self.client.get(self.url)["Content-Type"], "image/gif")


class ByteRangeTests(TestCase):
    def test_table(self):
        cases = [
            (None, 10, None),
            ("bytes=0-0", 10, (0, 0)),
            ("bytes=-20", 10, (0, 9)),
            ("bytes=3-", 10, (3, 9)),
            ("bytes=-", 10, None),
            ("bytes=5-2", 10, None),
        ]
        for header, length, expected in cases:
            with self.subTest(header=header):
                self.assertEqual(byte_range(header, length), expected)


def png(color="red", size=(4, 3)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


@override_settings(ROOT_URLCONF="tests.compatapp.urls")
class FileFieldTests(TestCase):
    def test_model_file_field(self):
        document = Document.objects.create(
            title="report", attachment=ContentFile(b"%PDF-1.4 ...", name="report.pdf")
        )
        document = Document.objects.get(pk=document.pk)
        self.assertEqual(document.attachment.name, "docs/report.pdf")
        self.assertIs(document.attachment.storage, attachments)
        self.assertEqual(document.attachment.read(), b"%PDF-1.4 ...")
        self.assertEqual(document.attachment.size, 12)
        self.assertEqual(document.attachment.url, "/files/default/attachments/docs/report.pdf")
        response = self.client.get(document.attachment.url)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertEqual(body(response), b"%PDF-1.4 ...")
        document.attachment.delete()
        self.assertIs(attachments.exists("docs/report.pdf"), False)
        self.assertEqual(Document.objects.get(pk=document.pk).attachment.name, "")

    def test_image_field_reads_dimensions_from_gridfs(self):
        document = Document.objects.create(
            title="pic", picture=SimpleUploadedFile("pic.png", png(), "image/png")
        )
        document = Document.objects.get(pk=document.pk)
        self.assertEqual((document.picture.width, document.picture.height), (4, 3))


@override_settings(
    ROOT_URLCONF="tests.compatapp.urls",
    MIDDLEWARE=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ],
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "APP_DIRS": True,
            "OPTIONS": {
                "context_processors": [
                    "django.template.context_processors.request",
                    "django.contrib.auth.context_processors.auth",
                    "django.contrib.messages.context_processors.messages",
                ]
            },
        }
    ],
)
class AdminUploadTests(TestCase):
    def setUp(self):
        user = User.objects.create_superuser("admin", "admin@example.com", "pw")
        self.client.force_login(user)

    def test_upload_show_and_replace(self):
        response = self.client.post(
            "/admin/compatapp/document/add/",
            {
                "title": "uploaded",
                "attachment": SimpleUploadedFile("notes.txt", b"hello gridfs", "text/plain"),
                "picture": SimpleUploadedFile("pic.png", png("blue"), "image/png"),
            },
        )
        self.assertEqual(response.status_code, 302, response.content[:2000])
        document = Document.objects.get(title="uploaded")
        self.assertEqual(document.attachment.name, "docs/notes.txt")
        self.assertEqual(attachments.open("docs/notes.txt").read(), b"hello gridfs")
        self.assertEqual(document.picture.name, "pictures/pic.png")

        change = self.client.get(f"/admin/compatapp/document/{document.pk}/change/")
        self.assertContains(change, 'href="/files/default/attachments/docs/notes.txt"')
        links = re.findall(r'href="(/files/[^"]+)"', change.content.decode())
        self.assertIn("/files/default/attachments/pictures/pic.png", links)
        image = self.client.get("/files/default/attachments/pictures/pic.png")
        self.assertEqual(image["Content-Type"], "image/png")
        self.assertEqual(body(image), png("blue"))

        response = self.client.post(
            f"/admin/compatapp/document/{document.pk}/change/",
            {
                "title": "uploaded",
                "attachment": SimpleUploadedFile("notes.txt", b"second", "text/plain"),
                "picture-clear": "on",
            },
        )
        self.assertEqual(response.status_code, 302, response.content[:2000])
        document.refresh_from_db()
        # The new upload gets its own name; Django leaves the old file.
        self.assertRegex(document.attachment.name, r"^docs/notes_[A-Za-z0-9]{7}\.txt$")
        self.assertEqual(document.attachment.read(), b"second")
        self.assertEqual(document.picture.name, "")
