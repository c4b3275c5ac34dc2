"""Models whose files live in GridFS (djongo_app.storage)."""

from django.db import models

from djongo_app.storage import GridFSStorage

attachments = GridFSStorage(bucket="attachments")


class Document(models.Model):
    title = models.CharField(max_length=100)
    attachment = models.FileField(upload_to="docs/", storage=attachments, blank=True)
    picture = models.ImageField(upload_to="pictures/", storage=attachments, blank=True)

    def __str__(self):
        return self.title
